import type { DType } from '../../../ir/dtype.js';
import { sizeOf } from '../../../ir/tensor.js';
import { attrsOf, opOf } from '../../../ops/node-context.js';
import {
  ATANH_SERIES,
  COS_SERIES,
  COUNTER_STEP,
  EXP_SERIES,
  EXP_STEPS,
  EXP_UNDERFLOW,
  LN2_HI,
  LN2_LO,
  LOG_STEPS,
  SIN_SERIES,
  FMIX_C1,
  FMIX_C2,
  significandBits,
  streamKey,
  type StreamKey,
} from '../../../ops/image/prng.js';
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
import type { Expr, Stmt } from '../../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type Lowered, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { ix, kernel, loop, output, required, suffix } from '../linalg/common.js';

/**
 * The random generators as loop nests: every element hashes its own counter (src/ops/image/prng.ts),
 * so the loops carry no state, are vectorizable and parallel, and match the reference bit for bit.
 * Arithmetic is float64 as in the reference, narrowed to float32 before the store; log, cos and exp
 * are prng.ts's explicit series built from exact IEEE operations, not the IR's unary functions, whose
 * wasm routines may differ from the engine's Math in the last bit. An unseeded node
 * takes its stream when it is lowered (see prng.ts).
 */

interface RandomAttrs {
  readonly seed?: number;
  readonly low?: number;
  readonly high?: number;
  readonly mean?: number;
  readonly scale?: number;
  readonly sample_size?: number;
}

const i32 = (v: number): Expr => constant('i32', v | 0);
const f64 = (v: number): Expr => constant('f64', v);
const local = (name: string, type: 'i32' | 'f64'): Expr => ({ op: 'local', name, type });
const set = (name: string, type: 'i32' | 'f64', value: Expr): Stmt => ({ op: 'set', name, type, value });

/** Statements leaving randomBits(key, counter) in the i32 local `h` (prng.ts, step for step). */
function bitsInto(h: string, key: StreamKey, counter: Expr): Stmt[] {
  const x = local(h, 'i32');
  const xorShr = (k: number): Stmt =>
    set(h, 'i32', binary('xor', 'i32', x, binary('shr', 'i32', x, i32(k), true)));
  const fmix = (): Stmt[] => [
    xorShr(16),
    set(h, 'i32', binary('mul', 'i32', x, i32(FMIX_C1))),
    xorShr(13),
    set(h, 'i32', binary('mul', 'i32', x, i32(FMIX_C2))),
    xorShr(16),
  ];
  return [
    set(h, 'i32', binary('xor', 'i32', binary('mul', 'i32', counter, i32(COUNTER_STEP)), i32(key.k0))),
    ...fmix(),
    set(h, 'i32', binary('add', 'i32', x, i32(key.k1))),
    ...fmix(),
  ];
}

/** unitUniform(bits32, bits) of the i32 local `h`, as float64. */
function unit(h: string, bits: number): Expr {
  const x = local(h, 'i32');
  const top = bits >= 32 ? x : binary('shr', 'i32', x, i32(32 - bits), true);
  return binary('mul', 'f64', convert('i32', 'f64', top, true), f64(2 ** -Math.min(bits, 32)));
}

function horner(c: readonly number[], z: Expr): Expr {
  let r = f64(c[c.length - 1]!);
  for (let j = c.length - 2; j >= 0; j--) r = binary('add', 'f64', f64(c[j]!), binary('mul', 'f64', z, r));
  return r;
}

