import type { Graph, Node } from '../../src/ir/graph.js';
import { roundTo } from '../../src/passes/auto-cast.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { HalfType } from '../../src/options/auto-cast.js';

/**
 * For `--auto-cast all` runs: a conformance case is usually one node between graph inputs and
 * outputs, which 'all' keeps in float32, so nothing would be stored in 16 bits. Float32 inputs are
 * routed through a one-input Sum (a copy with conversion) and float32 outputs come out of one, so the
 * node under test reads and writes activations that auto-cast may store in 16 bits. Which boundaries
 * get a Sum varies with `seed` (two in three of them), so kernels also meet float32 and 16-bit
 * operands side by side, as at a real model's inputs and outputs.
 */
export function castAtBoundaries(graph: Graph, seed: number): Graph {
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const chosen = (_: unknown, j: number): boolean => (seed + j) % 3 !== 0;
  const floatInputs = graph.inputs.filter((v) => v.type.dtype === 'float32');
  const inputs = floatInputs.filter(chosen).map((v) => v.name);
  const outputs = graph.outputs
    .filter((v) => v.type.dtype === 'float32' && produced.has(v.name))
    .filter((v, j) => chosen(v, floatInputs.length + j))
    .map((v) => v.name);
  const renamed = new Map<string, string>([
    ...inputs.map((n): [string, string] => [n, `${n}~in`]),
    ...outputs.map((n): [string, string] => [n, `${n}~out`]),
  ]);
  const rename = (n: string): string => renamed.get(n) ?? n;
  const sum = (from: string, to: string): Node => ({
    name: `${to}~sum`,
    op: 'Sum',
    domain: '',
    inputs: [from],
    outputs: [to],
    attrs: {},
  });
  const nodes: Node[] = [
    ...inputs.map((n) => sum(n, rename(n))),
    ...graph.nodes.map((node) => ({
      ...node,
      inputs: node.inputs.map((n) => (inputs.includes(n) ? rename(n) : n)),
      outputs: node.outputs.map((n) => (outputs.includes(n) ? rename(n) : n)),
    })),
    ...outputs.map((n) => sum(rename(n), n)),
  ];
  // node inputs that read a renamed output read the renamed value
  const fixed = nodes.map((node) =>
    node.op === 'Sum' && node.name.endsWith('~sum')
      ? node
      : { ...node, inputs: node.inputs.map((n) => (outputs.includes(n) ? rename(n) : n)) },
  );
  return { ...graph, nodes: fixed, valueTypes: new Map() };
}

/** Float32 feeds rounded to the 16-bit type: both the compiled model and the oracle read these. */
export function roundFeeds(feeds: ReadonlyMap<string, Tensor>, type: HalfType): Map<string, Tensor> {
  return new Map([...feeds].map(([k, t]) => [k, t.dtype === 'float32' ? roundTo(t, type) : t]));
}

/** A small stable number from a case's name (FNV-1a). */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
