import { test } from 'node:test';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { f32, rand, t } from '../helpers/op-harness.js';
import type { GraphInput } from '../helpers/lowering-harness.js';
import { checkLinalg } from './lower-linalg-support.js';

/** Quantization lowerings against the reference, bit-exact (tolerance 0 on integer outputs). */
const int = (value: number): AttrValue => ({ kind: 'int', value });
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const str = (value: string): AttrValue => ({ kind: 'string', value });
const exact = { atol: 0, rtol: 0 };

function ramp(dtype: DType, shape: readonly number[], seed = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const lo = dtype === 'int8' ? -128 : dtype === 'int16' ? -3000 : dtype === 'int32' ? -100000 : 0;
  const span = dtype.endsWith('8') ? 256 : dtype === 'uint16' ? 6000 : 200000;
  return t(
    dtype,
    shape,
    Array.from({ length: n }, (_, i) => lo + ((i * 97 + seed * 31) % span)),
  );
}

/** Values that hit exact halves after division by 0.5 and 0.25 and that saturate. */
function floats(shape: readonly number[], scale = 300): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return f32(
    shape,
    Array.from({ length: n }, (_, i) => (((i * 37) % 41) - 20) * (scale / 40) + (i % 4) * 0.125),
  );
}

const q = (name: string, value: Tensor, constant = false): GraphInput => ({ name, value, constant });

for (const dtype of ['uint8', 'int8', 'uint16', 'int16', 'int32'] as const) {
  for (const constParams of [false, true]) {
    test(`QuantizeLinear / DequantizeLinear ${dtype} per-tensor, per-axis, blocked${constParams ? ' (constant params)' : ''}`, () => {
      const x = floats([2, 6, 5]);
      const zpv = (shape: number[]) => ramp(dtype, shape, 3);
      checkLinalg(
        'QuantizeLinear',
        [q('x', x), q('s', f32([], [0.5]), constParams), q('z', zpv([]), constParams)],
        {},
        { tolerance: exact },
      );
      checkLinalg(
        'QuantizeLinear',
        [q('x', x), q('s', rand([6], 2), constParams), q('z', zpv([6]), constParams)],
        { axis: int(1) },
        { tolerance: exact },
      );
      checkLinalg(
        'QuantizeLinear',
        [q('x', x), q('s', rand([5], 3), constParams), q('z', zpv([5]), constParams)],
        { axis: int(-1) },
        { tolerance: exact },
      );
      checkLinalg(
        'QuantizeLinear',
        [q('x', x), q('s', rand([2, 2, 5], 4), constParams), q('z', zpv([2, 2, 5]), constParams)],
        { axis: int(1), block_size: int(4) },
        { tolerance: exact },
      );
      const xi = ramp(dtype, [2, 6, 5]);
      checkLinalg(
        'DequantizeLinear',
        [q('x', xi), q('s', f32([], [0.37]), constParams), q('z', zpv([]), constParams)],
        {},
        { tolerance: exact },
      );
      checkLinalg(
        'DequantizeLinear',
        [q('x', xi), q('s', rand([6], 5), constParams), q('z', zpv([6]), constParams)],
        { axis: int(1) },
        { tolerance: exact },
      );
      checkLinalg(
        'DequantizeLinear',
        [q('x', xi), q('s', rand([2, 6, 2], 6), constParams), q('z', zpv([2, 6, 2]), constParams)],
        { axis: int(2), block_size: int(3) },
        { tolerance: exact },
      );
    });
  }
}

test('QuantizeLinear: no zero point, output_dtype, NaN, float64 scale', () => {
  const x = f32([6], [NaN, 1.5, 2.5, -0.5, 1e10, -1e10]);
  checkLinalg('QuantizeLinear', [q('x', x), q('s', f32([], [1]))], {}, { tolerance: exact });
  checkLinalg(
    'QuantizeLinear',
    [q('x', x), q('s', f32([], [1]))],
    { output_dtype: int(5) },
    { tolerance: exact },
  );
  checkLinalg(
    'QuantizeLinear',
    [q('x', x), q('s', f32([], [1])), q('z', t('int8', [], [3]))],
    {},
    { tolerance: exact },
  );
  const xd = t('float64', [4], [0.3, 1.5, 2.5, -7.5]);
  checkLinalg('QuantizeLinear', [q('x', xd), q('s', t('float64', [], [0.1]))], {}, { tolerance: exact });
});

test('DequantizeLinear to float16 and float64', () => {
  const x = ramp('int8', [3, 4]);
  checkLinalg('DequantizeLinear', [q('x', x), q('s', t('float16', [], [0.3]))], {}, { tolerance: exact });
  checkLinalg(
    'DequantizeLinear',
    [q('x', x), q('s', t('float64', [4], [0.1, 0.2, 0.3, 0.7])), q('z', t('int8', [4], [1, 2, 3, 4]))],
    { axis: int(1) },
    { tolerance: exact },
  );
});

test('DynamicQuantizeLinear', () => {
  for (const x of [
    f32([6], [0, 2, -3, -2.5, 1.34, 0.5]),
    floats([3, 7], 10),
    f32([3], [1, 2, 3]),
    f32([3], [-1, -2, -3]),
    f32([2], [0, 0]),
    f32([4], [NaN, 1, -1, 2]),
  ]) {
    checkLinalg('DynamicQuantizeLinear', [q('x', x)], {}, { outputs: 3, tolerance: exact });
  }
});

