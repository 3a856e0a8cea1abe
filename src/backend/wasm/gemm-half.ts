import type { MatrixRef } from '../kernel/ir.js';
import { binaryen, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { bf16x4Bits } from './memory-access.js';

/**
 * Loads of 16-bit gemm operands (auto-cast weights), widened to float32 in registers.
 *
 * bfloat16 is the high half of a float32, so widening a row of B is a byte shuffle that moves each
 * element into the top two bytes of a lane and zeroes the bottom two: one pshufb on x86 (the relaxed
 * swizzle; SIMD128's swizzle adds a saturating add for its out-of-range rule). float16 needs
 * arithmetic (exponent rebias, subnormals): it goes through the library's exact conversion, a few
 * instructions per vector.
 *
 * Packed 16-bit operands carry HALF_PADDING (kernel/ir.ts) zero bytes past their last panel, so a
 * vector load of a tile's values may read past a partial last row or panel.
 */

const v128 = binaryen.v128;
const ZERO = 0x80; // a swizzle index with the top bit set gives a zero byte

const swizzleOp = (binaryen as unknown as { Binary: { setOp(expr: Ref, op: number): void } }).Binary;

/** Bytes of an i8x16 swizzle that put 16-bit element e(l) into the high half of lane l. */
function laneMask(element: (lane: number) => number): number[] {
  return Array.from({ length: 4 }, (_, l) => [ZERO, ZERO, 2 * element(l), 2 * element(l) + 1]).flat();
}

function swizzle(ctx: KernelContext, v: Ref, mask: Ref): Ref {
  const e = ctx.m.i8x16.swizzle(v, mask);
  if (ctx.target.relaxed) swizzleOp.setOp(e, binaryen.RelaxedSwizzleVecI8x16);
  return e;
}

/** The shuffle and AND masks of a kernel's 16-bit loads, each set once at the kernel's entry. */
export class HalfMasks {
  private readonly locals = new Map<string, Local>();

  private constructor(private readonly ctx: KernelContext) {}

  private static readonly byKernel = new WeakMap<KernelContext, HalfMasks>();

  static of(ctx: KernelContext): HalfMasks {
    let masks = HalfMasks.byKernel.get(ctx);
    if (!masks) {
      masks = new HalfMasks(ctx);
      HalfMasks.byKernel.set(ctx, masks);
    }
    return masks;
  }

  /** The swizzle mask for elements e(0..3) -> lanes 0..3. */
  get(element: (lane: number) => number): Ref {
    return this.local(laneMask(element));
  }

  /** 0xffff0000 in every lane: keeps the high halves of 32-bit words. */
  highHalves(): Ref {
    return this.local(Array.from({ length: 16 }, (_, b) => (b % 4 >= 2 ? 0xff : 0)));
  }

  private local(bytes: readonly number[]): Ref {
    const key = bytes.join(',');
    let local = this.locals.get(key);
    if (!local) {
      local = this.ctx.entryLocal(v128, this.ctx.m.v128.const([...bytes]));
      this.locals.set(key, local);
    }
    return local.get();
  }
}

/** Up to 8 consecutive 16-bit elements at ptr + offset (bytes) as raw lanes (may read 16 bytes). */
export function loadHalfs(ctx: KernelContext, ptr: Ref, offset: number, count: number): Ref {
  const m = ctx.m;
  if (count <= 2) return m.v128.load32_zero(offset, 2, ptr);
  if (count <= 4) return m.v128.load64_zero(offset, 2, ptr);
  return m.v128.load(offset, 2, ptr);
}

/** Elements [4 * part, 4 * part + 4) of raw 16-bit lanes `raw` as an f32x4. */
export function widenHalfs(
  ctx: KernelContext,
  masks: HalfMasks,
  half: NonNullable<MatrixRef['half']>,
  raw: Ref,
  part: 0 | 1,
): Ref {
  const m = ctx.m;
  if (half === 'bfloat16')
    return swizzle(
      ctx,
      raw,
      masks.get((l) => 4 * part + l),
    );
  const bits = part === 0 ? m.i32x4.extend_low_i16x8_u(raw) : m.i32x4.extend_high_i16x8_u(raw);
  return ctx.lib.call('f16x4_to_f32x4', [bits]);
}

/**
 * The element at ptr + offset (bytes) in every lane of an f32x4: a tile's A value. For bfloat16 a
 * 32-bit broadcast load that ends at the element (its low half is the element before, masked off):
 * a plain load and an AND, which runs on any vector port, where a 16-bit broadcast needs the shuffle
 * port and a shift competes with the FMAs (measured on resnet18's stride-2 convs: 2.7 ms in float32,
 * 4.7 with a shuffle per row, 3.1 with broadcast and shift).
 */
export function splatHalf(
  ctx: KernelContext,
  masks: HalfMasks,
  half: NonNullable<MatrixRef['half']>,
  ptr: Ref,
  offset: number,
): Ref {
  const m = ctx.m;
  if (half === 'bfloat16') {
    // offsets are unsigned: at offset 0 the word starts before the pointer (tiles avoid that by
    // starting their A pointer one element early)
    const word =
      offset >= 2
        ? m.v128.load32_splat(offset - 2, 2, ptr)
        : m.v128.load32_splat(0, 2, m.i32.sub(ptr, m.i32.const(2 - offset)));
    return m.v128.and(word, masks.highHalves());
  }
  return m.f32x4.splat(loadHalfScalar(ctx, half, ptr, offset));
}

/** One element at ptr + offset (bytes) as an f32 scalar. */
export function loadHalfScalar(
  ctx: KernelContext,
  half: NonNullable<MatrixRef['half']>,
  ptr: Ref,
  offset: number,
): Ref {
  const m = ctx.m;
  const bits = m.i32.load16_u(offset, 2, ptr);
  if (half === 'bfloat16') return m.f32.reinterpret(m.i32.shl(bits, m.i32.const(16)));
  return ctx.lib.call('f16_to_f32', [bits]);
}

/**
 * Exactly `lanes` (1..4) consecutive 16-bit elements at ptr + offset into the low 16-bit lanes,
 * reading nothing more: for operands without padding (activations).
 */
export function loadHalfsExact(ctx: KernelContext, ptr: () => Ref, offset: number, lanes: number): Ref {
  const m = ctx.m;
  switch (lanes) {
    case 4:
      return m.v128.load64_zero(offset, 2, ptr());
    case 3:
      return m.v128.load16_lane(offset + 4, 2, 2, ptr(), m.v128.load32_zero(offset, 2, ptr()));
    case 2:
      return m.v128.load32_zero(offset, 2, ptr());
    default:
      return m.v128.load16_lane(offset, 2, 0, ptr(), m.v128.const(new Array<number>(16).fill(0)));
  }
}

/** f32x4 `v` rounded to the 16-bit type, its low `lanes` lanes stored consecutively at ptr + offset. */
export function storeHalfs(
  ctx: KernelContext,
  half: NonNullable<MatrixRef['half']>,
  ptr: () => Ref,
  offset: number,
  lanes: number,
  v: Ref,
): Ref {
  const m = ctx.m;
  const bits = half === 'bfloat16' ? bf16x4Bits(ctx, v) : ctx.lib.call('f32x4_to_f16x4', [v]);
  const packed = ctx.temp(v128);
  // the four low halves side by side in the low 8 bytes
  const low = [0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13];
  const set = packed.set(m.i8x16.shuffle(bits, m.v128.const(new Array<number>(16).fill(0)), low));
  switch (lanes) {
    case 4:
      return m.block(null, [set, m.v128.store64_lane(offset, 2, 0, ptr(), packed.get())]);
    case 3:
      return m.block(null, [
        set,
        m.v128.store32_lane(offset, 2, 0, ptr(), packed.get()),
        m.v128.store16_lane(offset + 4, 2, 2, ptr(), packed.get()),
      ]);
    case 2:
      return m.block(null, [set, m.v128.store32_lane(offset, 2, 0, ptr(), packed.get())]);
    default:
      return m.block(null, [set, m.v128.store16_lane(offset, 2, 0, ptr(), packed.get())]);
  }
}

/** f32 `value` rounded to the 16-bit type and stored at ptr + offset. */
export function storeHalfScalar(
  ctx: KernelContext,
  half: NonNullable<MatrixRef['half']>,
  ptr: Ref,
  offset: number,
  value: Ref,
): Ref {
  return ctx.m.i32.store16(
    offset,
    2,
    ptr,
    ctx.lib.call(half === 'bfloat16' ? 'f32_to_bf16' : 'f32_to_f16', [value]),
  );
}
