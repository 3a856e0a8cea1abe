import { getNumber } from '../../../ir/tensor.js';
import type { GemmCall, Kernel, MatrixRef, Scalar } from '../../kernel/ir.js';
import { computeType } from '../../kernel/build.js';
import { directionActivations, type Activation } from '../../../ops/recurrent/rnn-activations.js';
import type { RnnAttrs } from '../../../ops/recurrent/rnn-common.js';
import type { Num } from '../elementwise/scalar.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import {
  computeDType,
  constantValues,
  floatTensor,
  kernel as kernelOf,
  matmul,
  matrix,
  numFor,
  staged,
  suffix,
} from './common.js';
import { biasKernel, finalStateKernel, initStateKernel } from './rnn-state.js';

/**
 * What RNN, GRU and LSTM share before and after their recurrence: shapes, the input projection
 * X W^T + biases for every time step as one GEMM per direction into scratch, R^T as the B operand
 * of each step's GEMM, and the hidden (and cell) state buffers with their initial and final copies.
 */
export interface RnnCellSpec {
  readonly op: 'RNN' | 'GRU' | 'LSTM';
  readonly gates: number;
  readonly defaults: readonly string[];
}

export interface RnnPlan {
  readonly ctx: LowerContext;
  readonly spec: RnnCellSpec;
  /** Kernel name prefix and suffix, e.g. `lstm` and `f32`. */
  readonly name: string;
  readonly sfx: string;
  /** Steps, batch, input size, hidden size, directions, gate blocks. */
  readonly S: number;
  readonly B: number;
  readonly I: number;
  readonly H: number;
  readonly D: number;
  readonly G: number;
  readonly layout: number;
  readonly reverseOnly: boolean;
  readonly cdt: 'float32' | 'float64';
  readonly ct: Scalar;
  readonly n: Num;
  readonly acts: readonly (readonly Activation[])[];
  readonly clip: number;
  /** [D, S * B, G * H]: Wb (+ Rb) + X W^T, rows in X's order (time-major for layout 0). */
  readonly xw: string;
  /** Per direction, R^T [H, G * H] as a GEMM B operand. */
  readonly rT: readonly MatrixRef[];
  /** [D, G * H] recurrent bias the step GEMM adds (GRU with linear_before_reset), else undefined. */
  readonly recBias: string | undefined;
  readonly seqLens: LoweredValue | undefined;
  /** State [D, B, H] in the compute dtype. */
  readonly h: string;
  readonly c: string | undefined;
  readonly y: LoweredValue | undefined;
}

/**
 * Everything up to the recurrence. `recurrentBlocks` lists the gate blocks whose Rb the step
 * GEMM adds instead of the projection (GRU's h block with linear_before_reset).
 */
export function planRnn(
  ctx: LowerContext,
  spec: RnnCellSpec,
  recurrentBlocks: readonly number[] = [],
): { plan: RnnPlan; pre: Kernel[]; post: Kernel[] } {
  const attrs = ctx.attrs as unknown as RnnAttrs;
  const x = required(ctx, 0, 'X');
  const w = required(ctx, 1, 'W');
  const r = required(ctx, 2, 'R');
  const cdt = computeDType(x.dtype);
  const layout = attrs.layout;
  const D = attrs.direction === 'bidirectional' ? 2 : 1;
  const H = attrs.hidden_size ?? r.shape[2]!;
  const G = spec.gates;
  const [S, B, I] = layout === 0 ? x.shape : [x.shape[1]!, x.shape[0]!, x.shape[2]!];
  if (S === undefined || B === undefined || I === undefined)
    throw new LoweringUnsupported('X must have rank 3');
  if (w.shape.join() !== [D, G * H, I].join() || r.shape.join() !== [D, G * H, H].join())
    throw new LoweringUnsupported(`W [${w.shape}] or R [${r.shape}] does not match the node`);
  const acts = directionActivations(
    attrs.activations,
    attrs.activation_alpha,
    attrs.activation_beta,
    spec.defaults,
    D,
  );
  const pre: Kernel[] = [];
  const GH = G * H;
  const xBuf = staged(ctx, x, cdt, 'rnn_x', pre);
  const biases = biasBuffers(ctx, cdt, D, GH, H, recurrentBlocks, pre);
  const wT = transposedWeights(ctx, w, cdt, D, GH, I, 'rnn_wt', pre);
  const rT = transposedWeights(ctx, r, cdt, D, GH, H, 'rnn_rt', pre);
  const name = spec.op.toLowerCase();
  const sfx = suffix(x.dtype);
  const xw = ctx.scratch(cdt, D * S * B * GH, 'rnn_xw');
  for (let d = 0; d < D; d++) {
    const bias = biases.xw ? { buffer: biases.xw, offset: d * GH } : undefined;
    const body = matmul(
      ctx,
      cdt,
      projection(matrix(xBuf, 0, I), wT[d]!, matrix(xw, d * S * B * GH, GH), S * B, bias),
    );
    // one kernel per direction: a kernel that is a lone GEMM splits its rows over threads
    pre.push(kernelOf(ctx, `${name}_input_gemm_${sfx}`, body));
  }
  const plan: RnnPlan = {
    ctx,
    spec,
    name,
    sfx,
    S,
    B,
    I,
    H,
    D,
    G,
    layout,
    reverseOnly: attrs.direction === 'reverse',
    cdt,
    ct: computeType(cdt),
    n: numFor(cdt),
    acts,
    clip: attrs.clip ?? 0,
    xw,
    rT,
    recBias: biases.rec,
    seqLens: sequenceLengths(ctx.inputs[4], S),
    h: stateBuffer(ctx, ctx.outputs[1], cdt, layout, D * B * H, 'rnn_h'),
    c: spec.op === 'LSTM' ? stateBuffer(ctx, ctx.outputs[2], cdt, layout, D * B * H, 'rnn_c') : undefined,
    y: ctx.outputs[0],
  };
  pre.push(initStateKernel(plan, ctx.inputs[5], ctx.inputs[6]));
  const post = finalStateKernel(plan, ctx.outputs[1], ctx.outputs[2]);
  return { plan, pre, post };
}

