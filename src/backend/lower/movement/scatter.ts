import { isHalf, type DType } from '../../../ir/dtype.js';
import { elementOffsets, ndAddressing } from '../../../ops/movement/gather.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import { binary, computeType, isUnsignedDType, load, store } from '../../kernel/build.js';
import type { BinaryFn, Expr, Index, Kernel, Stmt } from '../../kernel/ir.js';
import type { LowerContext, Lowered, LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import {
  bitsDType,
  copyNest,
  dtypeName,
  i32,
  inputOf,
  kernelOf,
  local,
  outputOf,
  readIndex,
  times,
  widthName,
  withDynamic,
} from './common.js';
import { emitNormalized, rowMajor, type Nest } from './nest.js';

/**
 * ScatterND, ScatterElements (and opset-9 Scatter): the output starts as a copy of data, then the
 * updates are applied in index order, so with duplicate indices the last write wins (or the
 * reduction sees every update), as in the spec's sequential pseudocode. Update loops are therefore
 * never split over threads; only a block copied for one index tuple is vectorized. Out-of-range
 * run-time indices skip their update (compiled code cannot raise; writing elsewhere would corrupt).
 */

type Reduction = 'none' | 'add' | 'mul' | 'max' | 'min';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const at = (v: string, stride = 1, offset = 0): Index => ({ terms: [{ v, stride }], offset });

/** Where updates accumulate and how one update combines with what is there. */
interface Target {
  readonly buffer: string;
  readonly dtype: DType;
  readonly updates: LoweredValue;
  readonly reduction: Reduction;
}

/** bool reduces as logic (the reference coerces sums and products back to 0/1). */
function combineFn(r: Exclude<Reduction, 'none'>, dtype: DType): BinaryFn {
  if (dtype !== 'bool') return r;
  return r === 'add' || r === 'max' ? 'or' : 'and';
}

/** acc[dst] = updates[src] (as bits), or combined with the reduction. */
function apply(t: Target, dst: Index, src: Index): Stmt {
  if (t.reduction === 'none') {
    const bits = bitsDType(t.dtype);
    return store(t.buffer, bits, dst, load(t.updates.buffer, bits, src));
  }
  const type = computeType(t.dtype);
  const fn = combineFn(t.reduction, t.dtype);
  const unsigned = isUnsignedDType(t.dtype) && (fn === 'max' || fn === 'min');
  const value = binary(
    fn,
    type,
    load(t.buffer, t.dtype, dst),
    load(t.updates.buffer, t.updates.dtype, src),
    unsigned,
  );
  return store(t.buffer, t.dtype, dst, value);
}

/**
 * The kernels around a scatter body: copy data into the output, run the updates, and for halves
 * with a reduction accumulate in a float32 scratch rounded once at the end, as the reference does.
 */
function scatterKernels(
  ctx: LowerContext,
  op: string,
  reduction: Reduction,
  body: (t: Target) => Stmt[],
  reads: readonly string[],
): Lowered {
  const x = inputOf(ctx, 0, 'data');
  const updates = inputOf(ctx, 2, 'updates');
  const out = outputOf(ctx);
  const whole = {
    extents: [sizeOf(x.shape)],
    accesses: [
      { offset: 0, strides: [1] },
      { offset: 0, strides: [1] },
    ],
  };
  const viaFloat = reduction !== 'none' && isHalf(x.dtype);
  const acc = viaFloat ? ctx.scratch('float32', sizeOf(x.shape), 'acc') : out.buffer;
  const target: Target = { buffer: acc, dtype: viaFloat ? 'float32' : x.dtype, updates, reduction };
  const init = viaFloat
    ? convertNest(ctx, acc, 'float32', x.buffer, x.dtype, whole)
    : copyNest(acc, x.buffer, x.dtype, whole, ctx.fresh('d'));
  const kernels: Kernel[] = [];
  const suffix = reduction === 'none' ? widthName(x.dtype) : `${reduction}_${dtypeName(x.dtype)}`;
  const name = `${op}_${suffix}`;
  kernels.push(kernelOf(ctx, `${name}_init`, init, [x.buffer], [acc]));
  kernels.push(kernelOf(ctx, name, body(target), [acc, updates.buffer, ...reads], [acc]));
  if (viaFloat) {
    const fin = convertNest(ctx, out.buffer, x.dtype, acc, 'float32', whole);
    kernels.push(kernelOf(ctx, `${name}_round`, fin, [acc], [out.buffer]));
  }
  return { kernels };
}

/** dst = src with the value converted (loads widen to f32, the store rounds). */
function convertNest(
  ctx: LowerContext,
  dst: string,
  dstType: DType,
  src: string,
  srcType: DType,
  nest: Nest,
): Stmt[] {
  return emitNormalized(nest, ctx.fresh('v'), ([d, s]) => [store(dst, dstType, d!, load(src, srcType, s!))], {
    vectorize: true,
    parallel: true,
  });
}

function scatterND(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'ScatterND data');
  const ind = inputOf(ctx, 1, 'ScatterND indices');
  const reduction = ctx.attrs.reduction as Reduction;
  const k = ind.shape[ind.shape.length - 1]!;
  const block = sizeOf(x.shape.slice(k));
  const tuples = sizeOf(ind.shape.slice(0, -1));
  const xs = rowMajor(x.shape);
  const v = ctx.fresh('sn');
  const [t, i, off, ok] = [`${v}t`, `${v}i`, `${v}off`, `${v}ok`];
  let offset: Stmt[];
  let valid: Expr | undefined;
  const reads: string[] = [];
  if (ind.constant) {
    const nd = ndAddressing(x.shape, ind.constant, 0, 'ScatterND');
    const table = ctx.constant({ dtype: 'int32', shape: [tuples], data: nd.offsets }, 'offsets');
    reads.push(table);
    offset = [{ op: 'set', name: off, type: 'i32', value: load(table, 'int32', at(t)) }];
  } else {
    reads.push(ind.buffer);
    const parts = Array.from({ length: k }, (_, c) => `${v}n${c}_`);
    offset = parts.flatMap((p, c) =>
      readIndex(p, { buffer: ind.buffer, dtype: ind.dtype, index: at(t, k, c) }, x.shape[c]!, `${p}ok`),
    );
    const sum = parts
      .map((p, c) => times(local(p), xs[c]!))
      .reduce((a, e) => binary('add', 'i32', a, e), i32(0));
    offset.push({ op: 'set', name: off, type: 'i32', value: sum });
    if (k > 0) {
      const oks = parts.map((p) => local(`${p}ok`));
      offset.push({
        op: 'set',
        name: ok,
        type: 'i32',
        value: oks.reduce((a, e) => binary('and', 'i32', a, e)),
      });
      valid = local(ok);
    }
  }
  return scatterKernels(
    ctx,
    'scatternd',
    reduction,
    (target) => {
      const dst: Index = { terms: block > 1 ? [{ v: i, stride: 1 }] : [], offset: 0, dynamic: local(off) };
      const src: Index = {
        terms: [{ v: t, stride: block }, ...(block > 1 ? [{ v: i, stride: 1 }] : [])],
        offset: 0,
      };
      const one = apply(target, dst, src);
      const copy: Stmt[] =
        block > 1 ? [{ op: 'loop', v: i, extent: block, body: [one], vectorize: true }] : [one];
      const guarded: Stmt[] = valid ? [{ op: 'if', cond: valid, then: copy, else: [] }] : copy;
      return tuples === 0 || block === 0
        ? []
        : [{ op: 'loop', v: t, extent: tuples, body: [...offset, ...guarded] }];
    },
    reads,
  );
}

