import { freshDim, type Dim, type Shape } from '../../ir/shape.js';
import { reshapeTensor, type Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { defineOp, OpError, type InferContext } from '../op.js';
import { normalizeAxes } from '../support/axes.js';
import { input } from '../support/infer.js';
import { constInts, dimProduct, intsOf, isPresent, maybeShape, staticLength, unknownShape } from './dims.js';

/** Views share their input's data: every op here is a reshape, never a copy. */
function view(t: Tensor | undefined, shape: readonly Dim[]): Tensor[] {
  if (!t) throw new OpError('input 0 is required');
  return [reshapeTensor(t, shape as readonly number[])];
}

/**
 * Reshape's target: 0 copies the input dim (unless allowzero), one -1 takes what is left. With symbolic
 * input dims, the -1 is solved by cancelling the symbols both sides share.
 */
export function reshapeDims(inShape: Shape | undefined, spec: readonly number[], allowzero: boolean): Dim[] {
  const out: Dim[] = [];
  let inferAt = -1;
  for (let i = 0; i < spec.length; i++) {
    const v = spec[i]!;
    if (v === -1) {
      if (inferAt >= 0) throw new OpError('Reshape shape has more than one -1');
      inferAt = i;
      out.push(1);
    } else if (v === 0 && !allowzero) {
      if (inShape && i >= inShape.length)
        throw new OpError(`Reshape shape copies dim ${i} of a rank-${inShape.length} input`);
      out.push(inShape ? inShape[i]! : freshDim());
    } else if (v < 0) {
      throw new OpError(`Reshape shape has invalid entry ${v}`);
    } else out.push(v);
  }
  if (allowzero && inferAt >= 0 && spec.includes(0))
    throw new OpError('Reshape with allowzero cannot mix 0 and -1');
  if (!inShape) {
    if (inferAt >= 0) out[inferAt] = freshDim();
    return out;
  }
  if (inferAt >= 0)
    out[inferAt] = solveInferred(
      inShape,
      out.filter((_, i) => i !== inferAt),
    );
  else checkSameSize(inShape, out);
  return out;
}

function solveInferred(inShape: Shape, known: readonly Dim[]): Dim {
  const [nIn, symIn] = factors(inShape);
  const [nOut, symOut] = factors(known);
  for (const s of symOut) {
    const at = symIn.indexOf(s);
    if (at < 0) return freshDim();
    symIn.splice(at, 1);
  }
  if (nOut === 0) throw new OpError('Reshape cannot infer -1 next to a zero dim');
  if (symIn.length === 0) {
    if (nIn % nOut !== 0) throw new OpError(`Reshape cannot fit [${inShape}] into [${known}] with a -1`);
    return nIn / nOut;
  }
  return symIn.length === 1 && nIn === nOut ? symIn[0]! : freshDim();
}

function factors(dims: Shape): [number, string[]] {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else syms.push(d);
  }
  return [n, syms];
}

function checkSameSize(a: Shape, b: Shape): void {
  const [na, sa] = factors(a);
  const [nb, sb] = factors(b);
  if (sa.length === 0 && sb.length === 0 && na !== nb)
    throw new OpError(`Reshape cannot view [${a}] as [${b}]`);
}

export const Reshape = defineOp({
  type: 'Reshape',
  attrs: { allowzero: attr.int(0) },
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const spec = constInts(ctx, 1);
    if (!spec) return [{ dtype: x.dtype, shape: unknownShape(staticLength(ctx, 1)) }];
    return [{ dtype: x.dtype, shape: reshapeDims(x.shape, spec, ctx.attrs.allowzero !== 0) }];
  },
  reference([x, shape], attrs) {
    if (!x || !shape) throw new OpError('Reshape needs data and shape');
    return view(x, reshapeDims(x.shape, intsOf(shape), attrs.allowzero !== 0));
  },
});

function flattenDims(shape: Shape, axis: number): [Dim, Dim] {
  const a = axis < 0 ? axis + shape.length : axis;
  if (a < 0 || a > shape.length)
    throw new OpError(`Flatten axis ${axis} is out of range for rank ${shape.length}`);
  return [dimProduct(shape.slice(0, a)), dimProduct(shape.slice(a))];
}

export const Flatten = defineOp({
  type: 'Flatten',
  attrs: { axis: attr.int(1) },
  arity: { inputs: [1, 1], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    return [{ dtype: x.dtype, shape: x.shape ? flattenDims(x.shape, ctx.attrs.axis) : unknownShape(2) }];
  },
  reference([x], attrs) {
    return view(x, x ? flattenDims(x.shape, attrs.axis) : []);
  },
});

/** Squeeze without axes drops every dim of size 1; a symbolic dim is assumed not to be 1. */
function squeezeDims(shape: Shape, axes: readonly number[] | undefined): Dim[] {
  if (!axes) return shape.filter((d) => d !== 1);
  const drop = new Set(normalizeAxes(axes, shape.length));
  for (const a of drop) {
    const d = shape[a]!;
    if (typeof d === 'number' && d !== 1) throw new OpError(`Squeeze axis ${a} has size ${d}, not 1`);
  }
  return shape.filter((_, i) => !drop.has(i));
}

export const Squeeze = defineOp({
  type: 'Squeeze',
  attrs: {},
  arity: { inputs: [1, 2], outputs: [1, 1] },
  infer(ctx) {
    const x = input(ctx, 0);
    const axes = constInts(ctx, 1);
    if (isPresent(ctx, 1) && !axes) {
      const n = staticLength(ctx, 1);
      return [
        { dtype: x.dtype, shape: x.shape && n !== undefined ? unknownShape(x.shape.length - n) : undefined },
      ];
    }
    return [{ dtype: x.dtype, shape: x.shape ? squeezeDims(x.shape, axes) : undefined }];
  },
  reference([x, axes]) {
    return view(x, x ? squeezeDims(x.shape, axes ? intsOf(axes) : undefined) : []);
  },
});

function unsqueezeDims(shape: Shape, axes: readonly number[]): Dim[] {
  const rank = shape.length + axes.length;
  const at = new Set(normalizeAxes(axes, rank));
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : shape[k++]!);
  return out;
}

function inferUnsqueeze(ctx: InferContext<unknown>) {
  const x = input(ctx, 0);
  const shape = maybeShape(x, 'Unsqueeze data');
  const axes = constInts(ctx, 1);
  if (!shape) return [{ dtype: x.dtype, shape: undefined }];
  if (axes) return [{ dtype: x.dtype, shape: unsqueezeDims(shape, axes) }];
  const n = staticLength(ctx, 1);
  return [{ dtype: x.dtype, shape: n === undefined ? undefined : unknownShape(shape.length + n) }];
}

export const Unsqueeze = defineOp({
  type: 'Unsqueeze',
  attrs: {},
  arity: { inputs: [2, 2], outputs: [1, 1] },
  infer: inferUnsqueeze,
  reference([x, axes]) {
    if (!axes) throw new OpError('Unsqueeze needs axes');
    return view(x, x ? unsqueezeDims(x.shape, intsOf(axes)) : []);
  },
});
