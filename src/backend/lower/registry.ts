import type { Lowering } from './lowering.js';

/** Lowerings by op type (default ONNX domain; `domain::Type` otherwise), registered by each family file. */
const lowerings = new Map<string, Lowering>();

export function registerLowerings(table: Readonly<Record<string, Lowering>>): void {
  for (const [op, fn] of Object.entries(table)) {
    if (lowerings.has(op)) throw new Error(`lowering for ${op} registered twice`);
    lowerings.set(op, fn);
  }
}

export function lookupLowering(domain: string, op: string): Lowering | undefined {
  return lowerings.get(domain ? `${domain}::${op}` : op);
}

export function loweredOps(): string[] {
  return [...lowerings.keys()].sort();
}
