import { normalizeAxis } from '../../../ops/support/axes.js';
import { reductionAxes } from '../../../ops/reduce/geometry.js';
import { binary, compare, constant, load, select, store, unary } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import type { Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, output, rowsOf, zero } from './common.js';
import { normalizePasses } from './group-norm.js';
import { rowKernel, X, type At } from './rows.js';

/** LpNormalization (a zero norm gives 0, as the reference) and MeanVarianceNormalization. */
const lpNormalization: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as { axis: number; p: number };
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const type = floatType(x.dtype, 'LpNormalization');
  const axis = normalizeAxis(attrs.axis, x.shape.length);
  const rows = rowsOf(x.shape, (d) => d === axis);
  const elem = (at: At): Expr => load(x.buffer, x.dtype, at.index(X));
  const kernel = rowKernel(
    ctx,
    `lpnorm_l${attrs.p}_${rows.inner ? 'inner' : 'lastaxis'}_${dtypeTag(x.dtype)}`,
    rows,
    [
      {
        kind: 'reduce',
        accs: [{ name: 'norm', type, init: () => zero(type) }],
        body: (at) => {
          const v = elem(at);
          const term = attrs.p === 1 ? unary('abs', type, v) : binary('mul', type, v, v);
          return [at.assign('norm', binary('add', type, at.acc('norm'), term))];
        },
      },
      {
        kind: 'row',
        body: (at) => (attrs.p === 2 ? [at.assign('norm', unary('sqrt', type, at.acc('norm')))] : []),
      },
      {
        kind: 'map',
        body: (at) => {
          const norm = at.acc('norm');
          const y = select(
            type,
            compare('eq', type, norm, zero(type)),
            zero(type),
            binary('div', type, elem(at), norm),
          );
          return [store(out.buffer, out.dtype, at.index(X), y)];
        },
      },
    ],
    { reads: [x.buffer], writes: [out.buffer] },
  );
  return { kernels: [kernel] };
};

/** (x - mean) / (std + 1e-9) over `axes`, the epsilon of the ONNX function body. */
const meanVarianceNormalization: Lowering = (ctx) => {
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const type = floatType(x.dtype, 'MeanVarianceNormalization');
  const axes = reductionAxes((ctx.attrs as unknown as { axes: number[] }).axes, x.shape.length);
  const rows = rowsOf(x.shape, (d) => axes.has(d));
  const count = x.shape.reduce((n, d, i) => (axes.has(i) ? n * d : n), 1);
  const inv = (variance: Expr): Expr =>
    binary(
      'div',
      type,
      constant(type, 1),
      binary('add', type, unary('sqrt', type, variance), constant(type, 1e-9)),
    );
  const passes = normalizePasses(
    type,
    count,
    inv,
    (at) => load(x.buffer, x.dtype, at.index(X)),
    (at, centred) => [store(out.buffer, out.dtype, at.index(X), binary('mul', type, centred, at.acc('inv')))],
  );
  const name = `mvn_${rows.inner ? 'inner' : 'rows'}_${dtypeTag(x.dtype)}`;
  return { kernels: [rowKernel(ctx, name, rows, passes, { reads: [x.buffer], writes: [out.buffer] })] };
};

registerLowerings({ LpNormalization: lpNormalization, MeanVarianceNormalization: meanVarianceNormalization });
