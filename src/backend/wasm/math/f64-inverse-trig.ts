import { binaryen, horner, type FunctionBuilder, type Ref } from '../binaryen.js';
import { hiWord, loWord, withLoZero } from './bits.js';
import type { Routine } from './library.js';

/** asin, acos, atan in double precision after fdlibm (rational approximations, < 1 ulp). */

const PIO2_HI = 1.570796326794896558;
const PIO2_LO = 6.12323399573676603587e-17;
const PIO4_HI = 7.85398163397448278999e-1;
const PI = 3.141592653589793116;
/** R(z) = P(z)/Q(z) ~ (asin(x)-x)/x^3, z = x^2. */
const PS = [
  1.66666666666666657415e-1, -3.25565818622400915405e-1, 2.01212532134862925881e-1,
  -4.00555345006794114027e-2, 7.91534994289814532176e-4, 3.4793310759602116757e-5,
];
const QS = [
  1, -2.40339491173441421878, 2.02094576023350569471, -6.8828397160545329303e-1, 7.70381505559019352791e-2,
];
const ATAN_HI = [
  4.63647609000806093515e-1, 7.85398163397448278999e-1, 9.82793723247329054082e-1, 1.570796326794896558,
];
const ATAN_LO = [
  2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17,
  6.12323399573676603587e-17,
];
const AT = [
  3.33333333333329318027e-1, -1.99999999998764832476e-1, 1.42857142725034663711e-1, -1.1111110405462355788e-1,
  9.09088713343650656196e-2, -7.69187620504482999495e-2, 6.66107313738753120669e-2,
  -5.83357013379057348645e-2, 4.97687799461593236017e-2, -3.6531572744216915527e-2, 1.62858201153657823623e-2,
];

const f64 = binaryen.f64;
const i32 = binaryen.i32;

/** R(z) = z*P(z)/Q(z). */
function ratio(fb: FunctionBuilder, z: () => Ref): Ref {
  const F = fb.m.f64;
  return F.div(F.mul(z(), horner(F, F.const, z, PS)), horner(F, F.const, z, QS));
}

function asin(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, ix] = fb.locals(i32, 2);
  const [t, w, r, s, cc] = fb.locals(f64, 5);
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      ix.set(I.and(hx.get(), I.const(0x7fffffff))),
      m.if(
        I.ge_u(ix.get(), I.const(0x3ff00000)),
        m.return(
          m.if(
            I.eqz(I.or(I.sub(ix.get(), I.const(0x3ff00000)), loWord(m, x.get()))),
            F.add(F.mul(x.get(), c(PIO2_HI)), F.mul(x.get(), c(PIO2_LO))),
            c(NaN),
          ),
        ),
      ),
      m.if(
        I.lt_u(ix.get(), I.const(0x3fe00000)),
        m.return(
          m.if(
            I.lt_u(ix.get(), I.const(0x3e500000)),
            x.get(),
            m.block(
              null,
              [t.set(F.mul(x.get(), x.get())), F.add(x.get(), F.mul(x.get(), ratio(fb, t.get)))],
              f64,
            ),
          ),
        ),
      ),
      // 0.5 <= |x| < 1: asin(x) = pi/2 - 2*asin(sqrt((1-|x|)/2))
      t.set(F.mul(F.sub(c(1), F.abs(x.get())), c(0.5))),
      r.set(ratio(fb, t.get)),
      s.set(F.sqrt(t.get())),
      m.if(
        I.ge_u(ix.get(), I.const(0x3fef3333)),
        t.set(F.sub(c(PIO2_HI), F.sub(F.mul(c(2), F.add(s.get(), F.mul(s.get(), r.get()))), c(PIO2_LO)))),
        m.block(null, [
          w.set(withLoZero(m, s.get())),
          cc.set(F.div(F.sub(t.get(), F.mul(w.get(), w.get())), F.add(s.get(), w.get()))),
          t.set(
            F.sub(
              c(PIO4_HI),
              F.sub(
                F.sub(F.mul(F.mul(c(2), s.get()), r.get()), F.sub(c(PIO2_LO), F.mul(c(2), cc.get()))),
                F.sub(c(PIO4_HI), F.mul(c(2), w.get())),
              ),
            ),
          ),
        ]),
      ),
      m.select(I.gt_s(hx.get(), I.const(0)), t.get(), F.neg(t.get())),
    ],
    f64,
  );
}

