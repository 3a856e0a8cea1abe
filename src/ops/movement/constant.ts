import { allocate, isBigInt, type DType } from '../../ir/dtype.js';
import { fromNumbers, sizeOf, type Tensor } from '../../ir/tensor.js';
import { attr, type ParsedAttrs } from '../attributes.js';
import { defineOp, OpError, OpUnsupported } from '../op.js';
import { input } from '../support/infer.js';
import { slots } from './copy.js';
import { constInts, intsOf, staticLength, unknownShape } from './dims.js';
import { dtypeOfCode } from '../support/dtype-codes.js';

const constantAttrs = {
  value: attr.tensor(),
  // the ONNX frontend densifies sparse_value into a tensor attribute
  sparse_value: attr.tensor(),
  value_float: attr.float(),
  value_floats: attr.floats(),
  value_int: attr.int(),
  value_ints: attr.ints(),
  value_string: attr.string(),
  value_strings: attr.strings(),
};

type ConstantAttrs = ParsedAttrs<typeof constantAttrs>;

/** The spec requires exactly one of the value attributes. */
function constantValue(a: ConstantAttrs): Tensor {
  const set = Object.entries(a).filter(([, v]) => v !== undefined);
  if (set.length !== 1) throw new OpError(`Constant needs exactly one value attribute, found ${set.length}`);
  const [name, v] = set[0]!;
  switch (name) {
    case 'value':
    case 'sparse_value':
      return v as Tensor;
    case 'value_float':
      return fromNumbers('float32', [], [v as number]);
    case 'value_floats':
      return fromNumbers('float32', [(v as number[]).length], v as number[]);
    case 'value_int':
      return fromNumbers('int64', [], [v as number]);
    case 'value_ints':
      return fromNumbers('int64', [(v as number[]).length], v as number[]);
    default:
      throw new OpUnsupported('string constants are not supported');
  }
}

export const Constant = defineOp({
  type: 'Constant',
  attrs: constantAttrs,
  arity: { inputs: [0, 0], outputs: [1, 1] },
  infer(ctx) {
    const t = constantValue(ctx.attrs);
    return [{ dtype: t.dtype, shape: t.shape }];
  },
  reference(_inputs, attrs) {
    return [constantValue(attrs)];
  },
});

/** A tensor of `shape` whose every element is the raw storage value `v`. */
export function filled<D extends DType>(dtype: D, shape: readonly number[], v: number | bigint): Tensor<D> {
  const data = allocate(dtype, sizeOf(shape));
  slots(data).fill((isBigInt(dtype) ? BigInt(v) : Number(v)) as number);
  return { dtype, shape: [...shape], data };
}

const FLOAT_ZERO = fromNumbers('float32', [1], [0]);

export const ConstantOfShape = defineOp({
  type: 'ConstantOfShape',
  attrs: { value: attr.tensor(FLOAT_ZERO) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const dtype = ctx.attrs.value.dtype;
    const shape = constInts(ctx, 0);
    return [{ dtype, shape: shape ?? unknownShape(staticLength(ctx, 0)) }];
  },
  reference([shape], attrs) {
    if (!shape) throw new OpError('ConstantOfShape needs a shape');
    const dims = intsOf(shape);
    if (dims.some((d) => d < 0)) throw new OpError(`ConstantOfShape shape [${dims}] is negative`);
    if (attrs.value.data.length !== 1) throw new OpError('ConstantOfShape value must hold one element');
    return [filled(attrs.value.dtype, dims, attrs.value.data[0]!)];
  },
});

export const EyeLike = defineOp({
  type: 'EyeLike',
  attrs: { dtype: attr.int(), k: attr.int(0) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  // only the input's shape and dtype matter, so the output folds once the shape is static
  shapeOnlyInputs: [0],
  infer(ctx) {
    const x = input(ctx, 0);
    if (x.shape && x.shape.length !== 2) throw new OpError('EyeLike input must be 2-D');
    return [
      { dtype: ctx.attrs.dtype === undefined ? x.dtype : dtypeOfCode(ctx.attrs.dtype), shape: x.shape },
    ];
  },
  reference([x], attrs) {
    if (!x || x.shape.length !== 2) throw new OpError('EyeLike input must be 2-D');
    const dtype = attrs.dtype === undefined ? x.dtype : dtypeOfCode(attrs.dtype);
    const [rows, cols] = x.shape as [number, number];
    const out = filled(dtype, x.shape, 0);
    const one = fromNumbers(dtype, [], [1]).data[0]!;
    const o = slots(out.data);
    for (let i = Math.max(0, -attrs.k); i < rows && i + attrs.k < cols; i++)
      o[i * cols + i + attrs.k] = one as number;
    return [out];
  },
});
