import { existsSync, readFileSync } from 'node:fs';
import { isDType, type DType } from '../ir/dtype.js';
import { NccError } from '../errors.js';

/**
 * The --io-config contract: static shapes (and dtypes) for inputs, symbolic dims pinned by name,
 * and optionally the subset of outputs to keep.
 *   {"inputs": {"NAME": [[1,3,224,224], "float32"]}, "dims": {"batch": 1}, "outputs": ["NAME"]}
 * plus, for tools that make up inputs (--accuracy-check, profile, bench), the range of each input's
 * values: "ranges": {"input_ids": [0, 30522]} (floats uniform in [lo, hi), integers lo..hi-1).
 */
export interface IoConfig {
  readonly inputs: ReadonlyMap<
    string,
    { readonly shape: readonly number[]; readonly dtype: DType | undefined }
  >;
  readonly dims: ReadonlyMap<string, number>;
  readonly outputs: readonly string[] | undefined;
  readonly ranges?: ReadonlyMap<string, readonly [number, number]>;
}

export const EMPTY_IO_CONFIG: IoConfig = { inputs: new Map(), dims: new Map(), outputs: undefined };

/** Accepts inline JSON or a path to a JSON file. */
export function parseIoConfig(text: string): IoConfig {
  const trimmed = text.trim();
  let source = trimmed;
  if (!trimmed.startsWith('{')) {
    if (!existsSync(trimmed))
      throw optionError(`--io-config is neither JSON nor an existing file: ${trimmed}`);
    source = readFileSync(trimmed, 'utf8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (e) {
    throw optionError(`--io-config is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(raw)) throw optionError('--io-config must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!['inputs', 'dims', 'outputs', 'ranges'].includes(key))
      throw optionError(`--io-config has an unknown key "${key}"`);
  }
  return {
    inputs: parseInputs(raw.inputs),
    dims: parseDims(raw.dims),
    outputs: parseOutputs(raw.outputs),
    ...(raw.ranges === undefined ? {} : { ranges: parseRanges(raw.ranges) }),
  };
}

function parseRanges(v: unknown): ReadonlyMap<string, readonly [number, number]> {
  const out = new Map<string, readonly [number, number]>();
  if (!isRecord(v)) throw optionError('"ranges" must map input names to [low, high]');
  for (const [name, range] of Object.entries(v)) {
    const ok =
      Array.isArray(range) &&
      range.length === 2 &&
      range.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
      (range[0] as number) < (range[1] as number);
    if (!ok) throw optionError(`range of input "${name}" must be [low, high] with low < high`);
    out.set(name, [range[0] as number, range[1] as number]);
  }
  return out;
}

function parseInputs(v: unknown): IoConfig['inputs'] {
  const out = new Map<string, { shape: number[]; dtype: DType | undefined }>();
  if (v === undefined) return out;
  if (!isRecord(v)) throw optionError('"inputs" must map input names to [shape, dtype]');
  for (const [name, spec] of Object.entries(v)) {
    // both [[1,3,224,224], "float32"] and a bare shape [1,3,224,224] are accepted
    const [shape, dtype] =
      Array.isArray(spec) && Array.isArray(spec[0]) ? [spec[0], spec[1]] : [spec, undefined];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw optionError(`input "${name}": the shape must be a list of non-negative integers`);
    }
    if (dtype !== undefined && (typeof dtype !== 'string' || !isDType(dtype))) {
      throw optionError(`input "${name}": unknown dtype ${JSON.stringify(dtype)}`);
    }
    out.set(name, { shape: shape as number[], dtype: dtype as DType | undefined });
  }
  return out;
}

function parseDims(v: unknown): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  if (v === undefined) return out;
  if (!isRecord(v)) throw optionError('"dims" must map symbolic dim names to sizes');
  for (const [name, size] of Object.entries(v)) {
    if (!Number.isSafeInteger(size) || (size as number) < 0)
      throw optionError(`dim "${name}" must be a non-negative integer`);
    out.set(name, size as number);
  }
  return out;
}

function parseOutputs(v: unknown): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw optionError('"outputs" must be a list of names');
  return v as string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionError(message: string): NccError {
  return new NccError('NCC_BAD_OPTION', message, {
    hint: `expected e.g. --io-config '{"inputs": {"input": [[1,3,224,224], "float32"]}, "dims": {"batch": 1}}'`,
  });
}
