import { isDType } from '../../ir/dtype.js';
import type { TensorType } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';

/**
 * ai.neuron::NeuronOp: a compiled segment of a partitioned model. `neff` holds the NEFF (uint8
 * bytes), `output_types` each output's type as `float32[1,16,32,32]`. Its inputs and outputs are the
 * segment's boundary values, in the NEFF's order. It runs on the NEFF runtime (the partitioned
 * runner, neuron-cc/runtime/partitioned), never on reference code.
 */
export const neuronOp = defineOp({
  type: 'NeuronOp',
  domain: 'ai.neuron',
  attrs: { neff: attr.tensor(), output_types: attr.strings() },
  arity: { inputs: [0, 1 << 16], outputs: [1, 1 << 16] },
  foldable: false,
  infer(ctx) {
    const types = ctx.attrs.output_types ?? [];
    if (types.length !== ctx.outputCount)
      throw new OpError(`NeuronOp declares ${types.length} output types for ${ctx.outputCount} outputs`);
    return types.map(parseType);
  },
  reference() {
    throw new OpUnsupported('a compiled segment runs on the NEFF runtime (neuron-cc/runtime/partitioned)');
  },
});

/** `float32[1,16,32,32]` (or `int64[]` for a scalar). */
export function parseType(text: string): TensorType {
  const m = /^(\w+)\[([\d,\s]*)\]$/.exec(text.trim());
  if (!m || !isDType(m[1]!)) throw new OpError(`'${text}' is not a tensor type`);
  const dims = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((d) => Number(d.trim()));
  return { dtype: m[1], shape: dims };
}

export function typeText(t: { dtype: string; shape: readonly number[] }): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

export const partitionOps = [neuronOp];
