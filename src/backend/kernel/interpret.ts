import { storageCtor, type DType, type TensorData } from '../../ir/dtype.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../ir/half.js';
import { activate, elementOf } from './gemm-call.js';
import type { Expr, GemmCall, Index, Kernel, MatrixRef, Scalar, Stmt } from './ir.js';

/**
 * Executes kernel IR directly in JavaScript, with the semantics ir.ts defines. It is the oracle for
 * lowerings (kernel IR against the op's reference implementation) and for renderers (rendered code
 * against this), so a bug is found on the side of the contract where it lives.
 */
export type Buffers = ReadonlyMap<string, TensorData>;

type Value = number | bigint;

export function interpretKernels(kernels: readonly Kernel[], buffers: Buffers): void {
  for (const k of kernels) {
    const env = new Map<string, Value>();
    for (const s of k.body) exec(s, env, buffers);
  }
}

function exec(s: Stmt, env: Map<string, Value>, bufs: Buffers): void {
  switch (s.op) {
    case 'loop':
      for (let i = 0; i < s.extent; i++) {
        env.set(s.v, i);
        for (const b of s.body) exec(b, env, bufs);
      }
      return;
    case 'store': {
      const data = buffer(bufs, s.buffer);
      const i = index(s.index, env, bufs);
      if (i < 0 || i >= data.length)
        throw new RangeError(`store ${s.buffer}[${i}] out of bounds (${data.length})`);
      storeElement(data, s.dtype, i, evaluate(s.value, env, bufs));
      return;
    }
    case 'set':
      env.set(s.name, evaluate(s.value, env, bufs));
      return;
    case 'if':
      for (const b of evaluate(s.cond, env, bufs) !== 0 ? s.then : s.else) exec(b, env, bufs);
      return;
    case 'gemm':
      gemm(s, bufs);
      return;
  }
}

function buffer(bufs: Buffers, name: string): TensorData {
  const b = bufs.get(name);
  if (!b) throw new Error(`unknown buffer ${name}`);
  return b;
}

function index(ix: Index, env: Map<string, Value>, bufs: Buffers): number {
  let i = ix.offset;
  for (const t of ix.terms) i += (env.get(t.v) as number) * t.stride;
  if (ix.dynamic) i += Number(evaluate(ix.dynamic, env, bufs));
  return i;
}

/**
 * A load or store whose dtype is not the buffer's (same width) reinterprets the bytes, as in wasm:
 * the element is viewed through the dtype's own typed array.
 */
function viewAs(data: TensorData, dtype: DType, i: number): [TensorData, number] {
  const Ctor = storageCtor(dtype);
  if (data instanceof Ctor) return [data, i];
  return [new Ctor(data.buffer as ArrayBuffer, data.byteOffset + i * Ctor.BYTES_PER_ELEMENT, 1), 0];
}

function loadElement(buffer: TensorData, dtype: DType, index: number): Value {
  const [data, i] = viewAs(buffer, dtype, index);
  const raw = data[i]!;
  if (dtype === 'float16') return float16BitsToFloat32(raw as number);
  if (dtype === 'bfloat16') return bfloat16BitsToFloat32(raw as number);
  if (dtype === 'uint32') return (raw as number) | 0; // i32 holds the bit pattern
  if (dtype === 'uint64') return BigInt.asIntN(64, raw as bigint);
  return raw;
}

function storeElement(buffer: TensorData, dtype: DType, index: number, v: Value): void {
  const [data, i] = viewAs(buffer, dtype, index);
  if (dtype === 'float16') data[i] = float32ToFloat16Bits(v as number);
  else if (dtype === 'bfloat16') data[i] = float32ToBfloat16Bits(v as number);
  else if (dtype === 'uint64') (data as BigUint64Array)[i] = BigInt.asUintN(64, v as bigint);
  else if (dtype === 'int64') (data as BigInt64Array)[i] = v as bigint;
  else (data as Float64Array)[i] = v as number; // typed-array stores wrap ints and round f32 exactly as wasm
}