/** prng.ts unitLog of `x` into the f64 local `${p}log`, operation for operation. */
function logInto(p: string, x: Expr): Stmt[] {
  const [m, e, f, s] = [`${p}m`, `${p}e`, `${p}f`, `${p}s`].map((n) => local(n, 'f64')) as [
    Expr,
    Expr,
    Expr,
    Expr,
  ];
  const scale = (below: number, by: number, k: number): Stmt[] => {
    const cond = compare('lt', 'f64', m, f64(below));
    return [
      set(`${p}e`, 'f64', binary('add', 'f64', e, select('f64', cond, f64(-k), f64(0)))),
      set(`${p}m`, 'f64', binary('mul', 'f64', m, select('f64', cond, f64(by), f64(1)))),
    ];
  };
  return [
    set(`${p}m`, 'f64', x),
    set(`${p}e`, 'f64', f64(0)),
    ...LOG_STEPS.flatMap((k) => scale(2 ** -k, 2 ** k, k)),
    ...scale(Math.SQRT1_2, 2, 1),
    set(`${p}f`, 'f64', binary('sub', 'f64', m, f64(1))),
    set(`${p}s`, 'f64', binary('div', 'f64', f, binary('add', 'f64', f64(2), f))),
    set(
      `${p}log`,
      'f64',
      binary(
        'add',
        'f64',
        binary('mul', 'f64', e, f64(Math.LN2)),
        binary(
          'mul',
          'f64',
          binary('mul', 'f64', f64(2), s),
          horner(ATANH_SERIES, binary('mul', 'f64', s, s)),
        ),
      ),
    ),
  ];
}

/** prng.ts cosTurns of `t` into the f64 local `${p}cos`. */
function cosInto(p: string, t: Expr): Stmt[] {
  const [n, x, c, sn] = [`${p}n`, `${p}x`, `${p}c`, `${p}sn`].map((v) => local(v, 'f64')) as [
    Expr,
    Expr,
    Expr,
    Expr,
  ];
  const z = binary('mul', 'f64', x, x);
  const q = binary('and', 'i32', convert('f64', 'i32', n), i32(3));
  const is = (v: number): Expr => compare('eq', 'i32', q, i32(v));
  return [
    set(`${p}t`, 'f64', t),
    set(
      `${p}n`,
      'f64',
      unary(
        'floor',
        'f64',
        binary('add', 'f64', binary('mul', 'f64', f64(4), local(`${p}t`, 'f64')), f64(0.5)),
      ),
    ),
    set(
      `${p}x`,
      'f64',
      binary(
        'mul',
        'f64',
        f64(2 * Math.PI),
        binary('sub', 'f64', local(`${p}t`, 'f64'), binary('mul', 'f64', n, f64(0.25))),
      ),
    ),
    set(`${p}c`, 'f64', horner(COS_SERIES, z)),
    set(`${p}sn`, 'f64', binary('mul', 'f64', x, horner(SIN_SERIES, z))),
    set(
      `${p}cos`,
      'f64',
      select(
        'f64',
        is(0),
        c,
        select('f64', is(1), unary('neg', 'f64', sn), select('f64', is(2), unary('neg', 'f64', c), sn)),
      ),
    ),
  ];
}

/** prng.ts expNonPositive of `y` into the f64 local `${p}exp`. */
function expInto(p: string, y: Expr): Stmt[] {
  const [yl, c, k, v, kk] = [`${p}y`, `${p}c`, `${p}k`, `${p}v`, `${p}kk`];
  const at = (n: string): Expr => local(n, 'f64');
  const f = (fn: 'add' | 'sub' | 'mul', a: Expr, b: Expr): Expr => binary(fn, 'f64', a, b);
  const step = (b: number): Stmt[] => {
    const cond = compare('ge', 'f64', at(kk), f64(b));
    return [
      set(v, 'f64', f('mul', at(v), select('f64', cond, f64(2 ** -b), f64(1)))),
      set(kk, 'f64', f('sub', at(kk), select('f64', cond, f64(b), f64(0)))),
    ];
  };
  return [
    set(yl, 'f64', y),
    set(c, 'f64', binary('max', 'f64', at(yl), f64(-746))),
    set(k, 'f64', unary('floor', 'f64', f('add', f('mul', at(c), f64(Math.LOG2E)), f64(0.5)))),
    set(
      v,
      'f64',
      horner(
        EXP_SERIES,
        f('sub', f('sub', at(c), f('mul', at(k), f64(LN2_HI))), f('mul', at(k), f64(LN2_LO))),
      ),
    ),
    set(kk, 'f64', unary('neg', 'f64', at(k))),
    ...EXP_STEPS.flatMap(step),
    set(`${p}exp`, 'f64', select('f64', compare('lt', 'f64', at(yl), f64(EXP_UNDERFLOW)), f64(0), at(v))),
  ];
}

