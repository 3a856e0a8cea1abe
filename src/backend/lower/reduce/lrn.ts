import { channelGeometry } from '../../../ops/reduce/common.js';
import { binary, constant, load, store } from '../../kernel/build.js';
import type { Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, output, zero } from './common.js';
import { indexOver, nest, scalarDtype, type Bound, type Dim } from './rows.js';

/**
 * LRN: x / (bias + alpha / size * window sum of squares) ^ beta, the window over neighbouring channels
 * clipped to the channel range. Each window offset is one loop whose channel range is clipped at
 * compile time, so no loop carries a bounds test and the spatial (NCHW) or channel (NHWC) loop stays
 * contiguous. Sums accumulate in the output (or a float32 scratch for halves), one slice per sample.
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
  const n: Bound = { dim: { extent: N, strides: [C * S] }, v: `${p}n` };
  const cs2 = (extent: number): Bound => ({ dim: { extent, strides: [cs] } as Dim, v: `${p}c` });
  const s: Bound = { dim: { extent: S, strides: [ss] }, v: `${p}s` };
  // memory order: the contiguous loop innermost
  const loops = (c: Bound): Bound[] => (attrs.layout === 'NCHW' ? [c, s] : [s, c]);
  const at = (c: Bound, channel: number) => indexOver([n, ...loops(c)], 0, channel * cs);

  const body: Stmt[] = [...nest(loops(cs2(C)), [store(acc, accDtype, at(cs2(C), 0), zero(type))], true)];
  const before = Math.floor((attrs.size - 1) / 2);
  for (let w = 0; w < attrs.size; w++) {
    // output channel c reads channel c + w - before, when that lies in [0, C)
    const lo = Math.max(0, before - w);
    const hi = Math.min(C, C + before - w);
    if (hi <= lo) continue;
    const c = cs2(hi - lo);
    const v = load(x.buffer, x.dtype, at(c, lo + w - before));
    const sum = binary('add', type, load(acc, accDtype, at(c, lo)), binary('mul', type, v, v));
    body.push(...nest(loops(c), [store(acc, accDtype, at(c, lo), sum)], true));
  }
  const all = cs2(C);
  const base = binary(
    'add',
    type,
    constant(type, attrs.bias),
    binary('mul', type, constant(type, attrs.alpha / attrs.size), load(acc, accDtype, at(all, 0))),
  );
  const y = binary(
    'div',
    type,
    load(x.buffer, x.dtype, at(all, 0)),
    binary('pow', type, base, constant(type, attrs.beta)),
  );
  body.push(...nest(loops(all), [store(out.buffer, out.dtype, at(all, 0), y)], true));
  return {
    kernels: [
      {
        name: `lrn_${attrs.layout.toLowerCase()}_${dtypeTag(x.dtype)}`,
        node: ctx.node.name,
        reads: [x.buffer, acc],
        writes: [...new Set([out.buffer, acc])],
        body: nest([n], body, false, true),
      },
    ],
  };
};

registerLowerings({ LRN: lrn });
