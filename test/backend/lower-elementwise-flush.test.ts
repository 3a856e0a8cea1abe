import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/all.js';
import { fromNumbers } from '../../src/ir/tensor.js';
import { feedsOf, lower, nodeGraph } from '../helpers/lowering-harness.js';
import { runWasm } from './lower-linalg-support.js';

/** float32 Mul and Div flush results below 2^-126 to +0 (x86 has no FTZ in wasm; see binary.ts). */
test('compiled float32 Mul and Div flush subnormal results to zero and keep the rest exact', () => {
  const a = [1e-20, -1e-20, 3e-38, 2, NaN, 1e-19, Infinity, 0.5];
  const b = [1e-20, 1e-20, 4, 3, 1, 1e-19, 2, 2.3509887e-38];
  for (const op of ['Mul', 'Div'] as const) {
    const inputs = [
      { name: 'a', value: fromNumbers('float32', [8], a) },
      { name: 'b', value: fromNumbers('float32', [8], b) },
    ];
    const g = nodeGraph(op, inputs, {});
    const out = [...runWasm(lower(g), feedsOf(inputs)).values()][0]!.data as Float32Array;
    const f = (x: number): number => Math.fround(x);
    const exact = a.map((x, i) => (op === 'Mul' ? f(f(x) * f(b[i]!)) : f(f(x) / f(b[i]!))));
    exact.forEach((want, i) => {
      const flushedWant = Math.abs(want) < 2 ** -126 ? 0 : want;
      assert.ok(
        Object.is(out[i], flushedWant) || (Number.isNaN(want) && Number.isNaN(out[i])),
        `${op}[${i}]: ${out[i]} vs ${flushedWant}`,
      );
    });
    // the case set really meets the flush: at least one exact result is subnormal
    assert.ok(
      exact.some((x) => x !== 0 && Math.abs(x) < 2 ** -126),
      op,
    );
  }
});
