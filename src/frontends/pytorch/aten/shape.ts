/**
 * Shape and layout aten ops: view/reshape/flatten, permute/transpose, squeeze/unsqueeze,
 * expand/repeat, cat/stack, chunk/split/unbind, slice/select/narrow, index_select. Sizes are known
 * (inputs are pinned), so targets are computed here as plain numbers.
 */
import { attr } from '../../graph-builder.js';
import { scalar } from '../../../ir/tensor.js';
import { list, tensor, tuple, type Value } from '../values.js';
import { LowerError, op, type AtenCall, type AtenTable } from './call.js';
import { promoteTypes } from './promote.js';
import { asView, permuteView, reshapeView, sliceView } from './views.js';

const out = (name: string): Value => tensor(name);

function reshape(c: AtenCall, x: string, shape: readonly number[]): string {
  return c.one('Reshape', [x, c.ints64(shape)]);
}

function flatten(c: AtenCall): Value {
  const x = c.tensor('self');
  const shape = c.shapeOf(x);
  if (shape.length === 0) return reshapeView(c, reshape(c, x, [1]));
  const start = c.axis(c.int('start_dim'), shape.length);
  const end = c.axis(c.int('end_dim'), shape.length);
  const merged = shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  return reshapeView(c, reshape(c, x, [...shape.slice(0, start), merged, ...shape.slice(end + 1)]));
}

function transpose(c: AtenCall, x: string, perm: readonly number[]): string {
  return c.one('Transpose', [x], { perm: attr.ints(perm) });
}

function swap(c: AtenCall, a: string, b: string): Value {
  const x = c.tensor('self');
  const rank = c.rankOf(x);
  if (rank < 2) return asView(c, x, (u) => u);
  const [i, j] = [c.axis(c.int(a), rank), c.axis(c.int(b), rank)];
  const perm = Array.from({ length: rank }, (_, k) => k);
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  return permuteView(c, transpose(c, x, perm), perm);
}

function squeeze(c: AtenCall): Value {
  const x = c.tensor('self');
  const shape = c.shapeOf(x);
  const dims = c.isNone('dim') ? shape.map((_, i) => i) : c.ints('dim').map((d) => c.axis(d, shape.length));
  const drop = dims.filter((d) => shape[d] === 1);
  return reshapeView(c, drop.length === 0 ? x : c.one('Squeeze', [x, c.ints64(drop)]));
}

function expand(c: AtenCall, x: string, size: readonly number[]): string {
  const shape = c.shapeOf(x);
  const lead = size.length - shape.length;
  if (lead < 0) throw new LowerError(`expand to [${size}] has fewer dims than [${shape}]`);
  const target = size.map((s, i) => (s === -1 ? shape[i - lead]! : s));
  return c.one('Expand', [x, c.ints64(target)]);
}

function repeat(c: AtenCall): Value {
  let x = c.tensor('self');
  const repeats = c.ints('repeats');
  const rank = c.rankOf(x);
  if (repeats.length > rank)
    x = reshape(c, x, [...new Array<number>(repeats.length - rank).fill(1), ...c.shapeOf(x)]);
  return out(c.one('Tile', [x, c.ints64(repeats)]));
}

function concat(c: AtenCall, parts: readonly string[], axis: number): string {
  const dt = parts.map((p) => c.dtypeOf(p)).reduce(promoteTypes);
  // torch.cat skips legacy empty 1-D tensors
  const kept = parts.filter((p) => !(c.rankOf(p) === 1 && c.shapeOf(p)[0] === 0));
  return c.one(
    'Concat',
    (kept.length ? kept : parts).map((p) => c.cast(p, dt)),
    { axis: attr.int(axis) },
  );
}

function split(c: AtenCall, x: string, sizes: readonly number[], axis: number): Value {
  if (sizes.length === 1) return list([asView(c, x, (u) => u)]);
  const parts = c.node('Split', [x, c.ints64(sizes)], { axis: attr.int(axis) }, sizes.length);
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  return list(parts.map((p, i) => sliceView(c, p, axis, starts[i]!, sizes[i]!, 1)));
}

function chunkSizes(total: number, chunks: number): number[] {
  const each = Math.ceil(total / chunks);
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= each) sizes.push(Math.min(each, left));
  return sizes.length ? sizes : [0];
}

