import { registerLowerings } from '../registry.js';
import type { LowerContext, Lowering } from '../lowering.js';
import { mapLowered, type MapSpec } from './map.js';

/**
 * Map lowerings: ops whose kernel is one MapSpec (operands + scalar formula) over their output, or a
 * view of an input. Registering one gives the op its lowering and lets FusedElementwise compose its
 * formula with its neighbours' into one loop (fused.ts).
 */
export type MapPlan = MapSpec | { readonly aliasOf: number };
export type MapLowering = (ctx: LowerContext) => MapPlan;

const maps = new Map<string, MapLowering>();

export function registerMapLowerings(table: Readonly<Record<string, MapLowering>>): void {
  const lowerings: Record<string, Lowering> = {};
  for (const [op, plan] of Object.entries(table)) {
    maps.set(op, plan);
    lowerings[op] = (ctx) => {
      const p = plan(ctx);
      return 'aliasOf' in p ? p : mapLowered(ctx, p);
    };
  }
  registerLowerings(lowerings);
}

export function lookupMapLowering(op: string): MapLowering | undefined {
  return maps.get(op);
}

export function mapOps(): string[] {
  return [...maps.keys()].sort();
}
