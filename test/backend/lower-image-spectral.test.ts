import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue } from '../../src/ir/graph.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import { rand } from '../helpers/op-harness.js';
import type { Node } from '../../src/ir/graph.js';
import { feedsOf, graphOf, type GraphInput } from '../helpers/lowering-harness.js';
import { checkGraph, checkLinalg } from './lower-linalg-support.js';

/**
 * DFT and STFT lowerings (direct sums for short or odd lengths, radix-2 FFTs for long powers of
 * two) and the precomputed windows and mel matrix, interpreted and rendered to wasm, against the
 * reference's FFT.
 */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const scalar = (name: string, v: number): GraphInput => ({
  name,
  value: fromNumbers('int64', [], [v]),
  constant: true,
});

const TOL = { tolerance: { atol: 2e-6, rtol: 2e-5 } };

interface DftCase {
  readonly shape: readonly number[];
  readonly axis?: number;
  readonly length?: number;
}

const CASES: readonly DftCase[] = [
  { shape: [3, 8, 1] },
  { shape: [2, 7, 2] },
  { shape: [2, 5, 3, 2], axis: 1 },
  { shape: [4, 3, 1], axis: 0 },
  { shape: [2, 6, 1], length: 9 },
  { shape: [2, 12, 2], length: 5 },
  { shape: [2, 64, 1] },
  { shape: [1, 128, 2], axis: -2 },
  { shape: [3, 40, 2, 2], axis: 1, length: 64 },
  { shape: [1, 1, 2] },
  { shape: [2, 100, 1] },
  { shape: [1, 45, 2], length: 47 },
];

for (const c of CASES) {
  test(`DFT [${c.shape}] axis ${c.axis ?? 'default'} length ${c.length ?? 'default'}: forward, inverse, onesided`, () => {
    for (const [inverse, onesided] of [
      [0, 0],
      [1, 0],
      [0, 1],
    ] as const) {
      checkLinalg(
        'DFT',
        [
          { name: 'x', value: rand(c.shape, 31) },
          c.length === undefined ? undefined : scalar('len', c.length),
          c.axis === undefined ? undefined : scalar('axis', c.axis),
        ],
        { inverse: int(inverse), onesided: int(onesided) },
        TOL,
      );
    }
  });
}

test('DFT inverse real FFT (inverse + onesided): even and odd lengths, direct and radix-2', () => {
  const cases: [number[], number | undefined][] = [
    [[2, 5, 2], undefined],
    [[2, 5, 2], 9],
    [[1, 4, 2], 7],
    [[3, 33, 2], undefined],
    [[1, 65, 2], 128],
    [[2, 3, 4, 2], undefined],
    [[2, 50, 2], 99],
  ];
  for (const [shape, length] of cases) {
    checkLinalg(
      'DFT',
      [{ name: 'x', value: rand(shape, 32) }, length === undefined ? undefined : scalar('len', length)],
      { inverse: int(1), onesided: int(1) },
      TOL,
    );
  }
});

test('DFT of float16 and float64 signals', () => {
  for (const dtype of ['float16', 'float64'] as const) {
    for (const n of [6, 64]) {
      checkLinalg('DFT', [{ name: 'x', value: rand([2, n, 2], 33, dtype) }], { onesided: int(0) }, TOL);
    }
  }
});

test('STFT: with and without a window, real and complex, onesided or not, radix-2 frames', () => {
  const cases: { shape: number[]; step: number; window?: number; frame?: number; onesided: number }[] = [
    { shape: [1, 16, 1], step: 4, window: 8, onesided: 1 },
    { shape: [2, 20, 1], step: 3, frame: 6, onesided: 1 },
    { shape: [2, 13, 2], step: 5, window: 5, onesided: 0 },
    { shape: [1, 300, 1], step: 64, window: 128, onesided: 1 },
    { shape: [1, 10, 1], step: 2, frame: 10, onesided: 0 },
    { shape: [2, 700, 1], step: 100, window: 200, onesided: 1 },
  ];
  for (const c of cases) {
    checkLinalg(
      'STFT',
      [
        { name: 'signal', value: rand(c.shape, 34) },
        scalar('step', c.step),
        c.window === undefined ? undefined : { name: 'window', value: rand([c.window], 35) },
        c.frame === undefined ? undefined : scalar('frame', c.frame),
      ],
      { onesided: int(c.onesided) },
      TOL,
    );
  }
});

test('DFT picks the direct sum, radix-2 or Bluestein by length', () => {
  const names = (n: number, onesided: number) =>
    checkLinalg(
      'DFT',
      [{ name: 'x', value: rand([1, n, 1], 36) }],
      { onesided: int(onesided) },
      TOL,
    ).kernels.map((k) => k.name);
  assert.deepEqual(names(12, 0), ['dft_direct_f32']);
  assert.deepEqual(names(64, 1), ['rfft_radix2_f32']);
  assert.deepEqual(names(400, 1), ['rfft_bluestein_f32']);
  assert.deepEqual(names(35, 0), ['dft_direct_f32']);
});

test('Windows and MelWeightMatrix are copied from values the reference computes', () => {
  for (const op of ['HannWindow', 'HammingWindow', 'BlackmanWindow']) {
    for (const periodic of [0, 1]) {
      for (const [size, dtype] of [
        [10, 1],
        [1, 1],
        [7, 10],
        [5, 11],
      ] as const) {
        checkLinalg(op, [scalar('size', size)], { periodic: int(periodic), output_datatype: int(dtype) });
      }
    }
  }
  const f = (v: number) => ({ name: `v${v}`, value: fromNumbers('float32', [], [v]), constant: true });
  checkLinalg('MelWeightMatrix', [scalar('bins', 8), scalar('dft', 16), scalar('rate', 8192), f(0), f(4096)]);
  const program = checkLinalg('HannWindow', [scalar('size', 0)]);
  assert.equal(program.kernels.length, 0);
});

test('A mel spectrogram front end: HannWindow -> STFT -> power -> MatMul with MelWeightMatrix', () => {
  const node = (op: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({
    name: outputs[0]!,
    op,
    domain: '',
    inputs,
    outputs,
    attrs,
  });
  const f = (name: string, v: number): GraphInput => ({
    name,
    value: fromNumbers('float32', [], [v]),
    constant: true,
  });
  const inputs: GraphInput[] = [
    { name: 'signal', value: rand([2, 1000, 1], 37) },
    scalar('size', 64),
    scalar('step', 32),
    { name: 'axes', value: fromNumbers('int64', [1], [-1]), constant: true },
    scalar('bins', 8),
    scalar('dft', 64),
    scalar('rate', 16000),
    f('lo', 0),
    f('hi', 8000),
  ];
  const graph = graphOf(
    [
      node('HannWindow', ['size'], ['window']),
      node('STFT', ['signal', 'step', 'window'], ['spec']),
      node('Mul', ['spec', 'spec'], ['sq']),
      node('ReduceSum', ['sq', 'axes'], ['power'], { keepdims: int(0) }),
      node('MelWeightMatrix', ['bins', 'dft', 'rate', 'lo', 'hi'], ['mel']),
      node('MatMul', ['power', 'mel'], ['out']),
    ],
    inputs,
    ['out'],
  );
  const program = checkGraph(graph, feedsOf(inputs), { tolerance: { atol: 1e-5, rtol: 1e-5 } });
  const names = program.kernels.map((k) => k.name);
  assert.ok(names.includes('stft_radix2_f32') && names.includes('hannwindow_copy_f32'), names.join());
});
