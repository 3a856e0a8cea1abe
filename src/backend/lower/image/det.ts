import { sizeOf } from '../../../ir/tensor.js';
import { store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import type { LowerContext, Lowered } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, loop, output, required, suffix } from '../linalg/common.js';
import { and, F, f64, i32, I, loadF64, locals, narrow, requireFloat, var_, when } from './ir.js';

/**
 * Det: per matrix, LU with partial pivoting in float64 on a scratch copy, as the reference does
 * (same pivot choice: the first row of largest magnitude; same elimination order), so results
 * match it bit for bit. Loops run over whole rows and columns with guards instead of the shrinking
 * triangle: columns left of the pivot are updated too, which costs work but changes nothing, since
 * they are never read again. A zero pivot makes the determinant 0 and stops that matrix.
 */
function lowerDet(ctx: LowerContext): Lowered {
  const x = required(ctx, 0);
  const y = output(ctx);
  requireFloat(ctx, x, 'input');
  const n = x.shape[x.shape.length - 1]!;
  const count = sizeOf(y.shape);
  if (count === 0) return { kernels: [] };
  const p = ctx.fresh('det');
  const L = locals(p);
  const [b, c, r, k, e] = [`${p}b`, `${p}c`, `${p}r`, `${p}k`, `${p}e`];
  const nn = n * n;
  if (n === 0) {
    // the empty product
    const body = [loop(b, count, [store(y.buffer, y.dtype, ix(0, [[b, 1]]), narrow(y.dtype, f64(1)))])];
    return { kernels: [kernel(ctx, `det_empty_${suffix(y.dtype)}`, body)] };
  }
  const a = ctx.scratch('float64', count * nn, 'det_lu');
  // a[b, row, col] with an affine row and column, or a dynamic row (the pivot row)
  const at = (row: string | undefined, col: string | undefined, dynRow?: Expr) => ({
    ...ix(0, [
      [b, nn],
      [row, n],
      [col, 1],
    ]),
    ...(dynRow ? { dynamic: I.mul(dynRow, i32(n)) } : {}),
  });
  const A = (row: string | undefined, col: string | undefined, dynRow?: Expr): Expr =>
    loadF64(a, 'float64', at(row, col, dynRow));
  const put = (row: string | undefined, col: string | undefined, v: Expr, dynRow?: Expr): Stmt =>
    store(a, 'float64', at(row, col, dynRow), v);
  const abs = (v: Expr): Expr => ({ op: 'unary', fn: 'abs', type: 'f64', x: v });
  const pivotRow = L.get('p', 'i32');
  const det = L.get('det', 'f64');
  const piv = L.get('piv', 'f64');
  const [vc, vr] = [var_(c), var_(r)];
  // a[b, c, c]: the diagonal walks with stride n + 1
  const diag = loadF64(
    a,
    'float64',
    ix(0, [
      [b, nn],
      [c, n + 1],
    ]),
  );
  const search: Stmt[] = [
    L.set('p', 'i32', vc),
    L.set('pv', 'f64', abs(diag)),
    loop(r, n, [
      L.set('v', 'f64', abs(A(r, c))),
      when(and(I.gt(vr, vc), F.gt(L.get('v', 'f64'), L.get('pv', 'f64'))), [
        L.set('p', 'i32', vr),
        L.set('pv', 'f64', L.get('v', 'f64')),
      ]),
    ]),
    L.set(
      'piv',
      'f64',
      loadF64(a, 'float64', {
        ...ix(0, [
          [b, nn],
          [c, 1],
        ]),
        dynamic: I.mul(pivotRow, i32(n)),
      }),
    ),
  ];
  const swap: Stmt = when(I.ne(pivotRow, vc), [
    loop(k, n, [
      L.set('t', 'f64', A(c, k)),
      put(c, k, A(undefined, k, pivotRow)),
      put(undefined, k, L.get('t', 'f64'), pivotRow),
    ]),
    L.set('det', 'f64', F.sub(f64(0), det)),
  ]);
  const eliminate: Stmt = loop(r, n, [
    when(I.gt(vr, vc), [
      L.set('f', 'f64', F.div(A(r, c), piv)),
      when(F.ne(L.get('f', 'f64'), f64(0)), [
        loop(e, n, [put(r, e, F.sub(A(r, e), F.mul(L.get('f', 'f64'), A(c, e))))]),
      ]),
    ]),
  ]);
  const column: Stmt = loop(c, n, [
    when(I.eq(L.get('dead', 'i32'), i32(0)), [
      ...search,
      when(
        F.eq(piv, f64(0)),
        [L.set('dead', 'i32', i32(1))],
        [swap, L.set('det', 'f64', F.mul(det, piv)), eliminate],
      ),
    ]),
  ]);
  const result = { op: 'select', type: 'f64', cond: L.get('dead', 'i32'), a: f64(0), b: det } as const;
  const body: Stmt[] = [
    loop(
      b,
      count,
      [
        loop(e, nn, [
          store(
            a,
            'float64',
            ix(0, [
              [b, nn],
              [e, 1],
            ]),
            loadF64(
              x.buffer,
              x.dtype,
              ix(0, [
                [b, nn],
                [e, 1],
              ]),
            ),
          ),
        ]),
        L.set('det', 'f64', f64(1)),
        L.set('dead', 'i32', i32(0)),
        column,
        store(y.buffer, y.dtype, ix(0, [[b, 1]]), narrow(y.dtype, result)),
      ],
      { parallel: true },
    ),
  ];
  return { kernels: [kernel(ctx, `det_lu_${suffix(x.dtype)}`, body)] };
}

registerLowerings({ Det: lowerDet });
