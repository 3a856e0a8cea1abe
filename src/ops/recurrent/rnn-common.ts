import type { Dim, TensorType } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { attr } from '../attributes.js';
import { OpError, type InferContext } from '../op.js';
import type { FloatArray } from '../reduce/accumulate.js';
import { fromFloats, intValues, requireFloat, requireTensor } from '../reduce/common.js';
import { decodeFloats } from '../support/float.js';
import { input } from '../support/infer.js';
import { requireRank, unifyDim } from './dims.js';
import { directionActivations, type Activation } from './rnn-activations.js';

/** Attributes RNN, GRU and LSTM share (opsets 14-22: layout 0 is [seq, batch, ...], 1 is [batch, seq, ...]). */
export const rnnAttrs = {
  activation_alpha: attr.floats(),
  activation_beta: attr.floats(),
  activations: attr.strings(),
  clip: attr.float(),
  direction: attr.string('forward', ['forward', 'reverse', 'bidirectional']),
  hidden_size: attr.int(),
  layout: attr.int(0),
};

export interface RnnAttrs {
  readonly activation_alpha: readonly number[] | undefined;
  readonly activation_beta: readonly number[] | undefined;
  readonly activations: readonly string[] | undefined;
  readonly direction: 'forward' | 'reverse' | 'bidirectional';
  readonly hidden_size: number | undefined;
  readonly layout: number;
  readonly clip: number | undefined;
}

/** What tells RNN, GRU and LSTM apart to the shared code; their steps differ in everything else. */
export interface RnnCell {
  readonly op: string;
  /** Weight blocks stacked in W, R and B: 1 RNN, 3 GRU, 4 LSTM. */
  readonly gates: number;
  /** The activation list of one direction when the node gives none. */
  readonly activations: readonly string[];
}

export function directionCount(attrs: RnnAttrs): number {
  return attrs.direction === 'bidirectional' ? 2 : 1;
}

/**
 * Output types: Y [seq, dirs, batch, hidden] and the final states [dirs, batch, hidden] (layout 0),
 * or Y [batch, seq, dirs, hidden] and [batch, dirs, hidden] (layout 1).
 */
export function inferRnn(ctx: InferContext<RnnAttrs>, { op, gates }: RnnCell): TensorType[] {
  const x = input(ctx, 0);
  requireFloat(x, op);
  const { layout } = ctx.attrs;
  if (layout !== 0 && layout !== 1) throw new OpError(`${op} layout ${layout} must be 0 or 1`);
  const dirs = directionCount(ctx.attrs);
  const [w, r] = [ctx.inputs[1]?.shape, ctx.inputs[2]?.shape];
  let hidden: Dim | undefined = ctx.attrs.hidden_size;
  if (r) {
    requireRank(r, 3, `${op} R`);
    hidden = hidden === undefined ? r[2]! : unifyDim(hidden, r[2], `${op} hidden_size against R`);
    unifyDim(dirs, r[0], `${op} R directions`);
  }
  if (w) {
    requireRank(w, 3, `${op} W`);
    unifyDim(dirs, w[0], `${op} W directions`);
    if (typeof hidden === 'number') unifyDim(gates * hidden, w[1], `${op} W rows`);
  }
  const unknown: TensorType = { dtype: x.dtype, shape: undefined };
  if (!x.shape || hidden === undefined) return new Array<TensorType>(ctx.outputCount).fill(unknown);
  requireRank(x.shape, 3, `${op} X`);
  if (w) unifyDim(x.shape[2]!, w[2], `${op} W input size`);
  const [seq, batch] = layout === 0 ? [x.shape[0]!, x.shape[1]!] : [x.shape[1]!, x.shape[0]!];
  const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return [y, state, state].slice(0, ctx.outputCount).map((shape) => ({ dtype: x.dtype, shape }));
}

/** One node's recurrence, time-major: x [seq, batch, input], states [dirs, batch, hidden]. */
export interface RnnProblem {
  readonly steps: number;
  readonly batch: number;
  readonly inputSize: number;
  readonly hidden: number;
  readonly dirs: number;
  readonly reverseOnly: boolean;
  readonly x: FloatArray;
  readonly seqLens: readonly number[];
  readonly initialH: FloatArray | undefined;
  readonly initialC: FloatArray | undefined;
  readonly dtype: Tensor['dtype'];
  readonly layout: number;
  readonly clip: number;
}

