import type { Graph, Node } from '../ir/graph.js';

/**
 * Arithmetic of a node's direct algorithm: 2 FLOPs per multiply-add of Conv, ConvTranspose, Gemm and
 * MatMul (whatever the backend does instead, e.g. Winograd, is measured against this), 0 for other
 * ops. Profiles divide it by a layer's time to report GFLOP/s.
 */
export function nodeFlops(graph: Graph, node: Node): number {
  const shape = (name: string | undefined): readonly number[] | undefined => {
    if (!name) return undefined;
    const s =
      graph.valueTypes.get(name)?.shape ??
      graph.initializers.get(name)?.shape ??
      graph.inputs.find((v) => v.name === name)?.type.shape;
    return s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
  };
  const volume = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  const x = shape(node.inputs[0]);
  const w = shape(node.inputs[1]);
  const y = shape(node.outputs[0]);
  // epilogue fusion's ai.neuron::Fused{Conv,Gemm,MatMul} do their op's arithmetic (plus O(output))
  const op = node.domain === '' ? node.op : node.domain === 'ai.neuron' ? node.op.replace(/^Fused/, '') : '';
  if (!x || !w || !y) return 0;
  switch (op) {
    case 'Conv':
      return w[0] ? (2 * volume(y) * volume(w)) / w[0] : 0;
    case 'ConvTranspose':
      return w[0] ? (2 * volume(x) * volume(w)) / w[0] : 0;
    case 'Gemm': {
      const transA = node.attrs.transA;
      const k = transA?.kind === 'int' && transA.value ? x[0] : x[x.length - 1];
      return 2 * volume(y) * (k ?? 0);
    }
    case 'MatMul':
      return 2 * volume(y) * (x[x.length - 1] ?? 0);
    default:
      return 0;
  }
}
