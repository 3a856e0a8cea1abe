/**
 * Argument binding for the ops of TorchScript code: each mapping declares the parameters it reads
 * as a short schema, `"conv2d(input, weight, bias=None, stride=1, padding=0)"`, and a call's
 * positional and keyword arguments are bound to those names, defaults filled in. (TorchScript
 * writes arguments positionally up to the first default it leaves out, then by keyword.)
 */
import { NONE, bool, float, int, list, str, type Value } from './values.js';

export interface Schema {
  readonly name: string;
  readonly params: readonly SchemaParam[];
}

interface SchemaParam {
  readonly name: string;
  /** undefined: required. */
  readonly default?: Value;
}

export class BindError extends Error {}

export function parseSchema(text: string): Schema {
  const m = /^([\w.]+)\((.*)\)$/.exec(text.trim());
  if (!m) throw new Error(`malformed op schema '${text}'`);
  const params = splitTopLevel(m[2]!)
    .filter((p) => p !== '' && p !== '*')
    .map((p): SchemaParam => {
      const eq = p.indexOf('=');
      if (eq < 0) return { name: p };
      return { name: p.slice(0, eq).trim(), default: literal(p.slice(eq + 1).trim()) };
    });
  return { name: m[1]!, params };
}

/** Binds a call's arguments to a schema's parameter names. */
export function bindArgs(
  schema: Schema,
  args: readonly Value[],
  kwargs: readonly (readonly [string, Value])[],
): Map<string, Value> {
  if (args.length > schema.params.length)
    throw new BindError(`${schema.name} takes ${schema.params.length} arguments, ${args.length} given`);
  const bound = new Map<string, Value>();
  args.forEach((a, i) => bound.set(schema.params[i]!.name, a));
  for (const [k, v] of kwargs) {
    if (!schema.params.some((p) => p.name === k))
      throw new BindError(`${schema.name} has no argument '${k}'`);
    bound.set(k, v);
  }
  for (const p of schema.params) {
    if (bound.has(p.name)) continue;
    if (p.default === undefined) throw new BindError(`${schema.name} needs its argument '${p.name}'`);
    bound.set(p.name, p.default);
  }
  return bound;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

function literal(text: string): Value {
  if (text === 'None') return NONE;
  if (text === 'True' || text === 'False') return bool(text === 'True');
  if (/^".*"$/.test(text)) return str(text.slice(1, -1));
  if (text.startsWith('[')) {
    const inner = text.slice(1, -1).trim();
    return list(inner === '' ? [] : splitTopLevel(inner).map(literal));
  }
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`malformed schema default '${text}'`);
  return /[.e]/.test(text) ? float(n) : int(n);
}
