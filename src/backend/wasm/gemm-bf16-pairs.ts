import type { GemmCall, MatrixRef } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import { elementBytes } from './gemm-common.js';
import type { GemmTile } from './gemm-simd.js';
import { HalfMasks, splatHalf } from './gemm-half.js';
import { finishVector } from './gemm-epilogue.js';
import { grid, madd } from './gemm-vector.js';
import { tileFrame, tilePointers } from './gemm-tile-frame.js';
import { bf16x4Bits } from './memory-access.js';

/**
 * The splat tile over a bfloat16 B that is not panel-packed (auto-cast activations, e.g. the input of
 * a 1x1 convolution), reading B eight values at a time. A 16-byte load holds elements 0..7 as the
 * halves of four 32-bit lanes: a shift left by 16 gives elements 0, 2, 4, 6 as float32 and an AND with
 * 0xffff0000 gives 1, 3, 5, 7. Widening in order would need a byte shuffle per four values, which
 * competes with nothing but itself for one port on x86 and measured the whole 1x1 GEMM 1.5x slower
 * than float32 B (resnet50); the shift and the AND run on any vector port. The accumulators therefore
 * hold even and odd columns apart, and the columns are put back in order once per tile: bias, C and
 * the residual are split the same way when loaded, and a 16-bit C is stored with one OR of the two
 * halves (a float32 C with two shuffles).
 */

const v128 = binaryen.v128;

/** Whether the tile can take B eight columns at a time with the columns split (see above). */
export function splitsPairs(g: GemmCall, mr: number, width: number): boolean {
  const contiguous = (r: MatrixRef | undefined): boolean =>
    r === undefined || (r.colStride === 1 && (r.half === undefined || r.half === 'bfloat16'));
  return (
    g.b.half === 'bfloat16' &&
    g.b.panels === undefined &&
    g.b.colStride === 1 &&
    mr > 1 &&
    width % 8 === 0 &&
    contiguous(g.c) &&
    contiguous(g.residual)
  );
}

// lanes (0..7 over two vectors) that gather the even and odd elements, and put them back in order
const EVENS = [0, 2, 4, 6];
const ODDS = [1, 3, 5, 7];
const LOW = [0, 4, 1, 5];
const HIGH = [2, 6, 3, 7];
const bytesOf = (lanes: readonly number[]): number[] =>
  lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

