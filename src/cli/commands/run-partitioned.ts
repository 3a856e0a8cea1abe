/**
 * `neuron-cc run model.neuron.onnx`: a partitioned model through the partitioned runner (compiled
 * segments on the NEFF runtime, the rest on the fallback interpreter). Inputs come from .npy files
 * with their own shapes, since values outside compiled segments may vary in size.
 */
import { NccError } from '../../errors.js';
import { readInputFiles } from './feeds.js';
import type { TensorData } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { loadPartitioned, type PartitionedFeed } from '../../partitioned/runtime.js';
import type { TypedArray } from '../../runtime/feeds.js';

export async function runPartitionedModel(
  bytes: Uint8Array,
  specs: readonly string[],
  threads: number,
): Promise<{ outputs: Tensor[]; names: string[]; ms: number; segments: number }> {
  const model = await loadPartitioned(bytes, { threads });
  try {
    const feeds: Record<string, PartitionedFeed> = {};
    for (const [name, t] of readInputFiles(specs)) {
      const input = model.inputs.find((i) => i.name === name);
      if (!input)
        throw new NccError('NCC_BAD_INPUT', `the model has no input '${name}'`, {
          hint: `its inputs are: ${model.inputs.map((i) => i.name).join(', ')}`,
        });
      if (t.dtype !== input.dtype)
        throw new NccError(
          'NCC_BAD_INPUT',
          `input '${name}' must be ${input.dtype}, its file holds ${t.dtype}`,
          {
            value: name,
          },
        );
      feeds[name] = { data: t.data as TypedArray, shape: t.shape };
    }
    const start = performance.now();
    const out = await model.run(feeds);
    const ms = performance.now() - start;
    const names = model.outputs.map((o) => o.name);
    const outputs = names.map((n): Tensor => {
      const t = out[n]!;
      return { dtype: t.dtype, shape: [...t.shape], data: t.data as TensorData };
    });
    return { outputs, names, ms, segments: model.segments };
  } finally {
    model.dispose();
  }
}
