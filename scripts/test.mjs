#!/usr/bin/env node
// The one test command (`npm test`, and CI's .ci/run): type-check and build, lint, unit and model
// tests, then the ONNX conformance run. Each suite prints its wall time; the first failure fails all.
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
const TAP = join('dist', 'unit-tests.tap');
const SUMMARIES = ['reference', 'compiled'].map((mode) => [
  mode,
  join('dist', `conformance-summary-${mode}.json`),
]);

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

/** The browser test needs Debian's Chromium; a fresh machine gets it here, not by hand. */
function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return { status: 0 };
  console.log('installing Debian chromium for the browser test');
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  if (update.status !== 0) return update;
  return spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const suites = [
  ['browser prerequisites', ensureChromium],
  ['type-check and build', bin('tsc'), ['-p', 'tsconfig.json']],
  ['lint', bin('eslint'), ['--max-warnings=0', '.']],
  ['format', bin('prettier'), ['--check', '--log-level=warn', '.']],
  // a test that hangs fails after its timeout instead of stalling CI
  [
    'unit and model tests',
    process.execPath,
    () => [
      '--test',
      // node runs cores - 1 files at once by default, which is one file at a time on two cores;
      // the tests are CPU-bound compiles and runs that do not interfere, so use every core
      `--test-concurrency=${Math.max(2, availableParallelism())}`,
      '--test-timeout=300000',
      '--test-reporter=dot',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${TAP}`,
      ...testFiles('dist/test'),
    ],
  ],
  [
    'ONNX conformance, reference interpreter',
    process.execPath,
    ['dist/test/conformance/run.js', '--mode', 'reference'],
  ],
  ['ONNX conformance, compiled', process.execPath, ['dist/test/conformance/run.js', '--mode', 'compiled']],
  [
    'ONNX conformance, compiled with --auto-cast matmult (BF16 tolerance)',
    process.execPath,
    ['dist/test/conformance/run.js', '--mode', 'compiled', '--auto-cast', 'matmult'],
  ],
  [
    'ONNX conformance, compiled with --auto-cast all (BF16 tolerance, inputs rounded)',
    process.execPath,
    ['dist/test/conformance/run.js', '--mode', 'compiled', '--auto-cast', 'all'],
  ],
];

/** Counts from the TAP summary, so the unit-test totals are printed like the conformance ones. */
function unitCounts() {
  if (!existsSync(TAP)) return undefined;
  const tap = readFileSync(TAP, 'utf8');
  const n = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return { pass: n('pass'), fail: n('fail'), skip: n('skipped') + n('todo') };
}

rmSync(TAP, { force: true });
for (const [, file] of SUMMARIES) rmSync(file, { force: true });
const times = [];
let failed = false;
for (const [name, cmd, args] of suites) {
  const start = Date.now();
  console.log(`\n=== ${name}`);
  const r =
    args === undefined
      ? cmd()
      : spawnSync(cmd, typeof args === 'function' ? args() : args, { stdio: 'inherit' });
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  times.push(`${name}: ${seconds}s${r.status === 0 ? '' : ' (FAILED)'}`);
  console.log(`=== ${name}: ${seconds}s`);
  if (r.status !== 0) {
    failed = true;
    break;
  }
}
console.log(`\nsuite wall times:\n  ${times.join('\n  ')}`);
const counts = [];
const unit = unitCounts();
if (unit) counts.push(['unit and model tests', unit]);
for (const [mode, file] of SUMMARIES) {
  if (existsSync(file))
    counts.push([`ONNX conformance cases (${mode})`, JSON.parse(readFileSync(file, 'utf8'))]);
}
for (const [name, c] of counts) console.log(`${name}: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped`);
if (counts.length) {
  const sum = (k) => counts.reduce((n, [, c]) => n + c[k], 0);
  console.log(`total: ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skip')} skipped`);
}
process.exit(failed ? 1 : 0);
