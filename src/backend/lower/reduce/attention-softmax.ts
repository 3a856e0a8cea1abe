import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  load,
  select,
  store,
  unary,
} from '../../kernel/build.js';
import type { Expr, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lowering.js';
import type { AttentionAttrs, Shape } from './attention.js';
import { dtypeTag, product, zero } from './common.js';
import { rowKernel, scalarDtype, X, type At, type Dim, type Pass } from './rows.js';

// slots of the softmax rows: scores (X), the mask, the query index i and the batch index b
const MASK = 2;
const QI = 3;
const BATCH = 4;

/** Scale, softcap, bias and softmax over each score row in place, writing qk_matmul_output on the way. */
export function softmaxRows(
  ctx: LowerContext,
  attrs: AttentionAttrs,
  scores: string,
  s: Shape,
  type: Scalar,
  headSize: number,
  past: number,
): Kernel {
  const mask = ctx.inputs[3];
  const nonpad = ctx.inputs[6];
  const qk = ctx.outputs[3];
  const mode = qk ? attrs.qk_matmul_output_mode : -1;
  if (mode < -1 || mode > 3) throw new LoweringUnsupported(`qk_matmul_output_mode ${mode}`);
  const reps = s.Hq / s.Hkv;
  const ms = maskStrides(mask, s);
  const short = ms.length < s.T;
  const dim = (extent: number, x: number, m: number, i: number, b: number): Dim => ({
    extent,
    strides: [x, 0, m, i, b],
  });
  const rows = {
    outer: [
      dim(s.B, s.Hq * s.Sq * s.T, ms.b, 0, 1),
      dim(s.Hkv, reps * s.Sq * s.T, reps * ms.h, 0, 0),
      dim(reps, s.Sq * s.T, ms.h, 0, 0),
      dim(s.Sq, s.T, ms.i, 1, 0),
    ].filter((d) => d.extent !== 1),
    reduced: s.T === 1 ? [] : [dim(s.T, 1, short ? 0 : 1, 0, 0)],
  };
  const work = scalarDtype(type);
  const minusInf = constant(type, -Infinity);
  const p = ctx.fresh('sm');
  // a local per pass: the vectorizer keeps a loop's locals in registers only if no other loop uses them
  const sv = (pass: number): Expr => ({ op: 'local', name: `${p}s${pass}`, type });
  const set = (pass: number, value: Expr): Stmt => ({ op: 'set', name: `${p}s${pass}`, type, value });
  const saveQk = (at: At, m: number, pass: number): Stmt[] =>
    mode === m ? [store(qk!.buffer, qk!.dtype, at.index(X), sv(pass))] : [];
  const scale = attrs.scale ?? 1 / Math.sqrt(headSize);

  const bias = (at: At): Expr => {
    let add: Expr = zero(type);
    if (mask) {
      // a mask shorter than T reads its last column through a clamped index; those keys get -inf anyway
      const index = at.index(MASK);
      const m = load(
        mask.buffer,
        mask.dtype,
        short ? { ...index, dynamic: binary('min', 'i32', at.pos, constant('i32', ms.length - 1)) } : index,
      );
      add =
        mask.dtype === 'bool'
          ? select(type, m, zero(type), minusInf)
          : convert(computeType(mask.dtype), type, m);
      if (short) add = select(type, compare('ge', 'i32', at.pos, constant('i32', ms.length)), minusInf, add);
    }
    const valid: Expr | undefined = nonpad
      ? convert(
          computeType(nonpad.dtype),
          'i32',
          load(nonpad.buffer, nonpad.dtype, { terms: [], offset: 0, dynamic: at.affine(BATCH) }),
        )
      : undefined;
    if (attrs.is_causal) {
      const offset =
        past > 0 || !valid ? constant('i32', past) : binary('sub', 'i32', valid, constant('i32', s.Sq));
      const frontier = binary('add', 'i32', at.affine(QI), offset);
      add = select(type, compare('gt', 'i32', at.pos, frontier), minusInf, add);
    }
    if (valid) add = select(type, compare('ge', 'i32', at.pos, valid), minusInf, add);
    return add;
  };

  const passes: Pass[] = [
    {
      kind: 'reduce',
      accs: [{ name: 'max', type, init: () => minusInf }],
      body: (at) => [
        set(0, binary('mul', type, load(scores, work, at.index(X)), constant(type, scale))),
        ...saveQk(at, 0, 0),
        ...(attrs.softcap > 0
          ? [
              set(
                0,
                binary(
                  'mul',
                  type,
                  constant(type, attrs.softcap),
                  unary('tanh', type, binary('div', type, sv(0), constant(type, attrs.softcap))),
                ),
              ),
            ]
          : []),
        ...saveQk(at, 1, 0),
        ...(mask || nonpad || attrs.is_causal ? [set(0, binary('add', type, sv(0), bias(at)))] : []),
        ...saveQk(at, 2, 0),
        store(scores, work, at.index(X), sv(0)),
        at.assign('max', select(type, compare('gt', type, sv(0), at.acc('max')), sv(0), at.acc('max'))),
      ],
    },
    {
      kind: 'reduce',
      accs: [{ name: 'sum', type, init: () => zero(type) }],
      body: (at) => [
        set(1, unary('exp', type, binary('sub', type, load(scores, work, at.index(X)), at.acc('max')))),
        store(scores, work, at.index(X), sv(1)),
        at.assign('sum', binary('add', type, at.acc('sum'), sv(1))),
      ],
    },
    {
      kind: 'map',
      body: (at) => [
        set(2, binary('div', type, load(scores, work, at.index(X)), at.acc('sum'))),
        store(scores, work, at.index(X), sv(2)),
        ...saveQk(at, 3, 2),
      ],
    },
  ];
  const reads = [scores, ...(mask ? [mask.buffer] : []), ...(nonpad ? [nonpad.buffer] : [])];
  const writes = [scores, ...(qk ? [qk.buffer] : [])];
  return rowKernel(ctx, `attention_softmax_${dtypeTag(ctx.inputs[0]!.dtype)}`, rows, passes, {
    reads,
    writes,
  });
}

/** The mask viewed as [B, Hq, Sq, T], right-aligned, size-1 dims broadcast; a short last dim is padded with -inf. */
function maskStrides(
  mask: LoweredValue | undefined,
  s: Shape,
): { b: number; h: number; i: number; length: number } {
  if (!mask) return { b: 0, h: 0, i: 0, length: s.T };
  const shape = mask.shape;
  if (shape.length < 1 || shape.length > 4) throw new LoweringUnsupported(`mask of rank ${shape.length}`);
  const padded = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  const full = [s.B, s.Hq, s.Sq, s.T];
  const strides = [0, 0, 0, 0];
  let n = 1;
  for (let d = 3; d >= 0; d--) {
    if (d < 3 && padded[d] !== 1 && padded[d] !== full[d])
      throw new LoweringUnsupported(`mask [${shape}] does not broadcast to [${full}]`);
    strides[d] = padded[d] === 1 ? 0 : n;
    n *= padded[d]!;
  }
  if (padded[3]! > s.T) throw new LoweringUnsupported(`mask covers ${padded[3]} keys, more than ${s.T}`);
  if (product(shape) === 0) throw new LoweringUnsupported('empty mask');
  return { b: strides[0]!, h: strides[1]!, i: strides[2]!, length: padded[3]! };
}
