/**
 * --accuracy-check: the auto-cast model against the float32 model of the same source, both compiled
 * and run by the runtime on the same input sets, per output: max absolute error, max error relative
 * to the output's scale, cosine similarity (each the worst over the sets). The report goes into the
 * cast NEFF's metadata (so `inspect` shows it wherever the file goes) and to the console.
 */
import type { TensorData } from '../ir/dtype.js';
import type { NeffAccuracy, NeffOutputAccuracy } from '../neff/contents.js';
import { readNeff } from '../neff/reader.js';
import { writeNeff } from '../neff/writer.js';
import { load, type Model, type Outputs } from '../runtime/index.js';

export type FeedSet = Readonly<Record<string, TensorData>>;

/** Runs both NEFFs on every feed set and compares their outputs. */
export async function measureAccuracy(
  fp32: Uint8Array,
  cast: Uint8Array,
  sets: readonly FeedSet[],
  inputs: NeffAccuracy['inputs'],
): Promise<NeffAccuracy> {
  const [reference, candidate] = [await load(fp32), await load(cast)];
  try {
    const worst = new Map<string, NeffOutputAccuracy>();
    for (const feeds of sets) {
      const [want, got] = [await reference.run(feeds), await candidate.run(feeds)];
      for (const o of candidate.outputs) {
        const figures = compare(o.name, want, got);
        const before = worst.get(o.name);
        worst.set(o.name, before ? worse(before, figures) : figures);
      }
    }
    return { samples: sets.length, inputs, outputs: [...worst.values()] };
  } finally {
    dispose(reference);
    dispose(candidate);
  }
}

/** The NEFF with the report in its metadata (code and weights unchanged). */
export function withAccuracy(neff: Uint8Array, accuracy: NeffAccuracy): Uint8Array {
  const { contents } = readNeff(neff);
  return writeNeff({ ...contents, metadata: { ...contents.metadata, accuracy } });
}

/** The report as console lines. */
export function accuracyLines(a: NeffAccuracy): string[] {
  const head = `accuracy vs float32 (${a.samples} ${a.inputs === 'files' ? 'input set(s) from files' : 'seeded random input set(s)'}, worst of each):`;
  return [
    head,
    ...a.outputs.map(
      (o) =>
        `  ${o.name}: max abs error ${fmt(o.maxAbsError)}, max rel error ${fmt(o.maxRelError)}, cosine ${o.cosine.toFixed(7)}`,
    ),
  ];
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

function compare(name: string, want: Outputs, got: Outputs): NeffOutputAccuracy {
  const a = numbers(want[name]!);
  const b = numbers(got[name]!);
  let [maxAbs, scale, dot, na, nb] = [0, 0, 0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    const d = Math.abs(x - y);
    maxAbs = Number.isNaN(d) || d > maxAbs ? d : maxAbs;
    scale = Math.max(scale, Math.abs(x));
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const cosine = na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
  return { name, maxAbsError: maxAbs, maxRelError: scale > 0 ? maxAbs / scale : maxAbs, cosine };
}

/** Any NaN is the worst; otherwise the larger errors and the smaller cosine. */
function worse(a: NeffOutputAccuracy, b: NeffOutputAccuracy): NeffOutputAccuracy {
  const max = (x: number, y: number): number => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y));
  const min = (x: number, y: number): number => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y));
  return {
    name: a.name,
    maxAbsError: max(a.maxAbsError, b.maxAbsError),
    maxRelError: max(a.maxRelError, b.maxRelError),
    cosine: min(a.cosine, b.cosine),
  };
}

/** Output values as numbers (integer outputs compare exactly as numbers too). */
function numbers(data: unknown): ArrayLike<number> {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return data as ArrayLike<number>;
}

function dispose(m: Model): void {
  m.dispose();
}
