import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binary,
  compare,
  constant,
  convert,
  load,
  select,
  store,
  unary,
} from '../../src/backend/kernel/build.js';
import type { DType } from '../../src/ir/dtype.js';
import type { Expr, Index, Kernel, Scalar } from '../../src/backend/kernel/ir.js';
import { build, program } from './wasm-harness.js';

/**
 * Integer and comparison semantics of the renderer, each in a vectorized loop (SIMD where the
 * operation has a form, scalar otherwise; odd extents exercise both) and in a scalar one.
 */

const at = (v: string): Index => ({ terms: [{ v, stride: 1 }], offset: 0 });

/** y[i] = f(a[i], b[i]) over n elements. */
function elementwise(
  n: number,
  dtypes: { a: DType; b: DType; y: DType },
  f: (a: Expr, b: Expr) => Expr,
  vectorize: boolean,
): (a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>) => (number | bigint)[] {
  const kernel: Kernel = {
    name: 'op',
    node: 'n',
    reads: ['a', 'b'],
    writes: ['y'],
    body: [
      {
        op: 'loop',
        v: 'i',
        extent: n,
        vectorize,
        body: [store('y', dtypes.y, at('i'), f(load('a', dtypes.a, at('i')), load('b', dtypes.b, at('i'))))],
      },
    ],
  };
  const built = build(
    program([kernel], {
      a: { dtype: dtypes.a, elements: n },
      b: { dtype: dtypes.b, elements: n },
      y: { dtype: dtypes.y, elements: n },
    }),
  );
  return (a, b) => {
    (built.view('a') as unknown as { set(x: ArrayLike<number | bigint>): void }).set(a);
    (built.view('b') as unknown as { set(x: ArrayLike<number | bigint>): void }).set(b);
    built.run();
    return [...(built.view('y') as unknown as Iterable<number | bigint>)];
  };
}

function check(
  name: string,
  dtypes: { a: DType; b: DType; y: DType },
  f: (a: Expr, b: Expr) => Expr,
  a: readonly (number | bigint)[],
  b: readonly (number | bigint)[],
  want: readonly (number | bigint)[],
): void {
  for (const vectorize of [true, false]) {
    test(`${name} ${vectorize ? 'vectorized' : 'scalar'}`, () => {
      const got = elementwise(a.length, dtypes, f, vectorize)(a, b);
      assert.deepEqual(got, want);
    });
  }
}

const F32 = { a: 'float32', b: 'float32', y: 'float32' } as const;
const I32 = { a: 'int32', b: 'int32', y: 'int32' } as const;
const I64 = { a: 'int64', b: 'int64', y: 'int64' } as const;
const bin =
  (fn: Parameters<typeof binary>[0], type: Scalar, unsigned = false) =>
  (a: Expr, b: Expr) =>
    binary(fn, type, a, b, unsigned);

check(
  'f32 min/max propagate NaN and order zeros',
  F32,
  (a, b) =>
    binary(
      'add',
      'f32',
      binary('min', 'f32', a, b),
      binary('mul', 'f32', binary('max', 'f32', a, b), constant('f32', 10)),
    ),
  [1, NaN, 3, -0, 0, -5, Infinity],
  [2, 1, NaN, 0, -0, -6, -Infinity],
  [1 + 20, NaN, NaN, -0 + 0, -0 + 0, -6 - 50, -Infinity + Infinity],
);

check(
  'i32 division defined everywhere',
  I32,
  bin('div', 'i32'),
  [7, -7, 7, -7, 5, -2147483648, -2147483648, 0, 9],
  [2, 2, -2, -2, 0, -1, 1, 0, 3],
  [3, -3, -3, 3, 0, -2147483648, -2147483648, 0, 3],
);

check(
  'i32 remainder has the dividend sign, x % 0 = 0',
  I32,
  bin('rem', 'i32'),
  [7, -7, 7, -7, 5, -2147483648, 0],
  [2, 2, -2, -2, 0, -1, 0],
  [1, -1, 1, -1, 0, 0, 0],
);

check(
  'u32 division and remainder',
  { a: 'uint32', b: 'uint32', y: 'uint32' },
  (a, b) => binary('add', 'i32', binary('div', 'i32', a, b, true), binary('rem', 'i32', a, b, true)),
  [4294967295, 10, 5],
  [2, 3, 0],
  [2147483647 + 1, 3 + 1, 0],
);

