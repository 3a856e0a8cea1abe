import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transposeData } from '../../src/ops/movement/copy.js';
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

test('DepthToSpace DCR and CRD differ in channel order; SpaceToDepth inverts DCR', () => {
  const x = iota([1, 8, 1, 1]);
  assert.deepEqual(values(run1('DepthToSpace', [x], { blocksize: 2 })).slice(0, 4), [0, 2, 4, 6]);
  const crd = run1('DepthToSpace', [x], { blocksize: 2, mode: 'CRD' });
  assert.deepEqual(crd.shape, [1, 2, 2, 2]);
  assert.deepEqual(values(crd).slice(0, 4), [0, 1, 2, 3]);
  const img = iota([2, 3, 4, 6]);
  const s2d = run1('SpaceToDepth', [img], { blocksize: 2 });
  assert.deepEqual(s2d.shape, [2, 12, 2, 3]);
  assert.deepEqual(values(run1('DepthToSpace', [s2d], { blocksize: 2 })), values(img));
  assert.throws(() => run1('SpaceToDepth', [iota([1, 1, 3, 3])], { blocksize: 2 }));
});

test('DepthToSpace and SpaceToDepth in NHWC match NCHW up to the layout transpose', () => {
  const nchw = iota([1, 8, 2, 3]);
  const nhwc = transposeData(nchw, [0, 2, 3, 1]);
  for (const mode of ['DCR', 'CRD']) {
    const a = run1('DepthToSpace', [nchw], { blocksize: 2, mode });
    const b = run1('DepthToSpace', [nhwc], { blocksize: 2, mode, layout: 'NHWC' });
    assert.deepEqual(values(b), values(transposeData(a, [0, 2, 3, 1])));
  }
  const img = iota([1, 2, 4, 4]);
  const a = run1('SpaceToDepth', [img], { blocksize: 2 });
  const b = run1('SpaceToDepth', [transposeData(img, [0, 2, 3, 1])], { blocksize: 2, layout: 'NHWC' });
  assert.deepEqual(values(b), values(transposeData(a, [0, 2, 3, 1])));
  assert.deepEqual(
    shapeOfInfer('DepthToSpace', [{ dtype: 'float32', shape: ['n', 5, 6, 12] }], {
      blocksize: 2,
      layout: 'NHWC',
    }),
    ['n', 10, 12, 3],
  );
});