function scatterElements(ctx: LowerContext): Lowered {
  const x = inputOf(ctx, 0, 'ScatterElements data');
  const ind = inputOf(ctx, 1, 'ScatterElements indices');
  const a = normalizeAxis(ctx.attrs.axis as number, x.shape.length);
  const reduction = (ctx.attrs.reduction as Reduction | undefined) ?? 'none';
  const op = ctx.node.op.toLowerCase();
  const v = ctx.fresh('se');
  if (ind.constant) {
    const offsets = elementOffsets(x.shape, ind.constant, a, ctx.node.op);
    const table = ctx.constant({ dtype: 'int32', shape: [offsets.length], data: offsets }, 'offsets');
    const nest = { extents: [offsets.length], accesses: [{ offset: 0, strides: [1] }] };
    const body = (target: Target) =>
      emitNormalized(nest, v, ([p]) => [
        apply(target, { terms: [], offset: 0, dynamic: load(table, 'int32', p!) }, p!),
      ]);
    return scatterKernels(ctx, op, reduction, body, [table]);
  }
  const xs = rowMajor(x.shape);
  const nest = {
    extents: ind.shape,
    accesses: [
      { offset: 0, strides: xs.map((s, d) => (d === a ? 0 : s)) },
      { offset: 0, strides: rowMajor(ind.shape) },
    ],
  };
  const [row, ok] = [`${v}row`, `${v}ok`];
  const body = (target: Target) =>
    emitNormalized(nest, v, ([d, p]) => [
      ...readIndex(row, { buffer: ind.buffer, dtype: ind.dtype, index: p! }, x.shape[a]!, ok),
      {
        op: 'if',
        cond: local(ok),
        then: [apply(target, withDynamic(d!, times(local(row), xs[a]!)), p!)],
        else: [],
      },
    ]);
  return scatterKernels(ctx, op, reduction, body, [ind.buffer]);
}

registerLowerings({ ScatterND: scatterND, ScatterElements: scatterElements, Scatter: scatterElements });
