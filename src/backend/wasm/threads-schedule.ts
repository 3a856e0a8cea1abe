import type { Expr, GemmCall, Kernel, Stmt } from '../kernel/ir.js';
import { conflicts, footprint, type BufferPlace, type Footprint } from './threads-footprint.js';

/**
 * How a thread variant shares the schedule: per kernel, whether its work is split over the threads
 * (and how) or run whole by one thread, and where threads must meet. Two kernels need a barrier
 * between them only when their footprints conflict and they may run on different threads; a kernel
 * run whole goes to the thread that already ran everything it depends on since the last barrier, so
 * chains of small kernels run barrier-free on one thread, and independent ones on different threads.
 */

export type ThreadMode =
  /**
   * The body is parallel loops with no conflict between them: thread t runs its share of each
   * loop's iterations in turn, in chunks of `units[i]`.
   */
  | { readonly kind: 'loop'; readonly units: readonly number[] }
  /**
   * The body is independent gemm calls. 'whole': so many calls that each thread takes whole ones
   * (the calls render as without threads: less code than slices); 'calls': the calls' work is dealt
   * out evenly in slices; 'each': every thread takes its slice of every call (calls of unequal size).
   */
  | { readonly kind: 'gemms'; readonly spread: 'whole' | 'calls' | 'each' }
  /** Run whole by thread `owner % threads`. */
  | { readonly kind: 'single'; readonly owner: number };

export interface ThreadPlan {
  readonly modes: readonly ThreadMode[];
  /** barriers[i]: the threads meet before kernel i. A final barrier always follows the last kernel. */
  readonly barriers: readonly boolean[];
  /** The most threads the schedule has work for (the runtime caps its default thread count here). */
  readonly maxThreads: number;
}

/** Estimated single-thread cost, in nanoseconds, below which a kernel is not split. */
const SPLIT_MIN_NS = 5_000;
/** Split work each thread should get per run before another thread pays off. */
const WORK_PER_THREAD_NS = 200_000;
const MAX_THREADS = 64;
/**
 * Even calls at least this many are dealt out whole: Winograd's 36 tile positions split evenly over
 * 2, 3, 4 or 6 threads, and at most 1 call in 5 is lost at 8 (a whole call renders in about two
 * thirds of the code of a sliced one, and binaryen's time goes with the code).
 */
const WHOLE_CALLS = 32;
/** Owners of whole kernels rotate over this many threads (mod the thread count at run time). */
const OWNERS = 8;

export function planThreads(kernels: readonly Kernel[], place: (buffer: string) => BufferPlace): ThreadPlan {
  const modes: ThreadMode[] = [];
  const barriers: boolean[] = [];
  let since: { fp: Footprint; owner: number | 'all' }[] = [];
  let nextOwner = 0;
  let splitWork = 0;
  for (const kernel of kernels) {
    const fp = footprint(kernel, place);
    const cost = work(kernel.body);
    const split = cost >= SPLIT_MIN_NS ? splitMode(kernel, place) : undefined;
    const owners = new Set(since.filter((r) => conflicts(r.fp, fp)).map((r) => r.owner));
    let mode: ThreadMode;
    let barrier = false;
    if (split) {
      mode = split;
      barrier = owners.size > 0;
      splitWork += cost;
    } else if (owners.size === 0) {
      mode = { kind: 'single', owner: nextOwner };
      nextOwner = (nextOwner + 1) % OWNERS;
    } else {
      const [only] = owners;
      barrier = owners.size > 1 || only === 'all';
      mode = { kind: 'single', owner: barrier ? 0 : (only as number) };
    }
    if (barrier) since = [];
    since.push({ fp, owner: mode.kind === 'single' ? mode.owner : 'all' });
    modes.push(mode);
    barriers.push(barrier);
  }
  const maxThreads = Math.max(1, Math.min(MAX_THREADS, Math.floor(splitWork / WORK_PER_THREAD_NS)));
  return { modes, barriers, maxThreads };
}

