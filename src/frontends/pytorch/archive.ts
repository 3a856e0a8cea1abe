/**
 * A TorchScript archive (`torch.jit.save`): a zip (read with fflate) under one root folder holding
 * `data.pkl` (the module tree: objects of `__torch__` classes with their attributes), `constants.pkl`
 * (the tensors the code refers to as CONSTANTS.cN), `data/<key>` (tensor storages, raw little-endian),
 * `code/**.py` (the TorchScript source of every class) and `version`. Tensors are rebuilt from their
 * storage with offset, sizes and strides, checked against the storage's bytes.
 */
import { unzipSync } from 'fflate';
import { allocate, byteSize, type DType } from '../../ir/dtype.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { isGlobal, unpickle, type PickleHooks, type PyGlobal } from './unpickle.js';

export class ArchiveError extends Error {}

export interface TorchArchive {
  /** The archive's format version (`version` file). */
  readonly version: number;
  /** The module tree (data.pkl). */
  readonly module: unknown;
  /** CONSTANTS.c0, c1, ... (constants.pkl), if any. */
  readonly constants: readonly unknown[];
  /** TorchScript source by qualified module path ('__torch__.models.resnet' -> text). */
  readonly code: ReadonlyMap<string, string>;
}

/** A tensor of a pickle: its values, and its place in a shared storage. */
export interface TorchTensor {
  readonly kind: 'tensor';
  readonly value: Tensor;
  readonly requiresGrad: boolean;
}

const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  // quantized tensors' integers (their scale and zero point come with the tensor: _rebuild_qtensor)
  QInt8Storage: 'int8',
  QUInt8Storage: 'uint8',
  QInt32Storage: 'int32',
};

/** torch.dtype globals (newer pickles name the element type apart from an untyped storage). */
const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

interface Storage {
  readonly kind: 'storage';
  readonly dtype: DType;
  readonly bytes: Uint8Array;
}

export function readTorchArchive(bytes: Uint8Array): TorchArchive {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new ArchiveError(`not a zip archive (${(e as Error).message})`);
  }
  const names = Object.keys(files);
  const dataPkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!dataPkl) {
    if (names.some((n) => n.endsWith('model.json')))
      throw new ArchiveError(
        'a TorchScript archive of PyTorch 1.0-1.2 (model.json); save it again with a newer PyTorch',
      );
    throw new ArchiveError('no data.pkl: not a TorchScript archive (torch.save checkpoints hold no code)');
  }
  const root = dataPkl.slice(0, dataPkl.indexOf('/') + 1);
  const file = (name: string): Uint8Array | undefined => files[root + name];
  // data.pkl's storages lie in data/, constants.pkl's in constants/ (data/ in older archives)
  const module = unpickle(file('data.pkl')!, pickleHooks(file, ['data/']));
  const constantsPkl = file('constants.pkl');
  const constants = constantsPkl ? unpickle(constantsPkl, pickleHooks(file, ['constants/', 'data/'])) : [];
  const code = new Map<string, string>();
  for (const n of names)
    if (n.startsWith(`${root}code/`) && n.endsWith('.py'))
      code.set(n.slice(root.length + 5, -3).replaceAll('/', '.'), new TextDecoder().decode(files[n]));
  const versionFile = file('version') ?? file('.data/version');
  const version = Number(new TextDecoder().decode(versionFile ?? new Uint8Array()).trim() || 0);
  return { version, module, constants: Array.isArray(constants) ? constants : [constants], code };
}

function pickleHooks(
  file: (name: string) => Uint8Array | undefined,
  folders: readonly string[],
): PickleHooks {
  const storages = new Map<string, Storage>();
  return {
    persistentLoad(pid) {
      // ('storage', <storage class or dtype>, key, location, numel)
      if (!Array.isArray(pid) || pid[0] !== 'storage') throw new ArchiveError('an unknown persistent id');
      const [, type, key] = pid as [string, unknown, unknown];
      if (typeof key !== 'string') throw new ArchiveError('a storage without a key');
      let storage = storages.get(key);
      if (!storage) {
        const dtype = storageDtype(type);
        const bytes = folders.map((f) => file(f + key)).find((b) => b !== undefined);
        if (!bytes) throw new ArchiveError(`storage ${folders[0]}${key} is missing`);
        storage = { kind: 'storage', dtype, bytes };
        storages.set(key, storage);
      }
      return storage;
    },
    call(callable, args) {
      if (!isGlobal(callable)) return undefined;
      const name = `${callable.module}.${callable.name}`;
      if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor')
        return rebuildTensor(args);
      if (name === 'torch._utils._rebuild_qtensor') return rebuildQuantized(args);
      if (name === 'torch._utils._rebuild_parameter') return args[0];
      if (name === 'collections.OrderedDict') return new Map();
      // typed lists of TorchScript's pickler (build_intlist, build_tensorlist, ...) are plain lists
      if (callable.module === 'torch.jit._pickle' && /^build_\w+list$/.test(callable.name)) return args[0];
      if (name === 'torch.jit._pickle.restore_type_tag') return args[0];
      return undefined;
    },
  };
}

