import type { DType } from '../../../ir/dtype.js';
import { sizeOf, stridesOf } from '../../../ir/tensor.js';
import { computeType, load, loopNest, store, strided } from '../../kernel/build.js';
import type { Expr, Kernel } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type LoweredValue } from '../lowering.js';
import { Scope, typeOf } from './scalar.js';

/**
 * The one generator of the family: out[i] = f(operands at i) over a numpy-broadcast output. Every op
 * supplies only `f`. Dims where every operand advances in step (contiguous together, or broadcast
 * together) collapse into one loop, so [N,C,H,W] + [1,C,1,1] becomes three loops (N, C, H*W) and
 * same-shape operands become one; the innermost loop is contiguous on the output (each operand steps
 * by 1 or 0 along it) and vectorizable, the outermost is split over threads.
 */

/** A kernel input: a buffer read with broadcasting, or a value known when the kernel is generated. */
export type Operand =
  | {
      readonly buffer: string;
      readonly dtype: DType;
      /** Right-aligned against the output; every dim equals the output's or is 1. */
      readonly shape: readonly number[];
      /** Load as another dtype of the same width (halves moved as uint16 bits). */
      readonly loadAs?: DType;
    }
  | { readonly value: Expr };

export interface MapSpec {
  /** Kernel name stem, e.g. `add`; the variant (`bcast`, `scalar`) and `suffix` are appended. */
  readonly op: string;
  /** Dtype part of the name, e.g. `f32` or `f32_i64`. */
  readonly suffix: string;
  readonly operands: readonly Operand[];
  readonly out: LoweredValue;
  /** Store as another dtype of the same width (default: the output's dtype). */
  readonly storeAs?: DType;
  /** The scalar function; `xs` are the operands' values in their compute types. */
  readonly body: (s: Scope, xs: readonly Expr[]) => Expr;
}

/** An operand that reads a lowered value (aligned right against the output, as numpy does). */
export function operand(v: LoweredValue, shape: readonly number[] = v.shape, loadAs?: DType): Operand {
  return loadAs
    ? { buffer: v.buffer, dtype: v.dtype, shape, loadAs }
    : { buffer: v.buffer, dtype: v.dtype, shape };
}

interface Dim {
  n: number;
  /** Per buffer operand, then the output. */
  strides: number[];
}

/** Element strides of each operand over the output's dims (0 where broadcast), size-1 dims dropped, runs merged. */
export function collapse(outShape: readonly number[], shapes: readonly (readonly number[])[]): Dim[] {
  const rank = outShape.length;
  const per = shapes.map((s) => {
    if (s.length > rank)
      throw new LoweringUnsupported(`operand of rank ${s.length} exceeds the output's ${rank}`);
    const padded = [...new Array<number>(rank - s.length).fill(1), ...s];
    const st = stridesOf(padded);
    return padded.map((d, i) => {
      if (d !== 1 && d !== outShape[i]) {
        throw new LoweringUnsupported(
          `operand [${s.join(',')}] does not broadcast to [${outShape.join(',')}]`,
        );
      }
      return d === 1 ? 0 : st[i]!;
    });
  });
  per.push(stridesOf(outShape));
  const dims: Dim[] = [];
  for (let d = 0; d < rank; d++) {
    const n = outShape[d]!;
    if (n === 1) continue;
    const s = per.map((p) => p[d]!);
    const prev = dims[dims.length - 1];
    if (prev && prev.strides.every((ps, k) => ps === s[k]! * n)) {
      prev.n *= n;
      prev.strides = s;
    } else dims.push({ n, strides: s });
  }
  return dims;
}

function variant(operands: readonly Operand[], size: number): string {
  const partial = operands.filter((o) => 'buffer' in o && sizeOf(o.shape) < size);
  if (partial.length === 0) return '';
  return partial.every((o) => 'buffer' in o && sizeOf(o.shape) === 1) ? 'scalar' : 'bcast';
}

export function mapKernel(ctx: LowerContext, spec: MapSpec): Kernel {
  const { out } = spec;
  const buffers = spec.operands.filter((o): o is Extract<Operand, { buffer: string }> => 'buffer' in o);
  const dims = collapse(
    out.shape,
    buffers.map((o) => o.shape),
  );
  const prefix = ctx.fresh(spec.op);
  const storeAs = spec.storeAs ?? out.dtype;
  const body = loopNest(
    `${prefix}i`,
    dims.map((d) => d.n),
    (vars) => {
      const scope = new Scope(prefix);
      const index = (k: number) =>
        strided(
          vars,
          dims.map((d) => d.strides[k]!),
        );
      let b = 0;
      const xs = spec.operands.map((o) => {
        if (!('buffer' in o)) return o.value;
        return load(o.buffer, o.loadAs ?? o.dtype, index(b++));
      });
      const value = spec.body(scope, xs);
      if (typeOf(value) !== computeType(storeAs)) {
        throw new Error(`${spec.op}: a ${typeOf(value)} value cannot be stored as ${storeAs}`);
      }
      return [...scope.stmts, store(out.buffer, storeAs, index(buffers.length), value)];
    },
    { vectorize: true, parallel: true },
  );
  const name = [spec.op, variant(spec.operands, sizeOf(out.shape)), spec.suffix].filter((p) => p).join('_');
  return {
    name,
    node: ctx.node.name,
    reads: [...new Set(buffers.map((o) => o.buffer))],
    writes: [out.buffer],
    body,
  };
}

/** One map kernel, or none when the output is empty. */
export function mapLowered(ctx: LowerContext, spec: MapSpec): Lowered {
  return { kernels: sizeOf(spec.out.shape) === 0 ? [] : [mapKernel(ctx, spec)] };
}
