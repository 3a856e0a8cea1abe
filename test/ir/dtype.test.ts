import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DTYPES,
  allocate,
  byteSize,
  integerRange,
  isBigInt,
  isDType,
  isFloat,
  isHalf,
  isInteger,
  isSigned,
  storageCtor,
  type DType,
} from '../../src/ir/dtype.js';

/** The element types by family, as the ONNX spec defines them. */
const FLOATS: DType[] = ['float32', 'float16', 'bfloat16', 'float64'];
const SIGNED_INTS: DType[] = ['int8', 'int16', 'int32', 'int64'];
const UNSIGNED_INTS: DType[] = ['uint8', 'uint16', 'uint32', 'uint64'];

test('DTYPES is exactly the floats, the ints and bool', () => {
  assert.deepEqual([...DTYPES].sort(), [...FLOATS, ...SIGNED_INTS, ...UNSIGNED_INTS, 'bool'].sort());
});

test('isDType', () => {
  for (const d of DTYPES) assert.ok(isDType(d));
  for (const s of ['float', 'int', 'string', 'Float32', '', 'complex64', 'float8e4m3fn'])
    assert.ok(!isDType(s), s);
});

test('byteSize follows the bit width in the name', () => {
  for (const d of DTYPES) {
    const bits = d === 'bool' ? 8 : Number(/\d+$/.exec(d)![0]);
    assert.equal(byteSize(d), bits / 8, d);
  }
});

test('type predicates', () => {
  for (const d of DTYPES) {
    assert.equal(isFloat(d), FLOATS.includes(d), `isFloat ${d}`);
    assert.equal(isHalf(d), d === 'float16' || d === 'bfloat16', `isHalf ${d}`);
    assert.equal(isBigInt(d), d === 'int64' || d === 'uint64', `isBigInt ${d}`);
    assert.equal(isInteger(d), SIGNED_INTS.includes(d) || UNSIGNED_INTS.includes(d), `isInteger ${d}`);
    assert.equal(isSigned(d), SIGNED_INTS.includes(d) || FLOATS.includes(d), `isSigned ${d}`);
  }
});

test('allocate gives zeroed storage of the right typed array and width', () => {
  for (const d of DTYPES) {
    const a = allocate(d, 5);
    assert.equal(a.length, 5, d);
    assert.equal(a.BYTES_PER_ELEMENT, byteSize(d), d);
    assert.ok(a instanceof storageCtor(d), d);
    assert.ok(
      Array.from(a as ArrayLike<number | bigint>).every((x) => x === 0 || x === 0n),
      d,
    );
  }
  assert.ok(allocate('int64', 1) instanceof BigInt64Array);
  assert.ok(allocate('uint64', 1) instanceof BigUint64Array);
  assert.ok(allocate('float16', 1) instanceof Uint16Array);
  assert.ok(allocate('bfloat16', 1) instanceof Uint16Array);
  assert.ok(allocate('bool', 1) instanceof Uint8Array);
  assert.ok(allocate('int8', 1) instanceof Int8Array);
  assert.ok(allocate('float64', 1) instanceof Float64Array);
});

test('integerRange is two-complement / unsigned range of the width', () => {
  for (const d of SIGNED_INTS) {
    const bits = BigInt(byteSize(d) * 8);
    assert.deepEqual(integerRange(d), [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n], d);
  }
  for (const d of UNSIGNED_INTS) {
    const bits = BigInt(byteSize(d) * 8);
    assert.deepEqual(integerRange(d), [0n, 2n ** bits - 1n], d);
  }
  assert.deepEqual(integerRange('bool'), [0n, 1n]);
  for (const d of FLOATS) assert.throws(() => integerRange(d), d);
});
