import { sizeOf, toFloat32 } from '../../../ir/tensor.js';
import { planMatmul, type MatmulPlan } from '../../../ops/linalg/matmul-plan.js';
import { binary, computeType, constant, isUnsignedDType, load, store } from '../../kernel/build.js';
import type { GemmCall, Kernel, MatrixRef, Stmt } from '../../kernel/ir.js';
import type { LowerContext, Lowered, LoweredValue } from '../lowering.js';
import { LoweringUnsupported } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { epilogueKernel, epilogueOf, gemmEpilogue, NO_EPILOGUE, type Epilogue } from './epilogue.js';
import { block, packColumns, type Tile } from './gemm-tile.js';
import {
  f32Input,
  gemmInput,
  halfOf,
  inHalf,
  f32Output,
  ix,
  kernel,
  loop,
  matrix,
  output,
  required,
  suffix,
  usesF32Gemm,
} from './common.js';

/**
 * MatMul (numpy semantics: 1-D operands, broadcast batch dims). float32 and the halves: one GEMM
 * call per output batch, or a single tall GEMM when B is shared and A's batches are contiguous; a
 * constant B is packed at compile time in the register tile's column panels.
 * float64, integers and very many small batches: an i-k-j loop nest vectorized over output columns.
 */
const MAX_GEMM_CALLS = 256;

export function lowerMatMul(ctx: LowerContext): Lowered {
  return lowerMatMulWith(ctx, undefined, NO_EPILOGUE);
}

/** MatMul (+ bias [N] along the last axis) with a fused epilogue: FusedMatMul's lowering. */
export function lowerMatMulWith(ctx: LowerContext, bias: LoweredValue | undefined, e: Epilogue): Lowered {
  const a = required(ctx, 0);
  const b = required(ctx, 1);
  const y = output(ctx);
  const p = planMatmul(a.shape, b.shape);
  if (sizeOf(y.shape) === 0) return { kernels: [] };
  if (usesF32Gemm(y.dtype) && gemmCalls(p) <= MAX_GEMM_CALLS) {
    return { kernels: matmulGemm(ctx, { a, b, y, bias }, p, e) };
  }
  const tail = epilogueKernel(ctx, y, e, bias && { value: bias, axis: y.shape.length - 1 });
  if (y.dtype === 'bool') throw new LoweringUnsupported('MatMul of bool');
  if (y.dtype !== 'float16' && y.dtype !== 'bfloat16')
    return { kernels: [matmulLoops(ctx, a, b, y), ...tail] };
  // halves accumulate in float32 scratch, rounded once at the end
  const fa = f32Input(ctx, a, 'matmul_a');
  const fb = f32Input(ctx, b, 'matmul_b');
  const fy = f32Output(ctx, y, 'matmul_y');
  const f32 = (v: LoweredValue, buffer: string): LoweredValue => ({
    buffer,
    dtype: 'float32',
    shape: v.shape,
  });
  const loops = matmulLoops(ctx, f32(a, fa.buffer), f32(b, fb.buffer), f32(y, fy.buffer));
  return { kernels: [...fa.pre, ...fb.pre, loops, ...fy.post, ...tail] };
}

/** B shared by every batch and A's batches back to back: the batches stack into one tall A. */
function stacks(p: MatmulPlan): boolean {
  for (let t = 0; t < p.batches; t++) if (p.bBatch[t] !== p.bBatch[0] || p.aBatch[t] !== t) return false;
  return true;
}

function gemmCalls(p: MatmulPlan): number {
  return stacks(p) ? 1 : p.batches;
}

interface Operands {
  readonly a: LoweredValue;
  readonly b: LoweredValue;
  readonly y: LoweredValue;
  readonly bias: LoweredValue | undefined;
}

/** B's GEMM operand for B batch t: packed in column panels of the tile when constant. */
function bOperand(
  ctx: LowerContext,
  b: LoweredValue,
  p: MatmulPlan,
  tile: Tile,
  pre: Kernel[],
): (t: number) => MatrixRef {
  const { K, N } = p;
  if (b.constant) {
    const src = toFloat32(b.constant);
    const blocks = src.length / (K * N);
    const packed = packColumns(
      ctx,
      { blocks, K, N },
      tile.nr,
      { data: src, block: K * N, row: N, col: 1 },
      'matmul_b',
      b.half,
    );
    return (t) => block(packed, t);
  }
  const fb = gemmInput(ctx, b, 'matmul_b');
  pre.push(...fb.pre);
  return (t) => inHalf(matrix(fb.buffer, t * K * N, N), fb.half);
}

