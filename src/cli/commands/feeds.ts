import { readFileSync } from 'node:fs';
import { NccError } from '../../errors.js';
import { readNpy } from '../../io/npy.js';
import type { TensorData } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorInfo } from '../../runtime/index.js';

/**
 * Feeds for a model from `--input NAME=FILE.npy` flags: every file read, its dtype and shape checked
 * against the model's input, unknown names refused. With `random`, inputs without a file get seeded
 * uniform data (floats in [-1, 1), integers in [0, 100), booleans 0/1): what profiles and benchmarks
 * of a user's model run on when no data is at hand.
 */
/** `--input NAME=FILE.npy` flags read: each input's tensor, with the shape its file gives. */
export function readInputFiles(specs: readonly string[]): Map<string, Tensor> {
  const given = new Map<string, Tensor>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new NccError('NCC_BAD_OPTION', `--input must be NAME=FILE.npy, got '${spec}'`);
    const file = spec.slice(eq + 1);
    let data: Uint8Array;
    try {
      data = readFileSync(file);
    } catch {
      throw new NccError('NCC_FILE_NOT_FOUND', `cannot read input file ${file}`, { file });
    }
    given.set(spec.slice(0, eq), readNpy(data, file));
  }
  return given;
}

export function feedsFromFlags(
  inputs: readonly TensorInfo[],
  specs: readonly string[],
  options: {
    readonly random?: boolean;
    readonly seed?: number;
    /** Value ranges of random inputs (--io-config "ranges"). */
    readonly ranges?: ReadonlyMap<string, readonly [number, number]>;
  } = {},
): Record<string, TensorData> {
  const given = readInputFiles(specs);
  for (const name of given.keys()) {
    if (!inputs.some((i) => i.name === name)) {
      throw new NccError('NCC_BAD_INPUT', `the model has no input '${name}'`, {
        hint: `its inputs are: ${inputs.map((i) => i.name).join(', ')}`,
      });
    }
  }
  const feeds: Record<string, TensorData> = {};
  let seed = options.seed ?? 1;
  for (const input of inputs) {
    const t = given.get(input.name);
    if (!t) {
      if (options.random) {
        feeds[input.name] = randomData(input, seed++, options.ranges?.get(input.name));
        continue;
      }
      throw new NccError('NCC_BAD_INPUT', `no value for input '${input.name}'`, {
        value: input.name,
        hint: `pass --input ${input.name}=FILE.npy (${input.dtype}[${input.shape.join(',')}])`,
      });
    }
    if (t.dtype !== input.dtype || t.shape.join() !== input.shape.join()) {
      throw new NccError(
        'NCC_BAD_INPUT',
        `input '${input.name}' must be ${input.dtype}[${input.shape.join(',')}], the file holds ${t.dtype}[${t.shape.join(',')}]`,
        { value: input.name },
      );
    }
    feeds[input.name] = t.data;
  }
  return feeds;
}

/**
 * Seeded uniform data for one input (a small xorshift generator: the same seed, the same data):
 * floats in [lo, hi), integers lo..hi-1, booleans 0/1; the range defaults to [-1, 1) for floats and
 * [0, 100) for integers.
 */
export function randomData(input: TensorInfo, seed: number, range?: readonly [number, number]): TensorData {
  const n = input.shape.reduce((a, b) => a * b, 1);
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const [flo, fhi] = range ?? [-1, 1];
  const [ilo, ihi] = range ? [Math.ceil(range[0]), Math.ceil(range[1])] : [0, 100];
  const float = (): number => flo + next() * (fhi - flo);
  const int = (): number => ilo + Math.floor(next() * Math.max(1, ihi - ilo));
  switch (input.dtype) {
    case 'float32':
      return Float32Array.from({ length: n }, float);
    case 'float64':
      return Float64Array.from({ length: n }, float);
    case 'int64':
      return BigInt64Array.from({ length: n }, () => BigInt(int()));
    case 'uint64':
      return BigUint64Array.from({ length: n }, () => BigInt(int()));
    case 'int32':
      return Int32Array.from({ length: n }, int);
    case 'int16':
      return Int16Array.from({ length: n }, int);
    case 'int8':
      return Int8Array.from({ length: n }, int);
    case 'uint32':
      return Uint32Array.from({ length: n }, int);
    case 'uint16':
      return Uint16Array.from({ length: n }, int);
    case 'uint8':
      return Uint8Array.from({ length: n }, int);
    case 'bool':
      return Uint8Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1));
    case 'float16':
    case 'bfloat16':
      throw new NccError('NCC_BAD_INPUT', `no random data for ${input.dtype} input '${input.name}'`, {
        value: input.name,
        hint: `pass --input ${input.name}=FILE.npy`,
      });
  }
}