function evaluate(e: Expr, env: Map<string, Value>, bufs: Buffers): Value {
  switch (e.op) {
    case 'const':
      return e.type === 'i64' ? BigInt(e.value) : round(e.type, Number(e.value));
    case 'var':
    case 'local': {
      const v = env.get(e.name);
      if (v === undefined) throw new Error(`undefined ${e.op} ${e.name}`);
      return v;
    }
    case 'load': {
      const data = buffer(bufs, e.buffer);
      const i = index(e.index, env, bufs);
      if (i < 0 || i >= data.length)
        throw new RangeError(`load ${e.buffer}[${i}] out of bounds (${data.length})`);
      return loadElement(data, e.dtype, i);
    }
    case 'unary':
      return unaryOp(e.fn, e.type, evaluate(e.x, env, bufs));
    case 'binary':
      return binaryOp(e.fn, e.type, evaluate(e.a, env, bufs), evaluate(e.b, env, bufs), e.unsigned === true);
    case 'compare':
      return compareOp(e.fn, e.type, evaluate(e.a, env, bufs), evaluate(e.b, env, bufs), e.unsigned === true);
    case 'select':
      return evaluate(e.cond, env, bufs) !== 0 ? evaluate(e.a, env, bufs) : evaluate(e.b, env, bufs);
    case 'convert':
      return convertOp(e.from, e.to, evaluate(e.x, env, bufs), e.unsigned === true);
  }
}

function round(type: Scalar, x: number): number {
  if (type === 'f32') return Math.fround(x);
  if (type === 'i32') return x | 0;
  return x;
}

const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse for an oracle; use a series / continued fraction split
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz) for the tails
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 80; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    if (c === 0) c = 1e-300;
    f *= c * d;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
};

function unaryOp(fn: string, type: Scalar, x: Value): Value {
  if (type === 'i64') {
    const v = x as bigint;
    switch (fn) {
      case 'neg':
        return BigInt.asIntN(64, -v);
      case 'abs':
        return BigInt.asIntN(64, v < 0n ? -v : v);
      case 'not':
        return v === 0n ? 1n : 0n;
      case 'bitnot':
        return BigInt.asIntN(64, ~v);
      default:
        return v;
    }
  }
  const v = x as number;
  if (type === 'i32') {
    switch (fn) {
      case 'neg':
        return -v | 0;
      case 'abs':
        return Math.abs(v) | 0;
      case 'not':
        return v === 0 ? 1 : 0;
      case 'bitnot':
        return ~v;
      default:
        return v;
    }
  }
  const r = (() => {
    switch (fn) {
      case 'neg':
        return -v;
      case 'abs':
        return Math.abs(v);
      case 'sqrt':
        return Math.sqrt(v);
      case 'floor':
        return Math.floor(v);
      case 'ceil':
        return Math.ceil(v);
      case 'trunc':
        return Math.trunc(v);
      case 'nearest': {
        const f = Math.floor(v);
        const d = v - f;
        return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
      }
      case 'exp':
        return Math.exp(v);
      case 'log':
        return Math.log(v);
      case 'tanh':
        return Math.tanh(v);
      case 'sigmoid':
        return 1 / (1 + Math.exp(-v));
      case 'erf':
        return Number.isFinite(v) ? erf(v) : Math.sign(v);
      case 'isnan':
        return Number.isNaN(v) ? 1 : 0;
      default: {
        const m = (Math as unknown as Record<string, (a: number) => number>)[fn];
        if (!m) throw new Error(`unknown unary ${fn}`);
        return m(v);
      }
    }
  })();
  return fn === 'isnan' ? r : round(type, r);
}