check(
  'i32 shifts of 32 or more give 0 (left, logical) or the sign (arithmetic)',
  I32,
  (a, b) => binary('xor', 'i32', binary('shl', 'i32', a, b), binary('shr', 'i32', a, b)),
  [1, -8, 5, -8, 3],
  [3, 1, 32, 40, 0],
  [8 ^ 0, -16 ^ -4, 0 ^ 0, 0 ^ -1, 3 ^ 3],
);

check(
  'u32 right shift with a uniform count (SIMD shift)',
  { a: 'uint32', b: 'uint32', y: 'uint32' },
  (a) => binary('shr', 'i32', a, constant('i32', 4), true),
  [0xffffffff, 256, 15, 16, 17],
  [0, 0, 0, 0, 0],
  [0x0fffffff, 16, 0, 1, 1],
);

check(
  'i32 min/max signed and unsigned',
  I32,
  (a, b) =>
    binary(
      'add',
      'i32',
      binary('min', 'i32', a, b),
      binary('mul', 'i32', binary('max', 'i32', a, b, true), constant('i32', 2)),
    ),
  [1, -1, 5, -7],
  [2, 3, 5, -8],
  [1 + 4, -1 + -2, 5 + 10, -8 + -14],
);

check(
  'i64 min/max, select and abs',
  I64,
  (a, b) =>
    binary(
      'add',
      'i64',
      binary('min', 'i64', a, b),
      select('i64', compare('lt', 'i64', a, constant('i64', 0n)), unary('abs', 'i64', a), b),
    ),
  [-5n, 7n, 2n ** 40n, -(2n ** 62n)],
  [3n, -9n, 1n, 4n],
  [-5n + 5n, -9n + -9n, 1n + 1n, -(2n ** 62n) + 2n ** 62n],
);

check(
  'i64 division by zero and wrapping',
  I64,
  (a, b) => binary('add', 'i64', binary('div', 'i64', a, b), binary('rem', 'i64', a, b)),
  [7n, -(2n ** 63n), 5n, 9n],
  [0n, -1n, -2n, 4n],
  [0n, -(2n ** 63n), -2n + 1n, 2n + 1n],
);

check(
  'integer pow wraps; negative exponents give 0 but for bases 1 and -1',
  I32,
  bin('pow', 'i32'),
  [3, 2, -2, 1, -1, -1, 5, 0],
  [4, 31, 3, -5, -3, -4, -1, 0],
  [81, -2147483648, -8, 1, -1, 1, 0, 1],
);

check(
  'compare and select (NaN compares false except ne)',
  { a: 'float32', b: 'float32', y: 'int32' },
  (a, b) =>
    binary(
      'add',
      'i32',
      binary(
        'add',
        'i32',
        compare('lt', 'f32', a, b),
        binary('mul', 'i32', compare('ne', 'f32', a, b), constant('i32', 2)),
      ),
      binary(
        'mul',
        'i32',
        select('i32', compare('ge', 'f32', a, b), constant('i32', 4), constant('i32', 0)),
        constant('i32', 1),
      ),
    ),
  [1, 2, NaN, 3, -0],
  [2, 1, 1, 3, 0],
  [1 + 2, 2 + 4, 2, 4, 4],
);

check(
  'float to int conversion truncates and saturates (NaN -> 0)',
  { a: 'float32', b: 'float32', y: 'int32' },
  (a) => convert('f32', 'i32', a),
  [1.9, -1.9, 3e9, -3e9, NaN, Infinity, -Infinity, -0.5],
  [0, 0, 0, 0, 0, 0, 0, 0],
  [1, -1, 2147483647, -2147483648, 0, 2147483647, -2147483648, 0],
);

check(
  'float to unsigned conversion saturates at 0 and 2^32-1',
  { a: 'float32', b: 'float32', y: 'uint32' },
  (a) => convert('f32', 'i32', a, true),
  [1.9, -1.9, 5e9, NaN, 4294967040],
  [0, 0, 0, 0, 0],
  [1, 0, 4294967295, 0, 4294967040],
);

check(
  'unsigned and 64-bit conversions to float',
  { a: 'uint32', b: 'int64', y: 'float64' },
  (a, b) => binary('add', 'f64', convert('i32', 'f64', a, true), convert('i64', 'f64', b)),
  [4294967295, 0, 1],
  [-(2n ** 53n), 2n ** 60n, -3n],
  [4294967295 - 2 ** 53, 2 ** 60, -2],
);

check(
  'float64 to int64 saturates',
  { a: 'float64', b: 'float64', y: 'int64' },
  (a) => convert('f64', 'i64', a),
  [1e300, -1e300, NaN, -2.5, 2 ** 62],
  [0, 0, 0, 0, 0],
  [2n ** 63n - 1n, -(2n ** 63n), 0n, -2n, 2n ** 62n],
);

