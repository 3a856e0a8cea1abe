/** Reductions. Over an NCHW-held tensor they reduce the matching axes and stay in NCHW with keep_dims. */
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import { attr } from '../../graph-builder.js';
import { nchwAxis } from '../layout.js';
import type { NodeConverter } from '../node-converter.js';
import type { MappingTable, OpMapping } from './types.js';

function reduce(op: string): OpMapping {
  return (c) => {
    const keep = c.bool('keep_dims', false);
    const axes = c.constantInts(1, 'axes');
    const x = c.ref(0);
    if (axes.length === 0) return c.output(x); // TensorFlow reduces nothing
    let input = x.name;
    let onAxes = axes;
    let layout: 'tf' | 'nchw' = 'tf';
    if (x.layout === 'nchw') {
      const reduced = new Set(axes.map((a) => (a < 0 ? a + 4 : a)));
      const kept = [0, 1, 2, 3].filter((a) => !reduced.has(a));
      // without keep_dims the result is TensorFlow's only if the kept axes keep their order
      const ordered = kept.every((a, i) => i === 0 || nchwAxis(a) > nchwAxis(kept[i - 1]!));
      if (keep || ordered) {
        onAxes = [...reduced].map(nchwAxis);
        layout = keep ? 'nchw' : 'tf';
      } else input = c.input(0);
    } else input = c.input(0);
    const out = reduceNode(c, op, input, onAxes, keep);
    c.output({ name: out, layout });
  };
}

/** The IR's reductions take their axes as an input (ONNX opset 18). */
function reduceNode(c: NodeConverter, op: string, x: string, axes: readonly number[], keep: boolean): string {
  return c.g.one(op, [x, c.g.ints(axes, `${c.base}/axes`)], { keepdims: attr.int(keep ? 1 : 0) }, c.base);
}

function argReduce(op: 'ArgMax' | 'ArgMin'): OpMapping {
  return (c) => {
    const axis = c.constantInts(1, 'dimension')[0]!;
    const y = c.g.one(op, [c.input(0)], { axis: attr.int(axis), keepdims: attr.int(0) }, `${c.base}/arg`);
    const outType = c.dtype('output_type', 'int64');
    c.output(outType === 'int64' ? y : c.g.one('Cast', [y], { to: attr.int(codeOfDType(outType)) }, c.base));
  };
}

export const REDUCE_OPS: MappingTable = {
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),
  ArgMax: argReduce('ArgMax'),
  ArgMin: argReduce('ArgMin'),
};
