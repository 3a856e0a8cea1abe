import { alignUp, type MemoryPlan } from './memory-plan.js';

/** Where a module's regions lie in its memory: reserved bytes, the weights, then the arena. */
export interface MemoryLayout {
  readonly weightsOffset: number;
  readonly arenaOffset: number;
  readonly totalBytes: number;
}

/** Bytes below the weights: address 0 stays unused so a stray null offset reads nothing that matters. */
const RESERVED_BYTES = 1024;
const PAGE = 65536;

/** The layout of a memory plan: whole wasm pages, at least one. */
export function memoryLayout(plan: MemoryPlan): MemoryLayout {
  const weightsOffset = RESERVED_BYTES;
  const arenaOffset = alignUp(weightsOffset + plan.weightsBytes);
  const totalBytes = Math.max(PAGE, alignUp(arenaOffset + plan.arenaBytes, PAGE));
  return { weightsOffset, arenaOffset, totalBytes };
}
