#!/usr/bin/env node
// `npm run demo`: the bundled SqueezeNet through neuron-cc. Compile it to a NEFF, run the NEFF on the
// bundled input with the runtime, and compare with the output PyTorch computed for that input.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../dist/src/io/npy.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../dist/src/cli/main.js');
const model = join(here, 'squeezenet/model.onnx');
const ioConfig = '{"inputs": {"input": [[1,3,224,224], "float32"]}}';

function step(title, args) {
  console.log(`\n$ neuron-cc ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: ${title} failed`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'neuron-cc-demo-'));
try {
  const neff = join(work, 'squeezenet.neff');
  const out = join(work, 'out');
  step('compile', ['compile', model, '--framework', 'onnx', '--io-config', ioConfig, '--output', neff]);
  step('inspect', ['inspect', neff]);
  step('run', ['run', neff, '--input', `input=${join(here, 'squeezenet/input.npy')}`, '--output-dir', out]);
  const actual = readNpy(readFileSync(join(out, 'output.npy')));
  const expected = readNpy(readFileSync(join(here, 'squeezenet/expected-output.npy')));
  let maxDiff = 0;
  for (let i = 0; i < expected.data.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(actual.data[i] - expected.data[i]));
  const argmax = (t) => t.data.reduce((best, v, i, a) => (v > a[best] ? i : best), 0);
  console.log(
    `\nmax |compiled - PyTorch| = ${maxDiff.toExponential(2)}; top-1 class ${argmax(actual)} (PyTorch: ${argmax(expected)})`,
  );
  if (maxDiff > 2e-4 || argmax(actual) !== argmax(expected)) {
    console.error('demo: output differs from the PyTorch reference');
    process.exit(1);
  }
  console.log('demo: OK');
} finally {
  rmSync(work, { recursive: true, force: true });
}