function acos(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, ix] = fb.locals(i32, 2);
  const [z, s, df, cc] = fb.locals(f64, 4);
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      ix.set(I.and(hx.get(), I.const(0x7fffffff))),
      m.if(
        I.ge_u(ix.get(), I.const(0x3ff00000)),
        m.return(
          m.if(
            I.eqz(I.or(I.sub(ix.get(), I.const(0x3ff00000)), loWord(m, x.get()))),
            m.select(I.gt_s(hx.get(), I.const(0)), c(0), F.add(c(PI), F.mul(c(2), c(PIO2_LO)))),
            c(NaN),
          ),
        ),
      ),
      m.if(
        I.lt_u(ix.get(), I.const(0x3fe00000)),
        m.return(
          m.if(
            I.le_u(ix.get(), I.const(0x3c600000)),
            F.add(c(PIO2_HI), c(PIO2_LO)),
            m.block(
              null,
              [
                z.set(F.mul(x.get(), x.get())),
                F.sub(c(PIO2_HI), F.sub(x.get(), F.sub(c(PIO2_LO), F.mul(x.get(), ratio(fb, z.get))))),
              ],
              f64,
            ),
          ),
        ),
      ),
      m.if(
        I.lt_s(hx.get(), I.const(0)),
        m.return(
          m.block(
            null,
            [
              z.set(F.mul(F.add(c(1), x.get()), c(0.5))),
              s.set(F.sqrt(z.get())),
              F.sub(c(PI), F.mul(c(2), F.add(s.get(), F.sub(F.mul(ratio(fb, z.get), s.get()), c(PIO2_LO))))),
            ],
            f64,
          ),
        ),
      ),
      z.set(F.mul(F.sub(c(1), x.get()), c(0.5))),
      s.set(F.sqrt(z.get())),
      df.set(withLoZero(m, s.get())),
      cc.set(F.div(F.sub(z.get(), F.mul(df.get(), df.get())), F.add(s.get(), df.get()))),
      F.mul(c(2), F.add(df.get(), F.add(F.mul(ratio(fb, z.get), s.get()), cc.get()))),
    ],
    f64,
  );
}

function atan(fb: FunctionBuilder): Ref {
  const m = fb.m;
  const F = m.f64;
  const I = m.i32;
  const c = (v: number): Ref => F.const(v);
  const x = fb.param(0);
  const [hx, ix, id] = fb.locals(i32, 3);
  const [z, w, s] = fb.locals(f64, 3);
  const table = (values: readonly number[]): Ref =>
    m.select(
      I.lt_s(id.get(), I.const(2)),
      m.select(I.eqz(id.get()), c(values[0]!), c(values[1]!)),
      m.select(I.eq(id.get(), I.const(2)), c(values[2]!), c(values[3]!)),
    );
  const even = AT.filter((_, i) => i % 2 === 0);
  const odd = AT.filter((_, i) => i % 2 === 1);
  return m.block(
    null,
    [
      hx.set(hiWord(m, x.get())),
      ix.set(I.and(hx.get(), I.const(0x7fffffff))),
      m.if(
        I.ge_u(ix.get(), I.const(0x44100000)),
        m.return(
          m.if(
            F.ne(x.get(), x.get()),
            F.add(x.get(), x.get()),
            m.select(
              I.gt_s(hx.get(), I.const(0)),
              c(ATAN_HI[3]! + ATAN_LO[3]!),
              c(-ATAN_HI[3]! - ATAN_LO[3]!),
            ),
          ),
        ),
      ),
      m.if(
        I.lt_u(ix.get(), I.const(0x3fdc0000)),
        m.block(null, [m.if(I.lt_u(ix.get(), I.const(0x3e400000)), m.return(x.get())), id.set(I.const(-1))]),
        m.block(null, [
          x.set(F.abs(x.get())),
          m.if(
            I.lt_u(ix.get(), I.const(0x3ff30000)),
            m.if(
              I.lt_u(ix.get(), I.const(0x3fe60000)),
              m.block(null, [
                id.set(I.const(0)),
                x.set(F.div(F.sub(F.mul(c(2), x.get()), c(1)), F.add(c(2), x.get()))),
              ]),
              m.block(null, [id.set(I.const(1)), x.set(F.div(F.sub(x.get(), c(1)), F.add(x.get(), c(1))))]),
            ),
            m.if(
              I.lt_u(ix.get(), I.const(0x40038000)),
              m.block(null, [
                id.set(I.const(2)),
                x.set(F.div(F.sub(x.get(), c(1.5)), F.add(c(1), F.mul(c(1.5), x.get())))),
              ]),
              m.block(null, [id.set(I.const(3)), x.set(F.div(c(-1), x.get()))]),
            ),
          ),
        ]),
      ),
      z.set(F.mul(x.get(), x.get())),
      w.set(F.mul(z.get(), z.get())),
      s.set(F.add(F.mul(z.get(), horner(F, c, w.get, even)), F.mul(w.get(), horner(F, c, w.get, odd)))),
      m.if(I.lt_s(id.get(), I.const(0)), m.return(F.sub(x.get(), F.mul(x.get(), s.get())))),
      z.set(F.sub(table(ATAN_HI), F.sub(F.sub(F.mul(x.get(), s.get()), table(ATAN_LO)), x.get()))),
      m.select(I.lt_s(hx.get(), I.const(0)), F.neg(z.get()), z.get()),
    ],
    f64,
  );
}

export const inverseTrigRoutines: Record<string, Routine> = {
  asin_f64: { params: [f64], result: f64, build: asin },
  acos_f64: { params: [f64], result: f64, build: acos },
  atan_f64: { params: [f64], result: f64, build: atan },
};
