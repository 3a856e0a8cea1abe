import { binaryen, seq, type Module, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { renderGemm } from './gemm.js';
import { renderLoop, renderStmts } from './statements.js';

/**
 * Work sharing for thread variants. A kernel whose body is one parallel loop runs iterations
 * [tid*n/threads, (tid+1)*n/threads) on thread tid; a lone gemm splits its rows; any other kernel
 * runs on thread 0. Kernels are separated by a barrier in linear memory.
 */

/** Bytes [0, 8) of the reserved region below the weights: arrival count, then generation. */
export const BARRIER_BYTES = 8;
const COUNT = 0;
const GENERATION = 4;

export function renderKernelBody(ctx: KernelContext): Ref {
  const m = ctx.m;
  const body = ctx.kernel.body;
  if (!ctx.target.threads) return seq(m, renderStmts(ctx, body));
  const only = body.length === 1 ? body[0]! : undefined;
  if (only?.op === 'loop' && only.parallel) {
    const [lo, hi] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
    const share = (t: Ref): Ref =>
      m.i32.wrap(
        m.i64.div_u(
          m.i64.mul(m.i64.extend_u(t), m.i64.const(BigInt(only.extent))),
          m.i64.extend_u(ctx.threads.get()),
        ),
      );
    return seq(m, [
      lo.set(share(ctx.tid.get())),
      hi.set(share(m.i32.add(ctx.tid.get(), m.i32.const(1)))),
      renderLoop(ctx, only, { lo, hi }),
    ]);
  }
  if (only?.op === 'gemm') return renderGemm(ctx, only, true);
  return m.if(m.i32.eqz(ctx.tid.get()), seq(m, renderStmts(ctx, body)));
}

/**
 * barrier(threads): the last thread to arrive resets the count and bumps the generation; the others
 * wait for the generation to change (memory.atomic.wait32, so threads must be workers).
 */
export function addBarrier(m: Module, name: string): void {
  const i32 = binaryen.i32;
  const threads = (): Ref => m.local.get(0, i32);
  const gen = (): Ref => m.local.get(1, i32);
  const A = m.i32.atomic;
  const addr = (): Ref => m.i32.const(0);
  const body = seq(m, [
    m.if(m.i32.le_s(threads(), m.i32.const(1)), m.return()),
    m.local.set(1, A.load(GENERATION, addr())),
    m.if(
      m.i32.eq(m.i32.add(A.rmw.add(COUNT, addr(), m.i32.const(1)), m.i32.const(1)), threads()),
      seq(m, [
        A.store(COUNT, addr(), m.i32.const(0)),
        m.drop(A.rmw.add(GENERATION, addr(), m.i32.const(1))),
        m.drop(m.memory.atomic.notify(m.i32.const(GENERATION), m.i32.const(-1))),
      ]),
      m.loop(
        'wait',
        m.if(
          m.i32.eq(A.load(GENERATION, addr()), gen()),
          seq(m, [
            m.drop(m.memory.atomic.wait32(m.i32.const(GENERATION), gen(), m.i64.const(-1n))),
            m.br('wait'),
          ]),
        ),
      ),
    ),
  ]);
  m.addFunction(name, binaryen.createType([i32]), binaryen.none, [i32], body);
}
