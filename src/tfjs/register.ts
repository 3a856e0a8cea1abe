/**
 * `registerNeuronOps(tf)` (from `neuron-cc/tfjs`): lets TensorFlow.js run the graph models that
 * `compile --partition` writes from TF.js models: each `NeuronOp` node runs its NEFF (read from its
 * first input, a packed int32 weight) on the neuron-cc runtime, the other nodes on TensorFlow.js.
 * The NEFF is loaded once per node. Takes `tf` as given, so it depends on no TensorFlow.js package.
 */
import { load, type LoadOptions, type Model } from '../runtime/index.js';
import type { TypedArray } from '../runtime/feeds.js';

/** What of TensorFlow.js this needs: its op registry and tensor factory. */
export interface TfjsApi {
  registerOp(name: string, op: (node: { inputs: readonly TfjsTensor[] }) => unknown): void;
  tensor(values: TypedArray, shape: readonly number[], dtype: string): TfjsTensor;
}

export interface TfjsTensor {
  readonly shape: readonly number[];
  readonly dtype: string;
  data(): Promise<TypedArray>;
}

export function registerNeuronOps(tf: TfjsApi, options: LoadOptions = {}): void {
  // keyed by the NEFF weight's tensor, which a loaded graph model keeps for its lifetime
  const models = new WeakMap<TfjsTensor, Promise<Model>>();
  tf.registerOp('NeuronOp', async (node) => {
    const [neff, ...inputs] = node.inputs;
    if (!neff || neff.dtype !== 'int32') throw new Error('NeuronOp: its first input is not the NEFF weight');
    let model = models.get(neff);
    if (!model) {
      const words = (await neff.data()) as Int32Array;
      const bytes = new Uint8Array(words.buffer, words.byteOffset + 4, words[0]!).slice();
      model = load(bytes, options);
      models.set(neff, model);
    }
    const m = await model;
    if (inputs.length !== m.inputs.length)
      throw new Error(`NeuronOp: ${inputs.length} inputs for a NEFF that takes ${m.inputs.length}`);
    const feeds: Record<string, TypedArray> = {};
    for (const [i, info] of m.inputs.entries()) feeds[info.name] = await inputs[i]!.data();
    const out = await m.run(feeds);
    return m.outputs.map((o) => {
      const data = out[o.name]!;
      // TensorFlow.js has no 64-bit integers
      if (data instanceof BigInt64Array) return tf.tensor(Int32Array.from(data, Number), o.shape, 'int32');
      return tf.tensor(
        data,
        o.shape,
        o.dtype === 'bool' ? 'bool' : o.dtype === 'int32' ? 'int32' : 'float32',
      );
    });
  });
}
