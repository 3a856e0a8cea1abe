/**
 * JSON with object keys sorted at every level, so equal metadata always gives equal bytes whatever
 * order the compiler built its objects in. Refuses what JSON.stringify would silently change (NaN
 * becoming null, a bigint throwing late, a Map becoming {}): the NEFF must say what the compiler meant.
 */
import { violation } from './violation.js';

export function canonicalJson(value: unknown, path = 'metadata'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) violation(`${path} is ${value}, which JSON cannot hold`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const fields: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      // optional fields left undefined are absent, as in JSON.stringify
      if (v === undefined) continue;
      fields.push(`${JSON.stringify(key)}:${canonicalJson(v, `${path}.${key}`)}`);
    }
    return `{${fields.join(',')}}`;
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  violation(`${path} is a ${kind}, which JSON cannot hold`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
