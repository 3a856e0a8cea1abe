import { binaryen, seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { addressOf, at, type GemmLayout } from './gemm-common.js';
import { countedLoop } from './loops.js';

/**
 * The frame every SIMD register tile shares: pointer locals, the accumulators' initial values, the
 * K loop and the stores. Pointers the K loop does not use are set around it, not across it (x86 has
 * few spare registers); a 16-bit A pointer starts one element early, so each row's 32-bit broadcast
 * has a positive offset (gemm-half.ts splatHalf).
 */
export interface TilePointers {
  readonly pa: Local;
  readonly pb: Local;
  readonly pc: Local;
  readonly pr: Local;
  readonly pbias: Local;
  readonly kk: Local;
}

export function tilePointers(ctx: KernelContext): TilePointers {
  const p = (): Local => ctx.temp(binaryen.i32);
  return { pa: p(), pb: p(), pc: p(), pr: p(), pbias: p(), kk: p() };
}

export interface TileBody {
  /** Setting the accumulators (they may read C through pc and the bias through pbias). */
  readonly init: readonly Ref[];
  /** One K step: loads, FMAs and the A and B pointer bumps. */
  readonly step: () => Ref[];
  /** Storing the accumulators (through pc, the residual through pr). */
  readonly stores: readonly Ref[];
}

export function tileFrame(
  ctx: KernelContext,
  L: GemmLayout,
  i: Local,
  j: Local,
  p: TilePointers,
  body: TileBody,
): Ref {
  const m = ctx.m;
  const { g } = L;
  const zero = (): Ref => m.i32.const(0);
  const setC = (): Ref => p.pc.set(at(ctx, L.c, g.c, i.get, j.get));
  const code: Ref[] = g.accumulate ? [setC()] : [];
  if (g.bias) {
    const along = g.bias.along === 'col' ? j : i;
    code.push(p.pbias.set(m.i32.add(addressOf(ctx, L.bias), m.i32.mul(along.get(), m.i32.const(4)))));
  }
  code.push(...body.init);
  if (g.k > 0) {
    const loop = countedLoop(ctx, p.kk, m.i32.const(0), () => m.i32.const(g.k), 1, body.step, false);
    const aStart = at(ctx, L.a, g.a, i.get, zero);
    code.push(
      p.pa.set(g.a.half ? m.i32.sub(aStart, m.i32.const(2)) : aStart),
      p.pb.set(at(ctx, L.b, g.b, zero, j.get)),
      loop,
    );
  }
  if (!g.accumulate) code.push(setC());
  if (g.residual) code.push(p.pr.set(at(ctx, L.r, g.residual, i.get, j.get)));
  code.push(...body.stores);
  return seq(m, code);
}
