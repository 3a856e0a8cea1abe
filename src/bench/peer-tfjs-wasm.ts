/**
 * TensorFlow.js's WebAssembly backend (XNNPACK kernels, SIMD) as the peer for TF.js graph models.
 * In Node it runs on one thread (it reports no thread support there), so it is measured at one
 * thread only. Its packages are dev dependencies, imported only when the peer runs.
 */
import type { Feed, Outputs } from './feeds.js';
import { importPeer, type OpenOptions, type RuntimeAdapter, type Session } from './runtimes.js';
import { tfjsArtifacts } from './tfjs-model.js';

/** The part of TensorFlow.js the peer uses (typed here so neuron-cc builds without it). */
interface TfTensor {
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
  dispose(): void;
}
interface TfCore {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getBool(flag: string): boolean };
  tensor(values: ArrayLike<number>, shape: readonly number[], dtype: string): TfTensor;
}
interface TfGraphModel {
  executeAsync(inputs: Record<string, TfTensor>, outputs?: string[]): Promise<TfTensor | TfTensor[]>;
  readonly outputNodes: string[];
  dispose(): void;
}
interface TfConverter {
  loadGraphModel(handler: { load: () => Promise<object> }): Promise<TfGraphModel>;
}

export async function tfjsWasmAdapter(): Promise<RuntimeAdapter> {
  const tf = await importPeer<TfCore>('@tensorflow/tfjs-core');
  await importPeer('@tensorflow/tfjs-backend-wasm');
  const converter = await importPeer<TfConverter>('@tensorflow/tfjs-converter');
  return {
    async open({ files, threads, feeds }: OpenOptions): Promise<Session> {
      if (threads !== 1) throw new Error('TensorFlow.js wasm runs on one thread in Node');
      if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend');
      await tf.ready();
      const model = await converter.loadGraphModel({ load: async () => tfjsArtifacts(files.modelFile) });
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return new TfjsSession(tf, model, feeds, `${tf.getBackend()}${simd ? ' SIMD' : ''}, 1 thread`);
    },
  };
}

class TfjsSession implements Session {
  readonly runtime = 'tfjs-wasm' as const;
  readonly features: readonly string[] = [];
  private readonly sets: readonly Record<string, TfTensor>[];
  private readonly names: string[];

  constructor(
    tf: TfCore,
    private readonly model: TfGraphModel,
    feeds: readonly (readonly Feed[])[],
    readonly backend: string,
  ) {
    this.sets = feeds.map((set) =>
      Object.fromEntries(set.map((f) => [f.name, tf.tensor(f.data as ArrayLike<number>, f.shape, f.dtype)])),
    );
    this.names = [...model.outputNodes];
  }

  async run(set: number): Promise<Outputs> {
    const result = await this.model.executeAsync(this.sets[set]!, this.names);
    const list = Array.isArray(result) ? result : [result];
    const out: Record<string, Float32Array | Int32Array | Uint8Array> = {};
    for (let i = 0; i < list.length; i++) {
      out[this.names[i]!.replace(/:0$/, '')] = await list[i]!.data();
      list[i]!.dispose();
    }
    return out;
  }

  async dispose(): Promise<void> {
    for (const set of this.sets) for (const t of Object.values(set)) t.dispose();
    this.model.dispose();
  }
}
