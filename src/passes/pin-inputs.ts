import type { Graph, ValueInfo } from '../ir/graph.js';
import type { Dim, TensorType } from '../ir/shape.js';
import { NccError } from '../errors.js';
import type { IoConfig } from '../options/io-config.js';

/**
 * Applies --io-config to the graph inputs: named inputs get their static shape, symbolic dims get
 * their pinned size everywhere they occur. Names may be given with a ':0' suffix (TF style).
 */
export function pinInputs(graph: Graph, config: IoConfig): Graph {
  const byName = new Map(graph.inputs.map((v) => [v.name, v]));
  for (const name of config.inputs.keys()) {
    if (!byName.has(name) && !byName.has(stripPort(name))) {
      throw new NccError(
        'NCC_BAD_OPTION',
        `--io-config names input "${name}", which the model does not have`,
        {
          hint: `the model's inputs are: ${graph.inputs.map((v) => v.name).join(', ') || '(none)'}`,
        },
      );
    }
  }
  const inputs: ValueInfo[] = graph.inputs.map((v) => {
    const pin = config.inputs.get(v.name) ?? config.inputs.get(`${v.name}:0`);
    if (!pin) return { name: v.name, type: substituteDims(v.type, config.dims) };
    if (pin.dtype && pin.dtype !== v.type.dtype) {
      throw new NccError(
        'NCC_BAD_OPTION',
        `input "${v.name}" is ${v.type.dtype} in the model, --io-config says ${pin.dtype}`,
        {
          value: v.name,
          hint: `use "${v.type.dtype}" for this input`,
        },
      );
    }
    checkCompatible(v, pin.shape);
    return { name: v.name, type: { dtype: v.type.dtype, shape: [...pin.shape] } };
  });
  return { ...graph, inputs };
}

function stripPort(name: string): string {
  return name.replace(/:0$/, '');
}

function substituteDims(t: TensorType, dims: ReadonlyMap<string, number>): TensorType {
  if (!t.shape || dims.size === 0) return t;
  const shape: Dim[] = t.shape.map((d) => (typeof d === 'string' && dims.has(d) ? dims.get(d)! : d));
  return { dtype: t.dtype, shape };
}

/** A pinned shape must agree with the dims the model declares as numbers. */
function checkCompatible(v: ValueInfo, shape: readonly number[]): void {
  const declared = v.type.shape;
  if (!declared) return;
  const fits =
    declared.length === shape.length && declared.every((d, i) => typeof d === 'string' || d === shape[i]);
  if (!fits) {
    throw new NccError(
      'NCC_BAD_OPTION',
      `input "${v.name}" is declared [${declared.join(',')}], --io-config pins [${shape.join(',')}]`,
      { value: v.name, hint: 'pin only the symbolic dims; keep the sizes the model fixes' },
    );
  }
}
