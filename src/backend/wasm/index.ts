import { NccError } from '../../errors.js';
import type { WasmFeature } from '../../neff/contents.js';
import type { MemoryPlan } from '../schedule/memory-plan.js';
import type { Program } from '../schedule/program.js';
import { binaryen, seq, type Module, type Ref } from './binaryen.js';
import { KernelContext, RenderError, type Target } from './context.js';
import { hasRoutine, MathLibrary } from './math/library.js';
import { addBarrier, BARRIER_BYTES, renderKernelBody } from './threads.js';

/**
 * The WebAssembly renderer: one module for a whole schedule. ABI (see neff/contents.ts): imports
 * `env.memory` (min = max = totalBytes / 64 KiB, shared for 'threads') and exports
 * `run(tid, threads)`, which runs every kernel in order, each as its own function named after it and
 * exported as `k<i>` (so a profiler can time them one by one).
 * Buffers live at weightsOffset + plan.weights offset (weights) or arenaOffset + plan.arena offset.
 * A module without 'threads' must be called as run(0, 1).
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

export function renderWasm(program: Program, layout: WasmLayout, target: WasmTarget): Uint8Array {
  const t = targetOf(target.features);
  if (t.threads && layout.weightsOffset < BARRIER_BYTES) {
    throw new NccError(
      'NCC_INTERNAL',
      `a threads variant needs ${BARRIER_BYTES} reserved bytes below the weights`,
    );
  }
  const m = new binaryen.Module();
  try {
    m.setFeatures(featureBits(t));
    const pages = Math.ceil(layout.totalBytes / PAGE);
    m.setMemory(pages, pages, null, [], t.threads);
    m.addMemoryImport('0', 'env', 'memory', t.threads);
    const lib = new MathLibrary(m);
    const baseOf = bufferBases(layout);
    const names = functionNames(program);
    const calls: Ref[] = [];
    if (t.threads) addBarrier(m, BARRIER);
    program.kernels.forEach((kernel, i) => {
      const name = names[i]!;
      try {
        const ctx = new KernelContext(m, lib, t, kernel, baseOf);
        ctx.fb.finish(name, binaryen.none, renderKernelBody(ctx));
      } catch (e) {
        throw kernelError(kernel.name, kernel.node, i, e);
      }
      m.addFunctionExport(name, `k${i}`);
      calls.push(m.call(name, [m.local.get(0, binaryen.i32), m.local.get(1, binaryen.i32)], binaryen.none));
      if (t.threads && i + 1 < program.kernels.length) {
        calls.push(m.call(BARRIER, [m.local.get(1, binaryen.i32)], binaryen.none));
      }
    });
    m.addFunction(RUN, binaryen.createType([binaryen.i32, binaryen.i32]), binaryen.none, [], seq(m, calls));
    m.addFunctionExport(RUN, RUN);
    if (!m.validate()) {
      const bad = program.kernels.findIndex((_, i) => !validates(program, layout, t, i));
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
    if (level > 0) m.optimize();
    return m.emitBinary();
  } finally {
    m.dispose();
  }
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
  const used = new Set<string>([RUN, BARRIER]);
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
function validates(program: Program, layout: WasmLayout, t: Target, index: number): boolean {
  const m: Module = new binaryen.Module();
  try {
    m.setFeatures(featureBits(t));
    const pages = Math.ceil(layout.totalBytes / PAGE);
    m.setMemory(pages, pages, null, [], t.threads);
    m.addMemoryImport('0', 'env', 'memory', t.threads);
    const kernel = program.kernels[index]!;
    const ctx = new KernelContext(m, new MathLibrary(m), t, kernel, bufferBases(layout));
    ctx.fb.finish('k', binaryen.none, renderKernelBody(ctx));
    return Boolean(m.validate());
  } finally {
    m.dispose();
  }
}
