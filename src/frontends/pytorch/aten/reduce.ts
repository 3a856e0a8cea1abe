/**
 * Reductions: mean/sum/prod/amax/amin over given dims (or all), max/min with a dim (values and
 * indices), argmax/argmin, cumsum. Axes go as an input, as the IR's newest spelling has them.
 */
import { attr } from '../../graph-builder.js';
import { tensor, tuple, type Value } from '../values.js';
import { op, type AtenCall, type AtenTable } from './call.js';
import { isFloating } from './promote.js';

const out = (name: string): Value => tensor(name);

function reduce(
  onnx: string,
  opts: { floatsOnly?: boolean; sumLike?: boolean } = {},
): (c: AtenCall) => Value {
  return (c) => {
    let x = c.tensor('self');
    const dtype = c.args.has('dtype') ? c.dtype('dtype') : undefined;
    if (dtype) x = c.cast(x, dtype);
    else if (opts.floatsOnly && !isFloating(c.dtypeOf(x))) x = c.cast(x, 'float32');
    // sum of bool/int8.. accumulates in int64 in torch
    else if (opts.sumLike && !isFloating(c.dtypeOf(x)) && c.dtypeOf(x) !== 'int64') x = c.cast(x, 'int64');
    const rank = c.rankOf(x);
    const dims = c.args.has('dim') && !c.isNone('dim') ? c.ints('dim') : [];
    const axes = (dims.length ? dims : Array.from({ length: rank }, (_, i) => i)).map((d) => c.axis(d, rank));
    const keep = c.args.has('keepdim') ? c.bool('keepdim') : false;
    if (rank === 0) return out(x);
    return out(c.one(onnx, [x, c.ints64(axes)], { keepdims: attr.int(keep ? 1 : 0) }));
  };
}

/** max(self, dim, keepdim) -> (values, indices). */
function withIndices(reduceOp: string, argOp: string): (c: AtenCall) => Value {
  return (c) => {
    const x = c.tensor('self');
    const rank = c.rankOf(x);
    const axis = c.axis(c.int('dim'), rank);
    const keep = c.bool('keepdim') ? 1 : 0;
    const values = c.one(reduceOp, [x, c.ints64([axis])], { keepdims: attr.int(keep) });
    const indices = c.one(argOp, [x], { axis: attr.int(axis), keepdims: attr.int(keep) });
    return tuple([out(values), out(indices)]);
  };
}

/** Max/Min of two tensors, promoted to their result type (int64 with float32 is float32). */
function elementwise(c: AtenCall, onnx: 'Max' | 'Min', other = c.value('other')): Value {
  const dt = c.resultType(c.value('self'), other);
  return out(c.one(onnx, [c.operand(c.value('self'), dt), c.operand(other, dt)]));
}

/** max(self) over everything, or max(self, other) elementwise, or max(self, dim, keepdim). */
function maxMin(reduceOp: string, argOp: string, pairwise: 'Max' | 'Min'): (c: AtenCall) => Value {
  return (c) => {
    const other = c.value('dim');
    if (other.kind === 'none') return reduce(reduceOp)(c);
    if (other.kind === 'tensor') return elementwise(c, pairwise, other);
    return withIndices(reduceOp, argOp)(c);
  };
}

function argReduce(onnx: string): (c: AtenCall) => Value {
  return (c) => {
    let x = c.tensor('self');
    const keep = c.bool('keepdim') ? 1 : 0;
    if (c.isNone('dim')) {
      // over the flattened tensor; keepdim gives every dim size 1
      const rank = c.rankOf(x);
      x = c.one('Reshape', [x, c.ints64([-1])]);
      const index = c.one(onnx, [x], { axis: attr.int(0), keepdims: attr.int(0) });
      return out(keep ? c.one('Reshape', [index, c.ints64(new Array<number>(rank).fill(1))]) : index);
    }
    return out(
      c.one(onnx, [x], { axis: attr.int(c.axis(c.int('dim'), c.rankOf(x))), keepdims: attr.int(keep) }),
    );
  };
}

export const REDUCE_OPS: AtenTable = {
  'aten::mean': op(
    'mean(self, dim=None, keepdim=False, dtype=None)',
    reduce('ReduceMean', { floatsOnly: true }),
  ),
  'aten::sum': op('sum(self, dim=None, keepdim=False, dtype=None)', reduce('ReduceSum', { sumLike: true })),
  'aten::prod': op(
    'prod(self, dim=None, keepdim=False, dtype=None)',
    reduce('ReduceProd', { sumLike: true }),
  ),
  'aten::amax': op('amax(self, dim=[], keepdim=False)', reduce('ReduceMax')),
  'aten::amin': op('amin(self, dim=[], keepdim=False)', reduce('ReduceMin')),
  'aten::max': op('max(self, dim=None, keepdim=False)', maxMin('ReduceMax', 'ArgMax', 'Max')),
  'aten::min': op('min(self, dim=None, keepdim=False)', maxMin('ReduceMin', 'ArgMin', 'Min')),
  'aten::maximum': op('maximum(self, other)', (c) => elementwise(c, 'Max')),
  'aten::minimum': op('minimum(self, other)', (c) => elementwise(c, 'Min')),
  'aten::argmax': op('argmax(self, dim=None, keepdim=False)', argReduce('ArgMax')),
  'aten::argmin': op('argmin(self, dim=None, keepdim=False)', argReduce('ArgMin')),
  'aten::cumsum': op('cumsum(self, dim, dtype=None)', (c) => {
    let x = c.tensor('self');
    // integers (and bools) accumulate in int64 unless a dtype is named
    const dtype = c.dtype('dtype') ?? (isFloating(c.dtypeOf(x)) ? undefined : 'int64');
    if (dtype) x = c.cast(x, dtype);
    return out(c.one('CumSum', [x, c.ints64([c.axis(c.int('dim'), c.rankOf(x))])]));
  }),
};