function slice(c: AtenCall): Value {
  const x = c.tensor('self');
  const shape = c.shapeOf(x);
  const axis = c.axis(c.int('dim'), shape.length);
  const n = shape[axis]!;
  const clampIndex = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const i = v < 0 ? v + n : v;
    return Math.min(Math.max(i, 0), n);
  };
  const start = clampIndex(c.optInt('start'), 0);
  const end = Math.max(start, clampIndex(c.optInt('end'), n));
  const step = c.int('step');
  if (step <= 0) throw new LowerError('slice step must be positive');
  if (start === 0 && end === n && step === 1) return asView(c, x, (u) => u);
  const y = c.one('Slice', [x, c.ints64([start]), c.ints64([end]), c.ints64([axis]), c.ints64([step])]);
  return sliceView(c, y, axis, start, Math.ceil((end - start) / step), step);
}

/** x[..., index, ...] along `dim`: a view of one position, its axis dropped. */
function select(c: AtenCall, x: string, dim: number, index: number): Value {
  const shape = c.shapeOf(x);
  const axis = c.axis(dim, shape.length);
  const i = index < 0 ? index + shape[axis]! : index;
  if (i < 0 || i >= shape[axis]!)
    throw new LowerError(`index ${index} is out of range for size ${shape[axis]}`);
  const y = c.one('Gather', [x, c.g.constant(scalar('int64', i), `${c.base}/index`)], {
    axis: attr.int(axis),
  });
  return sliceView(c, y, axis, i, 1, 1, true);
}

