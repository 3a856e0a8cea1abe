import { NccError } from '../../errors.js';
import type { WasmFeature } from '../../neff/contents.js';
import type { MemoryPlan } from '../schedule/memory-plan.js';
import type { Program } from '../schedule/program.js';
import { binaryen, seq, type Module, type Ref } from './binaryen.js';
import { KernelContext, RenderError, type Target } from './context.js';
import { hasRoutine, MathLibrary } from './math/library.js';
import { addBarrier, BARRIER_BYTES, renderKernelBody, SLEEP, STATUS } from './threads.js';
import type { BufferPlace } from './threads-footprint.js';
import { planThreads, type ThreadPlan } from './threads-schedule.js';

/**
 * The WebAssembly renderer: one module for a whole schedule. ABI (docs/neff.md): imports
 * `env.memory` (min = max = totalBytes / 64 KiB, shared for 'threads') and exports
 * `run(tid, threads) -> status`, which runs every kernel in order, each as its own function named
 * after it and exported as `k<i>` (so a profiler can time them one by one, as thread 0 of 1).
 * Buffers live at weightsOffset + plan.weights offset (weights) or arenaOffset + plan.arena offset.
 * A module without 'threads' must be called as run(0, 1); a threads module shares the work of each
 * kernel as threads-schedule.ts plans and meets at barriers (threads.ts).
 */

export interface WasmLayout {
  readonly plan: MemoryPlan;
  readonly weightsOffset: number;
  readonly arenaOffset: number;
  readonly totalBytes: number;
}

export interface WasmTarget {
  readonly features: readonly WasmFeature[];
  /** binaryen optimization level 0..3 (0 skips the optimizer). Default 2. */
  readonly optimize?: number;
}

const PAGE = 65536;
const RUN = 'run';
const BARRIER = 'barrier';
const RESUME_GLOBAL = 'run_resume';
const RESUME_TID_GLOBAL = 'run_resume_tid';
/** Custom section of a threads module: UTF-8 JSON { "max": n }, the most threads worth running. */
export const THREADS_SECTION = 'neuron-cc.threads';