check(
  'isnan, not and bitnot',
  { a: 'float32', b: 'int32', y: 'int32' },
  (a, b) =>
    binary(
      'add',
      'i32',
      unary('isnan', 'f32', a),
      binary(
        'add',
        'i32',
        binary('mul', 'i32', unary('not', 'i32', b), constant('i32', 2)),
        unary('bitnot', 'i32', b),
      ),
    ),
  [NaN, 1, Infinity, NaN],
  [0, 5, -1, 7],
  [1 + 2 - 1, 0 + 0 - 6, 0 + 0 + 0, 1 + 0 - 8],
);

test('the loop variable itself is a vector of consecutive indices, locals hold per-lane values', () => {
  const n = 11;
  const kernel: Kernel = {
    name: 'iota_square',
    node: 'n',
    reads: [],
    writes: ['y'],
    body: [
      {
        op: 'loop',
        v: 'i',
        extent: n,
        vectorize: true,
        body: [
          {
            op: 'set',
            name: 't',
            type: 'i32',
            value: binary('add', 'i32', { op: 'var', name: 'i' }, constant('i32', 1)),
          },
          {
            op: 'set',
            name: 'u',
            type: 'i32',
            value: binary(
              'mul',
              'i32',
              { op: 'local', name: 't', type: 'i32' },
              { op: 'local', name: 't', type: 'i32' },
            ),
          },
          store('y', 'int32', at('i'), { op: 'local', name: 'u', type: 'i32' }),
        ],
      },
    ],
  };
  const b = build(program([kernel], { y: { dtype: 'int32', elements: n } }));
  b.run();
  assert.deepEqual(
    [...(b.view('y') as Int32Array)],
    Array.from({ length: n }, (_, i) => (i + 1) ** 2),
  );
});

test('a local carried between iterations keeps the loop scalar and correct', () => {
  const n = 9;
  const kernel: Kernel = {
    name: 'prefix_sum',
    node: 'n',
    reads: ['a'],
    writes: ['y'],
    body: [
      { op: 'set', name: 's', type: 'f32', value: constant('f32', 0) },
      {
        op: 'loop',
        v: 'i',
        extent: n,
        vectorize: true,
        body: [
          {
            op: 'set',
            name: 's',
            type: 'f32',
            value: binary(
              'add',
              'f32',
              { op: 'local', name: 's', type: 'f32' },
              load('a', 'float32', at('i')),
            ),
          },
          store('y', 'float32', at('i'), { op: 'local', name: 's', type: 'f32' }),
        ],
      },
    ],
  };
  const b = build(
    program([kernel], { a: { dtype: 'float32', elements: n }, y: { dtype: 'float32', elements: n } }),
  );
  (b.view('a') as Float32Array).set(Array.from({ length: n }, (_, i) => i + 1));
  b.run();
  assert.deepEqual(
    [...(b.view('y') as Float32Array)],
    Array.from({ length: n }, (_, i) => ((i + 1) * (i + 2)) / 2),
  );
});

test('gathers, if statements and negative strides', () => {
  const n = 6;
  const kernel: Kernel = {
    name: 'gather_reverse',
    node: 'n',
    reads: ['table', 'idx'],
    writes: ['y'],
    body: [
      {
        op: 'loop',
        v: 'i',
        extent: n,
        vectorize: true,
        body: [
          {
            op: 'if',
            cond: compare('lt', 'i32', { op: 'var', name: 'i' }, constant('i32', 3)),
            then: [
              store(
                'y',
                'float32',
                { terms: [{ v: 'i', stride: -1 }], offset: n - 1 },
                load('table', 'float32', { terms: [], offset: 0, dynamic: load('idx', 'int32', at('i')) }),
              ),
            ],
            else: [
              store('y', 'float32', { terms: [{ v: 'i', stride: -1 }], offset: n - 1 }, constant('f32', -1)),
            ],
          },
        ],
      },
    ],
  };
  const b = build(
    program([kernel], {
      table: { dtype: 'float32', elements: 4 },
      idx: { dtype: 'int32', elements: n },
      y: { dtype: 'float32', elements: n },
    }),
  );
  (b.view('table') as Float32Array).set([10, 11, 12, 13]);
  (b.view('idx') as Int32Array).set([3, 0, 2, 1, 1, 1]);
  b.run();
  assert.deepEqual([...(b.view('y') as Float32Array)], [-1, -1, -1, 12, 10, 13]);
});