function matmulGemm(ctx: LowerContext, ops: Operands, p: MatmulPlan, e: Epilogue): Kernel[] {
  const { a, b, y } = ops;
  const { M, K, N } = p;
  const pre: Kernel[] = [];
  const tile = ctx.chooseTile({
    m: stacks(p) ? M * p.batches : M,
    n: N,
    k: K,
    packed: b.constant ? 'b' : 'none',
  });
  const fa = gemmInput(ctx, a, 'matmul_a');
  pre.push(...fa.pre);
  const bOf = bOperand(ctx, b, p, tile, pre);
  const fbias = ops.bias && f32Input(ctx, ops.bias, 'matmul_bias');
  if (fbias) pre.push(...fbias.pre);
  const fused = gemmEpilogue(ctx, e, pre);
  const calls: GemmCall[] = [];
  const call = (m: number, ao: number, bt: number, co: number): GemmCall => {
    // y is float32 or 16-bit (rounded as stored)
    const c = inHalf(matrix(y.buffer, co, N), halfOf(y.dtype));
    return {
      op: 'gemm',
      m,
      n: N,
      k: K,
      a: inHalf(matrix(fa.buffer, ao, K), fa.half),
      b: bOf(bt),
      c,
      accumulate: false,
      ...(fbias ? { bias: { buffer: fbias.buffer, offset: 0, along: 'col' as const } } : {}),
      ...fused(c),
      tile,
    };
  };
  if (stacks(p)) calls.push(call(M * p.batches, 0, p.bBatch[0]!, 0));
  else for (let t = 0; t < p.batches; t++) calls.push(call(M, p.aBatch[t]! * M * K, p.bBatch[t]!, t * M * N));
  const name = `${p.batches > 1 && calls.length > 1 ? 'batch_matmul' : 'matmul'}_gemm_${suffix(y.dtype)}`;
  return [...pre, kernel(ctx, name, calls)];
}

/** Per batch dim of the output: the stride of each operand (0 where it broadcasts). */
function batchStrides(
  a: readonly number[],
  b: readonly number[],
  out: readonly number[],
  mk: number,
  kn: number,
) {
  const aStr: number[] = [];
  const bStr: number[] = [];
  let sa = mk;
  let sb = kn;
  for (let i = out.length - 1; i >= 0; i--) {
    const da = a[i - (out.length - a.length)] ?? 1;
    const db = b[i - (out.length - b.length)] ?? 1;
    aStr[i] = da === 1 ? 0 : sa;
    bStr[i] = db === 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  return { aStr, bStr };
}

/**
 * Y[.., i, j] = sum_k A[.., i, k] * B[.., k, j], accumulated in Y in the compute type: exact for
 * float64, and for integers modular arithmetic wraps the same whether it wraps per step or at the end.
 */
export function matmulLoops(ctx: LowerContext, a: LoweredValue, b: LoweredValue, y: LoweredValue): Kernel {
  const p = planMatmul(a.shape, b.shape);
  const { M, K, N } = p;
  const a2 = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const b2 = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const batch = y.shape.slice(
    0,
    y.shape.length - (a.shape.length > 1 ? 1 : 0) - (b.shape.length > 1 ? 1 : 0),
  );
  const { aStr, bStr } = batchStrides(a2.slice(0, -2), b2.slice(0, -2), batch, M * K, K * N);
  const t = computeType(y.dtype);
  const u = isUnsignedDType(y.dtype);
  const f = ctx.fresh('mm');
  const bv = batch.map((_, i) => `${f}b${i}`);
  const [i, k, j] = [`${f}i`, `${f}k`, `${f}j`];
  const cStr = batch.map((_, d) => sizeOf(batch.slice(d + 1)) * M * N);
  const yIx = ix(0, [...bv.map((v, d) => [v, cStr[d]!] as const), [i, N], [j, 1]]);
  const aIx = ix(0, [...bv.map((v, d) => [v, aStr[d]!] as const), [i, K], [k, 1]]);
  const bIx = ix(0, [...bv.map((v, d) => [v, bStr[d]!] as const), [k, N], [j, 1]]);
  const prod = binary('mul', t, load(a.buffer, a.dtype, aIx), load(b.buffer, b.dtype, bIx), u);
  const acc = binary('add', t, load(y.buffer, y.dtype, yIx), prod, u);
  let body: Stmt[] = [
    loop(j, N, [store(y.buffer, y.dtype, yIx, constant(t, t === 'i64' ? 0n : 0))], { vectorize: true }),
    loop(k, K, [loop(j, N, [store(y.buffer, y.dtype, yIx, acc)], { vectorize: true })]),
  ];
  body = [loop(i, M, body, { parallel: batch.length === 0 })];
  for (let d = batch.length - 1; d >= 0; d--) body = [loop(bv[d]!, batch[d]!, body, { parallel: d === 0 })];
  return kernel(ctx, `${batch.length ? 'batch_matmul' : 'matmul'}_loops_${suffix(y.dtype)}`, body);
}

registerLowerings({
  MatMul: lowerMatMul,
  'ai.neuron::FusedMatMul': (ctx) => lowerMatMulWith(ctx, ctx.inputs[2], epilogueOf(ctx, 3)),
});
