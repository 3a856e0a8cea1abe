#!/usr/bin/env node
// `npm run demo`: the bundled SqueezeNet through neuron-cc — import and static shape check, then a run
// on the bundled input, compared with the output PyTorch computed for it.
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

const out = mkdtempSync(join(tmpdir(), 'neuron-cc-demo-'));
try {
  step('check', ['check', model, '--io-config', ioConfig]);
  step('evaluate', [
    'evaluate',
    model,
    '--io-config',
    ioConfig,
    '--input',
    `input=${join(here, 'squeezenet/input.npy')}`,
    '--output-dir',
    out,
  ]);
  const actual = readNpy(readFileSync(join(out, 'output.npy')));
  const expected = readNpy(readFileSync(join(here, 'squeezenet/expected-output.npy')));
  let maxDiff = 0;
  for (let i = 0; i < expected.data.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(actual.data[i] - expected.data[i]));
  const argmax = (t) => t.data.reduce((best, v, i, a) => (v > a[best] ? i : best), 0);
  console.log(
    `\nmax |neuron-cc - PyTorch| = ${maxDiff.toExponential(2)}; top-1 class ${argmax(actual)} (PyTorch: ${argmax(expected)})`,
  );
  if (maxDiff > 2e-4 || argmax(actual) !== argmax(expected)) {
    console.error('demo: output differs from the PyTorch reference');
    process.exit(1);
  }
  console.log('demo: OK');
} finally {
  rmSync(out, { recursive: true, force: true });
}
