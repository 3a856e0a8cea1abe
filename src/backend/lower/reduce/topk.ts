import { isFloat } from '../../../ir/dtype.js';
import { normalizeAxis } from '../../../ops/support/axes.js';
import {
  binary,
  compare,
  computeType,
  constant,
  convert,
  isUnsignedDType,
  load,
  store,
} from '../../kernel/build.js';
import type { Expr, Index, Scalar, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { constantInts, dtypeTag, input, output, zero } from './common.js';
import { collapse, indexOver, nest, rowMajor, type Bound, type Dim } from './rows.js';

/**
 * TopK by k selection passes per row: pass j finds the first element, in the output order, that comes
 * after the one pass j-1 picked. The order is total (value, with NaN above every number, then the
 * lower index first), so the passes yield the sorted top k without marking elements: O(k n) per row,
 * which suits the small k of classifiers and detectors.
 */
interface TopKAttrs {
  readonly axis: number;
  readonly largest: number;
}

const OUT = 1; // slot of the output index

const topK: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as TopKAttrs;
  const x = input(ctx, 0, 'an input');
  const values = output(ctx, 0);
  const indices = output(ctx, 1);
  const kValues = constantInts(ctx, 1, 'k');
  if (kValues.length !== 1) throw new LoweringUnsupported('k must hold one value');
  const k = kValues[0]!;
  const axis = normalizeAxis(attrs.axis, x.shape.length);
  const n = x.shape[axis]!;
  if (k < 0 || k > n) throw new LoweringUnsupported(`k=${k} is out of range for a dim of ${n}`);
  if (k === 0 || values.shape.includes(0)) return { kernels: [] };

  const type = computeType(x.dtype);
  const unsigned = isUnsignedDType(x.dtype);
  const xStrides = rowMajor(x.shape);
  const outStrides = rowMajor(values.shape);
  const p = ctx.fresh('t');
  const outer = collapse(
    x.shape.flatMap((extent, d): Dim[] =>
      d === axis ? [] : [{ extent, strides: [xStrides[d]!, outStrides[d]!] }],
    ),
  ).map((dim, i): Bound => ({ dim, v: `${p}o${i}` }));
  const r = `${p}r`;
  const j = `${p}j`;
  const local = (name: string, t: Scalar): Expr => ({ op: 'local', name: `${p}${name}`, type: t });
  const set = (name: string, t: Scalar, value: Expr): Stmt => ({
    op: 'set',
    name: `${p}${name}`,
    type: t,
    value,
  });
  const xIndex = indexOver(outer, 0, 0);
  const elem = local('v', type);
  const rv: Expr = { op: 'var', name: r };

  const before = orderBefore(type, isFloat(x.dtype), attrs.largest !== 0, unsigned);
  const none = compare('lt', 'i32', local('bestAt', 'i32'), zero('i32'));
  const afterPrev = binary(
    'or',
    'i32',
    compare('lt', 'i32', local('prevAt', 'i32'), zero('i32')),
    before(local('prev', type), local('prevAt', 'i32'), elem, rv),
  );
  const beatsBest = binary('or', 'i32', none, before(elem, rv, local('best', type), local('bestAt', 'i32')));
  const scan: Stmt[] = [
    set(
      'v',
      type,
      load(x.buffer, x.dtype, { ...xIndex, terms: [...xIndex.terms, { v: r, stride: xStrides[axis]! }] }),
    ),
    set('take', 'i32', binary('and', 'i32', afterPrev, beatsBest)),
    set('bestAt', 'i32', {
      op: 'select',
      type: 'i32',
      cond: local('take', 'i32'),
      a: rv,
      b: local('bestAt', 'i32'),
    }),
    set('best', type, { op: 'select', type, cond: local('take', 'i32'), a: elem, b: local('best', type) }),
  ];
  const outIndex = (): Index => {
    const base = indexOver(outer, OUT, 0);
    return { ...base, terms: [...base.terms, { v: j, stride: outStrides[axis]! }] };
  };
  const pass: Stmt[] = [
    set('bestAt', 'i32', constant('i32', -1)),
    set('best', type, zero(type)),
    { op: 'loop', v: r, extent: n, body: scan },
    store(values.buffer, values.dtype, outIndex(), local('best', type)),
    store(indices.buffer, 'int64', outIndex(), convert('i32', 'i64', local('bestAt', 'i32'))),
    set('prev', type, local('best', type)),
    set('prevAt', 'i32', local('bestAt', 'i32')),
  ];
  const row: Stmt[] = [
    set('prev', type, zero(type)),
    set('prevAt', 'i32', constant('i32', -1)),
    { op: 'loop', v: j, extent: k, body: pass },
  ];
  return {
    kernels: [
      {
        name: `topk_${attrs.largest ? 'largest' : 'smallest'}_${dtypeTag(x.dtype)}`,
        node: ctx.node.name,
        reads: [x.buffer],
        writes: [values.buffer, indices.buffer],
        body: nest(outer, row, false, true),
      },
    ],
  };
};

/**
 * before(a, ia, b, ib): a comes first in the output. Largest first puts NaN before every number,
 * smallest first after; equal values (NaNs among themselves) go by index.
 */
function orderBefore(type: Scalar, float: boolean, largest: boolean, unsigned: boolean) {
  return (a: Expr, ia: Expr, b: Expr, ib: Expr): Expr => {
    const byIndex = compare('lt', 'i32', ia, ib);
    const strictly = compare(largest ? 'gt' : 'lt', type, a, b, unsigned);
    if (!float)
      return binary('or', 'i32', strictly, binary('and', 'i32', compare('eq', type, a, b), byIndex));
    const aNan = compare('ne', type, a, a);
    const bNan = compare('ne', type, b, b);
    const nanFirst = largest
      ? binary('and', 'i32', aNan, compare('eq', type, b, b))
      : binary('and', 'i32', bNan, compare('eq', type, a, a));
    const tie = binary('or', 'i32', compare('eq', type, a, b), binary('and', 'i32', aNan, bNan));
    return binary('or', 'i32', binary('or', 'i32', strictly, nanFirst), binary('and', 'i32', tie, byIndex));
  };
}

registerLowerings({ TopK: topK });
