/**
 * Are a runtime's outputs right? Every element must satisfy |actual - expected| <= atol + rtol *
 * |expected| (numpy.allclose's rule, with the model's own tolerance). A benchmark of wrong results is
 * worthless, so every measured runtime is checked, on the very runs that are timed.
 */
import type { Check, Tolerance } from './protocol.js';
import type { Outputs } from './feeds.js';

export function compareOutputs(
  actual: Outputs,
  expected: Outputs,
  tolerance: Tolerance,
  against: Check['against'],
): Check {
  let maxAbsError = 0;
  let worstRatio = 0;
  let cosine = 1;
  let maxRelError = 0;
  const problems: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    if (!got) {
      problems.push(`no output '${name}'`);
      continue;
    }
    if (got.length !== want.length) {
      problems.push(`'${name}' has ${got.length} elements, expected ${want.length}`);
      continue;
    }
    const figures = similarity(got, want);
    cosine = Math.min(cosine, figures.cosine);
    maxRelError = Math.max(maxRelError, figures.maxRelError);
    for (let i = 0; i < want.length; i++) {
      const e = Number(want[i]);
      // a NaN compares false everywhere, so it is turned into the worst error there is
      const raw = Math.abs(Number(got[i]) - e);
      const err = Number.isNaN(raw) ? Infinity : raw;
      maxAbsError = Math.max(maxAbsError, err);
      // an exact match passes even with a zero tolerance (0 / 0 would be NaN)
      const ratio = err === 0 ? 0 : err / (tolerance.atol + tolerance.rtol * Math.abs(e));
      worstRatio = Math.max(worstRatio, ratio);
    }
  }
  const status = problems.length === 0 && worstRatio <= 1 ? 'pass' : 'fail';
  return {
    status,
    against,
    maxAbsError,
    worstRatio,
    cosine,
    maxRelError,
    ...(problems.length ? { detail: problems.join('; ') } : {}),
  };
}

/** Cosine similarity and max |error| / max |expected| (NaN anywhere makes both NaN). */
function similarity(
  got: ArrayLike<unknown>,
  want: ArrayLike<unknown>,
): { cosine: number; maxRelError: number } {
  let [dot, na, nb, err, scale] = [0, 0, 0, 0, 0];
  for (let i = 0; i < want.length; i++) {
    const [x, y] = [Number(got[i]), Number(want[i])];
    dot += x * y;
    na += x * x;
    nb += y * y;
    err = Math.max(err, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  const cosine = na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
  return { cosine, maxRelError: scale > 0 ? err / scale : err };
}

/** The same comparison, reported as figures: auto-cast outputs are not held to float32's tolerance. */
export function figuresOnly(check: Check): Check {
  return check.status === 'unchecked' ? check : { ...check, status: 'figures' };
}

export const UNCHECKED: Check = {
  status: 'unchecked',
  against: 'nothing',
  maxAbsError: NaN,
  worstRatio: NaN,
};
