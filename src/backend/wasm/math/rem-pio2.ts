import { binaryen, type FunctionBuilder, type Local, type Module, type Ref } from '../binaryen.js';
import { hiWord, i64c } from './bits.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * Reduction of x modulo pi/2 for sin/cos/tan: x = n*(pi/2) + y0 + y1. Medium arguments
 * (|x| < 2^20*pi/2) use fdlibm's three-step Cody-Waite subtraction with pi/2 split in 33-bit parts;
 * larger ones multiply the mantissa by the needed window of 4/pi's bits in integer arithmetic
 * (Payne-Hanek, in the compact form of Go's math.trigReduce), exact for every finite double.
 */

const INV_PIO2 = 6.36619772367581382433e-1;
const PIO2_1 = 1.57079632673412561417;
const PIO2_1T = 6.07710050650619224932e-11;
const PIO2_2 = 6.0771005063039659766e-11;
const PIO2_2T = 2.02226624879595063154e-21;
const PIO2_3 = 2.0222662487111664558e-21;
const PIO2_3T = 8.47842766036889956997e-32;

/** 4/pi = sum FOUR_OVER_PI[i] * 2^(-64 i), computed with Machin's formula in big integers. */
const FOUR_OVER_PI: readonly bigint[] = [
  0x1n,
  0x45f306dc9c882a53n,
  0xf84eafa3ea69bb81n,
  0xb6c52b3278872083n,
  0xfca2c757bd778ac3n,
  0x6e48dc74849ba5c0n,
  0x0c925dd413a32439n,
  0xfc3bd63962534e7dn,
  0xd1046bea5d768909n,
  0xd338e04d68befc82n,
  0x7323ac7306a673e9n,
  0x3908bf177bf25076n,
  0x3ff12fffbc0b301fn,
  0xde5e2316b414da3en,
  0xda6cfd9e4f96136en,
  0x9e8c7ecd3cbfd45an,
  0xea4f758fd7cbe2f6n,
  0x7a0e73ef14a525d4n,
  0xd7f6bf623f1aba10n,
  0xac06608df8f6d757n,
];

const QUADRANT = 'rem_pio2_quadrant';
const f64 = binaryen.f64;
const i32 = binaryen.i32;
const i64 = binaryen.i64;

export interface Reduced {
  readonly code: Ref;
  readonly n: Local;
  readonly y0: Local;
  readonly y1: Local;
}

/** Emits the reduction of `x` (|x| >= pi/4, finite; `ix` = its high word without sign). */
export function remPio2(fb: FunctionBuilder, lib: MathLibrary, x: Local, ix: Local): Reduced {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const n = fb.local(i32);
  const [y0, y1, fn, r, w, t] = fb.locals(f64, 6);
  const [j, i] = fb.locals(i32, 2);
  const lostBits = (): Ref =>
    I.sub(j.get(), I.and(I.shr_u(hiWord(m, y0.get()), I.const(20)), I.const(0x7ff)));
  // one more Cody-Waite step with the next 33 bits of pi/2 when cancellation ate the first ones
  const refine = (part: number, tail: number): Ref[] => [
    t.set(r.get()),
    w.set(F.mul(fn.get(), c(part))),
    r.set(F.sub(t.get(), w.get())),
    w.set(F.sub(F.mul(fn.get(), c(tail)), F.sub(F.sub(t.get(), r.get()), w.get()))),
    y0.set(F.sub(r.get(), w.get())),
  ];
  const medium = m.block(null, [
    fn.set(F.nearest(F.mul(x.get(), c(INV_PIO2)))),
    n.set(I.trunc_s_sat.f64(fn.get())),
    r.set(F.sub(x.get(), F.mul(fn.get(), c(PIO2_1)))),
    w.set(F.mul(fn.get(), c(PIO2_1T))),
    j.set(I.shr_u(ix.get(), I.const(20))),
    y0.set(F.sub(r.get(), w.get())),
    i.set(lostBits()),
    m.if(
      I.gt_s(i.get(), I.const(16)),
      m.block(null, [
        ...refine(PIO2_2, PIO2_2T),
        i.set(lostBits()),
        m.if(I.gt_s(i.get(), I.const(49)), m.block(null, refine(PIO2_3, PIO2_3T))),
      ]),
    ),
    y1.set(F.sub(F.sub(r.get(), y0.get()), w.get())),
  ]);
  const quadrant = lib.global(QUADRANT, { type: i32, init: (mm) => mm.i32.const(0) });
  const large = m.block(null, [
    t.set(lib.call('rem_pio2_large_f64', [F.abs(x.get())])),
    n.set(m.global.get(quadrant, i32)),
    m.if(
      F.lt(x.get(), c(0)),
      m.block(null, [y0.set(F.neg(t.get())), n.set(I.sub(I.const(0), n.get()))]),
      y0.set(t.get()),
    ),
    y1.set(c(0)),
  ]);
  return { code: m.if(I.lt_u(ix.get(), I.const(0x413921fb)), medium, large), n, y0, y1 };
}

/** hi and lo 64 bits of the 128-bit product a*b (Go's bits.Mul64 from 32-bit halves). */
function mul128(m: Module, fb: FunctionBuilder, a: Ref, b: Ref): { code: Ref[]; hi: Local; lo: Local } {
  const L = m.i64;
  const [a0, a1, b0, b1, w0, t, w1, hi, lo] = fb.locals(i64, 9);
  const mask = (): Ref => i64c(m, 0xffffffffn);
  const s32 = (): Ref => i64c(m, 32n);
  const code = [
    a0.set(a),
    b0.set(b),
    lo.set(L.mul(a0.get(), b0.get())),
    a1.set(L.shr_u(a0.get(), s32())),
    b1.set(L.shr_u(b0.get(), s32())),
    a0.set(L.and(a0.get(), mask())),
    b0.set(L.and(b0.get(), mask())),
    w0.set(L.mul(a0.get(), b0.get())),
    t.set(L.add(L.mul(a1.get(), b0.get()), L.shr_u(w0.get(), s32()))),
    w1.set(L.add(L.and(t.get(), mask()), L.mul(a0.get(), b1.get()))),
    hi.set(L.add(L.add(L.mul(a1.get(), b1.get()), L.shr_u(t.get(), s32())), L.shr_u(w1.get(), s32()))),
  ];
  return { code, hi, lo };
}

/** x >= 2^20*pi/2, finite: returns z in [-pi/4, pi/4) and sets the quadrant global (0..3). */
function remPio2Large(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const L = m.i64;
  const I = m.i32;
  const x = fb.param(0);
  const [ix, bs, z0, z1, z2, lo, hi, j, sh] = fb.locals(i64, 9);
  const z = fb.local(f64);
  const [e, d, odd] = fb.locals(i32, 3);
  const k = (v: bigint): Ref => i64c(m, v);
  const word = (offset: number): Ref => lib.call('four_over_pi_word', [I.add(d.get(), I.const(offset))]);
  // (a:b) << bs, keeping the top 64 bits; wasm shifts are mod 64, so bs = 0 needs its own arm
  const funnel = (a: Ref, b: Ref): Ref =>
    L.or(L.shl(a, bs.get()), m.select(L.eqz(bs.get()), k(0n), L.shr_u(b, L.sub(k(64n), bs.get()))));
  const p2 = mul128(m, fb, z2.get(), ix.get());
  const p1 = mul128(m, fb, z1.get(), ix.get());
  const quadrant = lib.global(QUADRANT, { type: i32, init: (mm) => mm.i32.const(0) });
  return m.block(
    null,
    [
      ix.set(L.reinterpret(x.get())),
      e.set(I.sub(I.wrap(L.shr_u(ix.get(), k(52n))), I.const(1023 + 52))),
      ix.set(L.or(L.and(ix.get(), k(0xfffffffffffffn)), k(0x10000000000000n))),
      d.set(I.shr_u(I.add(e.get(), I.const(61)), I.const(6))),
      bs.set(L.extend_u(I.and(I.add(e.get(), I.const(61)), I.const(63)))),
      z0.set(funnel(word(0), word(1))),
      z1.set(funnel(word(1), word(2))),
      z2.set(funnel(word(2), word(3))),
      ...p2.code,
      ...p1.code,
      lo.set(L.add(p1.lo.get(), p2.hi.get())),
      hi.set(L.add(L.add(L.mul(z0.get(), ix.get()), p1.hi.get()), L.extend_u(L.lt_u(lo.get(), p1.lo.get())))),
      j.set(L.shr_u(hi.get(), k(61n))),
      hi.set(L.or(L.shl(hi.get(), k(3n)), L.shr_u(lo.get(), k(61n)))),
      lo.set(L.shl(lo.get(), k(3n))),
      // an odd octant rounds up to the next quadrant: take 1 - fraction in fixed point, exactly
      // (in floating point the subtraction would cancel the leading bits)
      odd.set(L.ne(L.and(j.get(), k(1n)), k(0n))),
      m.if(
        odd.get(),
        m.block(null, [
          j.set(L.and(L.add(j.get(), k(1n)), k(7n))),
          hi.set(m.select(L.eqz(lo.get()), L.sub(k(0n), hi.get()), L.xor(hi.get(), k(-1n)))),
          lo.set(L.sub(k(0n), lo.get())),
        ]),
      ),
      // normalize the 128-bit fraction hi:lo into a double's mantissa
      sh.set(L.add(L.clz(hi.get()), k(1n))),
      hi.set(
        L.or(
          m.select(L.eq(sh.get(), k(64n)), k(0n), L.shl(hi.get(), sh.get())),
          L.shr_u(lo.get(), L.sub(k(64n), sh.get())),
        ),
      ),
      hi.set(L.or(L.shr_u(hi.get(), k(12n)), L.shl(L.sub(k(1023n), sh.get()), k(52n)))),
      z.set(m.f64.reinterpret(hi.get())),
      m.global.set(quadrant, I.wrap(L.shr_u(j.get(), k(1n)))),
      m.f64.mul(m.select(odd.get(), m.f64.neg(z.get()), z.get()), m.f64.const(Math.PI / 4)),
    ],
    f64,
  );
}

/** Word i of 4/pi's binary expansion, by table switch. */
function fourOverPiWord(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const i = fb.param(0);
  const labels = FOUR_OVER_PI.map((_, k) => `w${k}`);
  let nested = m.block(labels[0]!, [m.switch(labels, labels[labels.length - 1]!, i.get())]);
  for (let k = 0; k < FOUR_OVER_PI.length; k++) {
    const body = [nested, m.return(i64c(m, BigInt.asIntN(64, FOUR_OVER_PI[k]!)))];
    nested = k + 1 < labels.length ? m.block(labels[k + 1]!, body) : m.block(null, body);
  }
  return m.block(null, [nested, m.unreachable()]);
}

export const remPio2Routines: Record<string, Routine> = {
  rem_pio2_large_f64: { params: [f64], result: f64, build: remPio2Large },
  four_over_pi_word: { params: [i32], result: i64, build: fourOverPiWord },
};
