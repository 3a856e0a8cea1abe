import { channelGeometry } from '../../../ops/reduce/common.js';
import { binary, compare, constant, load, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, output, zero } from './common.js';
import { indexOver, nest, scalarDtype, type Bound } from './rows.js';

/**
 * LRN: x / (bias + alpha / size * window sum of squares) ^ beta, the window over neighbouring channels
 * clipped to the channel range. The parallel rows are (n, c) in NCHW, each walking its contiguous
 * spatial positions once per window offset (skipped when the neighbour channel is outside), and
 * (n, s) in NHWC, each walking the channels in one loop per window offset whose range is clipped at
 * compile time. Sums accumulate in the output (or a float32 scratch for halves), row by row.
 */
interface LrnAttrs {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly bias: number;
  readonly layout: 'NCHW' | 'NHWC';
}

const lrn: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as LrnAttrs;
  const x = input(ctx, 0, 'an input');
  const out = output(ctx);
  const type = floatType(x.dtype, 'LRN');
  if (!(attrs.size >= 1)) throw new LoweringUnsupported('LRN needs size >= 1');
  const {
    batch: N,
    channels: C,
    spatial: S,
    channelStride: cs,
    spatialStride: ss,
  } = channelGeometry(x.shape, attrs.layout);
  const accDtype = scalarDtype(type);
  const acc = accDtype === out.dtype ? out.buffer : ctx.scratch(accDtype, N * C * S, 'lrn_sum');
  const p = ctx.fresh('l');
  const nchw = attrs.layout === 'NCHW';
  const bound = (v: string, extent: number, stride: number): Bound => ({
    dim: { extent, strides: [stride] },
    v: `${p}${v}`,
  });
  // rows: (n, c) in NCHW, walking the spatial positions; (n, s) in NHWC, walking the channels
  const rows = [bound('n', N, C * S), nchw ? bound('c', C, cs) : bound('s', S, ss)].filter(
    (b) => b.dim.extent !== 1,
  );
  const walk = (extent: number): Bound => (nchw ? bound('s', extent, ss) : bound('c', extent, cs));
  const at = (w: Bound, channel: number) => indexOver([...rows, w], 0, channel * cs);
  const full = walk(nchw ? S : C);
  const sq = (w: Bound, from: number): Expr => {
    const v = load(x.buffer, x.dtype, at(w, from));
    return binary('mul', type, v, v);
  };
  const accumulate = (w: Bound, channel: number, shift: number): Stmt[] =>
    nest(
      [w],
      [
        store(
          acc,
          accDtype,
          at(w, channel),
          binary('add', type, load(acc, accDtype, at(w, channel)), sq(w, channel + shift)),
        ),
      ],
      true,
    );

  const body: Stmt[] = nest([full], [store(acc, accDtype, at(full, 0), zero(type))], true);
  const before = Math.floor((attrs.size - 1) / 2);
  for (let w = 0; w < attrs.size; w++) {
    // output channel c reads channel c + w - before, when that lies in [0, C)
    const shift = w - before;
    if (nchw) {
      const c: Expr = {
        op: 'binary',
        fn: 'add',
        type: 'i32',
        a: { op: 'var', name: `${p}c` },
        b: constant('i32', shift),
      };
      const inRange = binary(
        'and',
        'i32',
        compare('ge', 'i32', c, constant('i32', 0)),
        compare('lt', 'i32', c, constant('i32', C)),
      );
      if (C === 1) {
        if (shift === 0) body.push(...accumulate(full, 0, 0));
      } else body.push({ op: 'if', cond: inRange, then: accumulate(full, 0, shift), else: [] });
    } else {
      const lo = Math.max(0, -shift);
      const hi = Math.min(C, C - shift);
      if (hi > lo) body.push(...accumulate(walk(hi - lo), lo, shift));
    }
  }
  const base = binary(
    'add',
    type,
    constant(type, attrs.bias),
    binary('mul', type, constant(type, attrs.alpha / attrs.size), load(acc, accDtype, at(full, 0))),
  );
  const y = binary(
    'div',
    type,
    load(x.buffer, x.dtype, at(full, 0)),
    binary('pow', type, base, constant(type, attrs.beta)),
  );
  body.push(...nest([full], [store(out.buffer, out.dtype, at(full, 0), y)], true));
  return {
    kernels: [
      {
        name: `lrn_${attrs.layout.toLowerCase()}_${dtypeTag(x.dtype)}`,
        node: ctx.node.name,
        reads: [x.buffer, acc],
        writes: [...new Set([out.buffer, acc])],
        body: nest(rows, body, false, true),
      },
    ],
  };
};

registerLowerings({ LRN: lrn });
