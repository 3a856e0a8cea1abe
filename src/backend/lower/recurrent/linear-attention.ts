import { load, store } from '../../kernel/build.js';
import type { Expr, Index, Kernel, Scalar, Stmt } from '../../kernel/ir.js';
import type { Num } from '../elementwise/scalar.js';
import { LoweringUnsupported, type Lowered, type LowerContext, type LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { computeDType, ix, kernel, local, loop, numFor, set, suffix } from './common.js';

/**
 * LinearAttention: the reference's token-by-token recurrence (src/ops/recurrent/
 * linear-attention-kernel.ts) per (batch, KV head) over a matrix state S [dk, dv]:
 *   S <- exp(g_t) S                          (gated rules; g per key row or per head)
 *   u  = beta_t (v_t - S^T (e_t . k_t))      (delta rules; u = v_t otherwise)
 *   S <- S + k_t (x) u
 *   o_t = scale q_t^T S                      for each query head of the KV head's group.
 * Every loop over dv is contiguous and vectorized; the (batch, head) pairs are independent, so the
 * larger of the two loops is the parallel one. The state lives in present_state itself when that
 * has the compute dtype, else in scratch copied out at the end.
 */
interface Attrs {
  readonly kv_num_heads?: number;
  readonly q_num_heads?: number;
  readonly scale?: number;
  readonly update_rule: 'gated_delta' | 'linear' | 'gated' | 'delta';
}

type Terms = [string, number][];

/** Names, shapes and index helpers of one node's kernels. */
class LinearAttention {
  readonly B: number;
  readonly T: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly dk: number;
  readonly dv: number;
  readonly cdt: 'float32' | 'float64';
  readonly n: Num;
  readonly ct: Scalar;
  /** State [B, Hkv, dk, dv], u and the output accumulator [B, Hkv, dv], all in the compute dtype. */
  readonly S: string;
  readonly u: string;
  readonly acc: string;
  // loop variables: batch, KV head, time, key row, query head in the group; locals
  readonly b: string;
  readonly h: string;
  readonly t: string;
  readonly d: string;
  readonly j: string;
  private readonly f: string;

  constructor(
    readonly ctx: LowerContext,
    readonly attrs: Attrs,
    readonly q: LoweredValue,
    v: LoweredValue,
    past: LoweredValue | undefined,
    present: LoweredValue | undefined,
  ) {
    const Hq = attrs.q_num_heads;
    const Hkv = attrs.kv_num_heads;
    if (!Hq || !Hkv || Hq % Hkv !== 0)
      throw new LoweringUnsupported('q_num_heads must be a multiple of kv_num_heads');
    [this.B, this.T] = q.shape as [number, number];
    this.Hq = Hq;
    this.Hkv = Hkv;
    this.dk = q.shape[2]! / Hq;
    this.dv = v.shape[2]! / Hkv;
    this.cdt = [q.dtype, past?.dtype].includes('float64') ? 'float64' : computeDType(q.dtype);
    this.n = numFor(this.cdt);
    this.ct = this.n.t;
    const { B, dk, dv } = this;
    this.S =
      present && present.dtype === this.cdt
        ? present.buffer
        : ctx.scratch(this.cdt, B * Hkv * dk * dv, 'la_state');
    this.u = ctx.scratch(this.cdt, B * Hkv * dv, 'la_u');
    this.acc = ctx.scratch(this.cdt, B * Hkv * dv, 'la_acc');
    this.f = ctx.fresh('la');
    [this.b, this.h, this.t, this.d, this.j] = ['b', 'h', 't', 'd', 'j'].map((x) => `${this.f}${x}`) as [
      string,
      string,
      string,
      string,
      string,
    ];
  }

  /** A vectorized loop over dv; `body` gets its variable. */
  overDv(name: string, body: (m: string) => Stmt[]): Stmt {
    const m = `${this.f}m${name}`;
    return loop(m, this.dv, body(m), { vectorize: true });
  }

  /** A local of the compute type named after `name`. */
  local(name: string): Expr {
    return local(`${this.f}${name}`, this.ct);
  }

  set(name: string, value: Expr): Stmt {
    return set(`${this.f}${name}`, this.ct, value);
  }

  /** Element (b, t, head of `heads` heads of width w, ...rest) of a packed [B, T, heads * w] input. */
  packed(x: LoweredValue, w: number, heads: number, head: Terms, rest: Terms = []): Expr {
    const { b, t, T } = this;
    const terms: Terms = [
      [b, T * heads * w],
      [t, heads * w],
      ...head.map(([v, s]): [string, number] => [v, s * w]),
      ...rest,
    ];
    return load(x.buffer, x.dtype, ix(0, terms));
  }

  /** Element (b, h, ...) of a [B, Hkv, inner] buffer. */
  perHead(inner: number, terms: Terms): Index {
    return ix(0, [[this.b, this.Hkv * inner], [this.h, inner], ...terms]);
  }

  sIx(m: string): Index {
    return this.perHead(this.dk * this.dv, [
      [this.d, this.dv],
      [m, 1],
    ]);
  }

  rowAt(buffer: 'u' | 'acc', m: string): Expr {
    return load(this[buffer], this.cdt, this.perHead(this.dv, [[m, 1]]));
  }

  storeRow(buffer: 'u' | 'acc', m: string, value: Expr): Stmt {
    return store(this[buffer], this.cdt, this.perHead(this.dv, [[m, 1]]), value);
  }

  sAt(m: string): Expr {
    return load(this.S, this.cdt, this.sIx(m));
  }

  /** Loops over (b, h), the larger parallel, around `body`. */
  heads(body: Stmt[]): Stmt[] {
    const { b, h, B, Hkv } = this;
    const [outer, oe, inner, ie] = Hkv > B ? [h, Hkv, b, B] : [b, B, h, Hkv];
    return [loop(outer, oe, [loop(inner, ie, body)], { parallel: true })];
  }
}

function lowerLinearAttention(ctx: LowerContext): Lowered {
  const [q, k, v, past, decay, beta, erase] = ctx.inputs;
  if (!q || !k || !v) throw new LoweringUnsupported('query, key and value are required');
  const [out, present] = ctx.outputs;
  const attrs = ctx.attrs as unknown as Attrs;
  const la = new LinearAttention(ctx, attrs, q, v, past, present);
  const { n, d, h, cdt } = la;
  const init = loop(d, la.dk, [
    la.overDv('i', (m) => [
      store(la.S, cdt, la.sIx(m), past ? load(past.buffer, past.dtype, la.sIx(m)) : n.c(0)),
    ]),
  ]);
  const key = la.packed(k, la.dk, la.Hkv, [[h, 1]], [[d, 1]]);
  const step: Stmt[] = [];
  if (decay) step.push(...decayState(la, decay));
  step.push(la.overDv('v', (m) => [la.storeRow('u', m, la.packed(v, la.dv, la.Hkv, [[h, 1]], [[m, 1]]))]));
  if (beta) step.push(...deltaCorrection(la, key, beta, erase));
  step.push(
    loop(d, la.dk, [
      la.set('kd', key),
      la.overDv('u', (m) => [
        store(la.S, cdt, la.sIx(m), n.add(la.sAt(m), n.mul(la.local('kd'), la.rowAt('u', m)))),
      ]),
    ]),
  );
  if (out) step.push(output(la, out));
  const kernels: Kernel[] = [
    kernel(
      ctx,
      `linear_attention_${attrs.update_rule}_${suffix(q.dtype)}`,
      la.heads([init, loop(la.t, la.T, step)]),
    ),
  ];
  if (present && present.buffer !== la.S) {
    const copy = loop(d, la.dk, [
      la.overDv('s', (m) => [store(present.buffer, present.dtype, la.sIx(m), la.sAt(m))]),
    ]);
    kernels.push(kernel(ctx, `linear_attention_state_out_${suffix(present.dtype)}`, la.heads([copy])));
  }
  return { kernels };
}

/** S <- exp(g) S, g per key row ([B, T, Hkv * dk]) or one per head ([B, T, Hkv]). */
function decayState(la: LinearAttention, decay: LoweredValue): Stmt[] {
  const { n, d, h, dk } = la;
  const perKey = decay.shape[2] === la.Hkv * dk;
  const scaleRow = la.overDv('g', (m) => [store(la.S, la.cdt, la.sIx(m), n.mul(la.sAt(m), la.local('g')))]);
  if (perKey)
    return [
      loop(d, dk, [la.set('g', n.u('exp', la.packed(decay, dk, la.Hkv, [[h, 1]], [[d, 1]]))), scaleRow]),
    ];
  return [la.set('g', n.u('exp', la.packed(decay, 1, la.Hkv, [[h, 1]]))), loop(d, dk, [scaleRow])];
}

/** u <- beta (u - S^T k'), k' = erase . k when the erase gate is given; beta per head or shared. */
function deltaCorrection(
  la: LinearAttention,
  key: Expr,
  beta: LoweredValue,
  erase: LoweredValue | undefined,
): Stmt[] {
  const { n, d, h } = la;
  const erased = erase ? n.mul(la.packed(erase, la.dk, la.Hkv, [[h, 1]], [[d, 1]]), key) : key;
  const betaV = beta.shape[2] === 1 ? la.packed(beta, 1, 1, []) : la.packed(beta, 1, la.Hkv, [[h, 1]]);
  return [
    loop(d, la.dk, [
      la.set('ke', erased),
      la.overDv('e', (m) => [la.storeRow('u', m, n.sub(la.rowAt('u', m), n.mul(la.local('ke'), la.sAt(m))))]),
    ]),
    la.set('beta', betaV),
    la.overDv('b', (m) => [la.storeRow('u', m, n.mul(la.rowAt('u', m), la.local('beta')))]),
  ];
}

/** o = scale q^T S for each query head of KV head h, accumulated over d in the compute dtype. */
function output(la: LinearAttention, out: LoweredValue): Stmt {
  const { n, b, t, h, d, j, T, Hq, dk, dv } = la;
  const group = Hq / la.Hkv;
  const scale = la.attrs.scale === undefined || la.attrs.scale === 0 ? 1 / Math.sqrt(dk) : la.attrs.scale;
  // query head h * group + j of row (b, t)
  const head: Terms = [
    [b, T * Hq],
    [t, Hq],
    [h, group],
    [j, 1],
  ];
  const qIx = ix(0, [...head.map(([v, s]): [string, number] => [v, s * dk]), [d, 1]]);
  const oIx = (m: string): Index => ix(0, [...head.map(([v, s]): [string, number] => [v, s * dv]), [m, 1]]);
  return loop(j, group, [
    la.overDv('z', (m) => [la.storeRow('acc', m, n.c(0))]),
    loop(d, dk, [
      la.set('qd', load(la.q.buffer, la.q.dtype, qIx)),
      la.overDv('a', (m) => [
        la.storeRow('acc', m, n.add(la.rowAt('acc', m), n.mul(la.local('qd'), la.sAt(m)))),
      ]),
    ]),
    la.overDv('o', (m) => [store(out.buffer, out.dtype, oIx(m), n.mul(la.rowAt('acc', m), n.c(scale)))]),
  ]);
}

registerLowerings({ LinearAttention: lowerLinearAttention });
