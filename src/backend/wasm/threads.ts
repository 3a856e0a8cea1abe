import type { GemmCall, Stmt } from '../kernel/ir.js';
import { binaryen, seq, type Local, type Module, type Ref } from './binaryen.js';
import type { KernelContext } from './context.js';
import { renderGemm } from './gemm.js';
import { gemmRuns, renderRunCall, runIndex } from './gemm-batch.js';
import { countedLoop } from './loops.js';
import { renderLoop, renderStmts } from './statements.js';
import type { ThreadMode } from './threads-schedule.js';

/**
 * Work sharing and barriers for thread variants (the plan comes from threads-schedule.ts). The
 * threads' control words live in the reserved bytes below the weights (docs/neff.md):
 */
export const CONTROL = {
  /** Threads arrived at the current barrier. */
  count: 0,
  /** Bumped by the last thread to arrive: the others wait for it to change. */
  generation: 4,
  /** Non-zero: stop. The runtime sets it (and notifies `generation`) when a thread fails. */
  abort: 8,
} as const;
export const BARRIER_BYTES = 16;

/** Status of a barrier (and of run): done, aborted, or "still waiting: call again to go on". */
export const STATUS = { done: 0, aborted: 1, waiting: 2 } as const;

/**
 * Polls of the generation word before sleeping, about 100 us here (2.5 ns each). A thread that sleeps
 * pays a wake-up, and the scheduler may wake it on its waker's core; spinning through the usual skew
 * between threads measured 1.55x -> 1.81x on bert_small at 2 threads (4000 polls -> 40000).
 */
const SPIN = 40_000;
/** One sleep, in nanoseconds; a notify (next generation, or an abort) ends it earlier. */
const WAIT_NS = 2_000_000n;
/** Sleeps that time out before the barrier returns `waiting`, so the caller's event loop can run. */
const WAITS_BEFORE_YIELD = 5;
/** The generation a thread arrived with, kept across a `waiting` return. */
export const ARRIVAL_GLOBAL = 'barrier_generation';

export function renderKernelBody(ctx: KernelContext, mode: ThreadMode | undefined): Ref {
  const m = ctx.m;
  const body = ctx.kernel.body;
  if (!ctx.target.threads || !mode) return seq(m, renderStmts(ctx, body));
  switch (mode.kind) {
    case 'single': {
      const mine =
        mode.owner === 0
          ? m.i32.eqz(ctx.tid.get())
          : m.i32.eq(ctx.tid.get(), m.i32.rem_u(m.i32.const(mode.owner), ctx.threads.get()));
      return m.if(mine, seq(m, renderStmts(ctx, body)));
    }
    case 'loop':
      return seq(
        m,
        body.map((s, i) => splitLoop(ctx, s as Extract<Stmt, { op: 'loop' }>, mode.units[i]!)),
      );
    case 'gemms':
      return splitGemms(ctx, body as readonly GemmCall[], mode.spread);
  }
}

/** floor(t * n / threads) in 64-bit, so large counts cannot overflow. */
function shareOf(ctx: KernelContext, t: Ref, n: number): Ref {
  const m = ctx.m;
  return m.i32.wrap(
    m.i64.div_u(m.i64.mul(m.i64.extend_u(t), m.i64.const(BigInt(n))), m.i64.extend_u(ctx.threads.get())),
  );
}

/** Iterations [lo, hi) of thread tid: equal shares of whole `unit`s, the last one clipped. */
function splitLoop(ctx: KernelContext, loop: Extract<Stmt, { op: 'loop' }>, unit: number): Ref {
  const m = ctx.m;
  const units = Math.ceil(loop.extent / unit);
  const bound = (t: Ref): Ref => {
    const at = m.i32.mul(shareOf(ctx, t, units), m.i32.const(unit));
    return unit === 1 ? at : minU(ctx, at, loop.extent);
  };
  const [lo, hi] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  return seq(m, [
    lo.set(bound(ctx.tid.get())),
    hi.set(bound(m.i32.add(ctx.tid.get(), m.i32.const(1)))),
    renderLoop(ctx, loop, { lo, hi }),
  ]);
}

function minU(ctx: KernelContext, x: Ref, limit: number): Ref {
  return pick(ctx, x, ctx.m.i32.const(limit), (a, b) => ctx.m.i32.lt_u(a, b));
}

/**
 * The calls' work, dealt out in slices: call c is T slices [c*T, c*T + T) of a line of C*T, and
 * thread t takes [t*C, t*C + C) of that line ('calls'), or slice t of every call ('each'). A slice
 * is what renderGemm's split gives thread k of T (whole tiles of the larger of M and N), so gemm.ts
 * runs it with the thread parameters set to (k, T), or (0, 1) when the thread has the whole call.
 * Every output element is computed by the same tile code whatever the split: results do not depend
 * on the thread count.
 */
