import { isHalf } from '../../../ir/dtype.js';
import { load, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Stmt } from '../../kernel/ir.js';
import { Scope } from '../elementwise/scalar.js';
import { LoweringUnsupported, type Lowered, type LowerContext } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { computeDType, ix, kernel, local, loop, numFor, set, suffix } from './common.js';

/**
 * CausalConvWithState: a depthwise causal Conv1d over [B, C, L] whose left padding is the carried
 * state [B, C, s], s = k - 1. A first kernel lays out each (b, c) row as past ++ input in scratch
 * (zeros for an absent past) and copies its last s positions to present_state; the convolution
 * then reads that row with every tap at a constant offset, vectorized over the output positions.
 * Up to UNROLL taps are summed in registers with their weights in locals; longer kernels
 * accumulate tap by tap into scratch.
 */
const UNROLL = 16;

function lowerCausalConv(ctx: LowerContext): Lowered {
  const [x, w, bias, past] = ctx.inputs;
  const [y, present] = ctx.outputs;
  if (!x || !w) throw new LoweringUnsupported('input and weight are required');
  const [B, C, L] = x.shape as [number, number, number];
  const k = w.shape[2]!;
  const s = k - 1;
  const cdt = computeDType(x.dtype);
  const n = numFor(cdt);
  const ct = n.t;
  const sfx = suffix(x.dtype);
  const f = ctx.fresh('cc');
  const [bc, i, bv, cv, j] = ['bc', 'i', 'b', 'c', 'j'].map((v) => `${f}${v}`) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const kernels: Kernel[] = [];
  // the padded rows (or the input itself when there is no state): element i of row (b, c)
  let src = { buffer: x.buffer, dtype: x.dtype, width: L };
  if (s > 0) {
    const W = s + L;
    const pad = ctx.scratch(cdt, B * C * W, 'conv_rows');
    const row = (width: number, off: number, v: string): Index =>
      ix(off, [
        [bc, width],
        [v, 1],
      ]);
    const body: Stmt[] = [
      loop(
        `${i}p`,
        s,
        [
          store(
            pad,
            cdt,
            row(W, 0, `${i}p`),
            past ? load(past.buffer, past.dtype, row(s, 0, `${i}p`)) : n.c(0),
          ),
        ],
        {
          vectorize: true,
        },
      ),
      loop(`${i}x`, L, [store(pad, cdt, row(W, s, `${i}x`), load(x.buffer, x.dtype, row(L, 0, `${i}x`)))], {
        vectorize: true,
      }),
    ];
    if (present)
      body.push(
        loop(
          `${i}s`,
          s,
          [store(present.buffer, present.dtype, row(s, 0, `${i}s`), load(pad, cdt, row(W, L, `${i}s`)))],
          {
            vectorize: true,
          },
        ),
      );
    kernels.push(kernel(ctx, `causal_conv_rows_${sfx}`, [loop(bc, B * C, body, { parallel: true })]));
    src = { buffer: pad, dtype: cdt, width: W };
  }
  if (!y) return { kernels };
  const srcAt = (tap: number, tv: string | undefined = undefined): Index =>
    ix(tap, [[bv, C * src.width], [cv, src.width], [i, 1], ...(tv ? [[tv, 1] as [string, number]] : [])]);
  const yIx = ix(0, [
    [bv, C * L],
    [cv, L],
    [i, 1],
  ]);
  const biasE: Expr = bias ? load(bias.buffer, bias.dtype, ix(0, [[cv, 1]])) : n.c(0);
  const weight = (tap: number | string): Expr =>
    load(
      w.buffer,
      w.dtype,
      typeof tap === 'number'
        ? ix(tap, [[cv, k]])
        : ix(0, [
            [cv, k],
            [tap, 1],
          ]),
    );
  const silu = (ctx.attrs as { activation?: string }).activation !== 'none';
  const finish = (conv: Expr, scope: Scope): Stmt[] => {
    if (!silu) return [store(y.buffer, y.dtype, yIx, conv)];
    // the spec casts the conv result to T before the activation: a half output rounds it first
    if (isHalf(y.dtype)) {
      const r = `${f}r`;
      return [
        store(y.buffer, y.dtype, yIx, conv),
        set(r, ct, load(y.buffer, y.dtype, yIx)),
        store(y.buffer, y.dtype, yIx, n.mul(local(r, ct), n.u('sigmoid', local(r, ct)))),
      ];
    }
    const v = scope.let(conv);
    return [store(y.buffer, y.dtype, yIx, n.mul(v, n.u('sigmoid', v)))];
  };
  let perRow: Stmt[];
  if (k <= UNROLL) {
    const taps = Array.from({ length: k }, (_, tap) => `${f}w${tap}`);
    const scope = new Scope(`${f}v`);
    let conv: Expr = biasE;
    taps.forEach((wl, tap) => {
      conv = n.add(conv, n.mul(local(wl, ct), load(src.buffer, src.dtype, srcAt(tap))));
    });
    const tail = finish(conv, scope);
    perRow = [
      ...taps.map((wl, tap) => set(wl, ct, weight(tap))),
      loop(i, L, [...scope.stmts, ...tail], { vectorize: true }),
    ];
  } else {
    const acc = ctx.scratch(cdt, B * C * L, 'conv_acc');
    const wl = `${f}wj`;
    const scope = new Scope(`${f}v`);
    const tail = finish(load(acc, cdt, yIx), scope);
    perRow = [
      set(`${f}bias`, ct, biasE),
      loop(`${i}0`, L, [store(acc, cdt, rename(yIx, i, `${i}0`), local(`${f}bias`, ct))], {
        vectorize: true,
      }),
      loop(j, k, [
        set(wl, ct, weight(j)),
        loop(
          `${i}1`,
          L,
          [
            store(
              acc,
              cdt,
              rename(yIx, i, `${i}1`),
              n.add(
                load(acc, cdt, rename(yIx, i, `${i}1`)),
                n.mul(local(wl, ct), load(src.buffer, src.dtype, rename(srcAt(0, j), i, `${i}1`))),
              ),
            ),
          ],
          { vectorize: true },
        ),
      ]),
      loop(i, L, [...scope.stmts, ...tail], { vectorize: true }),
    ];
  }
  // channels usually outnumber the batch: the larger loop is the parallel one
  const [outer, oe, inner, ie] = C >= B ? [cv, C, bv, B] : [bv, B, cv, C];
  const name = `causal_conv_k${k}${silu ? '_silu' : ''}_${sfx}`;
  kernels.push(kernel(ctx, name, [loop(outer, oe, [loop(inner, ie, perRow)], { parallel: true })]));
  return { kernels };
}

function rename(index: Index, from: string, to: string): Index {
  return { ...index, terms: index.terms.map((t) => (t.v === from ? { ...t, v: to } : t)) };
}

registerLowerings({ CausalConvWithState: lowerCausalConv });
