import { binaryen, type FunctionBuilder, type Ref } from '../binaryen.js';
import { hiWord } from './bits.js';
import type { MathLibrary, Routine } from './library.js';

/**
 * Hyperbolic functions and their inverses in double precision, built on expm1/log1p where
 * cancellation would otherwise cost digits near 0 (the musl formulations), and the logistic sigmoid.
 */

const LN2 = Math.LN2;
const f64 = binaryen.f64;
const i32 = binaryen.i32;

function tanh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const w = fb.local(i32);
  const [a, t] = fb.locals(f64, 2);
  return m.block(
    null,
    [
      w.set(I.and(hiWord(m, x.get()), I.const(0x7fffffff))),
      a.set(F.abs(x.get())),
      m.if(F.ne(x.get(), x.get()), m.return(x.get())),
      t.set(
        m.if(
          I.gt_u(w.get(), I.const(0x3fe193ea)),
          m.if(
            I.gt_u(w.get(), I.const(0x40340000)),
            c(1),
            m.block(
              null,
              [
                t.set(lib.call('expm1_f64', [F.mul(c(2), a.get())])),
                F.sub(c(1), F.div(c(2), F.add(t.get(), c(2)))),
              ],
              f64,
            ),
          ),
          m.if(
            I.gt_u(w.get(), I.const(0x3fd058ae)),
            m.block(
              null,
              [t.set(lib.call('expm1_f64', [F.mul(c(2), a.get())])), F.div(t.get(), F.add(t.get(), c(2)))],
              f64,
            ),
            m.if(
              I.ge_u(w.get(), I.const(0x00100000)),
              m.block(
                null,
                [
                  t.set(lib.call('expm1_f64', [F.mul(c(-2), a.get())])),
                  F.div(F.neg(t.get()), F.add(t.get(), c(2))),
                ],
                f64,
              ),
              a.get(),
            ),
          ),
        ),
      ),
      F.copysign(t.get(), x.get()),
    ],
    f64,
  );
}

/** exp(|x|)/2 for |x| beyond exp's range: two halves so nothing overflows early. */
function halfExpLarge(fb: FunctionBuilder, lib: MathLibrary, a: () => Ref): Ref {
  const F = fb.m.f64;
  const t = fb.local(f64);
  return fb.m.block(
    null,
    [t.set(lib.call('exp_f64', [F.mul(F.const(0.5), a())])), F.mul(F.mul(F.const(0.5), t.get()), t.get())],
    f64,
  );
}

function sinh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const w = fb.local(i32);
  const [a, t] = fb.locals(f64, 2);
  return m.block(
    null,
    [
      w.set(I.and(hiWord(m, x.get()), I.const(0x7fffffff))),
      a.set(F.abs(x.get())),
      m.if(I.lt_u(w.get(), I.const(0x3ff00000 - (26 << 20))), m.return(x.get())),
      m.if(I.ge_u(w.get(), I.const(0x40862e42)), m.return(F.copysign(halfExpLarge(fb, lib, a.get), x.get()))),
      t.set(lib.call('expm1_f64', [a.get()])),
      F.copysign(
        F.mul(
          c(0.5),
          m.if(
            I.lt_u(w.get(), I.const(0x3ff00000)),
            F.sub(F.mul(c(2), t.get()), F.div(F.mul(t.get(), t.get()), F.add(t.get(), c(1)))),
            F.add(t.get(), F.div(t.get(), F.add(t.get(), c(1)))),
          ),
        ),
        x.get(),
      ),
    ],
    f64,
  );
}

function cosh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const w = fb.local(i32);
  const [a, t] = fb.locals(f64, 2);
  return m.block(
    null,
    [
      w.set(I.and(hiWord(m, x.get()), I.const(0x7fffffff))),
      a.set(F.abs(x.get())),
      m.if(
        I.lt_u(w.get(), I.const(0x3fe62e42)),
        m.return(
          m.if(
            I.lt_u(w.get(), I.const(0x3ff00000 - (26 << 20))),
            c(1),
            m.block(
              null,
              [
                t.set(lib.call('expm1_f64', [a.get()])),
                F.add(c(1), F.div(F.mul(t.get(), t.get()), F.mul(c(2), F.add(c(1), t.get())))),
              ],
              f64,
            ),
          ),
        ),
      ),
      m.if(
        I.lt_u(w.get(), I.const(0x40862e42)),
        m.return(
          m.block(
            null,
            [t.set(lib.call('exp_f64', [a.get()])), F.mul(c(0.5), F.add(t.get(), F.div(c(1), t.get())))],
            f64,
          ),
        ),
      ),
      halfExpLarge(fb, lib, a.get),
    ],
    f64,
  );
}

