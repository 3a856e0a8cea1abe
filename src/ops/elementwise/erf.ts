/**
 * erf in double precision, after the method of FreeBSD msun's s_erf.c (Sun Microsystems, 1993:
 * "Permission to use, copy, modify, and distribute this software is freely granted, provided that
 * this notice is preserved."). JavaScript has no Math.erf, and exact-GELU BERT encoders call it
 * millions of times, so it must be both accurate (< 1 ulp) and a handful of flops: rational
 * approximations on four intervals instead of a series.
 */

// erf(x) = x + x*P(x^2)/Q(x^2) on [0, 0.84375)
const PP = [
  1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2,
  -5.77027029648944159157e-3, -2.37630166566501626084e-5,
] as const;
const QQ = [
  3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4,
  -3.9602282787753681232e-6,
] as const;
// 2/sqrt(pi) - 1, for |x| < 2^-28 where erf(x) = x * 2/sqrt(pi) to the last bit
const EFX = 1.28379167095512586316e-1;

// erf(1+s) = ERX + P1(s)/Q1(s) on [0.84375, 1.25); ERX is erf(1) rounded to 24 bits
const ERX = 8.45062911510467529297e-1;
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1,
  3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.166375594868790843e-3,
] as const;
const QA = [
  1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1,
  1.36370839120290507362e-2, 1.1984499846799107417e-2,
] as const;

// erfc(x) = exp(-x^2 - 0.5625 + R(z)/S(z)) / x, z = 1/x^2, on [1.25, 1/0.35) and [1/0.35, 6)
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1,
  -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1,
  -9.81432934416914548592,
] as const;
const SA = [
  1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
] as const;
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1,
  -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
] as const;
const SB = [
  3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
] as const;

/** c[0] + z*c[1] + z^2*c[2] + ... */
function poly(c: readonly number[], z: number): number {
  let r = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) r = r * z + c[i]!;
  return r;
}

/** 1 + z*c[0] + z^2*c[1] + ... */
function poly1(c: readonly number[], z: number): number {
  return 1 + z * poly(c, z);
}

function erfPositive(x: number): number {
  if (x < 0.84375) {
    if (x < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + (x * poly(PP, z)) / poly1(QQ, z);
  }
  if (x < 1.25) {
    const s = x - 1;
    return ERX + poly(PA, s) / poly1(QA, s);
  }
  if (x >= 6) return 1;
  const z = 1 / (x * x);
  const ratio = x < 1 / 0.35 ? poly(RA, z) / poly1(SA, z) : poly(RB, z) / poly1(SB, z);
  // exp(-x*x) loses the low bits of x*x; split x = hi + (x - hi) with hi a 24-bit float so hi*hi is exact
  const hi = Math.fround(x);
  const erfc = (Math.exp(-hi * hi - 0.5625) * Math.exp((hi - x) * (hi + x) + ratio)) / x;
  return 1 - erfc;
}

export function erf(x: number): number {
  if (x !== x) return x;
  return x < 0 ? -erfPositive(-x) : erfPositive(x);
}