export const SHAPE_OPS: AtenTable = {
  'aten::view': op('view(self, size)', (c) => reshapeView(c, reshape(c, c.tensor('self'), c.ints('size')))),
  'aten::reshape': op('reshape(self, shape)', (c) =>
    reshapeView(c, reshape(c, c.tensor('self'), c.ints('shape'))),
  ),
  'aten::view_as': op('view_as(self, other)', (c) =>
    reshapeView(c, reshape(c, c.tensor('self'), c.shapeOf(c.tensor('other')))),
  ),
  'aten::reshape_as': op('reshape_as(self, other)', (c) =>
    reshapeView(c, reshape(c, c.tensor('self'), c.shapeOf(c.tensor('other')))),
  ),
  'aten::flatten': op('flatten(self, start_dim=0, end_dim=-1)', flatten),
  'aten::permute': op('permute(self, dims)', (c) => {
    const x = c.tensor('self');
    const rank = c.rankOf(x);
    const perm = c.ints('dims').map((d) => c.axis(d, rank));
    return permuteView(c, transpose(c, x, perm), perm);
  }),
  'aten::transpose': op('transpose(self, dim0, dim1)', (c) => swap(c, 'dim0', 'dim1')),
  'aten::swapaxes': op('swapaxes(self, axis0, axis1)', (c) => swap(c, 'axis0', 'axis1')),
  'aten::t': op('t(self, dim0=0, dim1=1)', (c) => swap(c, 'dim0', 'dim1')),
  // x.mT and x.T: the last two dims swapped, all dims reversed
  'aten::mT': op('mT(self)', (c) => {
    const x = c.tensor('self');
    const rank = c.rankOf(x);
    if (rank < 2) throw new LowerError(`mT of a rank-${rank} tensor`);
    const perm = Array.from({ length: rank }, (_, k) => k);
    [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
    return permuteView(c, transpose(c, x, perm), perm);
  }),
  'aten::numpy_T': op('numpy_T(self)', (c) => {
    const x = c.tensor('self');
    const rank = c.rankOf(x);
    const reversed = Array.from({ length: rank }, (_, k) => rank - 1 - k);
    return rank < 2 ? asView(c, x, (u) => u) : permuteView(c, transpose(c, x, reversed), reversed);
  }),
  'aten::unsqueeze': op('unsqueeze(self, dim)', (c) => {
    const x = c.tensor('self');
    const axis = c.axis(c.int('dim'), c.rankOf(x) + 1);
    return reshapeView(c, c.one('Unsqueeze', [x, c.ints64([axis])]));
  }),
  'aten::squeeze': op('squeeze(self, dim=None)', squeeze),
  'aten::expand': op('expand(self, size, implicit=False)', (c) =>
    out(expand(c, c.tensor('self'), c.ints('size'))),
  ),
  'aten::expand_as': op('expand_as(self, other)', (c) =>
    out(expand(c, c.tensor('self'), c.shapeOf(c.tensor('other')))),
  ),
  'aten::repeat': op('repeat(self, repeats)', repeat),
  'aten::cat': op('cat(tensors, dim=0)', (c) => {
    const parts = c.tensors('tensors');
    const rank = Math.max(...parts.map((p) => c.rankOf(p)));
    return out(concat(c, parts, c.axis(c.int('dim'), rank)));
  }),
  'aten::concat': op('concat(tensors, dim=0)', (c) => {
    const parts = c.tensors('tensors');
    return out(concat(c, parts, c.axis(c.int('dim'), c.rankOf(parts[0]!))));
  }),
  'aten::stack': op('stack(tensors, dim=0)', (c) => {
    const parts = c.tensors('tensors');
    const axis = c.axis(c.int('dim'), c.rankOf(parts[0]!) + 1);
    const lifted = parts.map((p) => c.one('Unsqueeze', [p, c.ints64([axis])]));
    return out(concat(c, lifted, axis));
  }),
  'aten::chunk': op('chunk(self, chunks, dim=0)', (c) => {
    const x = c.tensor('self');
    const shape = c.shapeOf(x);
    const axis = c.axis(c.int('dim'), shape.length);
    return split(c, x, chunkSizes(shape[axis]!, c.int('chunks')), axis);
  }),
  'aten::split': op('split(self, split_size, dim=0)', (c) => {
    const x = c.tensor('self');
    const shape = c.shapeOf(x);
    const axis = c.axis(c.int('dim'), shape.length);
    const v = c.value('split_size');
    const sizes =
      v.kind === 'list' || v.kind === 'tuple'
        ? c.ints('split_size')
        : (() => {
            const each = c.int('split_size');
            return chunkSizes(shape[axis]!, Math.ceil(shape[axis]! / each));
          })();
    return split(c, x, sizes, axis);
  }),
  'aten::split_with_sizes': op('split_with_sizes(self, split_sizes, dim=0)', (c) => {
    const x = c.tensor('self');
    return split(c, x, c.ints('split_sizes'), c.axis(c.int('dim'), c.rankOf(x)));
  }),
  'aten::unbind': op('unbind(self, dim=0)', (c) => {
    const x = c.tensor('self');
    const shape = c.shapeOf(x);
    const axis = c.axis(c.int('dim'), shape.length);
    return list(Array.from({ length: shape[axis]! }, (_, i) => select(c, x, axis, i)));
  }),
  'aten::slice': op('slice(self, dim=0, start=None, end=None, step=1)', slice),
  'aten::narrow': op('narrow(self, dim, start, length)', (c) => {
    const x = c.tensor('self');
    const axis = c.axis(c.int('dim'), c.rankOf(x));
    const start = c.int('start');
    const s = start < 0 ? start + c.shapeOf(x)[axis]! : start;
    const y = c.one('Slice', [x, c.ints64([s]), c.ints64([s + c.int('length')]), c.ints64([axis])]);
    return sliceView(c, y, axis, s, c.int('length'), 1);
  }),
  'aten::select': op('select(self, dim, index)', (c) =>
    select(c, c.tensor('self'), c.int('dim'), c.int('index')),
  ),
  'aten::index_select': op('index_select(self, dim, index)', (c) => {
    const x = c.tensor('self');
    return out(
      c.one('Gather', [x, c.tensor('index')], { axis: attr.int(c.axis(c.int('dim'), c.rankOf(x))) }),
    );
  }),
  'aten::broadcast_tensors': op('broadcast_tensors(tensors)', (c) => {
    const parts = c.tensors('tensors');
    const shapes = parts.map((p) => c.shapeOf(p));
    const rank = Math.max(...shapes.map((s) => s.length));
    const target = Array.from({ length: rank }, (_, i) =>
      Math.max(...shapes.map((s) => s[i - (rank - s.length)] ?? 1)),
    );
    return tuple(parts.map((p) => out(c.one('Expand', [p, c.ints64(target)]))));
  }),
};
