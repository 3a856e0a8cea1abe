import { NccError } from '../../errors.js';
import { inPlaceCandidates } from './in-place.js';
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
 * overlap reuse the same bytes, and an elementwise kernel's output may take the very bytes of an
 * input that dies in it (`inPlace`).
 */
export interface MemoryPlan {
  readonly weights: ReadonlyMap<string, Placement>;
  readonly weightsBytes: number;
  readonly arena: ReadonlyMap<string, Placement>;
  readonly arenaBytes: number;
  /** Output buffer -> the input whose bytes it is written over, in the one kernel where both live. */
  readonly inPlace?: ReadonlyMap<string, string>;
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
 * Outputs that may be written over an input (see in-place.ts): the input's life ends in the kernel
 * where the output's begins, both are arena activations or scratch (an output may be a program
 * output; inputs keep their bytes), and they have the same size. Each input hosts one output.
 */
export function inPlacePairs(
  program: Program,
  live: ReadonlyMap<string, { first: number; last: number }>,
): Map<string, string> {
  const pairs = new Map<string, string>();
  const hosts = new Set<string>();
  const info = (b: string) => program.buffers.get(b);
  program.kernels.forEach((k, step) => {
    for (const [y, x] of inPlaceCandidates(k)) {
      const [bx, by] = [info(x), info(y)];
      if (!bx || !by || pairs.has(y) || hosts.has(x) || bx.bytes !== by.bytes) continue;
      if (
        !['activation', 'scratch'].includes(bx.kind) ||
        !['activation', 'scratch', 'output'].includes(by.kind)
      )
        continue;
      if (live.get(x)?.last !== step || live.get(y)?.first !== step) continue;
      pairs.set(y, x);
      hosts.add(x);
    }
  });
  return pairs;
}

/**
 * Greedy by size (largest first, lowest offset that does not collide with a buffer live at the
 * same time), the strategy of TFLite's arena planner: near-optimal on CNN and transformer graphs.
 * Buffers chained by in-place writes are placed as one block spanning their joint lifetime.
 */
export function planMemory(
  program: Program,
  options: { reuse?: boolean; inPlace?: boolean } = {},
): MemoryPlan {
  const reuse = options.reuse ?? true;
  const separate = place(program, reuse, new Map());
  if (!reuse || options.inPlace === false) return separate;
  const pairs = inPlacePairs(program, lifetimes(program));
  if (pairs.size === 0) return separate;
  // merged blocks are longer-lived and can pack worse; keep whichever plan is smaller
  const shared = place(program, reuse, pairs);
  return shared.arenaBytes <= separate.arenaBytes ? shared : separate;
}

function place(program: Program, reuse: boolean, inPlace: ReadonlyMap<string, string>): MemoryPlan {
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
  const blocks = blocksOf(arenaBuffers, inPlace);
  // ties broken by name so the plan (and the NEFF) is deterministic
  blocks.sort((a, b) => b.bytes - a.bytes || a.first - b.first || a.name.localeCompare(b.name));
  const placed: { offset: number; bytes: number; first: number; last: number }[] = [];
  const arena = new Map<string, Placement>();
  let arenaBytes = 0;
  for (const block of blocks) {
    // without reuse every buffer keeps its bytes: a debugging aid that lets every value be inspected after a run
    const conflicts = placed
      .filter((p) => !reuse || (p.first <= block.last && block.first <= p.last))
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + block.bytes <= c.offset) break;
      offset = Math.max(offset, alignUp(c.offset + c.bytes));
    }
    placed.push({ offset, bytes: block.bytes, first: block.first, last: block.last });
    for (const m of block.members)
      arena.set(m.name, { offset, bytes: m.bytes, first: m.first, last: m.last });
    arenaBytes = Math.max(arenaBytes, alignUp(offset + block.bytes));
  }
  const plan = { weights, weightsBytes, arena, arenaBytes, ...(inPlace.size ? { inPlace } : {}) };
  verifyMemoryPlan(plan);
  return plan;
}

interface ArenaBuffer {
  readonly name: string;
  readonly bytes: number;
  readonly first: number;
  readonly last: number;
}

/** Buffers grouped along in-place chains (output -> input -> its input ...): one block each. */
function blocksOf(
  buffers: readonly ArenaBuffer[],
  inPlace: ReadonlyMap<string, string>,
): (ArenaBuffer & { members: ArenaBuffer[] })[] {
  const byName = new Map(buffers.map((b) => [b.name, b]));
  const root = (name: string): string => {
    let r = name;
    for (let host = inPlace.get(r); host !== undefined && byName.has(host); host = inPlace.get(r)) r = host;
    return r;
  };
  const groups = new Map<string, ArenaBuffer[]>();
  for (const b of buffers) groups.set(root(b.name), [...(groups.get(root(b.name)) ?? []), b]);
  return [...groups].map(([name, members]) => ({
    name,
    bytes: Math.max(...members.map((m) => m.bytes)),
    first: Math.min(...members.map((m) => m.first)),
    last: Math.max(...members.map((m) => m.last)),
    members,
  }));
}

/** No two buffers live at the same step may share a byte; every placement is aligned and in bounds. */
export function verifyMemoryPlan(plan: MemoryPlan): void {
  const inPlace = plan.inPlace ?? new Map<string, string>();
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
        // an in-place pair shares its bytes in the one kernel that reads the input and writes the output
        const shared =
          inPlace.get(an) === bn ? b.last === a.first : inPlace.get(bn) === an && a.last === b.first;
        const timeOverlap = !overlapInTime || (a.first <= b.last && b.first <= a.last && !shared);
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