function asinh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const e = fb.local(i32);
  const a = fb.local(f64);
  const hyp = (): Ref => F.sqrt(F.add(F.mul(a.get(), a.get()), c(1)));
  return m.block(
    null,
    [
      e.set(I.shr_u(I.and(hiWord(m, x.get()), I.const(0x7fffffff)), I.const(20))),
      a.set(F.abs(x.get())),
      F.copysign(
        m.if(
          I.ge_u(e.get(), I.const(0x3ff + 26)),
          F.add(lib.call('log_f64', [a.get()]), c(LN2)),
          m.if(
            I.ge_u(e.get(), I.const(0x3ff + 1)),
            lib.call('log_f64', [F.add(F.mul(c(2), a.get()), F.div(c(1), F.add(hyp(), a.get())))]),
            m.if(
              I.ge_u(e.get(), I.const(0x3ff - 26)),
              lib.call('log1p_f64', [F.add(a.get(), F.div(F.mul(a.get(), a.get()), F.add(hyp(), c(1))))]),
              a.get(),
            ),
          ),
        ),
        x.get(),
      ),
    ],
    f64,
  );
}

function acosh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const e = fb.local(i32);
  const t = fb.local(f64);
  return m.block(
    null,
    [
      e.set(I.shr_u(I.and(hiWord(m, x.get()), I.const(0x7fffffff)), I.const(20))),
      m.if(F.lt(x.get(), c(1)), m.return(c(NaN))),
      m.if(
        I.lt_u(e.get(), I.const(0x3ff + 1)),
        m.return(
          m.block(
            null,
            [
              t.set(F.sub(x.get(), c(1))),
              lib.call('log1p_f64', [
                F.add(t.get(), F.sqrt(F.add(F.mul(t.get(), t.get()), F.mul(c(2), t.get())))),
              ]),
            ],
            f64,
          ),
        ),
      ),
      m.if(
        I.lt_u(e.get(), I.const(0x3ff + 26)),
        m.return(
          lib.call('log_f64', [
            F.sub(
              F.mul(c(2), x.get()),
              F.div(c(1), F.add(x.get(), F.sqrt(F.sub(F.mul(x.get(), x.get()), c(1))))),
            ),
          ]),
        ),
      ),
      F.add(lib.call('log_f64', [x.get()]), c(LN2)),
    ],
    f64,
  );
}

function atanh(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const e = fb.local(i32);
  const y = fb.local(f64);
  return m.block(
    null,
    [
      e.set(I.shr_u(I.and(hiWord(m, x.get()), I.const(0x7fffffff)), I.const(20))),
      y.set(F.abs(x.get())),
      F.copysign(
        m.if(
          I.lt_u(e.get(), I.const(0x3ff - 1)),
          m.if(
            I.lt_u(e.get(), I.const(0x3ff - 32)),
            y.get(),
            F.mul(
              c(0.5),
              lib.call('log1p_f64', [
                F.add(
                  F.mul(c(2), y.get()),
                  F.div(F.mul(F.mul(c(2), y.get()), y.get()), F.sub(c(1), y.get())),
                ),
              ]),
            ),
          ),
          F.mul(c(0.5), lib.call('log1p_f64', [F.mul(c(2), F.div(y.get(), F.sub(c(1), y.get())))])),
        ),
        x.get(),
      ),
    ],
    f64,
  );
}

/** 1/(1+exp(-x)), written so exp never overflows: for x < 0 it is e/(1+e) with e = exp(x). */
function sigmoid(fb: FunctionBuilder, lib: MathLibrary): Ref {
  const m = fb.m;
  const F = m.f64;
  const x = fb.param(0);
  const t = fb.local(f64);
  return m.block(
    null,
    [
      t.set(lib.call('exp_f64', [F.neg(F.abs(x.get()))])),
      F.div(m.select(F.ge(x.get(), F.const(0)), F.const(1), t.get()), F.add(F.const(1), t.get())),
    ],
    f64,
  );
}

export const hyperbolicRoutines: Record<string, Routine> = {
  tanh_f64: { params: [f64], result: f64, build: tanh },
  sinh_f64: { params: [f64], result: f64, build: sinh },
  cosh_f64: { params: [f64], result: f64, build: cosh },
  asinh_f64: { params: [f64], result: f64, build: asinh },
  acosh_f64: { params: [f64], result: f64, build: acosh },
  atanh_f64: { params: [f64], result: f64, build: atanh },
  sigmoid_f64: { params: [f64], result: f64, build: sigmoid },
};