function storageDtype(type: unknown): DType {
  if (isGlobal(type)) {
    const d = STORAGE_DTYPES[type.name] ?? (type.module === 'torch' ? TORCH_DTYPES[type.name] : undefined);
    if (d) return d;
    throw new ArchiveError(
      `storage type ${(type as PyGlobal).module}.${(type as PyGlobal).name} is not supported`,
    );
  }
  throw new ArchiveError('a storage of unknown type');
}

/** (storage, offset, size, stride, requires_grad, hooks): a strided view, copied out contiguously. */
function rebuildTensor(args: readonly unknown[]): TorchTensor {
  const [storage, offset, size, stride, requiresGrad] = args as [
    Storage,
    number,
    number[],
    number[],
    boolean,
  ];
  if (!storage || storage.kind !== 'storage') throw new ArchiveError('a tensor without a storage');
  if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length)
    throw new ArchiveError('a tensor with malformed sizes or strides');
  const dtype = storage.dtype;
  const element = byteSize(dtype);
  const count = sizeOf(size);
  const data = allocate(dtype, count);
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const src = storage.bytes;
  // the last element read must lie inside the storage
  const last = offset + size.reduce((m, s, i) => m + (s > 0 ? (s - 1) * stride[i]! : 0), 0);
  if (count > 0 && (offset < 0 || (last + 1) * element > src.length))
    throw new ArchiveError(`a tensor reaches past its storage (${src.length} bytes)`);
  const index = new Array<number>(size.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < size.length; d++) at += index[d]! * stride[d]!;
    out.set(src.subarray(at * element, (at + 1) * element), i * element);
    for (let d = size.length - 1; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
  return { kind: 'tensor', value: { dtype, shape: [...size], data }, requiresGrad: Boolean(requiresGrad) };
}

/**
 * (storage, offset, size, stride, quantizer, requires_grad, hooks) with quantizer (per_tensor_affine,
 * scale, zero_point) or (per_channel_affine, scales, zero_points, axis): dequantized to float32 here,
 * as compiled code computes in floats ((q - zero_point) * scale).
 */
function rebuildQuantized(args: readonly unknown[]): TorchTensor {
  const [storage, offset, size, stride, quantizer, requiresGrad] = args as [
    Storage,
    number,
    number[],
    number[],
    readonly unknown[],
    boolean,
  ];
  const q = rebuildTensor([storage, offset, size, stride, requiresGrad]).value;
  const scheme = isGlobal(quantizer?.[0]) ? quantizer[0].name : String(quantizer?.[0]);
  const ints = Array.from(q.data as ArrayLike<number>);
  const out = new Float32Array(ints.length);
  if (scheme === 'per_tensor_affine' || scheme === 'per_tensor_symmetric') {
    const [scale, zero] = [Number(quantizer[1]), Number(quantizer[2])];
    ints.forEach((v, i) => (out[i] = (v - zero) * scale));
  } else if (scheme === 'per_channel_affine' || scheme === 'per_channel_symmetric') {
    const scales = Array.from((quantizer[1] as TorchTensor).value.data as ArrayLike<number>, Number);
    const zeros = Array.from((quantizer[2] as TorchTensor).value.data as ArrayLike<number | bigint>, Number);
    const axis = Number(quantizer[3]);
    const inner = size.slice(axis + 1).reduce((a, b) => a * b, 1);
    const channels = size[axis]!;
    ints.forEach((v, i) => {
      const c = Math.floor(i / inner) % channels;
      out[i] = (v - zeros[c]!) * scales[c]!;
    });
  } else throw new ArchiveError(`quantization scheme ${scheme} is not supported`);
  return {
    kind: 'tensor',
    value: { dtype: 'float32', shape: [...size], data: out },
    requiresGrad: Boolean(requiresGrad),
  };
}
