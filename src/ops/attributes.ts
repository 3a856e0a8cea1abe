import type { AttrKind, AttrValue, Attrs, Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';

/**
 * Attribute schemas. An op declares its attributes once with these builders; the parsed, typed
 * attribute object is derived from the schema, so a missing default is a type error, not a runtime one.
 */
interface ValueOfKind {
  int: number;
  float: number;
  string: string;
  tensor: Tensor;
  graph: Graph;
  ints: readonly number[];
  floats: readonly number[];
  strings: readonly string[];
  tensors: readonly Tensor[];
  graphs: readonly Graph[];
}

export interface AttrSpec<
  K extends AttrKind = AttrKind,
  T = ValueOfKind[K],
  HasDefault extends boolean = boolean,
> {
  readonly kind: K;
  readonly default?: T;
  readonly hasDefault: HasDefault;
  /** Allowed values for string attributes. */
  readonly oneOf?: readonly string[];
}

export type AttrSchema = Readonly<Record<string, AttrSpec>>;

export type ParsedAttrs<S extends AttrSchema> = {
  readonly [K in keyof S]: S[K] extends AttrSpec<infer _K, infer T, infer D>
    ? D extends true
      ? T
      : T | undefined
    : never;
};

function spec<K extends AttrKind>(kind: K) {
  function build(): AttrSpec<K, ValueOfKind[K], false>;
  function build(def: ValueOfKind[K]): AttrSpec<K, ValueOfKind[K], true>;
  function build(def?: ValueOfKind[K]): AttrSpec<K, ValueOfKind[K], boolean> {
    return def === undefined ? { kind, hasDefault: false } : { kind, default: def, hasDefault: true };
  }
  return build;
}

export const attr = {
  int: spec('int'),
  float: spec('float'),
  tensor: spec('tensor'),
  graph: spec('graph'),
  ints: spec('ints'),
  floats: spec('floats'),
  strings: spec('strings'),
  tensors: spec('tensors'),
  graphs: spec('graphs'),
  string: (() => {
    function build(): AttrSpec<'string', string, false>;
    function build<T extends string>(def: T, oneOf?: readonly T[]): AttrSpec<'string', T, true>;
    function build(def?: string, oneOf?: readonly string[]): AttrSpec<'string', string, boolean> {
      return def === undefined
        ? { kind: 'string', hasDefault: false }
        : { kind: 'string', default: def, hasDefault: true, ...(oneOf ? { oneOf } : {}) };
    }
    return build;
  })(),
  /** Data layout of conv, pool, normalization and resize ops: NHWC frameworks stay NHWC. */
  layout: () =>
    ({ kind: 'string', default: 'NCHW', hasDefault: true, oneOf: ['NCHW', 'NHWC'] }) as AttrSpec<
      'string',
      'NCHW' | 'NHWC',
      true
    >,
};

export class AttrError extends Error {}

/** Reads raw attributes against a schema. Unknown attributes are ignored (exporters add extras). */
export function parseAttrs<S extends AttrSchema>(schema: S, raw: Attrs): ParsedAttrs<S> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema)) {
    const v: AttrValue | undefined = raw[name];
    if (v === undefined) {
      out[name] = s.default;
      continue;
    }
    out[name] = coerce(name, s, v);
  }
  return out as ParsedAttrs<S>;
}

function coerce(name: string, s: AttrSpec, v: AttrValue): unknown {
  if (v.kind === s.kind) {
    if (s.kind === 'string' && s.oneOf && !s.oneOf.includes(v.value as string)) {
      throw new AttrError(`attribute ${name}='${String(v.value)}' is not one of ${s.oneOf.join(', ')}`);
    }
    return v.value;
  }
  // Exporters are loose about scalar vs list and int vs float; accept the unambiguous conversions.
  if (s.kind === 'float' && v.kind === 'int') return v.value;
  if (s.kind === 'int' && v.kind === 'float' && Number.isInteger(v.value)) return v.value;
  if (s.kind === 'ints' && v.kind === 'int') return [v.value];
  if (s.kind === 'floats' && v.kind === 'float') return [v.value];
  if (s.kind === 'floats' && v.kind === 'ints') return v.value;
  throw new AttrError(`attribute ${name} must be ${s.kind}, found ${v.kind}`);
}
