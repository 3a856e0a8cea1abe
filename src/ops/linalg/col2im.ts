import { freshDim, type Dim } from '../../ir/shape.js';
import { toNumbers } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError } from '../op.js';
import { constantNumbers, input } from '../support/infer.js';
import { floatResult, floatView } from './float-io.js';
import { col2imAdd, type Patches } from './patches.js';
import { checkSpatialRank, resolveWindow } from './window.js';

const attrs = { dilations: attr.ints(), pads: attr.ints(), strides: attr.ints() };

interface Col2ImAttrs {
  readonly dilations: readonly number[] | undefined;
  readonly pads: readonly number[] | undefined;
  readonly strides: readonly number[] | undefined;
}

/** The block grid Col2Im slides over the padded image, as a conv over it would. */
function patchesOf(image: readonly number[], block: readonly number[], a: Col2ImAttrs): Patches {
  checkSpatialRank(image.length, 'Col2Im');
  const w = resolveWindow(image, block, { auto_pad: 'NOTSET', ...a });
  const lead = (xs: readonly number[], v: number) => [...new Array<number>(3 - xs.length).fill(v), ...xs];
  return {
    image: lead(image, 1),
    blocks: lead(w.output, 1),
    kernel: lead(block, 1),
    strides: lead(w.strides, 1),
    dilations: lead(w.dilations, 1),
    padBegin: lead(w.padBegin, 0),
  };
}

export const col2im = defineOp({
  type: 'Col2Im',
  attrs,
  arity: { inputs: [3, 3], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const image = constantNumbers(ctx, 1);
    const block = constantNumbers(ctx, 2);
    const rank = image?.length ?? ctx.inputs[1]?.shape?.[0];
    if (!x.shape || typeof rank !== 'number') return [{ dtype: x.dtype, shape: undefined }];
    if (x.shape.length !== 3) throw new OpError('Col2Im input must be [N, C*prod(block_shape), L]');
    const cb = x.shape[1]!;
    let c: Dim = freshDim('channels');
    if (block && typeof cb === 'number') {
      const kv = block.reduce((p, v) => p * v, 1);
      if (cb % kv !== 0) throw new OpError(`Col2Im: ${cb} rows do not split into blocks of ${kv}`);
      c = cb / kv;
    }
    const spatial: Dim[] = image ?? Array.from({ length: rank }, () => freshDim('image'));
    return [{ dtype: x.dtype, shape: [x.shape[0]!, c, ...spatial] }];
  },
  reference([x, imageT, blockT], a) {
    if (!x || !imageT || !blockT) throw new OpError('Col2Im needs input, image_shape and block_shape');
    const image = toNumbers(imageT);
    const block = toNumbers(blockT);
    const p = patchesOf(image, block, a);
    const kv = block.reduce((s, v) => s * v, 1);
    const [N, CK, L] = x.shape as [number, number, number];
    const blocks = p.blocks.reduce((s, v) => s * v, 1);
    if (CK % kv !== 0 || L !== blocks) {
      throw new OpError(
        `Col2Im input [${x.shape}] does not match ${kv}-element blocks at ${blocks} positions`,
      );
    }
    const C = CK / kv;
    const plane = image.reduce((s, v) => s * v, 1);
    const xv = floatView(x);
    const y = xv instanceof Float64Array ? new Float64Array(N * C * plane) : new Float32Array(N * C * plane);
    for (let n = 0; n < N; n++) col2imAdd(xv, n * CK * L, C, p, y, n * C * plane);
    return [floatResult(x.dtype, [N, C, ...image], y)];
  },
});