function splitGemms(ctx: KernelContext, calls: readonly GemmCall[], spread: 'whole' | 'calls' | 'each'): Ref {
  const m = ctx.m;
  const i32 = binaryen.i32;
  if (spread === 'whole') return wholeGemms(ctx, calls);
  const [tid, threads, k, k1, vT] = [0, 0, 0, 0, 0].map(() => ctx.temp(i32)) as [
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const code: Ref[] = [tid.set(ctx.tid.get()), threads.set(ctx.threads.get())];
  for (const run of gemmRuns(ctx, calls)) {
    // call `run.start + i` of the kernel's calls, i counted in `index` when the run is a loop
    const callOf = (i: () => Ref): Ref[] => {
      const c = (): Ref => m.i32.add(m.i32.const(run.start), i());
      return [
        ...slices(ctx, { c, count: calls.length, spread, tid, threads }, k, k1),
        vT.set(threads.get()),
        // the whole call: one pass as thread 0 of 1
        m.if(
          m.i32.eq(m.i32.sub(k1.get(), k.get()), threads.get()),
          seq(m, [k.set(m.i32.const(0)), k1.set(m.i32.const(1)), vT.set(m.i32.const(1))]),
        ),
        countedLoop(
          ctx,
          k,
          k.get(),
          k1.get,
          1,
          () => [ctx.tid.set(k.get()), ctx.threads.set(vT.get()), renderRunCall(ctx, run, i, true)],
          true,
        ),
      ];
    };
    if (run.count === 1) code.push(...callOf(() => m.i32.const(0)));
    else {
      const index = runIndex(ctx);
      code.push(
        countedLoop(
          ctx,
          index,
          m.i32.const(0),
          () => m.i32.const(run.count),
          1,
          () => callOf(index.get),
          false,
        ),
      );
    }
  }
  code.push(ctx.tid.set(tid.get()), ctx.threads.set(threads.get()));
  return seq(m, code);
}

/** Thread t runs calls [t*C/T, (t+1)*C/T), each whole. */
function wholeGemms(ctx: KernelContext, calls: readonly GemmCall[]): Ref {
  const m = ctx.m;
  const [lo, hi] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  const mine = (c: number): Ref =>
    m.i32.and(m.i32.le_u(lo.get(), m.i32.const(c)), m.i32.lt_u(m.i32.const(c), hi.get()));
  const code: Ref[] = [
    lo.set(shareOf(ctx, ctx.tid.get(), calls.length)),
    hi.set(shareOf(ctx, m.i32.add(ctx.tid.get(), m.i32.const(1)), calls.length)),
  ];
  for (const run of gemmRuns(ctx, calls)) {
    if (run.count === 1) {
      code.push(m.if(mine(run.start), renderGemm(ctx, run.first)));
      continue;
    }
    // this thread's calls of the run: [max(lo, start), min(hi, end)), counted from the run's start
    const [c, end] = [runIndex(ctx), ctx.temp(binaryen.i32)];
    const start = m.i32.const(run.start);
    code.push(
      end.set(minS(ctx, hi.get(), m.i32.const(run.start + run.count))),
      countedLoop(
        ctx,
        c,
        maxS(ctx, lo.get(), start),
        end.get,
        1,
        () => [renderRunCall(ctx, run, () => m.i32.sub(c.get(), m.i32.const(run.start)))],
        true,
      ),
    );
  }
  return seq(m, code);
}

/** Sets [k, k1): the slices of call `c` (of `count`) this thread takes, out of T = threads. */
function slices(
  ctx: KernelContext,
  s: { c: () => Ref; count: number; spread: 'calls' | 'each'; tid: Local; threads: Local },
  k: Local,
  k1: Local,
): Ref[] {
  const m = ctx.m;
  const { tid, threads } = s;
  if (s.spread === 'each') return [k.set(tid.get()), k1.set(m.i32.add(tid.get(), m.i32.const(1)))];
  const first = (): Ref => m.i32.mul(s.c(), threads.get());
  const mineFrom = m.i32.mul(tid.get(), m.i32.const(s.count));
  const mineTo = m.i32.mul(m.i32.add(tid.get(), m.i32.const(1)), m.i32.const(s.count));
  return [
    k.set(m.i32.sub(maxS(ctx, first(), mineFrom), first())),
    k1.set(m.i32.sub(minS(ctx, m.i32.add(first(), threads.get()), mineTo), first())),
  ];
}

function maxS(ctx: KernelContext, a: Ref, b: Ref): Ref {
  return pick(ctx, a, b, (x, y) => ctx.m.i32.gt_s(x, y));
}

function minS(ctx: KernelContext, a: Ref, b: Ref): Ref {
  return pick(ctx, a, b, (x, y) => ctx.m.i32.lt_s(x, y));
}

/** first(a, b) ? a : b, each evaluated once (select evaluates its operands before the condition). */
function pick(ctx: KernelContext, a: Ref, b: Ref, first: (x: Ref, y: Ref) => Ref): Ref {
  const m = ctx.m;
  const [x, y]: Local[] = [ctx.temp(binaryen.i32), ctx.temp(binaryen.i32)];
  return m.block(
    null,
    [x.set(a), y.set(b), m.select(first(x.get(), y.get()), x.get(), y.get())],
    binaryen.i32,
  );
}

/**
 * barrier(threads, resume) -> status. Arrival: the last thread resets the count, bumps the
 * generation and wakes the others; the others poll the generation (and the abort word) SPIN times,
 * then sleep in timed waits. After WAITS_BEFORE_YIELD timeouts it returns `waiting` with its arrival
 * generation saved: called again with resume = 1 it goes on waiting without arriving twice. So no
 * thread can hang: an abort wakes every sleeper, and a caller that must watch for dead workers
 * (Node's main thread) gets control back regularly.
 */
export function addBarrier(m: Module, name: string): void {
  const i32 = binaryen.i32;
  const [threads, resume, spin, waits] = [0, 1, 2, 3];
  const get = (i: number): Ref => m.local.get(i, i32);
  const A = m.i32.atomic;
  const zero = (): Ref => m.i32.const(0);
  const arrival = (): Ref => m.global.get(ARRIVAL_GLOBAL, i32);
  m.addGlobal(ARRIVAL_GLOBAL, i32, true, m.i32.const(0));
  addSleep(m);
  const arrive = seq(m, [
    m.global.set(ARRIVAL_GLOBAL, A.load(CONTROL.generation, zero())),
    m.if(
      m.i32.eq(m.i32.add(A.rmw.add(CONTROL.count, zero(), m.i32.const(1)), m.i32.const(1)), get(threads)),
      seq(m, [
        A.store(CONTROL.count, zero(), zero()),
        m.drop(A.rmw.add(CONTROL.generation, zero(), m.i32.const(1))),
        m.drop(m.memory.atomic.notify(m.i32.const(CONTROL.generation), m.i32.const(-1))),
        m.return(m.i32.const(STATUS.done)),
      ]),
    ),
  ]);
  const wait = m.loop(
    'wait',
    seq(m, [
      m.if(m.i32.ne(A.load(CONTROL.generation, zero()), arrival()), m.return(m.i32.const(STATUS.done))),
      m.if(A.load(CONTROL.abort, zero()), m.return(m.i32.const(STATUS.aborted))),
      m.if(get(spin), seq(m, [m.local.set(spin, m.i32.sub(get(spin), m.i32.const(1))), m.br('wait')])),
      m.if(
        m.call(SLEEP, [], i32),
        seq(m, [
          m.local.set(waits, m.i32.add(get(waits), m.i32.const(1))),
          m.if(
            m.i32.ge_u(get(waits), m.i32.const(WAITS_BEFORE_YIELD)),
            m.return(m.i32.const(STATUS.waiting)),
          ),
        ]),
      ),
      m.br('wait'),
    ]),
  );
  const body = m.block(
    null,
    [
      m.if(m.i32.le_s(get(threads), m.i32.const(1)), m.return(m.i32.const(STATUS.done))),
      m.if(m.i32.eqz(get(resume)), arrive),
      m.local.set(spin, m.i32.const(SPIN)),
      wait,
    ],
    i32,
  );
  m.addFunction(name, binaryen.createType([i32, i32]), i32, [i32, i32], body);
}

/** The function renderWasm must keep out of line (see addSleep). */
export const SLEEP = 'barrier_sleep';

/**
 * sleep() -> 1 if the wait timed out: one timed wait on the generation word, in a function of its
 * own with no loop around it. Node 20's baseline compiler (Liftoff) can wait forever on a
 * memory.atomic.wait32 inside a loop (the timeout is lost), so the wait must stay out of the
 * barrier's loop, and renderWasm keeps binaryen from inlining it there.
 */
function addSleep(m: Module): void {
  const i32 = binaryen.i32;
  const timedOut = m.i32.eq(
    m.memory.atomic.wait32(
      m.i32.const(CONTROL.generation),
      m.global.get(ARRIVAL_GLOBAL, i32),
      m.i64.const(WAIT_NS),
    ),
    m.i32.const(2),
  );
  m.addFunction(SLEEP, binaryen.none, i32, [], timedOut);
}
