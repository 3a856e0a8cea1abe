import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  f32,
  i64,
  infer,
  iota,
  ints,
  isSymbol,
  run,
  run1,
  shapeOfInfer,
  t,
  values,
} from '../helpers/op-harness.js';

test('Transpose: default reverses, perm permutes, symbols follow', () => {
  const x = iota([2, 3]);
  const y = run1('Transpose', [x]);
  assert.deepEqual(y.shape, [3, 2]);
  assert.deepEqual(values(y), [0, 3, 1, 4, 2, 5]);
  const z = run1('Transpose', [iota([2, 3, 4])], { perm: [1, 2, 0] });
  assert.deepEqual(z.shape, [3, 4, 2]);
  // z[i][j][k] = x[k][i][j] = 12k + 4i + j
  assert.deepEqual(values(z).slice(0, 4), [0, 12, 1, 13]);
  assert.deepEqual(
    shapeOfInfer('Transpose', [{ dtype: 'float32', shape: ['b', 3, 'n'] }], { perm: [2, 0, 1] }),
    ['n', 'b', 3],
  );
  assert.throws(() => run1('Transpose', [x], { perm: [0, 0] }));
});

test('Transpose: long inner runs, float16 bits and int64 survive', () => {
  const x = iota([2, 3, 20]);
  const y = run1('Transpose', [x], { perm: [1, 0, 2] });
  assert.deepEqual(values(y).slice(20, 24), [60, 61, 62, 63]);
  const h = run1('Transpose', [t('float16', [2, 2], [0.5, -1, 65504, 2 ** -24])]);
  assert.deepEqual(values(h), [0.5, 65504, -1, 2 ** -24]);
  const big = 2n ** 60n;
  const b = run1('Transpose', [i64([1, 2], [big, -big])]);
  assert.deepEqual([...(b.data as BigInt64Array)], [big, -big]);
  assert.deepEqual(run1('Transpose', [f32([0, 3], [])]).shape, [3, 0]);
});

test('Concat: negative axis, empty parts, int64 shape vectors', () => {
  const a = iota([2, 2]);
  const b = f32([2, 1], [10, 11]);
  const y = run1('Concat', [a, b], { axis: -1 });
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(values(y), [0, 1, 10, 2, 3, 11]);
  assert.deepEqual(values(run1('Concat', [a, f32([0, 2], []), a], { axis: 0 })), [0, 1, 2, 3, 0, 1, 2, 3]);
  assert.deepEqual(values(run1('Concat', [ints(1, 2), ints(-1)], { axis: 0 })), [1, 2, -1]);
  assert.throws(() => run1('Concat', [a, iota([3, 3])], { axis: 0 }));
});

test('Concat infer: sums known dims; a symbol plus numbers is fresh; other dims unify', () => {
  const s = (shape: (number | string)[]) => ({ dtype: 'float32' as const, shape });
  assert.deepEqual(shapeOfInfer('Concat', [s([2, 3]), s([4, 3])], { axis: 0 }), [6, 3]);
  const mixed = shapeOfInfer('Concat', [s(['n', 3]), s([4, 3])], { axis: 0 })!;
  assert.ok(isSymbol(mixed[0]) && mixed[0] !== 'n');
  assert.deepEqual(shapeOfInfer('Concat', [s(['n', 3]), s([0, 3])], { axis: 0 }), ['n', 3]);
  assert.deepEqual(shapeOfInfer('Concat', [s([2, 'd']), s([1, 5])], { axis: 0 }), [3, 5]);
  assert.throws(() => infer('Concat', [s([2, 3]), s([2, 4])], { axis: 0 }));
});

test('Split: by sizes, equal parts, uneven num_outputs', () => {
  const x = iota([6]);
  const parts = run('Split', [x, ints(1, 2, 3)], {}, 3);
  assert.deepEqual(parts.map(values), [[0], [1, 2], [3, 4, 5]]);
  assert.deepEqual(run('Split', [x], {}, 2).map(values), [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  const uneven = run('Split', [iota([7])], { num_outputs: 3 }, 3);
  assert.deepEqual(
    uneven.map((p) => p.shape[0]),
    [3, 3, 1],
  );
  assert.throws(() => run('Split', [x, ints(1, 2)], {}, 3));
  assert.throws(() => run('Split', [x, ints(1, 2, 4)], {}, 3));
});

test('Split along an inner axis, with zero-size parts', () => {
  const x = iota([2, 4]);
  const [a, b, c] = run('Split', [x, ints(1, 0, 3)], { axis: -1 }, 3);
  assert.deepEqual(values(a!), [0, 4]);
  assert.deepEqual(b!.shape, [2, 0]);
  assert.deepEqual(values(c!), [1, 2, 3, 5, 6, 7]);
});

test('Split infer: exact sizes, fresh dims for a symbolic axis without sizes', () => {
  const s = { dtype: 'float32' as const, shape: ['b', 10] };
  const out = infer('Split', [s, ints(4, 6)], { axis: 1 }, 2);
  assert.deepEqual(
    out.map((o) => o.shape),
    [
      ['b', 4],
      ['b', 6],
    ],
  );
  const sym = infer('Split', [s], { axis: 0 }, 2);
  assert.ok(sym.every((o) => isSymbol(o.shape![0]) && o.shape![1] === 10));
  const uneven = infer('Split', [{ dtype: 'float32', shape: [5] }], { num_outputs: 2 }, 2);
  assert.deepEqual(
    uneven.map((o) => o.shape),
    [[3], [2]],
  );
});