test('Trilu: upper/lower with k of either sign, batched', () => {
  const x = f32([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(values(run1('Trilu', [x])), [1, 2, 3, 0, 5, 6, 0, 0, 9]);
  assert.deepEqual(values(run1('Trilu', [x, i64([], [1])])), [0, 2, 3, 0, 0, 6, 0, 0, 0]);
  assert.deepEqual(values(run1('Trilu', [x, i64([], [-1])], { upper: 0 })), [0, 0, 0, 4, 0, 0, 7, 8, 0]);
  assert.deepEqual(values(run1('Trilu', [x, i64([], [5])], { upper: 0 })), values(x));
  const b = run1('Trilu', [i64([2, 1, 2], [1, 2, 3, 4])], { upper: 0 });
  assert.deepEqual(values(b), [1, 0, 3, 0]);
});

test('OneHot: axis placement, negative indices, out of range stays off', () => {
  const y = run1('OneHot', [i64([3], [0, -1, 5]), f32([], [3]), f32([2], [0, 1])]);
  assert.deepEqual(y.shape, [3, 3]);
  assert.deepEqual(values(y), [1, 0, 0, 0, 0, 1, 0, 0, 0]);
  const a0 = run1('OneHot', [i64([2], [1, 0]), i64([], [2]), i64([2], [-1, 7])], { axis: 0 });
  assert.deepEqual(a0.shape, [2, 2]);
  assert.deepEqual(values(a0), [-1, 7, 7, -1]);
  assert.deepEqual(
    shapeOfInfer('OneHot', [{ dtype: 'int64', shape: ['b', 4] }, i64([], [10]), f32([2], [0, 1])], {
      axis: 1,
    }),
    ['b', 10, 4],
  );
});

test('Compress: along an axis, flattened, short condition', () => {
  const x = iota([3, 2]);
  assert.deepEqual(values(run1('Compress', [x, t('bool', [3], [0, 1, 1])], { axis: 0 })), [2, 3, 4, 5]);
  assert.deepEqual(values(run1('Compress', [x, t('bool', [2], [0, 1])], { axis: -1 })), [1, 3, 5]);
  assert.deepEqual(values(run1('Compress', [x, t('bool', [4], [1, 0, 0, 1])])), [0, 3]);
  assert.deepEqual(
    shapeOfInfer('Compress', [{ dtype: 'float32', shape: ['b', 4] }, t('bool', [3], [1, 1, 0])], { axis: 1 }),
    ['b', 2],
  );
});

test('NonZero: coordinates in row-major order; -0 is zero, NaN is not', () => {
  const y = run1('NonZero', [f32([2, 2], [1, 0, -0, NaN])]);
  assert.deepEqual(y.shape, [2, 2]);
  assert.deepEqual(values(y), [0, 1, 0, 1]);
  assert.deepEqual(values(run1('NonZero', [t('float16', [3], [0, -0, 2])])), [2]);
  assert.deepEqual(values(run1('NonZero', [i64([3], [0n, 2n ** 62n, 0n])])), [1]);
  const s = infer('NonZero', [{ dtype: 'bool', shape: [4, 5] }])[0]!.shape!;
  assert.equal(s[0], 2);
  assert.ok(isSymbol(s[1]));
});

test('Unique: sorted and first-occurrence order, with all four outputs', () => {
  const x = f32([6], [2, 1, 1, 3, 4, 3]);
  const [y, idx, inv, counts] = run('Unique', [x], {}, 4);
  assert.deepEqual(values(y!), [1, 2, 3, 4]);
  assert.deepEqual(values(idx!), [1, 0, 3, 4]);
  assert.deepEqual(values(inv!), [1, 0, 0, 2, 3, 2]);
  assert.deepEqual(values(counts!), [2, 1, 2, 1]);
  const [u, uIdx, uInv, uCounts] = run('Unique', [x], { sorted: 0 }, 4);
  assert.deepEqual(values(u!), [2, 1, 3, 4]);
  assert.deepEqual(values(uIdx!), [0, 1, 3, 4]);
  assert.deepEqual(values(uInv!), [0, 1, 1, 2, 3, 2]);
  assert.deepEqual(values(uCounts!), [1, 2, 2, 1]);
});

test('Unique along an axis compares whole slices', () => {
  const x = f32([3, 3], [1, 0, 0, 1, 0, 0, 2, 3, 4]);
  const [rows, , inv] = run('Unique', [x], { axis: 0 }, 3);
  assert.deepEqual(rows!.shape, [2, 3]);
  assert.deepEqual(values(rows!), [1, 0, 0, 2, 3, 4]);
  assert.deepEqual(values(inv!), [0, 0, 1]);
  const [cols] = run('Unique', [f32([2, 3], [2, 1, 2, 5, 4, 5])], { axis: -1 });
  assert.deepEqual(values(cols!), [1, 2, 4, 5]);
  const big = 2n ** 62n;
  assert.deepEqual(
    [...(run1('Unique', [i64([3], [big + 1n, big, big + 1n])]).data as BigInt64Array)],
    [big, big + 1n],
  );
});

test('ReverseSequence: per-batch lengths along the time axis', () => {
  // time-major [time 3, batch 2]
  const x = f32([3, 2], [0, 10, 1, 11, 2, 12]);
  const y = run1('ReverseSequence', [x, ints(3, 2)]);
  assert.deepEqual(values(y), [2, 11, 1, 10, 0, 12]);
  // batch-major [batch 2, time 3, 1]
  const b = run1('ReverseSequence', [iota([2, 3, 1]), ints(1, 3)], { batch_axis: 0, time_axis: 1 });
  assert.deepEqual(values(b), [0, 1, 2, 5, 4, 3]);
  assert.throws(() => run1('ReverseSequence', [x, ints(4, 1)]));
});