test('MatMulInteger with scalar, per-row and per-column zero points', () => {
  for (const consts of [false, true]) {
    const a = ramp('uint8', [2, 3, 5]);
    const b = ramp('int8', [5, 4], 1);
    checkLinalg('MatMulInteger', [q('a', a), q('b', b, consts)], {}, { tolerance: exact });
    checkLinalg(
      'MatMulInteger',
      [
        q('a', a),
        q('b', b, consts),
        q('az', t('uint8', [], [7]), consts),
        q('bz', t('int8', [], [-3]), consts),
      ],
      {},
      { tolerance: exact },
    );
    checkLinalg(
      'MatMulInteger',
      [
        q('a', ramp('uint8', [3, 5])),
        q('b', b, consts),
        q('az', t('uint8', [3], [1, 2, 3]), consts),
        q('bz', t('int8', [4], [1, -1, 0, 5]), consts),
      ],
      {},
      { tolerance: exact },
    );
    checkLinalg(
      'MatMulInteger',
      [
        q('a', ramp('int8', [5])),
        q('b', ramp('uint8', [2, 5, 3]), consts),
        undefined,
        q('bz', t('uint8', [3], [9, 8, 7]), consts),
      ],
      {},
      { tolerance: exact },
    );
  }
});

test('QLinearMatMul per-tensor and per-row/column scales', () => {
  const a = ramp('uint8', [2, 3, 5]);
  const b = ramp('uint8', [5, 4], 2);
  for (const out of ['uint8', 'int8'] as const) {
    checkLinalg(
      'QLinearMatMul',
      [
        q('a', a),
        q('as', f32([], [0.02])),
        q('az', t('uint8', [], [100])),
        q('b', b, true),
        q('bs', f32([], [0.03]), true),
        q('bz', t('uint8', [], [120]), true),
        q('ys', f32([], [0.5])),
        q('yz', t(out, [], [3])),
      ],
      {},
      { tolerance: exact },
    );
    checkLinalg(
      'QLinearMatMul',
      [
        q('a', ramp('int8', [3, 5])),
        q('as', f32([3], [0.02, 0.05, 0.01])),
        q('az', t('int8', [3], [1, 2, 3])),
        q('b', ramp('int8', [5, 4], 3)),
        q('bs', f32([4], [0.1, 0.2, 0.3, 0.04])),
        q('bz', t('int8', [4], [0, 1, 2, 3])),
        q('ys', f32([], [0.25])),
        q('yz', t(out, [], [-2])),
      ],
      {},
      { tolerance: exact },
    );
  }
});

function convCase(
  op: 'ConvInteger' | 'QLinearConv',
  layout: 'NCHW' | 'NHWC',
  x: number[],
  w: number[],
  attrs: Attrs,
  perChannel: boolean,
  consts: boolean,
) {
  let xv = ramp('uint8', x);
  if (layout === 'NHWC') xv = channelsLast(xv, 'NHWC');
  const wv = ramp('int8', w, 5);
  const M = w[0]!;
  const wz = perChannel
    ? t(
        'int8',
        [M],
        Array.from({ length: M }, (_, i) => i - 1),
      )
    : t('int8', [], [2]);
  const all = { ...attrs, layout: str(layout) };
  if (op === 'ConvInteger') {
    checkLinalg(
      op,
      [q('x', xv), q('w', wv, consts), q('xz', t('uint8', [], [128]), consts), q('wz', wz, consts)],
      all,
      { tolerance: exact },
    );
    return;
  }
  const ws = perChannel ? rand([M], 7) : f32([], [0.01]);
  checkLinalg(
    op,
    [
      q('x', xv),
      q('xs', f32([], [0.02])),
      q('xz', t('uint8', [], [128])),
      q('w', wv, consts),
      q('ws', ws, consts),
      q('wz', wz, consts),
      q('ys', f32([], [0.3])),
      q('yz', t('uint8', [], [120])),
      q(
        'b',
        t(
          'int32',
          [M],
          Array.from({ length: M }, (_, i) => i * 1000 - 2000),
        ),
        consts,
      ),
    ],
    all,
    { tolerance: exact },
  );
}

for (const op of ['ConvInteger', 'QLinearConv'] as const) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    test(`${op} ${layout}: grouped, depthwise, 1-D`, () => {
      for (const consts of [false, true]) {
        convCase(
          op,
          layout,
          [1, 4, 6, 7],
          [6, 2, 3, 3],
          { group: int(2), pads: ints([1, 0, 1, 2]), strides: ints([2, 1]) },
          true,
          consts,
        );
        convCase(
          op,
          layout,
          [2, 3, 5, 5],
          [3, 1, 3, 3],
          { group: int(3), pads: ints([1, 1, 1, 1]) },
          false,
          consts,
        );
        convCase(
          op,
          layout,
          [1, 2, 9],
          [3, 2, 3],
          { dilations: ints([2]), auto_pad: str('SAME_UPPER') },
          consts,
          consts,
        );
      }
    });
  }
}