function attrs(ctx: LowerContext): RandomAttrs {
  const def = opOf(ctx.node);
  return attrsOf(ctx.node, def) as RandomAttrs;
}

function floatOut(ctx: LowerContext): { buffer: string; dtype: DType; n: number } {
  const y = output(ctx);
  if (y.dtype !== 'float32' && y.dtype !== 'float16' && y.dtype !== 'bfloat16' && y.dtype !== 'float64')
    throw new LoweringUnsupported(`${ctx.node.op} output ${y.dtype} is not a float type`);
  return { buffer: y.buffer, dtype: y.dtype, n: sizeOf(y.shape) };
}

/** One flat vectorized, parallel loop storing value(i) (float64) into a float output. */
function elementwise(
  ctx: LowerContext,
  name: string,
  value: (i: string, local: (hint: string) => string) => { stmts: Stmt[]; value: Expr },
): Lowered {
  const y = floatOut(ctx);
  if (y.n === 0) return { kernels: [] };
  const p = ctx.fresh('r');
  const i = `${p}i`;
  const v = value(i, (hint) => `${p}${hint}`);
  const narrowed = y.dtype === 'float64' ? v.value : convert('f64', 'f32', v.value);
  const body = [...v.stmts, store(y.buffer, y.dtype, ix(0, [[i, 1]]), narrowed)];
  const loops = [loop(i, y.n, body, { vectorize: true, parallel: true })];
  return { kernels: [kernel(ctx, `${name}_${suffix(y.dtype)}`, loops)] };
}

const uniform: Lowering = (ctx) => {
  const a = attrs(ctx);
  const key = streamKey(a.seed);
  const low = a.low ?? 0;
  const span = (a.high ?? 1) - low;
  const bits = significandBits(output(ctx).dtype);
  return elementwise(ctx, 'random_uniform', (i, name) => ({
    stmts: bitsInto(name('h'), key, { op: 'var', name: i }),
    value: binary('add', 'f64', f64(low), binary('mul', 'f64', f64(span), unit(name('h'), bits))),
  }));
};

const normal: Lowering = (ctx) => {
  const a = attrs(ctx);
  const key = streamKey(a.seed);
  return elementwise(ctx, 'random_normal', (i, name) => {
    const twice = binary('mul', 'i32', { op: 'var', name: i }, i32(2));
    const u1 = binary('sub', 'f64', f64(1), unit(name('h1'), 32));
    const r = unary('sqrt', 'f64', binary('mul', 'f64', f64(-2), local(name('log'), 'f64')));
    const z = binary('mul', 'f64', r, local(name('cos'), 'f64'));
    return {
      stmts: [
        ...bitsInto(name('h1'), key, twice),
        ...bitsInto(name('h2'), key, binary('add', 'i32', twice, i32(1))),
        ...logInto(name(''), u1),
        ...cosInto(name(''), unit(name('h2'), 32)),
      ],
      value: binary('add', 'f64', f64(a.mean ?? 0), binary('mul', 'f64', f64(a.scale ?? 1), z)),
    };
  });
};

