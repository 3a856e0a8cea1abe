import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelsFirst, channelsLast } from '../../src/ops/linalg/layout.js';
import { OpError } from '../../src/ops/op.js';
import { close, f32, infer, iota, isSymbol, rand, run, run1, t, values } from '../helpers/op-harness.js';

test('MaxPool with Indices in row-major and column-major storage order', () => {
  const x = f32([1, 1, 2, 4], [1, 9, 2, 3, 8, 0, 7, 4]);
  const [y, idx] = run('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 2);
  assert.deepEqual(values(y!), [9, 7]);
  assert.equal(idx!.dtype, 'int64');
  assert.deepEqual(values(idx!), [1, 6]);
  const [, colMajor] = run('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 }, 2);
  // (h, w) = (0, 1) -> 0 + 1*2; (1, 2) -> 1 + 2*2
  assert.deepEqual(values(colMajor!), [2, 5]);
  // indices count the whole tensor, batch and channels included
  const [, batched] = run('MaxPool', [iota([2, 1, 2, 2])], { kernel_shape: [2, 2] }, 2);
  assert.deepEqual(values(batched!), [3, 7]);
});

test('MaxPool pads, dilations, ceil_mode dropping a window that starts in the padding', () => {
  const x = f32([1, 1, 5], [5, 1, 2, 8, 3]);
  assert.deepEqual(values(run1('MaxPool', [x], { kernel_shape: [3], pads: [1, 1] })), [5, 5, 8, 8, 8]);
  assert.deepEqual(values(run1('MaxPool', [x], { kernel_shape: [2], dilations: [2] })), [5, 8, 3]);
  assert.deepEqual(
    values(run1('MaxPool', [x], { kernel_shape: [2], strides: [2], ceil_mode: 1 })),
    [5, 8, 3],
  );
  const tiny = run1('MaxPool', [f32([1, 1, 2, 2], [1, 2, 3, 4])], {
    kernel_shape: [1, 1],
    strides: [2, 2],
    ceil_mode: 1,
  });
  assert.deepEqual(tiny.shape, [1, 1, 1, 1]);
  const same = run1('MaxPool', [iota([1, 1, 3, 3])], { kernel_shape: [2, 2], auto_pad: 'SAME_UPPER' });
  assert.deepEqual(values(same), [4, 5, 5, 7, 8, 8, 7, 8, 8]);
  const lower = run1('MaxPool', [iota([1, 1, 3, 3])], { kernel_shape: [2, 2], auto_pad: 'SAME_LOWER' });
  assert.deepEqual(values(lower), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test('MaxPool keeps integer and float16 dtypes, NaN wins', () => {
  const u8 = run1('MaxPool', [t('uint8', [1, 1, 3], [3, 255, 7])], { kernel_shape: [2] });
  assert.equal(u8.dtype, 'uint8');
  assert.deepEqual(values(u8), [255, 255]);
  const h = run1('MaxPool', [t('float16', [1, 1, 2], [0.5, -1])], { kernel_shape: [2] });
  assert.equal(h.dtype, 'float16');
  assert.deepEqual(values(h), [0.5]);
  assert.ok(Number.isNaN(values(run1('MaxPool', [f32([1, 1, 3], [1, NaN, 2])], { kernel_shape: [3] }))[0]));
});

test('MaxPool NHWC: values and Indices in channels-last order', () => {
  const x = rand([1, 2, 4, 4], 9);
  const [y, i] = run('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 2);
  const [yl, il] = run(
    'MaxPool',
    [channelsLast(x, 'NHWC')],
    { kernel_shape: [2, 2], strides: [2, 2], layout: 'NHWC' },
    2,
  );
  assert.deepEqual(values(channelsFirst(yl!, 'NHWC')), values(y!));
  // an NCHW flat index (c*16 + h*4 + w) becomes (h*4 + w)*2 + c
  const want = values(i!).map((v) => (v % 16) * 2 + Math.floor(v / 16));
  assert.deepEqual(values(channelsFirst(il!, 'NHWC')), want);
});

test('AveragePool count_include_pad, ceil_mode and dilations', () => {
  const x = f32([1, 1, 3], [3, 6, 9]);
  assert.deepEqual(values(run1('AveragePool', [x], { kernel_shape: [2], pads: [1, 1] })), [3, 4.5, 7.5, 9]);
  const incl = run1('AveragePool', [x], { kernel_shape: [2], pads: [1, 1], count_include_pad: 1 });
  assert.deepEqual(values(incl), [1.5, 4.5, 7.5, 4.5]);
  // ceil_mode overhang beyond the explicit pads is never counted
  const ceil = run1('AveragePool', [f32([1, 1, 4], [1, 2, 3, 4])], {
    kernel_shape: [3],
    strides: [2],
    ceil_mode: 1,
    count_include_pad: 1,
  });
  assert.deepEqual(values(ceil), [2, 3.5]);
  assert.deepEqual(
    values(run1('AveragePool', [iota([1, 1, 5])], { kernel_shape: [2], dilations: [2] })),
    [1, 2, 3],
  );
});

test('LpPool and the global pools', () => {
  const x = f32([1, 1, 4], [3, -4, 0, 1]);
  close(run1('LpPool', [x], { kernel_shape: [2], strides: [2] }), f32([1, 1, 2], [5, 1]), 1e-6, 1e-3);
  close(run1('LpPool', [x], { kernel_shape: [2], strides: [2], p: 1 }), f32([1, 1, 2], [7, 1]), 1e-6, 1e-3);
  const g = iota([2, 2, 2, 2]);
  assert.deepEqual(values(run1('GlobalAveragePool', [g])), [1.5, 5.5, 9.5, 13.5]);
  assert.deepEqual(run1('GlobalMaxPool', [g]).shape, [2, 2, 1, 1]);
  assert.deepEqual(values(run1('GlobalMaxPool', [g])), [3, 7, 11, 15]);
  close(run1('GlobalLpPool', [f32([1, 1, 2], [3, 4])]), f32([1, 1, 1], [5]), 1e-6, 1e-3);
  const nhwc = run1('GlobalAveragePool', [channelsLast(g, 'NHWC')], { layout: 'NHWC' });
  assert.deepEqual(nhwc.shape, [2, 1, 1, 2]);
  assert.deepEqual(values(nhwc), [1.5, 5.5, 9.5, 13.5]);
  const [ty] = infer('GlobalAveragePool', [{ dtype: 'float32', shape: ['n', 'h', 'w', 8] }], {
    layout: 'NHWC',
  });
  assert.deepEqual(ty!.shape, ['n', 1, 1, 8]);
});

test('pool shape inference keeps symbols only when the axis maps 1:1', () => {
  const [y] = infer('MaxPool', [{ dtype: 'float32', shape: ['n', 3, 'h', 'w'] }], {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
  });
  assert.deepEqual(y!.shape, ['n', 3, 'h', 'w']);
  const [s] = infer('AveragePool', [{ dtype: 'float32', shape: ['n', 3, 'h', 7] }], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  assert.ok(isSymbol(s!.shape![2]) && s!.shape![2] !== 'h');
  assert.equal(s!.shape![3], 3);
  assert.throws(() => infer('MaxPool', [f32([1, 1, 2], [1, 2])], { kernel_shape: [3] }), OpError);
  assert.throws(() => infer('MaxPool', [f32([1, 1, 2], [1, 2])], {}), OpError);
});

test('MaxUnpool scatters MaxPool values back, with and without output_shape', () => {
  const x = iota([1, 1, 4, 4]);
  const [y, i] = run('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 2);
  const up = run1('MaxUnpool', [y, i], { kernel_shape: [2, 2], strides: [2, 2] });
  assert.deepEqual(up.shape, [1, 1, 4, 4]);
  assert.deepEqual(values(up), [0, 0, 0, 0, 0, 5, 0, 7, 0, 0, 0, 0, 0, 13, 0, 15]);
  const big = run1('MaxUnpool', [y, i, t('int64', [4], [1, 1, 5, 5])], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  assert.deepEqual(big.shape, [1, 1, 5, 5]);
  assert.deepEqual(
    values(big).flatMap((v, k) => (v ? [k] : [])),
    [6, 8, 16, 18],
  );
});

test('Col2Im sums overlapping blocks back into the image', () => {
  // a 1x3 image, blocks of 2 with stride 1: columns [[a0, a1], [b0, b1]] -> [a0, a1 + b0, b1]
  const y = run1('Col2Im', [
    f32([1, 2, 2], [1, 2, 10, 20]),
    t('int64', [2], [1, 3]),
    t('int64', [2], [1, 2]),
  ]);
  assert.deepEqual(y.shape, [1, 1, 1, 3]);
  assert.deepEqual(values(y), [1, 12, 20]);
  const [ty] = infer('Col2Im', [
    { dtype: 'float32', shape: [1, 8, 'L'] },
    t('int64', [2], [4, 4]),
    t('int64', [2], [2, 2]),
  ]);
  assert.deepEqual(ty!.shape, [1, 2, 4, 4]);
});
