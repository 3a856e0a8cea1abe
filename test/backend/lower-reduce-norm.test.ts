import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../../src/ir/dtype.js';
import '../../src/backend/lower/all.js';
import { check, float, int, random, str, tolerance } from './lower-reduce-support.js';

const FLOATS: readonly DType[] = ['float32', 'float16', 'float64'];
const LAYOUTS = ['NCHW', 'NHWC'] as const;

function channels(shape: readonly number[], layout: string): number {
  return layout === 'NCHW' ? shape[1]! : shape[shape.length - 1]!;
}

test('BatchNormalization folds constant parameters; runtime parameters are folded by a kernel', () => {
  for (const dtype of FLOATS) {
    for (const layout of LAYOUTS) {
      for (const shape of [
        [2, 3, 4, 5],
        [1, 3],
        [3, 4],
        [2, 5, 7],
      ]) {
        const C = channels(shape, layout);
        for (const constant of [true, false]) {
          const p = (name: string, seed: number, lo: number, hi: number) => ({
            name,
            value: random(dtype, [C], seed, lo, hi),
            constant,
          });
          const prog = check(
            'BatchNormalization',
            [
              { name: 'x', value: random(dtype, shape, 1) },
              p('scale', 2, -2, 2),
              p('bias', 3, -1, 1),
              p('mean', 4, -1, 1),
              p('var', 5, 0.1, 2),
            ],
            { epsilon: float(1e-3), layout: str(layout) },
            { tolerance: tolerance(dtype) },
          );
          assert.equal(prog.kernels.length, constant ? 1 : 2);
        }
      }
    }
  }
});

test('BatchNormalization with per-activation parameters (opset < 9) and mixed parameter dtypes', () => {
  const x = random('float32', [2, 3, 4], 1);
  const p = (name: string, seed: number, lo: number) => ({
    name,
    value: random('float32', [3, 4], seed, lo, 2),
    constant: true,
  });
  check('BatchNormalization', [
    { name: 'x', value: x },
    p('s', 1, -2),
    p('b', 2, -2),
    p('m', 3, -2),
    p('v', 4, 0.5),
  ]);
  const x64 = random('float64', [2, 3, 4], 1);
  const q = (name: string, seed: number, lo: number) => ({
    name,
    value: random('float32', [3], seed, lo, 2),
  });
  check('BatchNormalization', [
    { name: 'x', value: x64 },
    q('s', 1, -2),
    q('b', 2, -2),
    q('m', 3, -2),
    q('v', 4, 0.5),
  ]);
});

test('InstanceNormalization in both layouts', () => {
  for (const dtype of FLOATS) {
    for (const layout of LAYOUTS) {
      for (const shape of [
        [2, 3, 4, 5],
        [1, 4, 7],
        [2, 3, 1],
      ]) {
        const C = channels(shape, layout);
        check(
          'InstanceNormalization',
          [
            { name: 'x', value: random(dtype, shape, 1) },
            { name: 's', value: random(dtype, [C], 2) },
            { name: 'b', value: random(dtype, [C], 3) },
          ],
          { epsilon: float(1e-4), layout: str(layout) },
          { tolerance: tolerance(dtype) },
        );
      }
    }
  }
});

test('GroupNormalization: groups of several channels, per-channel and per-group parameters', () => {
  for (const dtype of FLOATS) {
    for (const layout of LAYOUTS) {
      for (const [shape, groups] of [
        [[2, 6, 6], 3],
        [[1, 4, 3, 4], 2],
        [[2, 6, 6], 1],
        [[2, 6, 6], 6],
      ] as const) {
        const C = channels(shape, layout);
        for (const perGroup of [0, 1]) {
          const n = perGroup ? groups : C;
          check(
            'GroupNormalization',
            [
              { name: 'x', value: random(dtype, shape, 1) },
              { name: 's', value: random(dtype, [n], 2) },
              { name: 'b', value: random(dtype, [n], 3) },
            ],
            { num_groups: int(groups), scale_per_group: int(perGroup), layout: str(layout) },
            { tolerance: tolerance(dtype) },
          );
        }
      }
    }
  }
});

test('LayerNormalization: every axis, broadcast parameters, optional bias and statistics outputs', () => {
  for (const dtype of FLOATS) {
    const shape = [2, 3, 5];
    const x = random(dtype, shape, 1);
    for (let axis = -3; axis < 3; axis++) {
      const norm = shape.slice(axis < 0 ? axis + 3 : axis);
      for (const pshape of [norm, norm.map((d, i) => (i === 0 ? 1 : d)), norm.slice(-1)]) {
        for (const outputs of [1, 3]) {
          for (const withBias of [true, false]) {
            check(
              'LayerNormalization',
              [
                { name: 'x', value: x },
                { name: 's', value: random(dtype, pshape, 2), constant: true },
                withBias ? { name: 'b', value: random(dtype, pshape, 3) } : undefined,
              ],
              { axis: int(axis), epsilon: float(1e-3) },
              { outputs, tolerance: tolerance(dtype) },
            );
          }
        }
      }
    }
  }
});

test('RMSNormalization: every axis, broadcast scale', () => {
  for (const dtype of FLOATS) {
    const shape = [2, 3, 5];
    for (let axis = -3; axis < 3; axis++) {
      const norm = shape.slice(axis < 0 ? axis + 3 : axis);
      for (const pshape of [norm, norm.slice(-1)]) {
        check(
          'RMSNormalization',
          [
            { name: 'x', value: random(dtype, shape, 1) },
            { name: 's', value: random(dtype, pshape, 2) },
          ],
          { axis: int(axis) },
          { tolerance: tolerance(dtype) },
        );
      }
    }
  }
});

test('LayerNormalization on the last axis keeps scalar statistics', () => {
  const p = check('LayerNormalization', [
    { name: 'x', value: random('float32', [4, 33], 1) },
    { name: 's', value: random('float32', [33], 2) },
    { name: 'b', value: random('float32', [33], 3) },
  ]);
  assert.equal(p.kernels.length, 1);
  assert.ok(!p.kernels[0]!.reads.some((b) => /^s\d+:/.test(b)), 'no scratch');
});

test('BatchNormalization training_mode: batch statistics and running mean/variance outputs', () => {
  for (const dtype of FLOATS) {
    for (const layout of LAYOUTS) {
      for (const shape of [
        [2, 3, 4, 5],
        [3, 4],
        [2, 5, 7],
      ]) {
        const C = channels(shape, layout);
        for (const outputs of [1, 3]) {
          const p = (name: string, seed: number, lo: number) => ({
            name,
            value: random(dtype, [C], seed, lo, 2),
          });
          check(
            'BatchNormalization',
            [
              { name: 'x', value: random(dtype, shape, 1) },
              p('scale', 2, -2),
              p('bias', 3, -1),
              p('mean', 4, -1),
              p('var', 5, 0.1),
            ],
            { epsilon: float(1e-3), momentum: float(0.8), training_mode: int(1), layout: str(layout) },
            { outputs, tolerance: tolerance(dtype) },
          );
        }
      }
    }
  }
});
