import { sizeOf, type Tensor } from '../../../ir/tensor.js';
import { attrsOf, opOf } from '../../../ops/node-context.js';
import { load, store } from '../../kernel/build.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, loop, output, suffix } from '../linalg/common.js';

/**
 * Ops whose values are a function of constant inputs only (the windows, MelWeightMatrix): shape
 * inference folds them away normally. When a graph keeps one, the reference computes the values
 * at compile time and a kernel copies them from a weight, so they are exact by construction.
 * The random generators (not foldable by design) have their own kernels in random.ts.
 */
const precomputed: Lowering = (ctx: LowerContext): Lowered => {
  const inputs = ctx.inputs.map((v, i) => {
    if (v && !v.constant) throw new LoweringUnsupported(`input ${i} must be a compile-time constant`);
    return v?.constant;
  });
  const y = output(ctx);
  const def = opOf(ctx.node);
  const [value] = def.reference(inputs, attrsOf(ctx.node, def), 1) as [Tensor];
  const n = sizeOf(y.shape);
  if (n === 0) return { kernels: [] };
  if (value.dtype !== y.dtype || value.data.length !== n)
    throw new LoweringUnsupported(
      `${ctx.node.op} computed ${value.dtype}[${value.shape}], expected ${y.dtype}[${y.shape}]`,
    );
  const c = ctx.constant(value, ctx.node.op.toLowerCase());
  const i = `${ctx.fresh('g')}i`;
  // halves move as their bits
  const bits = y.dtype === 'float16' || y.dtype === 'bfloat16' ? 'uint16' : y.dtype;
  const copy = store(y.buffer, bits, ix(0, [[i, 1]]), load(c, bits, ix(0, [[i, 1]])));
  const body = [loop(i, n, [copy], { vectorize: true, parallel: true })];
  return { kernels: [kernel(ctx, `${ctx.node.op.toLowerCase()}_copy_${suffix(y.dtype)}`, body)] };
};

registerLowerings({
  HannWindow: precomputed,
  HammingWindow: precomputed,
  BlackmanWindow: precomputed,
  MelWeightMatrix: precomputed,
});
