/**
 * The one place that picks a code variant: the first (variants are stored best first) whose every
 * feature the host has. A threads variant also runs where threads are missing or not allowed, on one
 * thread over an unshared memory (unshare.ts), when the engine accepts that. When none fits, the
 * error names what each variant misses.
 */
import type { CodeVariant, WasmFeature } from '../neff/contents.js';
import { NccError } from '../errors.js';
import { FEATURE_ADVICE, type FeatureProbe } from './features.js';

export interface Selection {
  readonly variant: CodeVariant;
  readonly index: number;
  /** Run the variant on shared memory (it needs threads and the host has them). */
  readonly shared: boolean;
  /** The features the code runs with (a threads variant run unshared has no 'threads'). */
  readonly features: readonly WasmFeature[];
}

/**
 * `allowed`, when given, restricts the features taken (a user pinning a variant, e.g. plain SIMD for
 * results that do not depend on the host's fused multiply-add). `runsUnshared` says whether a
 * threads variant may run on one thread without shared memory.
 */
export async function selectVariant(
  variants: readonly CodeVariant[],
  probe: FeatureProbe,
  allowed?: readonly WasmFeature[],
  runsUnshared: () => boolean = () => false,
): Promise<Selection> {
  const missing: WasmFeature[][] = [];
  for (const [index, variant] of variants.entries()) {
    const lacks: WasmFeature[] = [];
    for (const f of variant.features) {
      if ((allowed && !allowed.includes(f)) || !(await probe(f))) lacks.push(f);
    }
    if (lacks.length === 0) {
      const shared = variant.features.includes('threads');
      return { variant, index, shared, features: variant.features };
    }
    if (lacks.length === 1 && lacks[0] === 'threads' && runsUnshared()) {
      const features = variant.features.filter((f) => f !== 'threads');
      return { variant, index, shared: false, features };
    }
    missing.push(lacks);
  }
  const each = missing.map((m, i) => `variant ${i + 1} needs ${m.join(' + ')}`).join('; ');
  const all = [...new Set(missing.flat())];
  throw new NccError(
    'NEFF_UNSUPPORTED_HOST',
    `no code variant of this NEFF runs on this host: ${each}${allowed ? ` (features allowed: ${allowed.join(', ') || 'none'})` : ''}`,
    { hint: all.map((f) => FEATURE_ADVICE[f]).join('; ') },
  );
}