function splitMode(kernel: Kernel, place: (buffer: string) => BufferPlace): ThreadMode | undefined {
  const body = kernel.body;
  if (body.length === 0 || !independent(kernel, place)) return undefined;
  const loops = body.filter((s): s is LoopStmt => s.op === 'loop' && s.parallel === true);
  if (loops.length === body.length && loops.every((l) => writesDependOn(l.body, l.v))) {
    // vectorized loops split at multiples of 4 so every element takes the same (vector or scalar)
    // path at any thread count: results stay bit-identical; 16 floats are one cache line
    const units = loops.map((l) => (!l.vectorize ? 1 : l.extent >= 64 ? 16 : 4));
    return { kind: 'loop', units };
  }
  const calls = body.filter((s): s is GemmCall => s.op === 'gemm');
  if (calls.length !== body.length) return undefined;
  const costs = calls.map((c) => work([c]));
  const even = Math.max(...costs) <= 1.5 * Math.min(...costs);
  if (!even) return { kind: 'gemms', spread: 'each' };
  return { kind: 'gemms', spread: calls.length >= WHOLE_CALLS ? 'whole' : 'calls' };
}

type LoopStmt = Extract<Stmt, { op: 'loop' }>;

/** No statement of the body touches what another one writes: threads may run them in any order. */
function independent(kernel: Kernel, place: (buffer: string) => BufferPlace): boolean {
  if (kernel.body.length === 1) return true;
  const prints = kernel.body.map((s) => footprint({ ...kernel, body: [s], reads: [], writes: [] }, place));
  for (let i = 0; i < prints.length; i++)
    for (let j = i + 1; j < prints.length; j++) if (conflicts(prints[i]!, prints[j]!)) return false;
  return true;
}

/**
 * A parallel loop whose stores all move with its variable: a store that does not cannot be split
 * (every thread would write the same element), whatever the loop claims.
 */
function writesDependOn(stmts: readonly Stmt[], v: string): boolean {
  return stmts.every((s) => {
    switch (s.op) {
      case 'loop':
        return writesDependOn(s.body, v);
      case 'if':
        return writesDependOn(s.then, v) && writesDependOn(s.else, v);
      case 'store':
        return s.index.dynamic !== undefined || s.index.terms.some((t) => t.v === v && t.stride !== 0);
      case 'gemm':
        return false;
      case 'set':
        return true;
    }
  });
}

/** Nanoseconds on one thread, roughly: enough to tell tiny kernels from ones worth splitting. */
export function work(stmts: readonly Stmt[]): number {
  let ns = 0;
  for (const s of stmts) {
    switch (s.op) {
      case 'loop':
        ns += s.extent * work(s.body) * (s.vectorize ? 0.35 : 1);
        break;
      case 'store':
        ns += 0.5 + exprWork(s.value);
        break;
      case 'set':
        ns += exprWork(s.value);
        break;
      case 'if':
        ns += exprWork(s.cond) + Math.max(work(s.then), work(s.else));
        break;
      case 'gemm':
        // ~20 GFLOP/s for the SIMD micro-kernels, plus the epilogue's pass over C
        ns += (2 * s.m * s.n * s.k) / 20 + (s.m * s.n) / 4;
        break;
    }
  }
  return ns;
}

const TRANSCENDENTAL = new Set(['exp', 'log', 'tanh', 'sigmoid', 'erf', 'sin', 'cos', 'tan', 'pow']);

function exprWork(e: Expr): number {
  switch (e.op) {
    case 'const':
    case 'var':
    case 'local':
      return 0;
    case 'load':
      return 0.5 + (e.index.dynamic ? exprWork(e.index.dynamic) : 0);
    case 'unary':
      return (TRANSCENDENTAL.has(e.fn) ? 8 : 0.3) + exprWork(e.x);
    case 'convert':
      return 0.3 + exprWork(e.x);
    case 'binary':
      return (TRANSCENDENTAL.has(e.fn) ? 8 : 0.3) + exprWork(e.a) + exprWork(e.b);
    case 'compare':
      return 0.3 + exprWork(e.a) + exprWork(e.b);
    case 'select':
      return 0.3 + exprWork(e.cond) + exprWork(e.a) + exprWork(e.b);
  }
}
