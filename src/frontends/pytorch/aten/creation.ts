/**
 * Tensors made by code rather than read from the archive (zeros, ones, full, arange, tensor,
 * scalar_tensor and their _like/new_ forms) and prim::NumToTensor's kin: all sizes are known, so
 * they become constants; *_like ones take the shape of a tensor computed at run time.
 */
import type { DType } from '../../../ir/dtype.js';
import { fromNumbers, sizeOf } from '../../../ir/tensor.js';
import { isScalar, tensor, type Value } from '../values.js';
import { LowerError, op, type AtenCall, type AtenTable } from './call.js';
import { isFloating } from './promote.js';

function constant(c: AtenCall, dtype: DType, shape: readonly number[], values: (i: number) => number): Value {
  const n = sizeOf(shape);
  if (n > 1 << 26) throw new LowerError(`a constant of ${n} elements`, true);
  const data = Array.from({ length: n }, (_, i) => values(i));
  return tensor(c.g.constant(fromNumbers(dtype, shape, data), `${c.base}/const`));
}

/** The dtype a fill value gives when none is named: float32 for floats, int64 for ints. */
function dtypeOfFill(v: Value): DType {
  return v.kind === 'bool' ? 'bool' : v.kind === 'int' ? 'int64' : 'float32';
}

function filled(fill: number | 'fill'): (c: AtenCall) => Value {
  return (c) => {
    const size = c.ints('size');
    const value = fill === 'fill' ? c.number('fill_value') : fill;
    const dtype = c.dtype('dtype') ?? (fill === 'fill' ? dtypeOfFill(c.value('fill_value')) : 'float32');
    return constant(c, dtype, size, () => value);
  };
}

function filledLike(fill: number | 'fill'): (c: AtenCall) => Value {
  return (c) => {
    const x = c.tensor('self');
    const value = fill === 'fill' ? c.number('fill_value') : fill;
    return constant(c, c.dtype('dtype') ?? c.dtypeOf(x), c.shapeOf(x), () => value);
  };
}

function newFilled(fill: number): (c: AtenCall) => Value {
  return (c) => constant(c, c.dtype('dtype') ?? c.dtypeOf(c.tensor('self')), c.ints('size'), () => fill);
}

function flat(v: Value, into: number[], shape: number[], depth: number): DType {
  if (v.kind === 'list' || v.kind === 'tuple') {
    if (shape.length === depth) shape.push(v.items.length);
    let dt: DType = 'bool';
    for (const item of v.items) {
      const d = flat(item, into, shape, depth + 1);
      if (d === 'float32' || (d === 'int64' && dt === 'bool')) dt = d;
    }
    return v.items.length ? dt : 'float32';
  }
  if (v.kind === 'int' || v.kind === 'float' || v.kind === 'bool') {
    into.push(Number(v.value));
    return dtypeOfFill(v);
  }
  throw new LowerError('torch.tensor of non-numbers');
}

const LIKE = 'dtype=None, layout=None, device=None, pin_memory=None, memory_format=None';
const FACTORY = 'dtype=None, layout=None, device=None, pin_memory=None';

export const CREATION_OPS: AtenTable = {
  'aten::zeros': op(`zeros(size, ${FACTORY})`, filled(0)),
  'aten::ones': op(`ones(size, ${FACTORY})`, filled(1)),
  'aten::full': op(`full(size, fill_value, ${FACTORY})`, filled('fill')),
  'aten::zeros_like': op(`zeros_like(self, ${LIKE})`, filledLike(0)),
  'aten::ones_like': op(`ones_like(self, ${LIKE})`, filledLike(1)),
  'aten::full_like': op(`full_like(self, fill_value, ${LIKE})`, filledLike('fill')),
  'aten::new_zeros': op(`new_zeros(self, size, ${FACTORY})`, newFilled(0)),
  'aten::new_ones': op(`new_ones(self, size, ${FACTORY})`, newFilled(1)),
  'aten::arange': op(`arange(a, b=None, c=None, d=None, e=None, f=None, g=None, ${FACTORY})`, (c) => {
    // arange(end) | arange(start, end) | arange(start, end, step); the rest is keywords in
    // TorchScript, but older archives spell dtype, layout, device and pin_memory positionally
    const nums: { value: number; float: boolean }[] = [];
    let dtype = c.dtype('dtype');
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) {
      const v = c.value(k);
      if (v.kind === 'none') break;
      if (v.kind === 'int' && nums.length === 3 && dtype === undefined) dtype = c.dtype(k);
      else if (nums.length < 3 && (isScalar(v) || v.kind === 'tensor')) {
        const float = v.kind === 'float' || (v.kind === 'tensor' && isFloating(c.dtypeOf(v.name)));
        nums.push({ value: c.number(k), float });
      } else break;
    }
    if (nums.length === 0) throw new LowerError('arange needs an end');
    const n = nums.map((v) => v.value);
    const [start, end, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
    if (step === 0) throw new LowerError('arange step must not be zero');
    const count = Math.max(0, Math.ceil((end - start) / step));
    const dt = dtype ?? (nums.some((v) => v.float) ? 'float32' : 'int64');
    return constant(c, dt, [count], (i) => start + i * step);
  }),
  'aten::tensor': op('tensor(data, dtype=None, device=None, requires_grad=False)', (c) => {
    const values: number[] = [];
    const shape: number[] = [];
    const inferred = flat(c.value('data'), values, shape, 0);
    return constant(c, c.dtype('dtype') ?? inferred, shape, (i) => values[i]!);
  }),
  'aten::scalar_tensor': op(`scalar_tensor(s, ${FACTORY})`, (c) =>
    constant(c, c.dtype('dtype') ?? 'float32', [], () => c.number('s')),
  ),
};