/** Weights of one direction: rows of W [rows, input] and R [rows, hidden]; bias Wb ++ Rb, zeros if absent. */
export interface DirectionWeights {
  readonly w: FloatArray;
  readonly r: FloatArray;
  readonly wb: FloatArray;
  readonly rb: FloatArray;
}

/**
 * Everything a cell's step reads besides its own inputs: the problem, and per direction its
 * activations and weights.
 */
export function rnnSetup(
  inputs: readonly (Tensor | undefined)[],
  attrs: RnnAttrs,
  cell: RnnCell,
): { p: RnnProblem; acts: Activation[][]; weights: DirectionWeights[] } {
  const p = rnnProblem(inputs, attrs, cell);
  const { activations, activation_alpha, activation_beta } = attrs;
  const acts = directionActivations(activations, activation_alpha, activation_beta, cell.activations, p.dirs);
  const rows = cell.gates * p.hidden;
  const weights = Array.from({ length: p.dirs }, (_, d) => directionWeights(inputs, d, rows, p, cell.op));
  return { p, acts, weights };
}

/** out[0 .. n) = Wb + Rb + W x + R h over the first n rows of a direction's gate blocks. */
export function gateInputs(
  out: Float64Array,
  { w, r, wb, rb }: DirectionWeights,
  n: number,
  p: RnnProblem,
  x: FloatArray,
  xOff: number,
  h: Float64Array,
): void {
  for (let i = 0; i < n; i++) out[i] = wb[i]! + rb[i]!;
  matVec(out, 0, w, 0, n, p.inputSize, x, xOff);
  matVec(out, 0, r, 0, n, p.hidden, h, 0);
}

/** The inputs every variant reads the same way: X, sequence_lens (4), initial_h (5). */
function rnnProblem(
  inputs: readonly (Tensor | undefined)[],
  attrs: RnnAttrs,
  { op, gates }: RnnCell,
): RnnProblem {
  const xT = requireTensor(inputs[0], op, 'X');
  const rT = requireTensor(inputs[2], op, 'R');
  requireRank(xT.shape, 3, `${op} X`);
  const dirs = directionCount(attrs);
  const hidden = attrs.hidden_size ?? rT.shape[2]!;
  const layout = attrs.layout;
  const [steps, batch, inputSize] = layout === 0 ? xT.shape : [xT.shape[1]!, xT.shape[0]!, xT.shape[2]!];
  const wT = requireTensor(inputs[1], op, 'W');
  expectShape(wT, [dirs, gates * hidden, inputSize], `${op} W`);
  expectShape(rT, [dirs, gates * hidden, hidden], `${op} R`);
  const lensT = inputs[4];
  const seqLens = lensT ? intValues(lensT) : new Array<number>(batch).fill(steps);
  if (seqLens.length !== batch || seqLens.some((n) => n < 0 || n > steps))
    throw new OpError(`${op} sequence_lens [${seqLens}] must be ${batch} lengths within 0..${steps}`);
  const x = decodeFloats(xT);
  return {
    steps,
    batch,
    inputSize,
    hidden,
    dirs,
    reverseOnly: attrs.direction === 'reverse',
    x: layout === 0 ? x : swapLeading(x, xT.shape[0]!, xT.shape[1]!, inputSize),
    seqLens,
    initialH: stateInput(inputs[5], dirs, batch, hidden, layout, `${op} initial_h`),
    initialC: stateInput(inputs[6], dirs, batch, hidden, layout, `${op} initial_c`),
    dtype: xT.dtype,
    layout,
    clip: attrs.clip ?? 0,
  };
}

function directionWeights(
  inputs: readonly (Tensor | undefined)[],
  dir: number,
  rows: number,
  p: RnnProblem,
  op: string,
): DirectionWeights {
  const w = decodeFloats(inputs[1]!).subarray(dir * rows * p.inputSize, (dir + 1) * rows * p.inputSize);
  const r = decodeFloats(inputs[2]!).subarray(dir * rows * p.hidden, (dir + 1) * rows * p.hidden);
  const bT = inputs[3];
  let wb: FloatArray = new Float64Array(rows);
  let rb: FloatArray = new Float64Array(rows);
  if (bT) {
    expectShape(bT, [p.dirs, 2 * rows], `${op} B`);
    const b = decodeFloats(bT);
    wb = b.subarray(dir * 2 * rows, dir * 2 * rows + rows);
    rb = b.subarray(dir * 2 * rows + rows, (dir + 1) * 2 * rows);
  }
  return { w, r, wb, rb };
}