/** xw [rows, G H] = X [rows, I] W_d^T (+ bias along columns). */
function projection(
  x: MatrixRef,
  wT: MatrixRef,
  xw: MatrixRef,
  rows: number,
  bias: { buffer: string; offset: number } | undefined,
): Omit<GemmCall, 'op'> {
  return {
    m: rows,
    n: xw.rowStride,
    k: x.rowStride,
    a: x,
    b: wT,
    c: xw,
    accumulate: false,
    ...(bias ? { bias: { ...bias, along: 'col' as const } } : {}),
  };
}

function required(ctx: LowerContext, i: number, what: string): LoweredValue {
  const v = ctx.inputs[i];
  if (!v) throw new LoweringUnsupported(`input ${what} is missing`);
  return v;
}

/**
 * Per direction, M^T of a stacked [D, rows, cols] weight as a [cols, rows] operand: a constant is
 * repacked row-major at compile time, a runtime tensor is read through transposed strides.
 */
function transposedWeights(
  ctx: LowerContext,
  v: LoweredValue,
  cdt: 'float32' | 'float64',
  D: number,
  rows: number,
  cols: number,
  hint: string,
  pre: Kernel[],
): MatrixRef[] {
  if (v.constant) {
    const src = constantValues(v.constant);
    const out = new Float64Array(D * rows * cols);
    for (let d = 0; d < D; d++)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) out[(d * cols + j) * rows + i] = src[(d * rows + i) * cols + j]!;
    const buffer = ctx.constant(floatTensor(cdt, [D, cols, rows], out), hint);
    return Array.from({ length: D }, (_, d) => matrix(buffer, d * rows * cols, rows));
  }
  const buffer = staged(ctx, v, cdt, hint, pre);
  return Array.from({ length: D }, (_, d) => matrix(buffer, d * rows * cols, 1, cols));
}

/**
 * The biases of B [D, 2 G H] = Wb ++ Rb as GEMM bias vectors: `xw` = Wb + Rb for the projection
 * (Wb alone in `recurrentBlocks`), `rec` = Rb of `recurrentBlocks` (zeros elsewhere) for the step
 * GEMM. Folded at compile time for a constant B; summed by a kernel otherwise.
 */
function biasBuffers(
  ctx: LowerContext,
  cdt: 'float32' | 'float64',
  D: number,
  GH: number,
  H: number,
  recurrentBlocks: readonly number[],
  pre: Kernel[],
): { xw: string | undefined; rec: string | undefined } {
  const bias = ctx.inputs[3];
  const isRec = (col: number): boolean => recurrentBlocks.includes(Math.floor(col / H));
  if (!bias) return { xw: undefined, rec: undefined };
  if (bias.shape.join() !== [D, 2 * GH].join())
    throw new LoweringUnsupported(`B [${bias.shape}] is not [${D}, ${2 * GH}]`);
  if (bias.constant) {
    const xw = new Float64Array(D * GH);
    const rec = new Float64Array(D * GH);
    for (let d = 0; d < D; d++) {
      for (let col = 0; col < GH; col++) {
        const wb = getNumber(bias.constant, d * 2 * GH + col);
        const rb = getNumber(bias.constant, d * 2 * GH + GH + col);
        xw[d * GH + col] = isRec(col) ? wb : wb + rb;
        rec[d * GH + col] = isRec(col) ? rb : 0;
      }
    }
    return {
      xw: ctx.constant(floatTensor(cdt, [D, GH], xw), 'rnn_bias'),
      rec: recurrentBlocks.length ? ctx.constant(floatTensor(cdt, [D, GH], rec), 'rnn_rec_bias') : undefined,
    };
  }
  const xw = ctx.scratch(cdt, D * GH, 'rnn_bias');
  const rec = recurrentBlocks.length ? ctx.scratch(cdt, D * GH, 'rnn_rec_bias') : undefined;
  pre.push(biasKernel(ctx, bias, cdt, { xw, rec }, D, GH, H, recurrentBlocks));
  return { xw, rec };
}

/** sequence_lens when it can cut a row short: absent, or a constant of full lengths, needs no checks. */
function sequenceLengths(v: LoweredValue | undefined, S: number): LoweredValue | undefined {
  if (!v) return undefined;
  if (v.dtype !== 'int32' && v.dtype !== 'int64')
    throw new LoweringUnsupported(`sequence_lens of ${v.dtype}`);
  if (
    v.constant &&
    Array.from({ length: v.constant.data.length }, (_, i) => getNumber(v.constant!, i)).every((n) => n === S)
  )
    return undefined;
  return v;
}

/** The Y_h / Y_c output itself when it has the state's dtype and layout, else scratch copied out at the end. */
function stateBuffer(
  ctx: LowerContext,
  out: LoweredValue | undefined,
  cdt: 'float32' | 'float64',
  layout: number,
  elements: number,
  hint: string,
): string {
  if (out && out.dtype === cdt && layout === 0) return out.buffer;
  return ctx.scratch(cdt, elements, hint);
}
