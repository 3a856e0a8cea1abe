/**
 * Feeds in, outputs out: the typed array each element type travels in (16-bit floats as their bits,
 * 64-bit integers as BigInt arrays, bool as 0/1 bytes), and the checks that make a wrong feed a clear
 * error instead of garbage read from memory.
 */
import type { NeffDType, NeffTensor } from '../neff/contents.js';
import { NccError } from '../errors.js';

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** The typed array that holds each element type. */
export interface StorageOf {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

type TypedArrayCtor = new (length: number) => TypedArray;

const STORAGE: Readonly<Record<NeffDType, TypedArrayCtor>> = {
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

export function storageName(dtype: NeffDType): string {
  return STORAGE[dtype].name;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks names, kinds and sizes, reporting every problem at once. The kind is read from the
 * toStringTag, not instanceof, so arrays made in another realm (a worker, an iframe, vm) pass.
 */
export function checkFeeds(feeds: unknown, inputs: readonly NeffTensor[]): Map<string, TypedArray> {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds))
    throw badInput(`run() takes an object of input name -> typed array, got ${describeValue(feeds)}`, inputs);
  const given = feeds as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(inputs.map((t) => t.name));
  for (const name of Object.keys(given)) if (!known.has(name)) problems.push(`unknown input '${name}'`);
  const checked = new Map<string, TypedArray>();
  for (const t of inputs) {
    const feed = Object.prototype.hasOwnProperty.call(given, t.name) ? given[t.name] : undefined;
    if (feed === undefined) {
      problems.push(`missing input '${t.name}'`);
      continue;
    }
    const want = storageName(t.dtype);
    const kind = ArrayBuffer.isView(feed) ? tagOf(feed) : undefined;
    if (kind !== want) {
      problems.push(`input '${t.name}' (${t.dtype}) must be a ${want}, got ${kind ?? describeValue(feed)}`);
      continue;
    }
    const array = feed as TypedArray;
    const count = elementCount(t.shape);
    if (array.length !== count) {
      problems.push(
        `input '${t.name}' has ${array.length} elements, shape [${t.shape.join(', ')}] needs ${count}`,
      );
      continue;
    }
    checked.set(t.name, array);
  }
  if (problems.length) throw badInput(problems.join('; '), inputs);
  return checked;
}

export function allocateOutput(t: NeffTensor): TypedArray {
  return new STORAGE[t.dtype](elementCount(t.shape));
}

function tagOf(view: ArrayBufferView): string | undefined {
  const tag: unknown = (view as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return typeof tag === 'string' ? tag : undefined;
}

function badInput(message: string, inputs: readonly NeffTensor[]): NccError {
  const expected = inputs.map((t) => `${t.name}: ${storageName(t.dtype)}[${elementCount(t.shape)}]`);
  return new NccError('NCC_BAD_INPUT', message, {
    hint: expected.length ? `the model takes ${expected.join(', ')}` : 'the model takes no inputs: pass {}',
  });
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an Array';
  if (typeof v === 'object') return tagOf(v as ArrayBufferView) ?? v.constructor?.name ?? 'an object';
  return typeof v;
}
