/**
 * One interface over the three runtimes the bench compares. Peers are imported dynamically, so the
 * `neuron-cc bench` command works (and skips them with a message) where they are not installed.
 *
 * Import order matters: onnxruntime-node and onnxruntime-web both register backends (onnxruntime-web
 * under 'cpu' too) with onnxruntime-common; where both resolve to one copy of it, they share one
 * registry, and a node session asking for 'cpu' can silently run on wasm. So onnxruntime-node is
 * always imported first, and every session reports the backend that actually ran (see each adapter).
 */
import type { Feed, Outputs } from './feeds.js';
import type { ModelFiles, RuntimeId } from './protocol.js';

export interface Session {
  readonly runtime: RuntimeId;
  /** The backend that actually runs, verified where the runtime lets us look. */
  readonly backend: string;
  readonly features: readonly string[];
  /** One inference on input set `set` (given at open); the outputs stay valid after the next run. */
  run(set: number): Promise<Outputs>;
  /** neuron-cc only: per-kernel timings on one thread (the NEFF's kernel table). */
  profile?(set: number, runs: number): Promise<readonly KernelTime[]>;
  dispose(): Promise<void>;
}

export interface KernelTime {
  readonly node: string;
  readonly op: string;
  readonly flops: number;
  readonly ms: number;
}

export interface OpenOptions {
  readonly files: ModelFiles;
  readonly threads: number;
  readonly feeds: readonly (readonly Feed[])[];
}

export interface RuntimeAdapter {
  open(options: OpenOptions): Promise<Session>;
}

/** A peer that is not installed: the bench goes on without it. */
export class RuntimeUnavailable extends Error {}

/** The adapters for `ids`, imported in the order that keeps each peer on its own backend. */
export async function adapters(ids: readonly RuntimeId[]): Promise<Map<RuntimeId, RuntimeAdapter | Error>> {
  const order: RuntimeId[] = [
    'onnxruntime-node',
    'onnxruntime-web',
    'tfjs-wasm',
    'neuron-cc',
    'neuron-cc-bf16',
    'neuron-cc-bf16-all',
  ];
  const out = new Map<RuntimeId, RuntimeAdapter | Error>();
  for (const id of order.filter((r) => ids.includes(r))) {
    try {
      out.set(id, await importAdapter(id));
    } catch (e) {
      out.set(id, e instanceof Error ? e : new Error(String(e)));
    }
  }
  return out;
}

async function importAdapter(id: RuntimeId): Promise<RuntimeAdapter> {
  switch (id) {
    case 'neuron-cc':
    case 'neuron-cc-bf16':
    case 'neuron-cc-bf16-all':
      return (await import('./runtime-ncc.js')).nccAdapter(id);
    case 'onnxruntime-node':
      return (await import('./peer-ort-node.js')).ortNodeAdapter();
    case 'onnxruntime-web':
      return (await import('./peer-ort-web.js')).ortWebAdapter();
    case 'tfjs-wasm':
      return (await import('./peer-tfjs-wasm.js')).tfjsWasmAdapter();
  }
}

/** Imports a peer package, turning "not installed" into RuntimeUnavailable. */
export async function importPeer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND')
      throw new RuntimeUnavailable(`${name} is not installed (npm install --save-dev ${name})`);
    throw e;
  }
}