/** 1 where uniform < p, in the output's compute type. */
const bernoulli: Lowering = (ctx) => {
  const key = streamKey(attrs(ctx).seed);
  const x = required(ctx, 0);
  const y = output(ctx);
  const n = sizeOf(y.shape);
  if (n === 0) return { kernels: [] };
  const p = ctx.fresh('r');
  const i = `${p}i`;
  const prob = convert(computeType(x.dtype), 'f64', load(x.buffer, x.dtype, ix(0, [[i, 1]])));
  const hit = compare('lt', 'f64', unit(`${p}h`, 32), prob);
  const body = [
    ...bitsInto(`${p}h`, key, { op: 'var', name: i }),
    store(y.buffer, y.dtype, ix(0, [[i, 1]]), convert('i32', computeType(y.dtype), hit)),
  ];
  const loops = [loop(i, n, body, { vectorize: true, parallel: true })];
  return { kernels: [kernel(ctx, `bernoulli_${suffix(x.dtype)}_${suffix(y.dtype)}`, loops)] };
};

/**
 * Per row: the max, the softmax total, then per sample the inverse CDF as a count of partial sums
 * <= u over the first classes - 1 classes (the reference's linear search, as partial sums never
 * decrease). exp is recomputed per sample rather than kept in scratch: classes are few.
 */
const multinomial: Lowering = (ctx) => {
  const a = attrs(ctx);
  const key = streamKey(a.seed);
  const x = required(ctx, 0);
  const y = output(ctx);
  if (x.shape.length !== 2) throw new LoweringUnsupported('Multinomial input must be [batch, classes]');
  const [batch, classes] = x.shape as [number, number];
  const samples = a.sample_size ?? 1;
  if (batch * samples === 0) return { kernels: [] };
  const p = ctx.fresh('r');
  const [b, k, s] = [`${p}b`, `${p}k`, `${p}s`];
  const [max, total, u, c, count] = [`${p}max`, `${p}total`, `${p}u`, `${p}c`, `${p}n`];
  const logit = convert(
    computeType(x.dtype),
    'f64',
    load(
      x.buffer,
      x.dtype,
      ix(0, [
        [b, classes],
        [k, 1],
      ]),
    ),
  );
  const weight = expInto(`${p}w`, binary('sub', 'f64', logit, local(max, 'f64')));
  const w = local(`${p}wexp`, 'f64');
  const counter = binary('add', 'i32', binary('mul', 'i32', { op: 'var', name: b }, i32(samples)), {
    op: 'var',
    name: s,
  });
  const search: Stmt[] = [
    ...weight,
    set(c, 'f64', binary('add', 'f64', local(c, 'f64'), w)),
    set(
      count,
      'i32',
      binary('add', 'i32', local(count, 'i32'), compare('le', 'f64', local(c, 'f64'), local(u, 'f64'))),
    ),
  ];
  const sample: Stmt[] = [
    ...bitsInto(`${p}h`, key, counter),
    set(u, 'f64', binary('mul', 'f64', unit(`${p}h`, 32), local(total, 'f64'))),
    set(c, 'f64', f64(0)),
    set(count, 'i32', i32(0)),
    ...(classes > 1 ? [loop(k, classes - 1, search)] : []),
    store(
      y.buffer,
      y.dtype,
      ix(0, [
        [b, samples],
        [s, 1],
      ]),
      convert('i32', computeType(y.dtype), local(count, 'i32')),
    ),
  ];
  const row: Stmt[] = [
    set(max, 'f64', f64(-Infinity)),
    loop(k, classes, [set(max, 'f64', binary('max', 'f64', local(max, 'f64'), logit))]),
    set(total, 'f64', f64(0)),
    loop(k, classes, [...weight, set(total, 'f64', binary('add', 'f64', local(total, 'f64'), w))]),
    loop(s, samples, sample),
  ];
  const body = [loop(b, batch, row, { parallel: true })];
  return { kernels: [kernel(ctx, `multinomial_${suffix(x.dtype)}_${suffix(y.dtype)}`, body)] };
};

registerLowerings({
  RandomUniform: uniform,
  RandomNormal: normal,
  RandomUniformLike: uniform,
  RandomNormalLike: normal,
  Bernoulli: bernoulli,
  Multinomial: multinomial,
});