function binaryOp(fn: string, type: Scalar, a: Value, b: Value, unsigned: boolean): Value {
  if (type === 'i64') return binaryI64(fn, a as bigint, b as bigint, unsigned);
  const x = a as number;
  const y = b as number;
  if (type === 'i32') {
    const ux = x >>> 0;
    const uy = y >>> 0;
    switch (fn) {
      case 'add':
        return (x + y) | 0;
      case 'sub':
        return (x - y) | 0;
      case 'mul':
        return Math.imul(x, y);
      case 'div':
        return y === 0 ? 0 : unsigned ? (ux / uy) | 0 : x === -2147483648 && y === -1 ? x : (x / y) | 0;
      case 'rem':
        return y === 0 ? 0 : unsigned ? (ux % uy) | 0 : (x % y) | 0;
      case 'min':
        return unsigned ? (ux < uy ? x : y) : Math.min(x, y);
      case 'max':
        return unsigned ? (ux > uy ? x : y) : Math.max(x, y);
      case 'and':
        return x & y;
      case 'or':
        return x | y;
      case 'xor':
        return x ^ y;
      case 'shl':
        return uy >= 32 ? 0 : x << uy;
      case 'shr':
        if (uy >= 32) return unsigned || x >= 0 ? 0 : -1;
        return unsigned ? (x >>> uy) | 0 : x >> uy;
      case 'pow':
        return intPow32(x, y);
    }
    throw new Error(`unknown binary ${fn}`);
  }
  const r = (() => {
    switch (fn) {
      case 'add':
        return x + y;
      case 'sub':
        return x - y;
      case 'mul':
        return x * y;
      case 'div':
        return x / y;
      case 'rem':
        return x % y;
      case 'min':
        return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y);
      case 'max':
        return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y);
      case 'pow':
        return Math.pow(x, y);
    }
    throw new Error(`binary ${fn} is not defined on floats`);
  })();
  return round(type, r);
}

function binaryI64(fn: string, x: bigint, y: bigint, unsigned: boolean): bigint {
  const ux = BigInt.asUintN(64, x);
  const uy = BigInt.asUintN(64, y);
  const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
  switch (fn) {
    case 'add':
      return wrap(x + y);
    case 'sub':
      return wrap(x - y);
    case 'mul':
      return wrap(x * y);
    case 'div':
      return y === 0n ? 0n : wrap(unsigned ? ux / uy : x / y);
    case 'rem':
      return y === 0n ? 0n : wrap(unsigned ? ux % uy : x % y);
    case 'min':
      return unsigned ? (ux < uy ? x : y) : x < y ? x : y;
    case 'max':
      return unsigned ? (ux > uy ? x : y) : x > y ? x : y;
    case 'and':
      return x & y;
    case 'or':
      return x | y;
    case 'xor':
      return x ^ y;
    case 'shl':
      return uy >= 64n ? 0n : wrap(x << uy);
    case 'shr':
      if (uy >= 64n) return unsigned || x >= 0n ? 0n : -1n;
      return unsigned ? wrap(ux >> uy) : x >> uy;
    case 'pow':
      return intPow64(x, y);
  }
  throw new Error(`unknown binary ${fn}`);
}

/** Integer powers by squaring; negative exponents give 0 except for bases 1 and -1 (the renderer's rule). */
function intPow32(x: number, y: number): number {
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y & 1 ? -1 : 1) : 0;
  let r = 1;
  let b = x;
  for (let e = y; e > 0; e >>>= 1) {
    if (e & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
  }
  return r;
}

function intPow64(x: bigint, y: bigint): bigint {
  if (y < 0n) return x === 1n ? 1n : x === -1n ? (y & 1n ? -1n : 1n) : 0n;
  let r = 1n;
  let b = x;
  for (let e = y; e > 0n; e >>= 1n) {
    if (e & 1n) r = BigInt.asIntN(64, r * b);
    b = BigInt.asIntN(64, b * b);
  }
  return r;
}

function compareOp(fn: string, type: Scalar, a: Value, b: Value, unsigned: boolean): number {
  let x: number | bigint = a;
  let y: number | bigint = b;
  if (unsigned && type === 'i32') {
    x = (a as number) >>> 0;
    y = (b as number) >>> 0;
  } else if (unsigned && type === 'i64') {
    x = BigInt.asUintN(64, a as bigint);
    y = BigInt.asUintN(64, b as bigint);
  }
  switch (fn) {
    case 'eq':
      return x === y ? 1 : 0;
    case 'ne':
      return x !== y ? 1 : 0;
    case 'lt':
      return x < y ? 1 : 0;
    case 'le':
      return x <= y ? 1 : 0;
    case 'gt':
      return x > y ? 1 : 0;
    case 'ge':
      return x >= y ? 1 : 0;
  }
  throw new Error(`unknown compare ${fn}`);
}

