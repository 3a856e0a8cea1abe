import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32, i64, iota, run1, t, values } from '../helpers/op-harness.js';

test('ScatterElements: overwrite along an axis, data left untouched', () => {
  const data = f32([3, 3], new Array(9).fill(0));
  const idx = i64([2, 3], [1, 0, 2, 0, 2, 1]);
  const upd = f32([2, 3], [1.0, 1.1, 1.2, 2.0, 2.1, 2.2]);
  const y = run1('ScatterElements', [data, idx, upd]);
  assert.deepEqual(values(y), [2.0, 1.1, 0, 1.0, 0, 2.2, 0, 2.1, 1.2].map(Math.fround));
  assert.deepEqual(values(data), new Array(9).fill(0));
  const row = run1(
    'ScatterElements',
    [f32([1, 5], [1, 2, 3, 4, 5]), i64([1, 2], [1, -2]), f32([1, 2], [9, 8])],
    {
      axis: 1,
    },
  );
  assert.deepEqual(values(row), [1, 9, 3, 8, 5]);
});

test('ScatterElements reductions with duplicate indices', () => {
  const data = f32([1, 5], [1, 2, 3, 4, 5]);
  const idx = i64([1, 2], [1, 1]);
  const upd = f32([1, 2], [1.5, 2]);
  const at1 = (reduction: string) =>
    values(run1('ScatterElements', [data, idx, upd], { axis: 1, reduction }))[1];
  assert.equal(at1('none'), 2);
  assert.equal(at1('add'), 5.5);
  assert.equal(at1('mul'), 6);
  assert.equal(at1('max'), 2);
  assert.equal(at1('min'), 1.5);
});

test('Scatter reductions keep dtype semantics: float16 rounding, int64, int32 wrap, bool', () => {
  const h = run1(
    'ScatterElements',
    [t('float16', [2], [1, 0]), i64([3], [0, 0, 0]), t('float16', [3], [2 ** -11, 2 ** -11, 2 ** -11])],
    {
      reduction: 'add',
    },
  );
  // summed in float32 and rounded once: 1 + 3 * 2^-11 rounds to 1 + 2^-9; per-step rounding would stay at 1
  assert.equal(values(h)[0], 1.0009765625 + 0.0009765625);
  const big = 2n ** 40n;
  const l = run1('ScatterElements', [i64([1], [big]), i64([1], [0]), i64([1], [big])], { reduction: 'mul' });
  assert.equal((l.data as BigInt64Array)[0], 0n); // 2^80 wraps to 0 in int64
  const w = run1('ScatterElements', [t('int32', [1], [65537]), i64([1], [0]), t('int32', [1], [65537])], {
    reduction: 'mul',
  });
  assert.equal(values(w)[0], ((65537 * 65537) % 2 ** 32) | 0);
  const b = run1('ScatterElements', [t('bool', [2], [1, 0]), i64([2], [0, 1]), t('bool', [2], [1, 0])], {
    reduction: 'add',
  });
  assert.deepEqual([...(b.data as Uint8Array)], [1, 0]);
});

test('Scatter (opset 9) is ScatterElements without reduction', () => {
  const y = run1('Scatter', [iota([2, 2]), i64([1, 2], [1, 0]), f32([1, 2], [7, 8])], { axis: 0 });
  assert.deepEqual(values(y), [0, 8, 7, 3]);
});

test('ScatterND: element and slice updates, reductions', () => {
  const data = iota([8]);
  const y = run1('ScatterND', [data, i64([4, 1], [4, 3, 1, 7]), f32([4], [9, 10, 11, 12])]);
  assert.deepEqual(values(y), [0, 11, 2, 10, 9, 5, 6, 12]);
  const m = iota([2, 3]);
  const rows = run1('ScatterND', [m, i64([1, 1], [1]), f32([1, 3], [1, 1, 1])], { reduction: 'add' });
  assert.deepEqual(values(rows), [0, 1, 2, 4, 5, 6]);
  const dup = run1('ScatterND', [f32([2], [2, 3]), i64([2, 1], [0, 0]), f32([2], [5, 7])], {
    reduction: 'mul',
  });
  assert.deepEqual(values(dup), [70, 3]);
  assert.throws(() => run1('ScatterND', [m, i64([1, 1], [1]), f32([1, 2], [1, 1])]));
});

test('TensorScatter: linear and circular writes per batch', () => {
  // cache [batch 2, seq 4, dim 1], update of 2 steps
  const past = f32([2, 4, 1], [0, 0, 0, 0, 0, 0, 0, 0]);
  const upd = f32([2, 2, 1], [1, 2, 3, 4]);
  const lin = run1('TensorScatter', [past, upd, i64([2], [1, 2])]);
  assert.deepEqual(values(lin), [0, 1, 2, 0, 0, 0, 3, 4]);
  const circ = run1('TensorScatter', [past, upd, i64([2], [3, 0])], { mode: 'circular' });
  assert.deepEqual(values(circ), [2, 0, 0, 1, 3, 4, 0, 0]);
  assert.throws(() => run1('TensorScatter', [past, upd, i64([2], [3, 0])]));
  assert.deepEqual(values(run1('TensorScatter', [past, upd])), [1, 2, 0, 0, 3, 4, 0, 0]);
});
