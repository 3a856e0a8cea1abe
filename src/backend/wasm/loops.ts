import { seq, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';

/**
 * v = start; do { body; v += step } while (v < end). `mayBeEmpty` adds the entry test a loop with
 * run-time bounds needs; constant loops are known to run.
 */
export function countedLoop(
  ctx: KernelContext,
  v: Local,
  start: Ref,
  end: () => Ref,
  step: number,
  body: () => Ref[],
  mayBeEmpty: boolean,
): Ref {
  const m = ctx.m;
  const label = ctx.fb.label('loop');
  const loop = m.loop(
    label,
    seq(m, [
      ...body(),
      v.set(m.i32.add(v.get(), m.i32.const(step))),
      m.br(label, m.i32.lt_s(v.get(), end())),
    ]),
  );
  return seq(m, [v.set(start), mayBeEmpty ? m.if(m.i32.lt_s(v.get(), end()), loop) : loop]);
}
