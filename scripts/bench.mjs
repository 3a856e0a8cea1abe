#!/usr/bin/env node
// `npm run bench -- [DIR] [--models a,b] [--threads 1,2] [--runs N] [--quick] [--out FILE]`:
// neuron-cc against onnxruntime-node and onnxruntime-web on the benchmark models; writes
// docs/benchmarks.md. Runs the built code in dist/ (npm run build first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../dist/src/bench/suite.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('error: dist/src/bench is missing: run `npm run build` first');
  process.exit(1);
}
const { parseSuiteArgs, USAGE } = await import('../dist/src/bench/args.js');
const { runSuite } = await import(entry.href);
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
/** docs/ is checked by Prettier: the report is written the way Prettier would write it. */
async function format(markdown, file) {
  try {
    const prettier = await import('prettier');
    return await prettier.format(markdown, { ...(await prettier.resolveConfig(file)), filepath: file });
  } catch {
    return markdown; // no Prettier (an install without dev dependencies): the table is still Markdown
  }
}

try {
  await runSuite({ ...parseSuiteArgs(process.argv.slice(2), root), format });
} catch (e) {
  console.error(typeof e?.format === 'function' ? e.format() : `error: ${e?.stack ?? e}`);
  process.exit(1);
}
