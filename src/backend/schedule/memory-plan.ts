import { NccError } from '../../errors.js';
import type { Program } from './program.js';

/** 64 bytes: SIMD alignment and a cache line, so no two buffers share one. */
export const ALIGNMENT = 64;

export interface Placement {
  readonly offset: number;
  readonly bytes: number;
  /** First and last schedule step (kernel index) the buffer is live; -1 / kernels.length for I/O. */
  readonly first: number;
  readonly last: number;
}

/**
 * Static memory plan. Weights get their own region (laid out in order of first use); inputs,
 * outputs, activations and scratch buffers share one arena, where buffers whose lifetimes do not
 * overlap reuse the same bytes.
 */
export interface MemoryPlan {
  readonly weights: ReadonlyMap<string, Placement>;
  readonly weightsBytes: number;
  readonly arena: ReadonlyMap<string, Placement>;
  readonly arenaBytes: number;
}

export function alignUp(n: number, a = ALIGNMENT): number {
  return Math.ceil(n / a) * a;
}

/** Live ranges over the schedule, from the kernels' reads and writes. */
export function lifetimes(program: Program): Map<string, { first: number; last: number }> {
  const end = program.kernels.length;
  const live = new Map<string, { first: number; last: number }>();
  const touch = (b: string, step: number): void => {
    const r = live.get(b);
    if (!r) live.set(b, { first: step, last: step });
    else {
      r.first = Math.min(r.first, step);
      r.last = Math.max(r.last, step);
    }
  };
  program.kernels.forEach((k, step) => {
    for (const b of [...k.reads, ...k.writes]) touch(b, step);
  });
  // inputs are written before the first kernel; outputs are read after the last
  for (const io of program.inputs) touch(io.buffer, -1);
  for (const io of program.outputs) touch(io.buffer, end);
  // the check word is zeroed before the run and read after it
  if (program.checks) {
    touch(program.checks.buffer, -1);
    touch(program.checks.buffer, end);
  }
  return live;
}

/**
 * Greedy by size (largest first, lowest offset that does not collide with a buffer live at the
 * same time), the strategy of TFLite's arena planner: near-optimal on CNN and transformer graphs.
 */
export function planMemory(program: Program, options: { reuse?: boolean } = {}): MemoryPlan {
  const reuse = options.reuse ?? true;
  const live = lifetimes(program);
  const weights = new Map<string, Placement>();
  let weightsBytes = 0;
  const arenaBuffers: { name: string; bytes: number; first: number; last: number }[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const info = program.buffers.get(name);
    if (!info) throw new NccError('NCC_INTERNAL', `kernel uses unknown buffer ${name}`);
    const range = live.get(name) ?? { first: 0, last: 0 };
    if (info.kind === 'weight') {
      weights.set(name, { offset: weightsBytes, bytes: info.bytes, ...range });
      weightsBytes = alignUp(weightsBytes + info.bytes);
    } else arenaBuffers.push({ name, bytes: info.bytes, ...range });
  };
  for (const io of program.inputs) visit(io.buffer);
  for (const k of program.kernels) for (const b of [...k.reads, ...k.writes]) visit(b);
  for (const io of program.outputs) visit(io.buffer);
  if (program.checks) visit(program.checks.buffer);
  // ties broken by name so the plan (and the NEFF) is deterministic
  arenaBuffers.sort((a, b) => b.bytes - a.bytes || a.first - b.first || a.name.localeCompare(b.name));
  const placed: (Placement & { name: string })[] = [];
  const arena = new Map<string, Placement>();
  let arenaBytes = 0;
  for (const buf of arenaBuffers) {
    // without reuse every buffer keeps its bytes: a debugging aid that lets every value be inspected after a run
    const conflicts = placed
      .filter((p) => !reuse || (p.first <= buf.last && buf.first <= p.last))
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + buf.bytes <= c.offset) break;
      offset = Math.max(offset, alignUp(c.offset + c.bytes));
    }
    const p = { name: buf.name, offset, bytes: buf.bytes, first: buf.first, last: buf.last };
    placed.push(p);
    arena.set(buf.name, p);
    arenaBytes = Math.max(arenaBytes, alignUp(offset + buf.bytes));
  }
  const plan = { weights, weightsBytes, arena, arenaBytes };
  verifyMemoryPlan(plan);
  return plan;
}

/** No two buffers live at the same step may share a byte; every placement is aligned and in bounds. */
export function verifyMemoryPlan(plan: MemoryPlan): void {
  const check = (region: ReadonlyMap<string, Placement>, size: number, overlapInTime: boolean): void => {
    const entries = [...region];
    for (const [name, p] of entries) {
      if (p.offset % ALIGNMENT !== 0 || p.offset + p.bytes > size) {
        throw new NccError(
          'NCC_INTERNAL',
          `memory plan places ${name} at ${p.offset} (+${p.bytes}) outside ${size}`,
        );
      }
    }
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const [an, a] = entries[i]!;
        const [bn, b] = entries[j]!;
        const timeOverlap = !overlapInTime || (a.first <= b.last && b.first <= a.last);
        const spaceOverlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        if (timeOverlap && spaceOverlap && a.bytes > 0 && b.bytes > 0) {
          throw new NccError('NCC_INTERNAL', `memory plan overlaps live buffers ${an} and ${bn}`);
        }
      }
    }
  };
  check(plan.weights, plan.weightsBytes, false);
  check(plan.arena, plan.arenaBytes, true);
}