export function renderWasm(program: Program, layout: WasmLayout, target: WasmTarget): Uint8Array {
  const t = targetOf(target.features);
  if (t.threads && layout.weightsOffset < BARRIER_BYTES) {
    throw new NccError(
      'NCC_INTERNAL',
      `a threads variant needs ${BARRIER_BYTES} reserved bytes below the weights`,
    );
  }
  const plan = t.threads ? planThreads(program.kernels, placeOf(layout, program)) : undefined;
  const m = new binaryen.Module();
  try {
    m.setFeatures(featureBits(t));
    const pages = Math.ceil(layout.totalBytes / PAGE);
    m.setMemory(pages, pages, null, [], t.threads);
    m.addMemoryImport('0', 'env', 'memory', t.threads);
    const lib = new MathLibrary(m);
    const baseOf = bufferBases(layout);
    const names = functionNames(program);
    program.kernels.forEach((kernel, i) => {
      const name = names[i]!;
      try {
        const ctx = new KernelContext(m, lib, t, kernel, baseOf);
        const body = renderKernelBody(ctx, plan?.modes[i]);
        ctx.fb.finish(name, binaryen.none, seq(m, [...ctx.entry(), body]));
      } catch (e) {
        throw kernelError(kernel.name, kernel.node, i, e);
      }
      m.addFunctionExport(name, `k${i}`);
    });
    if (plan) {
      addBarrier(m, BARRIER);
      addRun(m, names, plan);
      const note = new TextEncoder().encode(JSON.stringify({ max: plan.maxThreads }));
      m.addCustomSection(THREADS_SECTION, note);
    } else addRun(m, names, undefined);
    m.addFunctionExport(RUN, RUN);
    if (!m.validate()) {
      const bad = program.kernels.findIndex((_, i) => !validates(program, layout, t, i, plan));
      const k = program.kernels[bad];
      throw new NccError(
        'NCC_INTERNAL',
        `wasm renderer produced an invalid module${k ? ` in kernel ${k.name} (#${bad})` : ''}`,
        k ? { node: k.node } : {},
      );
    }
    const level = target.optimize ?? 2;
    if (![0, 1, 2, 3].includes(level)) throw new NccError('NCC_BAD_OPTION', `optimization level ${level}`);
    // binaryen's options are process-wide: set all the ones we rely on every time
    binaryen.setOptimizeLevel(level);
    binaryen.setShrinkLevel(0);
    // kernels stay functions of their own (profiles name them, engines compile them in parallel);
    // small helpers still inline
    binaryen.setOneCallerInlineMaxSize(binaryen.getFlexibleInlineMaxSize());
    binaryen.setDebugInfo(true);
    if (plan) keepOutOfLine(m, SLEEP);
    if (level > 0) m.optimize();
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/**
 * run(tid, threads) -> status: the kernels in order, with the plan's barriers and a final one (so
 * thread 0 returns only when every thread is done). A barrier that returns `waiting` makes run
 * return it with the barrier's index saved; the thread's next call skips ahead to that barrier and
 * resumes it.
 */
function addRun(m: Module, names: readonly string[], plan: ThreadPlan | undefined): void {
  const i32 = binaryen.i32;
  const [tid, threads, resumeAt, status] = [0, 1, 2, 3];
  const get = (i: number): Ref => m.local.get(i, i32);
  const kernel = (i: number): Ref => m.call(names[i]!, [get(tid), get(threads)], binaryen.none);
  const done = m.return(m.i32.const(STATUS.done));
  if (!plan) {
    const body = seq(m, [...names.map((_, i) => kernel(i)), done]);
    m.addFunction(RUN, binaryen.createType([i32, i32]), i32, [], body);
    return;
  }
  m.addGlobal(RESUME_GLOBAL, i32, true, m.i32.const(0));
  m.addGlobal(RESUME_TID_GLOBAL, i32, true, m.i32.const(0));
  const segments: number[][] = [[]];
  names.forEach((_, i) => {
    if (plan.barriers[i]) segments.push([]);
    segments[segments.length - 1]!.push(i);
  });
  segments.push([]); // after the final barrier
  const code: Ref[] = [
    // only the thread that got `waiting` resumes (tests run every thread's share on one instance)
    m.local.set(
      resumeAt,
      m.select(
        m.i32.eq(get(tid), m.global.get(RESUME_TID_GLOBAL, i32)),
        m.global.get(RESUME_GLOBAL, i32),
        m.i32.const(0),
      ),
    ),
    m.global.set(RESUME_GLOBAL, m.i32.const(0)),
    m.if(m.i32.eqz(get(resumeAt)), seq(m, segments[0]!.map(kernel))),
  ];
  for (let b = 1; b < segments.length; b++) {
    const meet = seq(m, [
      m.local.set(status, m.call(BARRIER, [get(threads), m.i32.eq(get(resumeAt), m.i32.const(b))], i32)),
      m.if(
        get(status),
        seq(m, [
          m.if(
            m.i32.eq(get(status), m.i32.const(STATUS.waiting)),
            seq(m, [m.global.set(RESUME_GLOBAL, m.i32.const(b)), m.global.set(RESUME_TID_GLOBAL, get(tid))]),
          ),
          m.return(get(status)),
        ]),
      ),
    ]);
    code.push(m.if(m.i32.le_u(get(resumeAt), m.i32.const(b)), seq(m, [meet, ...segments[b]!.map(kernel)])));
  }
  code.push(done);
  m.addFunction(RUN, binaryen.createType([i32, i32]), i32, [i32, i32], seq(m, code));
}

/** Marks a function that the optimizer must not inline. */
function keepOutOfLine(m: Module, name: string): void {
  binaryen.setPassArgument('no-inline', name);
  try {
    m.runPasses(['no-inline']);
  } finally {
    binaryen.setPassArgument('no-inline', null);
  }
}

/** Where each buffer lives, for the thread plan's footprints. */
function placeOf(layout: WasmLayout, program: Program): (buffer: string) => BufferPlace {
  const base = bufferBases(layout);
  return (buffer) => ({ base: base(buffer), bytes: program.buffers.get(buffer)?.bytes ?? 0 });
}

function targetOf(features: readonly WasmFeature[]): Target {
  const relaxed = features.includes('relaxed-simd');
  return { simd: relaxed || features.includes('simd128'), relaxed, threads: features.includes('threads') };
}

function featureBits(t: Target): binaryen.Features {
  const F = binaryen.Features;
  // the post-MVP features every SIMD-capable engine ships
  let bits = F.MutableGlobals | F.NontrappingFPToInt | F.SignExt | F.BulkMemory | F.BulkMemoryOpt;
  if (t.simd) bits |= F.SIMD128;
  if (t.relaxed) bits |= F.RelaxedSIMD;
  if (t.threads) bits |= F.Atomics;
  return bits;
}

function bufferBases(layout: WasmLayout): (buffer: string) => number {
  return (buffer) => {
    const w = layout.plan.weights.get(buffer);
    if (w) return layout.weightsOffset + w.offset;
    const a = layout.plan.arena.get(buffer);
    if (a) return layout.arenaOffset + a.offset;
    throw new RenderError(`buffer ${buffer} has no place in the memory plan`);
  };
}

/** Kernel names, made unique and kept clear of the module's own functions. */
function functionNames(program: Program): string[] {
  const used = new Set<string>([RUN, BARRIER, SLEEP]);
  return program.kernels.map((k) => {
    const base = k.name.replace(/[^A-Za-z0-9_.:-]/g, '_') || 'kernel';
    let name = base;
    for (let n = 2; used.has(name) || hasRoutine(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}

function kernelError(name: string, node: string, index: number, e: unknown): NccError {
  if (e instanceof NccError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new NccError('NCC_INTERNAL', `wasm renderer: kernel ${name} (#${index}): ${why}`, {
    node,
    cause: e,
    ...(e instanceof RenderError ? { hint: 'the kernel IR breaks a rule of src/backend/kernel/ir.ts' } : {}),
  });
}

/** Renders kernel `index` alone into a scratch module and validates it (to name a culprit). */
function validates(
  program: Program,
  layout: WasmLayout,
  t: Target,
  index: number,
  plan: ThreadPlan | undefined,
): boolean {
  const m: Module = new binaryen.Module();
  try {
    m.setFeatures(featureBits(t));
    const pages = Math.ceil(layout.totalBytes / PAGE);
    m.setMemory(pages, pages, null, [], t.threads);
    m.addMemoryImport('0', 'env', 'memory', t.threads);
    const kernel = program.kernels[index]!;
    const ctx = new KernelContext(m, new MathLibrary(m), t, kernel, bufferBases(layout));
    ctx.fb.finish('k', binaryen.none, renderKernelBody(ctx, plan?.modes[index]));
    return Boolean(m.validate());
  } finally {
    m.dispose();
  }
}
