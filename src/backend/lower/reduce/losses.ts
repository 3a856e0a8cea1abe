import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  load,
  select,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, Index, Kernel, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowering, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, output, product } from './common.js';
import { softmaxKernel, type Target } from './softmax.js';

/**
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (log-softmax over the class axis first):
 * loss[n, d] = -logProb[n, target[n, d], d] * weight[target], gathered through the target. A target
 * equal to ignore_index contributes nothing, not even to the weight sum 'mean' divides by. Targets
 * outside [0, C) are invalid (the reference throws); they are clamped so the gather stays in bounds.
 */
interface LossAttrs {
  readonly reduction: 'none' | 'sum' | 'mean';
  readonly ignore_index?: number;
}

function nllKernel(ctx: LowerContext, logProb: Target, shape: readonly number[]): Kernel {
  const attrs = ctx.attrs as unknown as LossAttrs;
  const target = input(ctx, 1, 'a target');
  const weight = ctx.inputs[2];
  const out = output(ctx);
  const type = floatType(logProb.dtype, ctx.node.op);
  if (shape.length < 2) throw new LoweringUnsupported('scores need rank >= 2');
  const [N, C] = [shape[0]!, shape[1]!];
  const D = product(shape.slice(2));
  if (weight && product(weight.shape) !== C) throw new LoweringUnsupported(`weight needs ${C} values`);
  const p = ctx.fresh('n');
  const [n, d] = [`${p}n`, `${p}d`];
  const local = (name: string, t: 'i32' | typeof type): Expr => ({
    op: 'local',
    name: `${p}${name}`,
    type: t,
  });
  const set = (name: string, t: 'i32' | typeof type, value: Expr): Stmt => ({
    op: 'set',
    name: `${p}${name}`,
    type: t,
    value,
  });
  const flat: Index = {
    terms: [
      { v: n, stride: D },
      { v: d, stride: 1 },
    ],
    offset: 0,
  };
  const cls = local('cls', 'i32');
  const ignored =
    attrs.ignore_index === undefined
      ? constant('i32', 0)
      : compare('eq', 'i32', local('t', 'i32'), constant('i32', attrs.ignore_index));
  const w = weight
    ? convert(
        computeType(weight.dtype),
        type,
        load(weight.buffer, weight.dtype, { terms: [], offset: 0, dynamic: cls }),
      )
    : constant(type, 1);
  const picked = load(logProb.buffer, logProb.dtype, {
    terms: [
      { v: n, stride: C * D },
      { v: d, stride: 1 },
    ],
    offset: 0,
    dynamic: binary('mul', 'i32', cls, constant('i32', D)),
  });
  const loss = select(type, ignored, constant(type, 0), binary('mul', type, unary('neg', type, picked), w));
  const perElement: Stmt[] = [
    set('t', 'i32', convert(computeType(target.dtype), 'i32', load(target.buffer, target.dtype, flat))),
    set(
      'cls',
      'i32',
      binary(
        'min',
        'i32',
        binary('max', 'i32', local('t', 'i32'), constant('i32', 0)),
        constant('i32', C - 1),
      ),
    ),
  ];
  const loops = (body: Stmt[], parallel: boolean): Stmt[] => [
    {
      op: 'loop',
      v: n,
      extent: N,
      ...(parallel ? { parallel: true } : {}),
      body: [{ op: 'loop', v: d, extent: D, body }],
    },
  ];
  const reads = [logProb.buffer, target.buffer, ...(weight ? [weight.buffer] : [])];
  const name = `${ctx.node.op === 'NegativeLogLikelihoodLoss' ? 'nllloss' : 'sceloss'}_${attrs.reduction}_${dtypeTag(out.dtype)}`;
  if (attrs.reduction === 'none') {
    return {
      name,
      node: ctx.node.name,
      reads,
      writes: [out.buffer],
      body: loops([...perElement, store(out.buffer, out.dtype, flat, loss)], true),
    };
  }
  const body: Stmt[] = [
    set('sum', type, constant(type, 0)),
    set('wsum', type, constant(type, 0)),
    ...loops(
      [
        ...perElement,
        set('sum', type, binary('add', type, local('sum', type), loss)),
        set(
          'wsum',
          type,
          binary('add', type, local('wsum', type), select(type, ignored, constant(type, 0), w)),
        ),
      ],
      false,
    ),
  ];
  const total =
    attrs.reduction === 'sum'
      ? local('sum', type)
      : binary('div', type, local('sum', type), local('wsum', type));
  body.push(store(out.buffer, out.dtype, { terms: [], offset: 0 }, total));
  return { name, node: ctx.node.name, reads, writes: [out.buffer], body };
}

const negativeLogLikelihoodLoss: Lowering = (ctx) => {
  const x = input(ctx, 0, 'an input');
  return { kernels: [nllKernel(ctx, x, x.shape)] };
};

const softmaxCrossEntropyLoss: Lowering = (ctx) => {
  const x = input(ctx, 0, 'scores');
  // the log probabilities round to the scores' dtype, as the reference's intermediate tensor does
  const logProb: LoweredValue | Target = ctx.outputs[1] ?? {
    buffer: ctx.scratch(x.dtype, product(x.shape), 'log_prob'),
    dtype: x.dtype,
  };
  const kernels = [softmaxKernel(ctx, 'log', x, logProb, 1, false), nllKernel(ctx, logProb, x.shape)];
  return { kernels };
};

registerLowerings({
  NegativeLogLikelihoodLoss: negativeLogLikelihoodLoss,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyLoss,
});
