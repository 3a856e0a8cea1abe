import { byteSize, type DType } from '../../ir/dtype.js';
import type { Index } from '../kernel/ir.js';
import { binaryen, type Ref } from './binaryen.js';
import { RenderError, type KernelContext } from './context.js';

/**
 * Element addressing and the widening loads / narrowing stores of ir.ts, scalar and four lanes at a
 * time. Every base, stride and offset is a constant; only loop variables (and a gather's dynamic
 * part) are computed at run time.
 */

/** Effective address = ptr + offset, offset a non-negative constant (the memarg immediate). */
export interface Address {
  readonly ptr: Ref;
  readonly offset: number;
}

export function elementAddress(
  ctx: KernelContext,
  buffer: string,
  dtype: DType,
  index: Index,
  dynamic?: Ref,
): Address {
  const m = ctx.m;
  const size = byteSize(dtype);
  const constant = ctx.base(buffer) + index.offset * size;
  let ptr: Ref | undefined;
  const add = (r: Ref): void => {
    ptr = ptr === undefined ? r : m.i32.add(ptr, r);
  };
  // wasm adds the immediate without wrapping, so it may only carry the constant when the rest of
  // the address cannot be negative
  let nonNegative = constant >= 0;
  for (const t of index.terms) {
    if (t.stride === 0) continue;
    const scale = t.stride * size;
    const v = ctx.variable(t.v).get();
    add(scale === 1 ? v : m.i32.mul(v, m.i32.const(scale)));
    if (t.stride < 0) nonNegative = false;
  }
  if (dynamic !== undefined) {
    add(size === 1 ? dynamic : m.i32.mul(dynamic, m.i32.const(size)));
    nonNegative = false;
  }
  if (ptr === undefined) return { ptr: m.i32.const(0), offset: checkOffset(constant) };
  if (nonNegative) return { ptr, offset: checkOffset(constant) };
  return { ptr: m.i32.add(ptr, m.i32.const(constant | 0)), offset: 0 };
}

function checkOffset(offset: number): number {
  if (offset < 0 || offset > 0xffffffff) throw new RenderError(`address ${offset} out of the 32-bit range`);
  return offset;
}

export function loadScalar(ctx: KernelContext, dtype: DType, a: Address): Ref {
  const m = ctx.m;
  const { ptr, offset } = a;
  switch (dtype) {
    case 'float32':
      return m.f32.load(offset, 4, ptr);
    case 'float64':
      return m.f64.load(offset, 8, ptr);
    case 'int32':
    case 'uint32':
      return m.i32.load(offset, 4, ptr);
    case 'int64':
    case 'uint64':
      return m.i64.load(offset, 8, ptr);
    case 'int16':
      return m.i32.load16_s(offset, 2, ptr);
    case 'uint16':
      return m.i32.load16_u(offset, 2, ptr);
    case 'int8':
      return m.i32.load8_s(offset, 1, ptr);
    case 'uint8':
    case 'bool':
      return m.i32.load8_u(offset, 1, ptr);
    case 'float16':
      return ctx.lib.call('f16_to_f32', [m.i32.load16_u(offset, 2, ptr)]);
    case 'bfloat16':
      return m.f32.reinterpret(m.i32.shl(m.i32.load16_u(offset, 2, ptr), m.i32.const(16)));
  }
}

export function storeScalar(ctx: KernelContext, dtype: DType, a: Address, value: Ref): Ref {
  const m = ctx.m;
  const { ptr, offset } = a;
  switch (dtype) {
    case 'float32':
      return m.f32.store(offset, 4, ptr, value);
    case 'float64':
      return m.f64.store(offset, 8, ptr, value);
    case 'int32':
    case 'uint32':
      return m.i32.store(offset, 4, ptr, value);
    case 'int64':
    case 'uint64':
      return m.i64.store(offset, 8, ptr, value);
    case 'int16':
    case 'uint16':
      return m.i32.store16(offset, 2, ptr, value);
    case 'int8':
    case 'uint8':
    case 'bool':
      return m.i32.store8(offset, 1, ptr, value);
    case 'float16':
      return m.i32.store16(offset, 2, ptr, ctx.lib.call('f32_to_f16', [value]));
    case 'bfloat16':
      return m.i32.store16(offset, 2, ptr, ctx.lib.call('f32_to_bf16', [value]));
  }
}