export const pairTile: GemmTile = (ctx, L, i, j, mr, width) => {
  const m = ctx.m;
  const { g } = L;
  const pairs = width / 8;
  const acc = grid(mr, 2 * pairs, () => ctx.temp(v128));
  const pointers = tilePointers(ctx);
  const { pa, pb, pc, pr, pbias } = pointers;
  const masks = HalfMasks.of(ctx);
  /** Eight consecutive float32 or bfloat16 values at ptr + offset (bytes) as [evens, odds]. */
  const loadPair = (ptr: Local, offset: number, half: boolean): [Ref, Ref] => {
    if (half) {
      const raw = ctx.temp(v128);
      const set = raw.set(m.v128.load(offset, 2, ptr.get()));
      return [
        m.block(null, [set, m.i32x4.shl(raw.get(), m.i32.const(16))], v128),
        m.v128.and(raw.get(), masks.highHalves()),
      ];
    }
    const [lo, hi] = [ctx.temp(v128), ctx.temp(v128)];
    const sets = [lo.set(m.v128.load(offset, 4, ptr.get())), hi.set(m.v128.load(offset + 16, 4, ptr.get()))];
    return [
      m.block(null, [...sets, m.i8x16.shuffle(lo.get(), hi.get(), bytesOf(EVENS))], v128),
      m.i8x16.shuffle(lo.get(), hi.get(), bytesOf(ODDS)),
    ];
  };
  const storePair = (r: number, p: number, even: Local, odd: Local): Ref => {
    const offset = elementBytes(g.c) * (r * g.c.rowStride + 8 * p);
    if (g.c.half) {
      const bits = m.v128.or(
        bf16x4Bits(ctx, even.get()),
        m.i32x4.shl(bf16x4Bits(ctx, odd.get()), m.i32.const(16)),
      );
      return m.v128.store(offset, 2, pc.get(), bits);
    }
    return seq(m, [
      m.v128.store(offset, 4, pc.get(), m.i8x16.shuffle(even.get(), odd.get(), bytesOf(LOW))),
      m.v128.store(offset + 16, 4, pc.get(), m.i8x16.shuffle(even.get(), odd.get(), bytesOf(HIGH))),
    ]);
  };
  /** Columns 8p..8p+7 of row r of C or the residual. */
  const rowPair = (ref: MatrixRef, ptr: Local, r: number, p: number): [Ref, Ref] =>
    loadPair(ptr, elementBytes(ref) * (r * ref.rowStride + 8 * p), ref.half !== undefined);
  const init = (r: number, p: number): Ref[] => {
    const [e, o] = [acc[r]![2 * p]!, acc[r]![2 * p + 1]!];
    let pair: [Ref, Ref];
    if (g.bias?.along === 'col') pair = loadPair(pbias, 32 * p, false);
    else if (g.bias?.along === 'row') pair = [m.v128.load32_splat(4 * r, 4, pbias.get()), e.get()];
    else pair = [m.v128.const(new Array<number>(16).fill(0)), e.get()];
    // the odd columns start from the even ones' value when it is one for the whole row
    const code = [e.set(pair[0]), o.set(pair[1])];
    if (g.accumulate) {
      const [ce, co] = rowPair(g.c, pc, r, p);
      code.push(e.set(m.f32x4.add(e.get(), ce)), o.set(m.f32x4.add(o.get(), co)));
    }
    return code;
  };
  const store = (r: number, p: number): Ref => {
    const [e, o] = [acc[r]![2 * p]!, acc[r]![2 * p + 1]!];
    const residual = g.residual ? rowPair(g.residual, pr, r, p) : undefined;
    const [te, to] = [ctx.temp(v128), ctx.temp(v128)];
    return seq(m, [
      te.set(e.get()),
      to.set(o.get()),
      ...finishVector(ctx, g, te, residual?.[0]),
      ...finishVector(ctx, g, to, residual?.[1]),
      storePair(r, p, te, to),
    ]);
  };
  const step = (): Ref[] => {
    const a = ctx.temp(v128);
    const held = Array.from({ length: 2 * pairs }, () => ctx.temp(v128));
    const body: Ref[] = [];
    for (let p = 0; p < pairs; p++) {
      const [evens, odds] = loadPair(pb, 16 * p, true);
      body.push(held[2 * p]!.set(evens), held[2 * p + 1]!.set(odds));
    }
    for (let r = 0; r < mr; r++) {
      body.push(a.set(aSplat(r)));
      for (let c = 0; c < 2 * pairs; c++)
        body.push(acc[r]![c]!.set(madd(ctx, a.get(), held[c]!.get(), acc[r]![c]!.get())));
    }
    body.push(
      pa.set(m.i32.add(pa.get(), m.i32.const(elementBytes(g.a) * g.a.colStride))),
      pb.set(m.i32.add(pb.get(), m.i32.const(2 * g.b.rowStride))),
    );
    return body;
  };
  const aHalf = g.a.half;
  const aSplat = (r: number): Ref =>
    aHalf
      ? splatHalf(ctx, masks, aHalf, pa.get(), 2 + 2 * r * g.a.rowStride)
      : m.v128.load32_splat(4 * r * g.a.rowStride, 4, pa.get());
  const inits: Ref[] = [];
  const stores: Ref[] = [];
  for (let r = 0; r < mr; r++) for (let p = 0; p < pairs; p++) inits.push(...init(r, p));
  for (let r = 0; r < mr; r++) for (let p = 0; p < pairs; p++) stores.push(store(r, p));
  return tileFrame(ctx, L, i, j, pointers, { init: inits, step, stores });
};