const LIMITS = { i32: [-2147483648, 2147483647], u32: [0, 4294967295] } as const;

function convertOp(from: Scalar, to: Scalar, x: Value, unsigned: boolean): Value {
  if (from === to) return x;
  const fromFloat = from === 'f32' || from === 'f64';
  if (to === 'f32' || to === 'f64') {
    let n: number;
    if (from === 'i64') n = Number(unsigned ? BigInt.asUintN(64, x as bigint) : (x as bigint));
    else if (from === 'i32') n = unsigned ? (x as number) >>> 0 : (x as number);
    else n = x as number;
    return round(to, n);
  }
  if (to === 'i32') {
    if (from === 'i64') return Number(BigInt.asIntN(32, x as bigint));
    const v = Math.trunc(x as number);
    const [lo, hi] = unsigned ? LIMITS.u32 : LIMITS.i32;
    if (Number.isNaN(v)) return 0;
    return Math.min(hi, Math.max(lo, v)) | 0;
  }
  // to i64
  if (fromFloat) {
    const v = Math.trunc(x as number);
    if (Number.isNaN(v)) return 0n;
    const lo = unsigned ? 0 : -(2 ** 63);
    const hi = unsigned ? 2 ** 64 : 2 ** 63;
    if (v <= lo) return unsigned ? 0n : -(2n ** 63n);
    if (v >= hi) return unsigned ? -1n : 2n ** 63n - 1n;
    return BigInt.asIntN(64, BigInt(v));
  }
  return unsigned ? BigInt((x as number) >>> 0) : BigInt(x as number);
}

/** Element reader of a gemm operand, 16-bit storage widened. */
function operand(bufs: Buffers, ref: MatrixRef): (index: number) => number {
  const data = buffer(bufs, ref.buffer);
  if (ref.half === 'bfloat16') return (k) => bfloat16BitsToFloat32((data as Uint16Array)[k]!);
  if (ref.half === 'float16') return (k) => float16BitsToFloat32((data as Uint16Array)[k]!);
  return (k) => (data as Float32Array)[k]!;
}

/** Element writer of a gemm's C: float32, or rounded to its 16-bit storage. */
function writer(bufs: Buffers, ref: MatrixRef): (index: number, value: number) => void {
  const data = buffer(bufs, ref.buffer);
  if (ref.half === 'bfloat16') return (k, v) => void ((data as Uint16Array)[k] = float32ToBfloat16Bits(v));
  if (ref.half === 'float16') return (k, v) => void ((data as Uint16Array)[k] = float32ToFloat16Bits(v));
  return (k, v) => void ((data as Float32Array)[k] = v);
}

function gemm(g: GemmCall, bufs: Buffers): void {
  const a = operand(bufs, g.a);
  const b = operand(bufs, g.b);
  const c = operand(bufs, g.c);
  const write = writer(bufs, g.c);
  const bias = g.bias ? (buffer(bufs, g.bias.buffer) as Float32Array) : undefined;
  const res = g.residual ? operand(bufs, g.residual) : undefined;
  for (let i = 0; i < g.m; i++) {
    for (let j = 0; j < g.n; j++) {
      const ci = elementOf(g.c, i, j);
      let acc = g.accumulate ? c(ci) : 0;
      for (let p = 0; p < g.k; p++) acc += a(elementOf(g.a, i, p)) * b(elementOf(g.b, p, j));
      if (bias) acc += bias[bias === undefined ? 0 : g.bias!.offset + (g.bias!.along === 'row' ? i : j)]!;
      if (res) acc += res(elementOf(g.residual!, i, j));
      if (g.activation) acc = activate(g.activation, acc);
      if (g.clamp) acc = Math.min(g.clamp.max, Math.max(g.clamp.min, acc));
      write(ci, acc);
    }
  }
}
