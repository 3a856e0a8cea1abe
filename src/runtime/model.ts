/**
 * A loaded model: one instance of the chosen code variant over its own memory. A run writes the
 * feeds at their offsets, calls the module's `run(tid, threads)` once, and copies each output out,
 * so returned arrays stay valid after the next run and after dispose().
 */
import type { NeffDType, NeffMetadata, NeffTensor, WasmFeature } from '../neff/contents.js';
import { NccError } from '../errors.js';
import { allocateOutput, checkFeeds, type TypedArray } from './feeds.js';
import type { WasmMemory } from './wasm-api.js';

export interface TensorInfo {
  readonly name: string;
  readonly dtype: NeffDType;
  readonly shape: readonly number[];
}

export type Feeds = Readonly<Record<string, TypedArray>>;
export type Outputs = Record<string, TypedArray>;

export interface Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** The features of the code variant this host runs. */
  readonly features: readonly WasmFeature[];
  /** Everything the NEFF records: model and compiler, options, memory plan, summary. */
  readonly metadata: NeffMetadata;
  run(feeds: Feeds): Promise<Outputs>;
  /** Frees the memory and the module; later run() calls fail. Calling it again does nothing. */
  dispose(): void;
}

type RunExport = (tid: number, threads: number) => void;

interface Live {
  readonly memory: WasmMemory;
  readonly run: RunExport;
}

export class LoadedModel implements Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  private live: Live | undefined;

  constructor(
    readonly metadata: NeffMetadata,
    readonly features: readonly WasmFeature[],
    memory: WasmMemory,
    run: RunExport,
    private readonly isTrap: (e: unknown) => boolean,
  ) {
    this.inputs = metadata.inputs.map(info);
    this.outputs = metadata.outputs.map(info);
    this.live = { memory, run };
  }

  async run(feeds: Feeds): Promise<Outputs> {
    const live = this.live;
    if (!live)
      throw new NccError('NCC_BAD_INPUT', 'run() on a disposed model', {
        hint: 'load the NEFF again to run it after dispose()',
      });
    const checked = checkFeeds(feeds, this.metadata.inputs);
    // views are made per run: a shared memory's buffer object is not stable across accesses
    const bytes = new Uint8Array(live.memory.buffer);
    for (const t of this.metadata.inputs) {
      const feed = checked.get(t.name)!;
      bytes.set(new Uint8Array(feed.buffer, feed.byteOffset, feed.byteLength), t.offset);
    }
    const checks = this.metadata.checks;
    const word = checks ? new DataView(live.memory.buffer, checks.offset, 4) : undefined;
    word?.setInt32(0, 0, true);
    try {
      live.run(0, 1);
    } catch (e) {
      if (!this.isTrap(e)) throw e;
      throw new NccError('NCC_INTERNAL', `the model's code trapped: ${(e as Error).message}`, {
        hint: 'this is a compiler bug: please report it with the model and the neuron-cc version',
        cause: e,
      });
    }
    const failed = word?.getInt32(0, true) ?? 0;
    if (checks && failed !== 0) {
      const message = checks.messages[failed - 1] ?? `run-time check ${failed} failed`;
      throw new NccError('NCC_BAD_INPUT', message, {
        hint: 'these input values need a behaviour the compiled model does not have',
      });
    }
    const outputs: Outputs = {};
    for (const t of this.metadata.outputs) outputs[t.name] = copyOut(bytes, t);
    return outputs;
  }

  dispose(): void {
    this.live = undefined;
  }
}

function copyOut(memory: Uint8Array, t: NeffTensor): TypedArray {
  const out = allocateOutput(t);
  new Uint8Array(out.buffer).set(memory.subarray(t.offset, t.offset + t.byteLength));
  return out;
}

function info(t: NeffTensor): TensorInfo {
  return Object.freeze({ name: t.name, dtype: t.dtype, shape: Object.freeze([...t.shape]) });
}