/**
 * The bfloat16 bit patterns of an f32x4 (round to nearest, ties to even; NaN stays a quiet NaN of
 * its sign), each in the low half of its 32-bit lane. Inline rather than a library call: it runs on
 * every 16-bit store of a GEMM tile or loop, where a call per vector measured a third of a
 * small-K 1x1 convolution's time.
 */
export function bf16x4Bits(ctx: KernelContext, value: Ref): Ref {
  const m = ctx.m;
  const I = m.i32x4;
  const u = ctx.temp(binaryen.v128);
  const k = (x: number): Ref => I.splat(m.i32.const(x));
  const high = (): Ref => I.shr_u(u.get(), m.i32.const(16));
  const rounded = I.shr_u(I.add(I.add(u.get(), k(0x7fff)), m.v128.and(high(), k(1))), m.i32.const(16));
  const nan = m.v128.or(high(), k(0x40));
  return m.block(
    null,
    [u.set(value), m.v128.bitselect(nan, rounded, m.f32x4.ne(u.get(), u.get()))],
    binaryen.v128,
  );
}

/** Storage types a vectorized loop can read and write four at a time. */
export function vectorizableDType(dtype: DType): boolean {
  return dtype !== 'float64' && dtype !== 'int64' && dtype !== 'uint64';
}

/** Four consecutive elements widened to f32x4 / i32x4. */
export function loadVector(ctx: KernelContext, dtype: DType, a: Address): Ref {
  const m = ctx.m;
  const { ptr, offset } = a;
  const bytes4 = (): Ref => m.v128.load32_zero(offset, 1, ptr);
  switch (dtype) {
    case 'float32':
    case 'int32':
    case 'uint32':
      return m.v128.load(offset, 4, ptr);
    case 'int16':
      return m.v128.load16x4_s(offset, 2, ptr);
    case 'uint16':
      return m.v128.load16x4_u(offset, 2, ptr);
    case 'int8':
      return m.i32x4.extend_low_i16x8_s(m.i16x8.extend_low_i8x16_s(bytes4()));
    case 'uint8':
    case 'bool':
      return m.i32x4.extend_low_i16x8_u(m.i16x8.extend_low_i8x16_u(bytes4()));
    case 'bfloat16':
      return m.i32x4.shl(m.v128.load16x4_u(offset, 2, ptr), m.i32.const(16));
    case 'float16':
      return ctx.lib.call('f16x4_to_f32x4', [m.v128.load16x4_u(offset, 2, ptr)]);
    default:
      throw new RenderError(`no vector load for ${dtype}`);
  }
}

const LOW_HALVES = [0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13];
const LOW_BYTES = [0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12];

/** Narrows four lanes (wrapping integers, rounding floats) and stores them consecutively. */
export function storeVector(ctx: KernelContext, dtype: DType, a: Address, value: Ref): Ref {
  const m = ctx.m;
  const { ptr, offset } = a;
  // a shuffle's second operand must be a separate node; the masks only read the first
  const zero = (): Ref => m.v128.const(new Array<number>(16).fill(0));
  const halves = (v: Ref): Ref =>
    m.v128.store64_lane(offset, 2, 0, ptr, m.i8x16.shuffle(v, zero(), LOW_HALVES));
  switch (dtype) {
    case 'float32':
    case 'int32':
    case 'uint32':
      return m.v128.store(offset, 4, ptr, value);
    case 'int16':
    case 'uint16':
      return halves(value);
    case 'int8':
    case 'uint8':
    case 'bool':
      return m.v128.store32_lane(offset, 1, 0, ptr, m.i8x16.shuffle(value, zero(), LOW_BYTES));
    case 'bfloat16':
      return halves(bf16x4Bits(ctx, value));
    case 'float16':
      return halves(ctx.lib.call('f32x4_to_f16x4', [value]));
    default:
      throw new RenderError(`no vector store for ${dtype}`);
  }
}

/**
 * Storage types a vectorized loop can gather and scatter lane by lane at any stride: the 32-bit
 * ones, and the 16-bit ones (auto-cast's activations among them), widened and narrowed as loadVector
 * and storeVector do.
 */
export function laneAccessible(dtype: DType): boolean {
  return (
    dtype === 'float32' ||
    dtype === 'int32' ||
    dtype === 'uint32' ||
    dtype === 'bfloat16' ||
    dtype === 'float16' ||
    dtype === 'int16' ||
    dtype === 'uint16'
  );
}