/** out[outOff + i] += M[row0 + i] . v[vOff ..] for n rows of `cols` columns (one gate block). */
export function matVec(
  out: Float64Array,
  outOff: number,
  m: FloatArray,
  row0: number,
  n: number,
  cols: number,
  v: FloatArray,
  vOff: number,
): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const base = (row0 + i) * cols;
    for (let j = 0; j < cols; j++) s += m[base + j]! * v[vOff + j]!;
    out[outOff + i]! += s;
  }
}

/** One time step of one batch row: reads x[xOff ..], updates h (and c) in place. */
export type Step = (dir: number, x: FloatArray, xOff: number, h: Float64Array, c: Float64Array) => void;

/**
 * Runs every direction over every batch row within its sequence length and returns the first
 * `count` of Y, Y_h, Y_c. The reverse direction walks a row's valid steps backwards (padding stays
 * at the end). Steps past a row's length give zeros in Y, and Y_h / Y_c hold the state after the
 * row's last step.
 */
export function runRecurrence(p: RnnProblem, count: number, step: Step): Tensor[] {
  const { steps, batch, hidden: H, dirs, inputSize } = p;
  const y = new Float64Array(steps * dirs * batch * H);
  const yh = new Float64Array(dirs * batch * H);
  const yc = new Float64Array(dirs * batch * H);
  const h = new Float64Array(H);
  const c = new Float64Array(H);
  for (let d = 0; d < dirs; d++) {
    const backwards = d === 1 || p.reverseOnly;
    for (let b = 0; b < batch; b++) {
      const sOff = (d * batch + b) * H;
      if (p.initialH) h.set(p.initialH.subarray(sOff, sOff + H));
      else h.fill(0);
      if (p.initialC) c.set(p.initialC.subarray(sOff, sOff + H));
      else c.fill(0);
      const len = p.seqLens[b]!;
      for (let i = 0; i < len; i++) {
        const t = backwards ? len - 1 - i : i;
        step(d, p.x, (t * batch + b) * inputSize, h, c);
        y.set(h, ((t * dirs + d) * batch + b) * H);
      }
      yh.set(h, sOff);
      yc.set(c, sOff);
    }
  }
  return rnnOutputs(p, { y, yh, yc }, count);
}

/** Y, Y_h, Y_c (time-major as computed) in the node's layout and dtype. */
function rnnOutputs(
  p: RnnProblem,
  r: { y: Float64Array; yh: Float64Array; yc: Float64Array },
  count: number,
): Tensor[] {
  const { steps, batch, dirs, hidden: H } = p;
  const outs: Tensor[] = [];
  if (p.layout === 0) {
    outs.push(fromFloats(p.dtype, [steps, dirs, batch, H], r.y));
    for (const s of [r.yh, r.yc]) outs.push(fromFloats(p.dtype, [dirs, batch, H], s));
  } else {
    // [seq, dirs, batch, H] -> [batch, seq, dirs, H]: move batch first, the rest keeps its order
    outs.push(fromFloats(p.dtype, [batch, steps, dirs, H], moveToFront(r.y, steps * dirs, batch, H)));
    for (const s of [r.yh, r.yc])
      outs.push(fromFloats(p.dtype, [batch, dirs, H], moveToFront(s, dirs, batch, H)));
  }
  return outs.slice(0, count);
}

function expectShape(t: Tensor, shape: readonly number[], what: string): void {
  if (t.shape.join() !== shape.join())
    throw new OpError(`${what} has shape [${t.shape}], expected [${shape}]`);
}

/** [a, b, inner] -> [b, a, inner]. */
function swapLeading(x: FloatArray, a: number, b: number, inner: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      out.set(x.subarray((i * b + j) * inner, (i * b + j + 1) * inner), (j * a + i) * inner);
  return out;
}

/** [outer, batch, inner] -> [batch, outer, inner]. */
function moveToFront(x: Float64Array, outer: number, batch: number, inner: number): Float64Array {
  return swapLeading(x, outer, batch, inner);
}

/** An initial state in time-major [dirs, batch, hidden] whatever the layout. */
function stateInput(
  t: Tensor | undefined,
  dirs: number,
  batch: number,
  hidden: number,
  layout: number,
  what: string,
): FloatArray | undefined {
  if (!t) return undefined;
  expectShape(t, layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden], what);
  const v = decodeFloats(t);
  return layout === 0 ? v : swapLeading(v, batch, dirs, hidden);
}
