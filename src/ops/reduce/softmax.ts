import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp } from '../op.js';
import { normalizeAxis } from '../support/axes.js';
import { decodeFloats } from '../support/float.js';
import { input, rankOf } from '../support/infer.js';
import type { FloatArray } from './accumulate.js';
import { fromFloats, requireFloat, requireTensor, workBuffer } from './common.js';
import { axisBlock, tailBlock, type Block } from './geometry.js';

/**
 * Softmax, LogSoftmax and Hardmax along one axis (opset 13). `coerce2d` is internal: the ONNX
 * upgrade sets it for opsets < 13, whose ops flattened the input to 2-D at `axis` and normalized
 * over everything from `axis` on.
 */
type Mode = 'softmax' | 'log' | 'hard';

const softmaxAttrs = { axis: attr.int(-1), coerce2d: attr.int(0) };

function defineSoftmax(type: string, mode: Mode) {
  return defineOp({
    type,
    attrs: softmaxAttrs,
    arity: { inputs: [1, 1], outputs: [1, 1] },
    infer(ctx) {
      const x = input(ctx, 0);
      requireFloat(x, type);
      if (x.shape) softmaxAxis(ctx.attrs.axis, rankOf(x), ctx.attrs.coerce2d !== 0);
      return [x];
    },
    reference([xIn], attrs) {
      const x = requireTensor(xIn, type, 'an input');
      return [softmaxTensor(x, attrs.axis, attrs.coerce2d !== 0, mode)];
    },
  });
}

export function softmaxTensor(x: Tensor, axisAttr: number, coerce2d: boolean, mode: Mode): Tensor {
  const axis = softmaxAxis(axisAttr, x.shape.length, coerce2d);
  const block: Block = coerce2d ? tailBlock(x.shape, axis) : axisBlock(x.shape, axis);
  const v = decodeFloats(x);
  const out = workBuffer(x.dtype, v.length);
  if (block.inner === 1) {
    const scratch = new Float64Array(block.reduced);
    for (let o = 0; o < block.outer; o++) softmaxRow(v, out, scratch, o * block.reduced, block.reduced, mode);
  } else {
    softmaxStrided(v, out, block, mode);
  }
  return fromFloats(x.dtype, x.shape, out);
}

/** The old 2-D coercion also allows axis == rank (a second factor of 1). */
function softmaxAxis(axis: number, rank: number, coerce2d: boolean): number {
  if (!coerce2d) return normalizeAxis(axis, rank);
  return axis === rank ? rank : normalizeAxis(axis, rank);
}

/** One contiguous row: max-shifted so large inputs do not overflow exp. */
function softmaxRow(
  v: FloatArray,
  out: FloatArray,
  scratch: Float64Array,
  off: number,
  n: number,
  mode: Mode,
): void {
  const end = off + n;
  let max = -Infinity;
  let at = off;
  for (let i = off; i < end; i++) {
    if (v[i]! > max) {
      max = v[i]!;
      at = i;
    }
  }
  if (mode === 'hard') {
    for (let i = off; i < end; i++) out[i] = i === at ? 1 : 0;
    return;
  }
  let sum = 0;
  if (mode === 'log') {
    for (let i = off; i < end; i++) sum += Math.exp(v[i]! - max);
    const logSum = Math.log(sum) + max;
    for (let i = off; i < end; i++) out[i] = v[i]! - logSum;
    return;
  }
  for (let i = off; i < end; i++) {
    const e = Math.exp(v[i]! - max);
    scratch[i - off] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = off; i < end; i++) out[i] = scratch[i - off]! * inv;
}

/** Softmax over a non-last axis: per-inner running max and sum keep the inner loop contiguous. */
function softmaxStrided(v: FloatArray, out: FloatArray, block: Block, mode: Mode): void {
  const { outer, reduced: n, inner } = block;
  const max = new Float64Array(inner);
  const at = new Int32Array(inner);
  const sum = new Float64Array(inner);
  const exps = new Float64Array(n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    max.fill(-Infinity);
    at.fill(0);
    for (let r = 0; r < n; r++) {
      const row = base + r * inner;
      for (let i = 0; i < inner; i++) {
        if (v[row + i]! > max[i]!) {
          max[i] = v[row + i]!;
          at[i] = r;
        }
      }
    }
    if (mode === 'hard') {
      for (let r = 0; r < n; r++)
        for (let i = 0; i < inner; i++) out[base + r * inner + i] = at[i] === r ? 1 : 0;
      continue;
    }
    sum.fill(0);
    for (let r = 0; r < n; r++) {
      const row = base + r * inner;
      for (let i = 0; i < inner; i++) {
        const e = Math.exp(v[row + i]! - max[i]!);
        exps[r * inner + i] = e;
        sum[i]! += e;
      }
    }
    if (mode === 'log') {
      for (let i = 0; i < inner; i++) sum[i] = max[i]! + Math.log(sum[i]!);
      for (let r = 0; r < n; r++)
        for (let i = 0; i < inner; i++) out[base + r * inner + i] = v[base + r * inner + i]! - sum[i]!;
    } else {
      for (let i = 0; i < inner; i++) sum[i] = 1 / sum[i]!;
      for (let r = 0; r < n; r++)
        for (let i = 0; i < inner; i++) out[base + r * inner + i] = exps[r * inner + i]! * sum[i]!;
    }
  }
}

export const softmaxOps = [
  defineSoftmax('Softmax', 'softmax'),
  defineSoftmax('LogSoftmax', 'log'),
  defineSoftmax('Hardmax', 'hard'),
];
