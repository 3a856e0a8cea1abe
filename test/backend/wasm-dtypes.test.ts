import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binary, computeType, convert, load, store } from '../../src/backend/kernel/build.js';
import type { Expr, Index, Kernel } from '../../src/backend/kernel/ir.js';
import type { DType } from '../../src/ir/dtype.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../src/ir/half.js';
import { build, program } from './wasm-harness.js';

/** Widening loads and narrowing stores of every storage type, scalar and four lanes at a time. */

const at = (v: string): Index => ({ terms: [{ v, stride: 1 }], offset: 0 });

function copy(n: number, from: DType, to: DType, vectorize: boolean, value?: (x: Expr) => Expr) {
  const x = load('x', from, at('i'));
  const kernel: Kernel = {
    name: `copy_${from}_${to}`,
    node: 'n',
    reads: ['x'],
    writes: ['y'],
    body: [
      { op: 'loop', v: 'i', extent: n, vectorize, body: [store('y', to, at('i'), value ? value(x) : x)] },
    ],
  };
  const b = build(program([kernel], { x: { dtype: from, elements: n }, y: { dtype: to, elements: n } }));
  return (input: ArrayLike<number | bigint>): (number | bigint)[] => {
    (b.view('x') as unknown as { set(a: ArrayLike<number | bigint>): void }).set(input);
    b.run();
    return [...(b.view('y') as unknown as Iterable<number | bigint>)];
  };
}

const SAMPLES: Record<DType, readonly (number | bigint)[]> = {
  float32: [0, -0, 1.5, -3.25e-40, 3.4e38, Infinity, -Infinity, 7].map(Math.fround),
  float64: [0, -0, 1e-310, Math.PI, -1e308, Infinity, 5, 6],
  float16: [0, 0x8000, 0x3c00, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x03ff],
  bfloat16: [0, 0x8000, 0x3f80, 0x0001, 0x7f7f, 0x7f80, 0xff80, 0x4049],
  int8: [0, 1, -1, 127, -128, 55, -56, 9],
  uint8: [0, 1, 255, 128, 127, 200, 3, 9],
  bool: [0, 1, 1, 0, 1, 0, 0, 1],
  int16: [0, 1, -1, 32767, -32768, 1234, -4321, 9],
  uint16: [0, 1, 65535, 32768, 32767, 40000, 3, 9],
  int32: [0, 1, -1, 2147483647, -2147483648, 123456, -654321, 9],
  uint32: [0, 1, 4294967295, 2147483648, 2147483647, 3000000000, 3, 9],
  int64: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 40n, -(2n ** 33n), 9n],
  uint64: [0n, 1n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 2n ** 40n, 3n, 9n],
};

for (const dtype of Object.keys(SAMPLES) as DType[]) {
  for (const n of [1, 7, 8]) {
    for (const vectorize of [true, false]) {
      test(`${dtype} loads and stores round-trip (${n} elements, ${vectorize ? 'vectorized' : 'scalar'})`, () => {
        const values = SAMPLES[dtype].slice(0, n);
        assert.deepEqual(copy(n, dtype, dtype, vectorize)(values), values);
      });
    }
  }
}

for (const vectorize of [true, false]) {
  const mode = vectorize ? 'vectorized' : 'scalar';

  test(`every float16 bit pattern decodes exactly (${mode})`, () => {
    const bits = Array.from({ length: 65536 }, (_, i) => i);
    const got = copy(65536, 'float16', 'float32', vectorize)(bits) as number[];
    bits.forEach((h, i) => {
      const want = Math.fround(float16BitsToFloat32(h));
      assert.ok(
        Object.is(got[i], want) || (Number.isNaN(want) && Number.isNaN(got[i])),
        `0x${h.toString(16)}`,
      );
    });
  });

  test(`bfloat16 decodes by shifting bits (${mode})`, () => {
    const bits = Array.from({ length: 4096 }, (_, i) => (i * 16 + 7) & 0xffff);
    const got = copy(bits.length, 'bfloat16', 'float32', vectorize)(bits) as number[];
    bits.forEach((h, i) => {
      const want = bfloat16BitsToFloat32(h);
      assert.ok(
        Object.is(got[i], want) || (Number.isNaN(want) && Number.isNaN(got[i])),
        `0x${h.toString(16)}`,
      );
    });
  });

  const floats = (() => {
    const special = [
      0,
      -0,
      1,
      -1,
      65504,
      65519.99,
      65520,
      -65520,
      1e10,
      2 ** -24,
      2 ** -25,
      2 ** -25 * 1.0001,
      3 * 2 ** -26,
    ];
    special.push(
      2 ** -14,
      2 ** -14 - 2 ** -25,
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      Infinity,
      -Infinity,
      NaN,
      1e-45,
      3.4e38,
    );
    let seed = 7;
    const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 3000; i++) special.push((rnd() - 0.5) * 2 ** (rnd() * 60 - 30));
    return Float32Array.from(special);
  })();

  test(`float32 stores to float16 round to nearest even, overflow to inf, keep NaN (${mode})`, () => {
    const got = copy(floats.length, 'float32', 'float16', vectorize)(floats) as number[];
    floats.forEach((x, i) => assert.equal(got[i], float32ToFloat16Bits(x), `${x}`));
  });

  test(`float32 stores to bfloat16 round to nearest even and keep NaN quiet (${mode})`, () => {
    const inputs = Float32Array.from([...floats, 1.00390625, 1.01171875, -1.00390625, 3.3961776e38, NaN]);
    const u = new Uint32Array(inputs.buffer);
    u[inputs.length - 1] = 0x7f800001; // a signalling NaN must stay a NaN
    const got = copy(inputs.length, 'float32', 'bfloat16', vectorize)(inputs) as number[];
    inputs.forEach((x, i) => assert.equal(got[i], float32ToBfloat16Bits(x), `${x}`));
    assert.equal(got[inputs.length - 1]! & 0x7fc0, 0x7fc0);
  });

  test(`narrowing integer stores wrap, widening loads extend by signedness (${mode})`, () => {
    const wide = [0, 1, -1, 255, 256, -129, 65535, 65536 + 7, 2147483647];
    const toI8 = copy(wide.length, 'int32', 'int8', vectorize)(wide);
    assert.deepEqual(toI8, [...Int8Array.from(wide)]);
    const toU16 = copy(wide.length, 'int32', 'uint16', vectorize)(wide);
    assert.deepEqual(toU16, [...Uint16Array.from(wide)]);
    const sum = (from: DType) =>
      copy(5, from, 'int32', vectorize, (x) => binary('add', 'i32', x, convert(computeType(from), 'i32', x)))(
        from === 'int8' ? [-1, -128, 127, 0, 5] : [255, 128, 127, 0, 5],
      );
    assert.deepEqual(sum('int8'), [-2, -256, 254, 0, 10]);
    assert.deepEqual(sum('uint8'), [510, 256, 254, 0, 10]);
  });
}

test('int64 arithmetic stays scalar and exact', () => {
  const got = copy(5, 'int64', 'int64', true, (x) => binary('mul', 'i64', x, x))([
    3n,
    -(2n ** 31n),
    2n ** 32n,
    7n,
    -1n,
  ]);
  assert.deepEqual(got, [9n, 2n ** 62n, 0n, 49n, 1n]);
});