const WIDTH16: Partial<Record<DType, true>> = { bfloat16: true, float16: true, int16: true, uint16: true };

/** Four 16-bit elements `byteStride` bytes apart, gathered lane by lane, widened as loadVector does. */
export function loadLanes16(ctx: KernelContext, dtype: DType, a: Address, byteStride: number): Ref {
  const m = ctx.m;
  const p = ctx.temp(binaryen.i32);
  let v = m.v128.const(new Array<number>(16).fill(0));
  for (let l = 0; l < 4; l++) {
    const at = laneAddress(ctx, p.get, a, l, byteStride);
    v = m.v128.load16_lane(at.offset, 2, l, at.ptr, v);
  }
  const raw = m.block(null, [p.set(a.ptr), v], binaryen.v128);
  switch (dtype) {
    case 'int16':
      return m.i32x4.extend_low_i16x8_s(raw);
    case 'uint16':
      return m.i32x4.extend_low_i16x8_u(raw);
    case 'bfloat16':
      return m.i32x4.shl(m.i32x4.extend_low_i16x8_u(raw), m.i32.const(16));
    case 'float16':
      return ctx.lib.call('f16x4_to_f32x4', [m.i32x4.extend_low_i16x8_u(raw)]);
    default:
      throw new RenderError(`no 16-bit lane load for ${dtype}`);
  }
}

/** Narrows four lanes as storeVector does and scatters them `byteStride` bytes apart. */
export function storeLanes16(
  ctx: KernelContext,
  dtype: DType,
  a: Address,
  byteStride: number,
  value: Ref,
): Ref {
  const m = ctx.m;
  const p = ctx.temp(binaryen.i32);
  const v = ctx.temp(binaryen.v128);
  const bits =
    dtype === 'bfloat16'
      ? bf16x4Bits(ctx, value)
      : dtype === 'float16'
        ? ctx.lib.call('f32x4_to_f16x4', [value])
        : value;
  // lane l's low 16 bits are 16-bit lane 2l
  const stores = [0, 1, 2, 3].map((l) => {
    const at = laneAddress(ctx, p.get, a, l, byteStride);
    return m.v128.store16_lane(at.offset, 2, 2 * l, at.ptr, v.get());
  });
  return m.block(null, [p.set(a.ptr), v.set(bits), ...stores]);
}

/** Whether a strided access of `dtype` goes through loadLanes16 / storeLanes16. */
export function isWidth16(dtype: DType): boolean {
  return WIDTH16[dtype] === true;
}

/** Address of lane l (0..3) of a strided access whose lane 0 is at `a`. */
function laneAddress(
  ctx: KernelContext,
  base: () => Ref,
  a: Address,
  l: number,
  byteStride: number,
): Address {
  const delta = a.offset + l * byteStride;
  return delta >= 0
    ? { ptr: base(), offset: delta }
    : { ptr: ctx.m.i32.add(base(), ctx.m.i32.const(delta)), offset: 0 };
}

/** Four elements `byteStride` bytes apart, gathered into one vector (no over-read). */
export function loadLanes(ctx: KernelContext, a: Address, byteStride: number): Ref {
  const m = ctx.m;
  const p = ctx.temp(binaryen.i32);
  // the base goes to a local first: a lane load evaluates its address before its vector operand
  let v = m.v128.load32_zero(a.offset, 4, p.get());
  for (let l = 1; l < 4; l++) {
    const at = laneAddress(ctx, p.get, a, l, byteStride);
    v = m.v128.load32_lane(at.offset, 4, l, at.ptr, v);
  }
  return m.block(null, [p.set(a.ptr), v], binaryen.v128);
}

/** Scatters four lanes `byteStride` bytes apart. */
export function storeLanes(ctx: KernelContext, a: Address, byteStride: number, value: Ref): Ref {
  const m = ctx.m;
  const p = ctx.temp(binaryen.i32);
  const v = ctx.temp(binaryen.v128);
  const stores = [0, 1, 2, 3].map((l) => {
    const at = laneAddress(ctx, p.get, a, l, byteStride);
    return m.v128.store32_lane(at.offset, 4, l, at.ptr, v.get());
  });
  return m.block(null, [p.set(a.ptr), v.set(value), ...stores]);
}
