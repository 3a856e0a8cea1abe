import { binary, computeType, constant, convert, load, store } from '../../kernel/build.js';
import type { Expr, Index, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { dtypeTag, floatType, input, output, product } from './common.js';
import { indexOver, nest, type Bound } from './rows.js';

/**
 * RotaryEmbedding: the first rotary_embedding_dim features of every head rotate in pairs (x[j],
 * x[j + rot/2]) or, interleaved, (x[2j], x[2j + 1]) by the cached cos/sin of the token's position;
 * the rest are copied. With position_ids the cache row is gathered per (batch, token), clamped to the
 * cache so a bad id cannot read outside it (the reference throws there).
 */
interface RotaryAttrs {
  readonly interleaved: number;
  readonly num_heads: number;
  readonly rotary_embedding_dim: number;
}

const rotaryEmbedding: Lowering = (ctx) => {
  const attrs = ctx.attrs as unknown as RotaryAttrs;
  const x = input(ctx, 0, 'an input');
  const cos = input(ctx, 1, 'a cos cache');
  const sin = input(ctx, 2, 'a sin cache');
  const pos = ctx.inputs[3];
  const out = output(ctx);
  const type = floatType(x.dtype, 'RotaryEmbedding');
  const is4d = x.shape.length === 4;
  const [B, S] = [x.shape[0]!, is4d ? x.shape[2]! : x.shape[1]!];
  const H = is4d ? x.shape[1]! : attrs.num_heads;
  if (!H) throw new LoweringUnsupported('3-D input needs num_heads');
  const D = is4d ? x.shape[3]! : x.shape[2]! / H;
  const rot = attrs.rotary_embedding_dim || D;
  if (rot % 2 !== 0 || rot > D)
    throw new LoweringUnsupported(`rotary_embedding_dim ${rot} does not fit head size ${D}`);
  const half = rot / 2;
  const cacheRows = Math.floor(Math.min(product(cos.shape), product(sin.shape)) / Math.max(1, half));
  if (!pos && cacheRows < B * S)
    throw new LoweringUnsupported('the cos/sin cache is smaller than [batch, seq]');

  const p = ctx.fresh('q');
  const j = `${p}j`;
  const hStride = is4d ? S * D : D;
  const sStride = is4d ? D : H * D;
  // slots: x, position_ids, the cache row without position_ids ([B, S, rot/2])
  const bDim: Bound = { dim: { extent: B, strides: [H * S * D, S, S * half] }, v: `${p}b` };
  const hDim: Bound = { dim: { extent: H, strides: [hStride, 0, 0] }, v: `${p}h` };
  const sDim: Bound = { dim: { extent: S, strides: [sStride, 1, half] }, v: `${p}s` };
  // memory order; size-1 dims get no loop, so the outermost real one is shared among threads
  const dims = [bDim, ...(is4d ? [hDim, sDim] : [sDim, hDim])].filter((d) => d.dim.extent !== 1);
  const base = (jStride: number, offset: number): Index => {
    const ix = indexOver(dims, 0, offset);
    return { ...ix, terms: [...ix.terms, { v: j, stride: jStride }] };
  };
  const step = attrs.interleaved ? 2 : 1;
  const i1 = base(step, 0);
  const i2 = base(step, attrs.interleaved ? 1 : half);
  const jTerm = { v: j, stride: 1 };
  let cacheIndex: Index = { ...indexOver(dims, 2, 0), terms: [...indexOver(dims, 2, 0).terms, jTerm] };
  if (pos) {
    const id = convert(computeType(pos.dtype), 'i32', load(pos.buffer, pos.dtype, indexOver(dims, 1, 0)));
    const clamped = binary(
      'min',
      'i32',
      binary('max', 'i32', id, constant('i32', 0)),
      constant('i32', Math.max(0, cacheRows - 1)),
    );
    cacheIndex = { terms: [jTerm], offset: 0, dynamic: binary('mul', 'i32', clamped, constant('i32', half)) };
  }
  const cache = (c: typeof cos): Expr =>
    convert(computeType(c.dtype), type, load(c.buffer, c.dtype, cacheIndex));
  const [x1, x2] = [load(x.buffer, x.dtype, i1), load(x.buffer, x.dtype, i2)];
  const rotate: Stmt[] = [
    store(
      out.buffer,
      out.dtype,
      i1,
      binary('sub', type, binary('mul', type, cache(cos), x1), binary('mul', type, cache(sin), x2)),
    ),
    store(
      out.buffer,
      out.dtype,
      i2,
      binary('add', type, binary('mul', type, cache(sin), x1), binary('mul', type, cache(cos), x2)),
    ),
  ];
  const body: Stmt[] = [{ op: 'loop', v: j, extent: half, body: rotate, vectorize: true }];
  if (rot < D) {
    const tail = base(1, rot);
    body.push({
      op: 'loop',
      v: j,
      extent: D - rot,
      body: [store(out.buffer, out.dtype, tail, load(x.buffer, x.dtype, tail))],
      vectorize: true,
    });
  }
  const reads = [x.buffer, cos.buffer, sin.buffer, ...(pos ? [pos.buffer] : [])];
  return {
    kernels: [
      {
        name: `rotary_${attrs.interleaved ? 'interleaved' : 'halves'}_${dtypeTag(x.dtype)}`,
        node: ctx.node.name,
        reads,
        writes: [out.buffer],
        body: nest(dims, body, false, true),
      },
    ],
  };
};

registerLowerings({ RotaryEmbedding: rotaryEmbedding });
