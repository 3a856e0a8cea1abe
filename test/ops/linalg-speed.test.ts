import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/ir/tensor.js';
import { rand, run1 } from './linalg-helpers.js';

/**
 * Real models run through these reference kernels, so their speed is part of their contract.
 * Measured on the 2-core dev machine (Node 20): conv ~80 ms, matmul ~20 ms, depthwise ~15 ms,
 * max pool ~10 ms; the bounds leave a wide margin for slower CI machines.
 */
function timed(f: () => Tensor): number {
  f(); // warm-up: let V8 optimize the kernels first
  const start = performance.now();
  f();
  return performance.now() - start;
}

test('Conv 1x32x112x112 -> 32, 3x3, pad 1 takes well under a second', () => {
  const x = rand([1, 32, 112, 112], 1);
  const w = rand([32, 32, 3, 3], 2);
  const ms = timed(() => run1('Conv', [x, w], { pads: [1, 1, 1, 1] }));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

test('MatMul 128x256 @ 256x1024 takes well under a second', () => {
  const a = rand([128, 256], 3);
  const b = rand([256, 1024], 4);
  const ms = timed(() => run1('MatMul', [a, b]));
  assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
});

test('depthwise 3x3 conv and 3x3 max pool on 1x96x112x112 are fast', () => {
  const x = rand([1, 96, 112, 112], 5);
  const w = rand([96, 1, 3, 3], 6);
  const dw = timed(() => run1('Conv', [x, w], { pads: [1, 1, 1, 1], group: 96 }));
  assert.ok(dw < 500, `depthwise ${dw.toFixed(0)} ms`);
  const pool = timed(() =>
    run1('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  );
  assert.ok(pool < 500, `max pool ${pool.toFixed(0)} ms`);
});
