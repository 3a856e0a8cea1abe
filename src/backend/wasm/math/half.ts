import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import type { Routine } from './library.js';

/**
 * float16 and bfloat16 conversions, scalar and 4 lanes at a time. Decoding is exact; encoding rounds
 * to nearest even, overflows to infinity and keeps NaNs NaN (quiet).
 */

const f32 = binaryen.f32;
const i32 = binaryen.i32;
const v128 = binaryen.v128;

/** Lane-generic integer ops, so scalar and SIMD conversions share one formulation. */
interface IntOps {
  k(v: number): Ref;
  and(a: Ref, b: Ref): Ref;
  or(a: Ref, b: Ref): Ref;
  add(a: Ref, b: Ref): Ref;
  sub(a: Ref, b: Ref): Ref;
  shl(a: Ref, n: number): Ref;
  shr(a: Ref, n: number): Ref;
  /** a >= b (unsigned) ? x : y */
  pickGe(a: () => Ref, b: number, x: Ref, y: Ref): Ref;
  /** a > b (unsigned) ? x : y */
  pickGt(a: () => Ref, b: number, x: Ref, y: Ref): Ref;
  fromFloat(x: Ref): Ref;
  toFloat(x: Ref): Ref;
  /** float(unsigned int) * s */
  scaled(x: Ref, s: number): Ref;
  /** round-half-even(|x| * s) as unsigned int */
  roundScaled(x: Ref, s: number): Ref;
}

function scalarOps(fb: FunctionBuilder): IntOps {
  const m = fb.m;
  const I = m.i32;
  return {
    k: (v) => I.const(v),
    and: (a, b) => I.and(a, b),
    or: (a, b) => I.or(a, b),
    add: (a, b) => I.add(a, b),
    sub: (a, b) => I.sub(a, b),
    shl: (a, n) => I.shl(a, I.const(n)),
    shr: (a, n) => I.shr_u(a, I.const(n)),
    pickGe: (a, b, x, y) => m.select(I.ge_u(a(), I.const(b)), x, y),
    pickGt: (a, b, x, y) => m.select(I.gt_u(a(), I.const(b)), x, y),
    fromFloat: (x) => I.reinterpret(x),
    toFloat: (x) => m.f32.reinterpret(x),
    scaled: (x, s) => I.reinterpret(m.f32.mul(m.f32.convert_u.i32(x), m.f32.const(s))),
    roundScaled: (x, s) => I.trunc_u_sat.f32(m.f32.nearest(m.f32.mul(m.f32.abs(x), m.f32.const(s)))),
  };
}

function vectorOps(fb: FunctionBuilder): IntOps {
  const m = fb.m;
  const V = m.i32x4;
  const k = (v: number): Ref => V.splat(m.i32.const(v));
  return {
    k,
    and: (a, b) => m.v128.and(a, b),
    or: (a, b) => m.v128.or(a, b),
    add: (a, b) => V.add(a, b),
    sub: (a, b) => V.sub(a, b),
    shl: (a, n) => V.shl(a, m.i32.const(n)),
    shr: (a, n) => V.shr_u(a, m.i32.const(n)),
    pickGe: (a, b, x, y) => m.v128.bitselect(x, y, V.ge_u(a(), k(b))),
    pickGt: (a, b, x, y) => m.v128.bitselect(x, y, V.gt_u(a(), k(b))),
    fromFloat: (x) => x,
    toFloat: (x) => x,
    scaled: (x, s) => m.f32x4.mul(m.f32x4.convert_i32x4_u(x), m.f32x4.splat(m.f32.const(s))),
    roundScaled: (x, s) =>
      V.trunc_sat_f32x4_u(m.f32x4.nearest(m.f32x4.mul(m.f32x4.abs(x), m.f32x4.splat(m.f32.const(s))))),
  };
}

function f16Decode(ops: (fb: FunctionBuilder) => IntOps, lane: binaryen.Type) {
  return (fb: FunctionBuilder): Ref => {
    const o = ops(fb);
    const h = fb.param(0);
    const em = fb.local(lane);
    const normal = o.add(o.shl(em.get(), 13), o.k(0x38000000));
    const special = o.or(o.shl(em.get(), 13), o.k(0x7f800000));
    const subnormal = o.scaled(em.get(), 2 ** -24);
    return fb.m.block(
      null,
      [
        em.set(o.and(h.get(), o.k(0x7fff))),
        o.toFloat(
          o.or(
            o.pickGe(em.get, 0x7c00, special, o.pickGe(em.get, 0x400, normal, subnormal)),
            o.shl(o.and(h.get(), o.k(0x8000)), 16),
          ),
        ),
      ],
      lane === i32 ? f32 : v128,
    );
  };
}

function f16Encode(ops: (fb: FunctionBuilder) => IntOps, lane: binaryen.Type) {
  return (fb: FunctionBuilder): Ref => {
    const o = ops(fb);
    const x = fb.param(0);
    const [u, a, r] = fb.locals(lane, 3);
    const nan = o.or(o.k(0x7e00), o.and(o.shr(a.get(), 13), o.k(0x3ff)));
    const normal = o.shr(o.add(o.add(r.get(), o.k(0xfff)), o.and(o.shr(r.get(), 13), o.k(1))), 13);
    const small = o.roundScaled(x.get(), 2 ** 24);
    return fb.m.block(
      null,
      [
        u.set(o.fromFloat(x.get())),
        a.set(o.and(u.get(), o.k(0x7fffffff))),
        r.set(o.sub(a.get(), o.k(0x38000000))),
        o.or(
          o.pickGt(
            a.get,
            0x7f800000,
            nan,
            o.pickGe(a.get, 0x477ff000, o.k(0x7c00), o.pickGe(a.get, 0x38800000, normal, small)),
          ),
          o.and(o.shr(u.get(), 16), o.k(0x8000)),
        ),
      ],
      lane,
    );
  };
}

function bf16Encode(ops: (fb: FunctionBuilder) => IntOps, lane: binaryen.Type) {
  return (fb: FunctionBuilder): Ref => {
    const o = ops(fb);
    const x = fb.param(0);
    const u = fb.local(lane);
    const a = fb.local(lane);
    const nan = o.or(o.shr(u.get(), 16), o.k(0x40));
    const rounded = o.shr(o.add(o.add(u.get(), o.k(0x7fff)), o.and(o.shr(u.get(), 16), o.k(1))), 16);
    return fb.m.block(
      null,
      [
        u.set(o.fromFloat(x.get())),
        a.set(o.and(u.get(), o.k(0x7fffffff))),
        o.pickGt(a.get, 0x7f800000, nan, rounded),
      ],
      lane,
    );
  };
}

export const halfRoutines: Record<string, Routine> = {
  f16_to_f32: { params: [i32], result: f32, build: f16Decode(scalarOps, i32) },
  f32_to_f16: { params: [f32], result: i32, build: f16Encode(scalarOps, i32) },
  f32_to_bf16: { params: [f32], result: i32, build: bf16Encode(scalarOps, i32) },
  f16x4_to_f32x4: { params: [v128], result: v128, build: f16Decode(vectorOps, v128) },
  f32x4_to_f16x4: { params: [v128], result: v128, build: f16Encode(vectorOps, v128) },
  f32x4_to_bf16x4: { params: [v128], result: v128, build: bf16Encode(vectorOps, v128) },
};
