import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import { initializer, tempDir, writeModel } from '../helpers/onnx-builder.js';

/** compile, inspect and run as a user types them, on small generated models. */
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined);
  return r;
}

const model = (): string =>
  writeModel({
    inputs: [['x', 'float32', [2, 3]]],
    outputs: [['y', 'float32', [2, 3]]],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Add', inputs: ['r', 'bias'], outputs: ['y'] },
    ],
    initializers: [initializer('bias', fromNumbers('float32', [3], [0.5, -1, 2]))],
  });

test('compile, inspect and run a model; outputs.json lists the outputs', () => {
  const dir = tempDir();
  const neff = join(dir, 'm.neff');
  const c = cli('compile', model(), '--framework', 'ONNX', '--output', neff, '-O', '1');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /kernels \d+, weights .*, peak arena/);
  const i = cli('inspect', neff);
  assert.equal(i.status, 0, i.stderr);
  assert.match(i.stdout, /x: float32\[2,3\]/);
  assert.match(i.stdout, /simd128/);
  const x = fromNumbers('float32', [2, 3], [-1, 2, -3, 4, -5, 6]);
  writeFileSync(join(dir, 'x.npy'), writeNpy(x));
  const r = cli('run', neff, '--input', `x=${join(dir, 'x.npy')}`, '--output-dir', join(dir, 'out'));
  assert.equal(r.status, 0, r.stderr);
  const listing = JSON.parse(readFileSync(join(dir, 'out/outputs.json'), 'utf8')) as {
    name: string;
    file: string;
    shape: number[];
  }[];
  assert.deepEqual(listing, [{ name: 'y', file: 'y.npy', dtype: 'float32', shape: [2, 3] }]);
  const y = readNpy(readFileSync(join(dir, 'out/y.npy')));
  assert.deepEqual([...(y.data as Float32Array)], [0.5, 1, 2, 4.5, -1, 8]);
});

test('the same model and options give the same NEFF bytes', () => {
  const dir = tempDir();
  const m = model();
  assert.equal(cli('compile', m, '--output', join(dir, 'a.neff')).status, 0);
  assert.equal(cli('compile', m, '--output', join(dir, 'b.neff')).status, 0);
  assert.deepEqual(readFileSync(join(dir, 'a.neff')), readFileSync(join(dir, 'b.neff')));
});

test('a failed compile exits non-zero with its code and leaves no file behind', () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, new Uint8Array([1, 2, 3, 4, 5]));
  const out = join(dir, 'out.neff');
  const r = cli('compile', bad, '--output', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /NCC_BAD_MODEL/);
  assert.deepEqual(readdirSync(dir), ['bad.onnx'], 'no output and no partial file');
});

test('--verbose DEBUG prints progress per stage; a bad level is an option error', () => {
  const dir = tempDir();
  const r = cli('compile', model(), '--output', join(dir, 'm.neff'), '--verbose', 'DEBUG');
  assert.equal(r.status, 0, r.stderr);
  for (const stage of ['import', 'lower', 'plan', 'codegen', 'pack'])
    assert.match(r.stderr, new RegExp(`${stage}\\.\\.\\.`));
  const bad = cli('compile', model(), '--output', join(dir, 'n.neff'), '--verbose', 'LOUD');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /NCC_BAD_OPTION/);
  assert.equal(existsSync(join(dir, 'n.neff')), false);
});

test('run names a missing input, a wrong shape, and a corrupt NEFF', () => {
  const dir = tempDir();
  const neff = join(dir, 'm.neff');
  assert.equal(cli('compile', model(), '--output', neff).status, 0);
  const missing = cli('run', neff);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /NCC_BAD_INPUT.*'x'/);
  writeFileSync(join(dir, 'w.npy'), writeNpy(fromNumbers('float32', [3, 2], [1, 2, 3, 4, 5, 6])));
  const wrong = cli('run', neff, '--input', `x=${join(dir, 'w.npy')}`);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /NCC_BAD_INPUT.*float32\[2,3\]/);
  const bytes = readFileSync(neff);
  bytes[bytes.length - 1]! ^= 0xff;
  writeFileSync(join(dir, 'c.neff'), bytes);
  const corrupt = cli('run', join(dir, 'c.neff'), '--input', `x=${join(dir, 'w.npy')}`);
  assert.equal(corrupt.status, 1);
  assert.match(corrupt.stderr, /NEFF_CORRUPT/);
});

