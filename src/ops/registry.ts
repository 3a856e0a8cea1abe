import type { AnyOpDef, OpDef } from './op.js';
import type { AttrSchema } from './attributes.js';

/** The op registry: one entry per (domain, type). Passes ask it instead of switching on op names. */
const entries = new Map<string, AnyOpDef>();

function key(domain: string, type: string): string {
  return domain === '' || domain === 'ai.onnx' ? type : `${domain}::${type}`;
}

export function registerOps(defs: readonly OpDef<AttrSchema>[]): void {
  for (const def of defs) {
    const k = key(def.domain ?? '', def.type);
    if (entries.has(k)) throw new Error(`op ${k} registered twice`);
    entries.set(k, def as AnyOpDef);
  }
}

export function lookupOp(domain: string, type: string): AnyOpDef | undefined {
  return entries.get(key(domain, type));
}

export function registeredOps(): AnyOpDef[] {
  return [...entries.values()].sort((a, b) =>
    key(a.domain ?? '', a.type).localeCompare(key(b.domain ?? '', b.type)),
  );
}
