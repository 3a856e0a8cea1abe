/**
 * PyTorch's dtypes as TorchScript code writes them (ScalarType numbers) and its type promotion:
 * tensors with dimensions decide the result type; 0-d tensors and Python scalars only lift it to a
 * higher category (bool < integer < floating), a Python float giving the default float32.
 */
import type { DType } from '../../../ir/dtype.js';
import type { Value } from '../values.js';

/** c10::ScalarType by number; undefined where the IR has no such type (complex, quantized). */
const SCALAR_TYPES: readonly (DType | undefined)[] = [
  'uint8',
  'int8',
  'int16',
  'int32',
  'int64',
  'float16',
  'float32',
  'float64',
  undefined, // complex32
  undefined, // complex64
  undefined, // complex128
  'bool',
  undefined, // qint8
  undefined, // quint8
  undefined, // qint32
  'bfloat16',
];

export function dtypeOfScalarType(code: number): DType | undefined {
  return SCALAR_TYPES[code];
}

export function scalarTypeOf(dtype: DType): number {
  return SCALAR_TYPES.indexOf(dtype);
}

type Category = 0 | 1 | 2;

function category(dtype: DType): Category {
  if (dtype === 'bool') return 0;
  return dtype.startsWith('float') || dtype === 'bfloat16' ? 2 : 1;
}

const WIDTH: Readonly<Record<DType, number>> = {
  bool: 1,
  uint8: 8,
  int8: 8,
  int16: 16,
  uint16: 16,
  int32: 32,
  uint32: 32,
  int64: 64,
  uint64: 64,
  float16: 16,
  bfloat16: 16,
  float32: 32,
  float64: 64,
};

/** The smallest dtype holding both (torch.promote_types). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const [ca, cb] = [category(a), category(b)];
  if (ca !== cb) return ca > cb ? a : b;
  if (ca === 2) {
    if ((a === 'float16' && b === 'bfloat16') || (a === 'bfloat16' && b === 'float16')) return 'float32';
    return WIDTH[a] >= WIDTH[b] ? a : b;
  }
  const unsignedA = a.startsWith('uint');
  const unsignedB = b.startsWith('uint');
  if (unsignedA !== unsignedB) {
    const [u, s] = unsignedA ? [a, b] : [b, a];
    if (WIDTH[s] > WIDTH[u]) return s;
    return WIDTH[u] >= 32 ? 'int64' : WIDTH[u] === 16 ? 'int32' : 'int16';
  }
  return WIDTH[a] >= WIDTH[b] ? a : b;
}

/** An operand as promotion sees it: a tensor's dtype and rank, or a Python scalar's kind. */
export type Operand =
  { readonly dtype: DType; readonly rank: number } | Extract<Value, { kind: 'int' | 'float' | 'bool' }>;

/** torch.result_type over operands. */
export function resultType(operands: readonly Operand[]): DType {
  let dims: DType | undefined;
  let zeroDim: DType | undefined;
  let scalar: DType | undefined;
  for (const o of operands) {
    if ('dtype' in o) {
      if (o.rank > 0) dims = dims ? promoteTypes(dims, o.dtype) : o.dtype;
      else zeroDim = zeroDim ? promoteTypes(zeroDim, o.dtype) : o.dtype;
    } else {
      const d: DType = o.kind === 'float' ? 'float32' : o.kind === 'int' ? 'int64' : 'bool';
      scalar = scalar ? promoteTypes(scalar, d) : d;
    }
  }
  let out = dims ?? zeroDim ?? scalar ?? 'float32';
  for (const lower of dims ? [zeroDim, scalar] : [scalar]) {
    if (lower && category(lower) > category(out))
      out = lower === scalar ? (category(lower) === 2 ? 'float32' : lower) : lower;
  }
  return out;
}

export function isFloating(dtype: DType): boolean {
  return category(dtype) === 2;
}
