import { toFloat32, type Tensor } from '../../../ir/tensor.js';
import { binary, computeType, constant, convert, isUnsignedDType, load, store } from '../../kernel/build.js';
import type { Expr, GemmCall, Index, Kernel, MatrixRef } from '../../kernel/ir.js';
import type { LowerContext, Lowered, LoweredValue } from '../lowering.js';
import { LoweringUnsupported } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { epilogueKernel, epilogueOf, gemmEpilogue, NO_EPILOGUE, type Epilogue } from './epilogue.js';
import { packColumns } from './gemm-tile.js';
import {
  f32Input,
  gemmInput,
  halfOf,
  inHalf,
  f32Output,
  f32Tensor,
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
 * Gemm: Y = alpha * A' B' + beta * C. Transposes are strides (a constant B is repacked into the
 * micro-kernel's column panels once, at compile time). alpha folds into a scaled constant copy of B (or A);
 * beta * C becomes the GEMM's bias when C is a row or column vector, else an initial copy of
 * beta * C into Y that the GEMM accumulates onto. Only when neither operand is constant does
 * alpha cost an epilogue pass.
 */
interface GemmAttrs {
  readonly alpha: number;
  readonly beta: number;
  readonly transA: number;
  readonly transB: number;
}

interface Dims {
  readonly M: number;
  readonly N: number;
  readonly K: number;
}

/** How C broadcasts onto [M, N]: strides of its element (i, j). */
function cStrides(c: LoweredValue, d: Dims): { rs: number; cs: number } {
  const s = c.shape.length === 0 ? [1, 1] : c.shape.length === 1 ? [1, c.shape[0]!] : c.shape;
  const [cm, cn] = s as [number, number];
  if ((cm !== 1 && cm !== d.M) || (cn !== 1 && cn !== d.N)) {
    throw new LoweringUnsupported(`C [${c.shape}] does not broadcast to [${d.M}, ${d.N}]`);
  }
  return { rs: cm === 1 ? 0 : cn, cs: cn === 1 ? 0 : 1 };
}

export function lowerGemm(ctx: LowerContext): Lowered {
  return lowerGemmWith(ctx, NO_EPILOGUE);
}

export function lowerGemmWith(ctx: LowerContext, e: Epilogue): Lowered {
  const at = ctx.attrs as unknown as GemmAttrs;
  const a = required(ctx, 0);
  const b = required(ctx, 1);
  const c = ctx.inputs[2] && at.beta !== 0 ? ctx.inputs[2] : undefined;
  const y = output(ctx);
  const [M, N] = y.shape as [number, number];
  const K = at.transA ? a.shape[0]! : a.shape[1]!;
  const d: Dims = { M, N, K };
  if (M * N === 0) return { kernels: [] };
  if (!usesF32Gemm(y.dtype))
    return { kernels: [gemmLoops(ctx, at, d, a, b, c, y), ...epilogueKernel(ctx, y, e)] };
  return { kernels: gemmF32(ctx, at, d, { a, b, c, y }, e) };
}

/** A constant operand's element (i, j) of op(T) (transposed when asked), as float32. */
function elementReader(t: Tensor, trans: boolean): (i: number, j: number) => number {
  const src = toFloat32(t);
  const cols = t.shape[1]!;
  return trans ? (i, j) => src[j * cols + i]! : (i, j) => src[i * cols + j]!;
}

/** A constant operand as a row-major float32 [rows, cols] copy of op(T), scaled. */
function packed(t: Tensor, trans: boolean, scale: number): Float32Array {
  const [r, c] = t.shape as [number, number];
  const [rows, cols] = trans ? [c, r] : [r, c];
  const read = elementReader(t, trans);
  const out = new Float32Array(r * c);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = scale * read(i, j);
  return out;
}

interface Operands {
  readonly a: LoweredValue;
  readonly b: LoweredValue;
  readonly c: LoweredValue | undefined;
  readonly y: LoweredValue;
}

/**
 * float32 Gemm: a constant B (the usual weights, transB or not) is packed at compile time in
 * column panels of the register tile's width with alpha folded in, so the micro-kernel reads it
 * contiguously whatever transB was.
 */
function gemmF32(ctx: LowerContext, at: GemmAttrs, d: Dims, ops: Operands, e: Epilogue): Kernel[] {
  const { a, b, c, y } = ops;
  const { M, N, K } = d;
  const pre: Kernel[] = [];
  const tile = ctx.chooseTile({ m: M, n: N, k: K, packed: b.constant ? 'b' : 'none' });
  let alphaLeft = at.alpha;
  let bRef: MatrixRef;
  if (b.constant) {
    const data = toFloat32(b.constant);
    const src = at.transB
      ? { data, block: 0, row: 1, col: K, scale: alphaLeft }
      : { data, block: 0, row: N, col: 1, scale: alphaLeft };
    bRef = packColumns(ctx, { blocks: 1, K, N }, tile.nr, src, 'gemm_b', b.half).ref;
    alphaLeft = 1;
  } else {
    const fb = gemmInput(ctx, b, 'gemm_b');
    pre.push(...fb.pre);
    bRef = inHalf(at.transB ? matrix(fb.buffer, 0, 1, K) : matrix(fb.buffer, 0, N), fb.half);
  }
  let aRef: MatrixRef;
  if (a.constant && alphaLeft !== 1) {
    aRef = matrix(
      ctx.constant(f32Tensor([M, K], packed(a.constant, at.transA !== 0, alphaLeft)), 'gemm_a'),
      0,
      K,
    );
    alphaLeft = 1;
  } else {
    const fa = gemmInput(ctx, a, 'gemm_a');
    pre.push(...fa.pre);
    aRef = inHalf(at.transA ? matrix(fa.buffer, 0, 1, M) : matrix(fa.buffer, 0, K), fa.half);
  }
  const cs = c && cStrides(c, d);
  // the GEMM stores y itself (float32 or 16-bit) unless a float32 pass follows it (alpha, a full C)
  const direct = alphaLeft === 1 && !(c && cs && cs.rs !== 0 && cs.cs !== 0);
  const fy = direct ? { buffer: y.buffer, post: [] } : f32Output(ctx, y, 'gemm_y');
  const cRef = inHalf(matrix(fy.buffer, 0, N), direct ? halfOf(y.dtype) : undefined);
  // alpha left over is applied by a pass after the GEMM, so the epilogue must follow that pass
  const fused = alphaLeft === 1 ? gemmEpilogue(ctx, e, pre)(cRef) : {};
  const call: GemmCall = {
    op: 'gemm',
    m: M,
    n: N,
    k: K,
    a: aRef,
    b: bRef,
    c: cRef,
    accumulate: false,
    tile,
    ...fused,
  };
  const name = `gemm_${at.transA ? 't' : 'n'}${at.transB ? 't' : 'n'}`;
  const ks: Kernel[] = [];
  if (alphaLeft !== 1) {
    ks.push(kernel(ctx, `${name}_${suffix(y.dtype)}`, [call]));
    const scaled = epilogue(
      ctx,
      fy.buffer,
      d,
      alphaLeft,
      c && cs ? { ...f32Input(ctx, c, 'gemm_c'), ...cs } : undefined,
      at.beta,
      pre,
    );
    ks.push(scaled, ...epilogueKernel(ctx, { buffer: fy.buffer, dtype: 'float32', shape: y.shape }, e));
  } else if (!c || !cs) {
    ks.push(kernel(ctx, `${name}_${suffix(y.dtype)}`, [call]));
  } else if (cs.rs === 0 || cs.cs === 0) {
    // a vector (or scalar) C: the GEMM adds it as a bias
    const along = cs.rs === 0 ? 'col' : 'row';
    const len = along === 'col' ? N : M;
    let bias: string;
    if (c.constant || at.beta !== 1 || (cs.rs === 0 && cs.cs === 0)) {
      bias = vectorBias(ctx, c, cs, len, at.beta, pre);
    } else {
      const fc = f32Input(ctx, c, 'gemm_c');
      pre.push(...fc.pre);
      bias = fc.buffer;
    }
    ks.push(
      kernel(ctx, `${name}_bias_${suffix(y.dtype)}`, [{ ...call, bias: { buffer: bias, offset: 0, along } }]),
    );
  } else {
    const fc = f32Input(ctx, c, 'gemm_c');
    pre.push(...fc.pre);
    ks.push(scaledCopy(ctx, fc.buffer, fy.buffer, d, cs, at.beta));
    ks.push(kernel(ctx, `${name}_acc_${suffix(y.dtype)}`, [{ ...call, accumulate: true }]));
  }
  return [...pre, ...ks, ...fy.post];
}

/** beta * C as a float32 vector of `len`: folded at compile time when C is constant. */
function vectorBias(
  ctx: LowerContext,
  c: LoweredValue,
  cs: { rs: number; cs: number },
  len: number,
  beta: number,
  pre: Kernel[],
): string {
  const step = cs.rs === 0 ? cs.cs : cs.rs;
  if (c.constant) {
    const src = toFloat32(c.constant);
    const out = new Float32Array(len);
    for (let i = 0; i < len; i++) out[i] = beta * src[step ? i : 0]!;
    return ctx.constant(f32Tensor([len], out), 'gemm_bias');
  }
  const fc = f32Input(ctx, c, 'gemm_c');
  pre.push(...fc.pre);
  const buf = ctx.scratch('float32', len, 'gemm_bias');
  const v = ctx.fresh('i');
  const value = binary('mul', 'f32', constant('f32', beta), load(fc.buffer, 'float32', ix(0, [[v, step]])));
  pre.push(
    kernel(ctx, 'gemm_bias_scale_f32', [
      loop(v, len, [store(buf, 'float32', ix(0, [[v, 1]]), value)], { vectorize: true }),
    ]),
  );
  return buf;
}

/** Y = beta * C (broadcast), which the GEMM then accumulates onto. */
function scaledCopy(
  ctx: LowerContext,
  c: string,
  y: string,
  d: Dims,
  cs: { rs: number; cs: number },
  beta: number,
): Kernel {
  const f = ctx.fresh('c');
  const [i, j] = [`${f}i`, `${f}j`];
  let value: Expr = load(
    c,
    'float32',
    ix(0, [
      [i, cs.rs],
      [j, cs.cs],
    ]),
  );
  if (beta !== 1) value = binary('mul', 'f32', constant('f32', beta), value);
  const body = [
    loop(
      i,
      d.M,
      [
        loop(
          j,
          d.N,
          [
            store(
              y,
              'float32',
              ix(0, [
                [i, d.N],
                [j, 1],
              ]),
              value,
            ),
          ],
          { vectorize: true },
        ),
      ],
      { parallel: true },
    ),
  ];
  return kernel(ctx, 'gemm_init_c_f32', body);
}

/** Y = alpha * Y (+ beta * C) when alpha could not be folded into a constant operand. */
function epilogue(
  ctx: LowerContext,
  y: string,
  d: Dims,
  alpha: number,
  c: { buffer: string; pre: Kernel[]; rs: number; cs: number } | undefined,
  beta: number,
  pre: Kernel[],
): Kernel {
  const f = ctx.fresh('e');
  const [i, j] = [`${f}i`, `${f}j`];
  const yIx = ix(0, [
    [i, d.N],
    [j, 1],
  ]);
  let value = binary('mul', 'f32', constant('f32', alpha), load(y, 'float32', yIx));
  if (c) {
    pre.push(...c.pre);
    let cv: Expr = load(
      c.buffer,
      'float32',
      ix(0, [
        [i, c.rs],
        [j, c.cs],
      ]),
    );
    if (beta !== 1) cv = binary('mul', 'f32', constant('f32', beta), cv);
    value = binary('add', 'f32', value, cv);
  }
  const body = [
    loop(i, d.M, [loop(j, d.N, [store(y, 'float32', yIx, value)], { vectorize: true })], { parallel: true }),
  ];
  return kernel(ctx, 'gemm_scale_f32', body);
}

/**
 * float64 and integer Gemm, computed in float64 like the reference (alpha and beta are floats):
 * one dot product per output element.
 */
function gemmLoops(
  ctx: LowerContext,
  at: GemmAttrs,
  d: Dims,
  a: LoweredValue,
  b: LoweredValue,
  c: LoweredValue | undefined,
  y: LoweredValue,
): Kernel {
  if (y.dtype === 'bool') throw new LoweringUnsupported('Gemm of bool');
  const f = ctx.fresh('g');
  const [i, j, k, acc] = [`${f}i`, `${f}j`, `${f}k`, `${f}acc`];
  const { M, N, K } = d;
  const wide = (v: LoweredValue, index: Index): Expr =>
    convert(computeType(v.dtype), 'f64', load(v.buffer, v.dtype, index), isUnsignedDType(v.dtype));
  const aIx = at.transA
    ? ix(0, [
        [i, 1],
        [k, M],
      ])
    : ix(0, [
        [i, K],
        [k, 1],
      ]);
  const bIx = at.transB
    ? ix(0, [
        [k, 1],
        [j, K],
      ])
    : ix(0, [
        [k, N],
        [j, 1],
      ]);
  const accE: Expr = { op: 'local', name: acc, type: 'f64' };
  let value = binary('mul', 'f64', constant('f64', at.alpha), accE);
  if (c) {
    const cs = cStrides(c, d);
    value = binary(
      'add',
      'f64',
      value,
      binary(
        'mul',
        'f64',
        constant('f64', at.beta),
        wide(
          c,
          ix(0, [
            [i, cs.rs],
            [j, cs.cs],
          ]),
        ),
      ),
    );
  }
  const out = convert('f64', computeType(y.dtype), value, isUnsignedDType(y.dtype));
  const body = [
    loop(
      i,
      M,
      [
        loop(j, N, [
          { op: 'set', name: acc, type: 'f64', value: constant('f64', 0) },
          loop(k, K, [
            {
              op: 'set',
              name: acc,
              type: 'f64',
              value: binary('add', 'f64', accE, binary('mul', 'f64', wide(a, aIx), wide(b, bIx))),
            },
          ]),
          store(
            y.buffer,
            y.dtype,
            ix(0, [
              [i, N],
              [j, 1],
            ]),
            out,
          ),
        ]),
      ],
      { parallel: true },
    ),
  ];
  return kernel(ctx, `gemm_loops_${suffix(y.dtype)}`, body);
}

registerLowerings({
  Gemm: lowerGemm,
  'ai.neuron::FusedGemm': (ctx) => lowerGemmWith(ctx, epilogueOf(ctx, 3)),
});
