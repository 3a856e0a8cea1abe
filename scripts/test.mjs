#!/usr/bin/env node
// The one test command (`npm test`, and CI's .ci/run): type-check and build, lint, unit and model
// tests, then the ONNX conformance run. Each suite prints its wall time; the first failure fails all.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
const TAP = join('dist', 'unit-tests.tap');
const SUMMARY = join('dist', 'conformance-summary.json');

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const suites = [
  ['type-check and build', bin('tsc'), ['-p', 'tsconfig.json']],
  ['lint', bin('eslint'), ['--max-warnings=0', '.']],
  ['format', bin('prettier'), ['--check', '--log-level=warn', '.']],
  // a test that hangs fails after its timeout instead of stalling CI
  [
    'unit and model tests',
    process.execPath,
    () => [
      '--test',
      '--test-timeout=300000',
      '--test-reporter=dot',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${TAP}`,
      ...testFiles('dist/test'),
    ],
  ],
  ['ONNX conformance', process.execPath, ['dist/test/conformance/run.js']],
];

/** Counts from the TAP summary, so the unit-test totals are printed like the conformance ones. */
function unitCounts() {
  if (!existsSync(TAP)) return undefined;
  const tap = readFileSync(TAP, 'utf8');
  const n = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return { pass: n('pass'), fail: n('fail'), skip: n('skipped') + n('todo') };
}

rmSync(TAP, { force: true });
rmSync(SUMMARY, { force: true });
const times = [];
let failed = false;
for (const [name, cmd, args] of suites) {
  const start = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, typeof args === 'function' ? args() : args, { stdio: 'inherit' });
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  times.push(`${name}: ${seconds}s${r.status === 0 ? '' : ' (FAILED)'}`);
  console.log(`=== ${name}: ${seconds}s`);
  if (r.status !== 0) {
    failed = true;
    break;
  }
}
console.log(`\nsuite wall times:\n  ${times.join('\n  ')}`);
const unit = unitCounts();
const conformance = existsSync(SUMMARY) ? JSON.parse(readFileSync(SUMMARY, 'utf8')) : undefined;
if (unit) console.log(`unit and model tests: ${unit.pass} passed, ${unit.fail} failed, ${unit.skip} skipped`);
if (conformance)
  console.log(
    `ONNX conformance cases: ${conformance.pass} passed, ${conformance.fail} failed, ${conformance.skip} skipped`,
  );
if (unit && conformance) {
  const sum = (k) => unit[k] + conformance[k];
  console.log(`total: ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skip')} skipped`);
}
process.exit(failed ? 1 : 0);
