/**
 * PyTorch's views as values: a select, slice, reshape or transpose result that remembers its base
 * and how to write itself back, and the in-place update that follows the chain of bases (a view of
 * a view) so every tensor sharing the storage sees the new values.
 */
import { attr } from '../../graph-builder.js';
import type { TensorValue, Value } from '../values.js';
import type { AtenCall } from './call.js';

/** `result` as a view of the call's `self`, written back by `writeBack`. */
export function asView(c: AtenCall, result: string, writeBack: (updated: string) => string): Value {
  const base = c.value('self');
  if (base.kind !== 'tensor') return { kind: 'tensor', name: result };
  return { kind: 'tensor', name: result, view: { base, writeBack } };
}

/** A view that has the base's elements in another shape. */
export function reshapeView(c: AtenCall, result: string): Value {
  const baseShape = c.shapeOf(c.tensor('self'));
  return asView(c, result, (u) => c.one('Reshape', [u, c.ints64(baseShape)]));
}

/** A view that has the base's axes permuted by `perm`. */
export function permuteView(c: AtenCall, result: string, perm: readonly number[]): Value {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return asView(c, result, (u) => c.one('Transpose', [u], { perm: attr.ints(inverse) }));
}

/** A view of positions start, start+step, ... (count of them) along `axis`. */
export function sliceView(
  c: AtenCall,
  result: string,
  axis: number,
  start: number,
  count: number,
  step: number,
  squeezed = false,
): Value {
  const base = c.tensor('self');
  return asView(c, result, (u) => {
    const shape = c.shapeOf(base);
    const updated = squeezed ? c.one('Unsqueeze', [u, c.ints64([axis])]) : u;
    const current = currentName(c.value('self'), base);
    if (step === 1) {
      const parts: string[] = [];
      if (start > 0)
        parts.push(c.one('Slice', [current, c.ints64([0]), c.ints64([start]), c.ints64([axis])]));
      parts.push(updated);
      if (start + count < shape[axis]!)
        parts.push(
          c.one('Slice', [current, c.ints64([start + count]), c.ints64([shape[axis]!]), c.ints64([axis])]),
        );
      return parts.length === 1 ? parts[0]! : c.one('Concat', parts, { axis: attr.int(axis) });
    }
    // strided positions: scatter along the axis
    const viewShape = [...shape];
    viewShape[axis] = count;
    const inner = viewShape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const total = viewShape.reduce((a, b) => a * b, 1);
    const indices = Array.from({ length: total }, (_, i) => start + (Math.floor(i / inner) % count) * step);
    const idx = c.g.constant(
      { dtype: 'int64', shape: viewShape, data: BigInt64Array.from(indices, BigInt) },
      `${c.base}/positions`,
    );
    return c.one('ScatterElements', [current, idx, updated], { axis: attr.int(axis) });
  });
}

/** The base's IR value now (an in-place op may have renamed it since the view was taken). */
function currentName(self: Value, fallback: string): string {
  return self.kind === 'tensor' ? self.name : fallback;
}

/** `self` takes the value `updated`, and so does every base it is a view of. */
export function updateInPlace(self: TensorValue, updated: string): void {
  let v: TensorValue = self;
  v.name = updated;
  while (v.view) {
    const base: TensorValue = v.view.base;
    base.name = v.view.writeBack(v.name);
    v = base;
  }
}