test('--auto-cast matmult --accuracy-check: weights in bf16, the errors printed and kept in the NEFF', () => {
  const dir = tempDir();
  const w = Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i * 0.37) * 0.1);
  const m = writeModel({
    inputs: [['x', 'float32', [4, 64]]],
    outputs: [['y', 'float32', [4, 32]]],
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [initializer('w', fromNumbers('float32', [64, 32], w))],
  });
  const [fp32, cast] = [join(dir, 'fp32.neff'), join(dir, 'cast.neff')];
  assert.equal(cli('compile', m, '--output', fp32).status, 0);
  const c = cli(
    'compile',
    m,
    '--output',
    cast,
    '--auto-cast',
    'matmult',
    '--accuracy-check',
    '--accuracy-samples',
    '2',
  );
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /auto-cast matmult \(bf16\): 1 weight tensors stored in 16 bits/);
  const line = /y: max abs error ([\d.e+-]+), max rel error ([\d.e+-]+), cosine ([\d.]+)/.exec(c.stdout);
  assert.ok(line, c.stdout);
  // bf16 keeps 8 significant bits: errors of about 2^-9 relative, not zero, not large
  assert.ok(Number(line[2]) > 0 && Number(line[2]) < 0.02, line[0]);
  assert.ok(Number(line[3]) > 0.999 && Number(line[3]) < 1, line[0]);
  assert.match(c.stdout, /2 seeded random input set/);
  const i = cli('inspect', cast);
  assert.match(i.stdout, /accuracy vs float32/);
  assert.match(i.stdout, /"autoCast":"matmult"/);
  // the weights take half the bytes (64 x 32 floats: 8 KiB -> 4 KiB plus padding)
  const weights = (file: string): number => {
    const j = JSON.parse(cli('inspect', file, '--json').stdout) as { memory: { weightsBytes: number } };
    return j.memory.weightsBytes;
  };
  assert.ok(weights(cast) <= weights(fp32) / 2 + 64, `${weights(cast)} vs ${weights(fp32)}`);
  // no auto-cast, nothing to compare: a coded error, and no file
  const bad = cli('compile', m, '--output', join(dir, 'bad.neff'), '--accuracy-check');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /NCC_BAD_OPTION/);
  assert.equal(existsSync(join(dir, 'bad.neff')), false);
});

test('--auto-cast all: activations between kernels in bf16, the arena smaller, the errors small', () => {
  const dir = tempDir();
  const w = (n: number, f: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.1);
  // x -> MatMul -> Relu -> MatMul -> y: the hidden [16, 256] value is an activation between kernels
  const m = writeModel({
    inputs: [['x', 'float32', [16, 64]]],
    outputs: [['y', 'float32', [16, 32]]],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h'] },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'Sigmoid', inputs: ['r'], outputs: ['s'] },
      { op: 'MatMul', inputs: ['s', 'w2'], outputs: ['y'] },
    ],
    initializers: [
      initializer('w1', fromNumbers('float32', [64, 256], w(64 * 256, 0.37))),
      initializer('w2', fromNumbers('float32', [256, 32], w(256 * 32, 0.11))),
    ],
  });
  const [mm, all] = [join(dir, 'mm.neff'), join(dir, 'all.neff')];
  assert.equal(cli('compile', m, '--output', mm, '--auto-cast', 'matmult').status, 0);
  const c = cli('compile', m, '--output', all, '--auto-cast', 'all', '--accuracy-check');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /auto-cast all \(bf16\): 2 weight tensors, \d+ activations stored in 16 bits/);
  const line = /y: max abs error ([\d.e+-]+), max rel error ([\d.e+-]+), cosine ([\d.]+)/.exec(c.stdout);
  assert.ok(line, c.stdout);
  // bf16 weights and activations (8 significant bits each): a few percent of the largest output
  assert.ok(Number(line[2]) > 0 && Number(line[2]) < 0.1, line[0]);
  assert.ok(Number(line[3]) > 0.998, line[0]);
  assert.match(cli('inspect', all).stdout, /"autoCast":"all"/);
  const arena = (file: string): number => {
    const j = JSON.parse(cli('inspect', file, '--json').stdout) as { memory: { arenaBytes: number } };
    return j.memory.arenaBytes;
  };
  assert.ok(arena(all) < arena(mm), `arena ${arena(all)} vs ${arena(mm)}`);
});

test('--tune times the GEMM tiles on this machine and says what it chose', () => {
  const dir = tempDir();
  const w = Array.from({ length: 64 * 32 }, (_, i) => Math.cos(i * 0.11) * 0.1);
  const m = writeModel({
    inputs: [['x', 'float32', [4, 64]]],
    outputs: [['y', 'float32', [4, 32]]],
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [initializer('w', fromNumbers('float32', [64, 32], w))],
  });
  const c = cli('compile', m, '--output', join(dir, 't.neff'), '--tune');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /tuned 1 GEMM shapes on this machine: [01] take another tile than the cost model/);
  assert.match(cli('inspect', join(dir, 't.neff')).stdout, /"tune":true/);
});
