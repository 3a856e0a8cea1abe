import type { Graph, Node } from '../../ir/graph.js';
import type { TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr, parseAttrs, type AttrSchema, type ParsedAttrs } from '../attributes.js';
import { FUSED_DOMAIN } from '../linalg/fused.js';
import { defineOp, OpError, type AnyOpDef } from '../op.js';
import { lookupOp } from '../registry.js';

/**
 * FusedElementwise (domain ai.neuron): a chain of elementwise ops run as one, made by the
 * elementwise-fusion pass (src/passes/fuse-elementwise.ts). Attribute `body` is the chain as a
 * graph: its inputs are the node's inputs in order, its initializers one-element constants, its
 * single output the node's output. The backend composes the ops' scalar formulas into one loop
 * nest; the reference runs the body's nodes with their own references, in order.
 */

/** The ONNX ops a body may hold: pure per-element maps with numpy broadcasting. */
export const FUSABLE_ELEMENTWISE: ReadonlySet<string> = new Set([
  // one input
  'Abs', 'Neg', 'Sign', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sin', 'Cos',
  'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Erf', 'Tanh', 'Sigmoid',
  'BitwiseNot', 'Relu', 'LeakyRelu', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu', 'Celu', 'Gelu',
  'Softplus', 'Softsign', 'Mish', 'ThresholdedRelu', 'Shrink', 'IsNaN', 'IsInf', 'Not',
  // two inputs
  'Add', 'Sub', 'Mul', 'Div', 'Mod', 'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual',
  'And', 'Or', 'Xor', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitShift', 'PRelu', 'Pow',
  // more
  'Clip', 'Cast', 'Where', 'Sum', 'Mean', 'Max', 'Min',
]); // prettier-ignore

/** The body's nodes evaluated in order over values of type T (types for inference, tensors for the reference). */
function walk<T>(
  body: Graph | undefined,
  inputs: readonly (T | undefined)[],
  constant: (t: Tensor) => T,
  step: (def: AnyOpDef, node: Node, args: (T | undefined)[], attrs: ParsedAttrs<AttrSchema>) => T[],
): T {
  if (!body) throw new OpError('FusedElementwise needs a body');
  if (inputs.length !== body.inputs.length) {
    throw new OpError(`FusedElementwise: ${inputs.length} inputs for a body of ${body.inputs.length}`);
  }
  const values = new Map<string, T>();
  body.inputs.forEach((v, i) => {
    const x = inputs[i];
    if (x === undefined) throw new OpError(`FusedElementwise: input ${i} is missing`);
    values.set(v.name, x);
  });
  for (const [name, t] of body.initializers) values.set(name, constant(t));
  for (const node of body.nodes) {
    const def = lookupOp(node.domain, node.op);
    if (!def || node.domain !== '' || !FUSABLE_ELEMENTWISE.has(node.op)) {
      throw new OpError(`FusedElementwise: ${node.op} is not an elementwise op it can hold`);
    }
    const args = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
    const out = step(def, node, args, parseAttrs(def.attrs, node.attrs));
    node.outputs.forEach((n, i) => values.set(n, out[i]!));
  }
  const result = values.get(body.outputs[0]?.name ?? '');
  if (result === undefined) throw new OpError('FusedElementwise: the body computes no output');
  return result;
}

export const fusedElementwise = defineOp({
  type: 'FusedElementwise',
  domain: FUSED_DOMAIN,
  attrs: { body: attr.graph() },
  arity: { inputs: [1, 64], outputs: [1, 1] },
  infer(ctx) {
    const typeOf = (t: Tensor): TensorType => ({ dtype: t.dtype, shape: t.shape });
    const consts = new Map<TensorType, Tensor>();
    const type = walk<TensorType>(
      ctx.attrs.body,
      ctx.inputs,
      (t) => {
        const ty = typeOf(t);
        consts.set(ty, t);
        return ty;
      },
      (def, node, args, attrs) =>
        def.infer({
          inputs: args,
          constants: args.map((a) => (a ? consts.get(a) : undefined)),
          attrs,
          outputCount: node.outputs.length,
        }),
    );
    return [type];
  },
  reference(inputs, attrs) {
    return [
      walk<Tensor>(
        attrs.body,
        inputs,
        (t) => t,
        (def, node, args, a) => def.reference(args, a, node.outputs.length),
      ),
    ];
  },
});
