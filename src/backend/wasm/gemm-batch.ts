import type { GemmCall, MatrixRef } from '../kernel/ir.js';
import { binaryen, type Local, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { elementBytes, type GemmShifts } from './gemm-common.js';
import { renderGemm } from './gemm.js';

/**
 * Consecutive GemmCalls that differ only in where their operands start, each operand by the same
 * number of bytes from one call to the next (Winograd's 36 per-position GEMMs, a batched MatMul's
 * matrices), are rendered once inside a loop over the call index instead of once per call: the same
 * instructions run, and the code (which engines compile before the first run) shrinks by the batch
 * size. A run of one call renders as before.
 */
export interface GemmRun {
  readonly first: GemmCall;
  /** Index of `first` among the kernel's calls. */
  readonly start: number;
  readonly count: number;
  /** Bytes each operand moves from one call to the next. */
  readonly step: Readonly<Record<Operand, number>>;
}

type Operand = 'a' | 'b' | 'c' | 'r' | 'bias';
const OPERANDS: readonly Operand[] = ['a', 'b', 'c', 'r', 'bias'];

/** The calls cut into maximal runs. */
export function gemmRuns(ctx: KernelContext, calls: readonly GemmCall[]): GemmRun[] {
  const runs: GemmRun[] = [];
  let i = 0;
  while (i < calls.length) {
    const first = calls[i]!;
    const shape = shapeKey(first);
    let count = 1;
    let step: Record<Operand, number> | undefined;
    while (i + count < calls.length) {
      const next = calls[i + count]!;
      if (shapeKey(next) !== shape) break;
      const delta = deltas(ctx, calls[i + count - 1]!, next);
      if (step && OPERANDS.some((o) => step![o] !== delta[o])) break;
      step = delta;
      count++;
    }
    runs.push({ first, start: i, count, step: step ?? { a: 0, b: 0, c: 0, r: 0, bias: 0 } });
    i += count;
  }
  return runs;
}

/**
 * Call `index` (a run-time value, counted from the run's first call) of the run, rendered as
 * renderGemm would render that call.
 */
export function renderRunCall(ctx: KernelContext, run: GemmRun, index: () => Ref, split = false): Ref {
  if (run.count === 1) return renderGemm(ctx, run.first, split);
  const m = ctx.m;
  const shifts: GemmShifts = {};
  for (const o of OPERANDS) {
    const bytes = run.step[o];
    if (bytes !== 0) shifts[o] = () => m.i32.mul(index(), m.i32.const(bytes));
  }
  return renderGemm(ctx, run.first, split, shifts);
}

/** Every call of the run, in order: a loop over the call index (`index` is the loop's local). */
export function renderRun(ctx: KernelContext, run: GemmRun, index: Local): Ref {
  const m = ctx.m;
  if (run.count === 1) return renderGemm(ctx, run.first);
  const label = ctx.fb.label('gemms');
  return m.block(null, [
    index.set(m.i32.const(0)),
    m.loop(
      label,
      m.block(null, [
        renderRunCall(ctx, run, index.get),
        index.set(m.i32.add(index.get(), m.i32.const(1))),
        m.br(label, m.i32.lt_u(index.get(), m.i32.const(run.count))),
      ]),
    ),
  ]);
}

export function runIndex(ctx: KernelContext): Local {
  return ctx.temp(binaryen.i32);
}

/** Everything about a call but where its operands start. */
function shapeKey(g: GemmCall): string {
  const ref = (r: MatrixRef | undefined): unknown => r && { ...r, offset: 0 };
  return JSON.stringify({
    ...g,
    a: ref(g.a),
    b: ref(g.b),
    c: ref(g.c),
    residual: ref(g.residual),
    bias: g.bias && { ...g.bias, offset: 0 },
  });
}

function deltas(ctx: KernelContext, from: GemmCall, to: GemmCall): Record<Operand, number> {
  const address = (g: GemmCall, o: Operand): number => {
    if (o === 'bias') return g.bias ? ctx.base(g.bias.buffer) + 4 * g.bias.offset : 0;
    const r = o === 'r' ? g.residual : g[o];
    return r ? ctx.base(r.buffer) + elementBytes(r) * r.offset : 0;
  };
  const d = {} as Record<Operand, number>;
  for (const o of OPERANDS) d[o] = address(to, o) - address(from, o);
  return d;
}
