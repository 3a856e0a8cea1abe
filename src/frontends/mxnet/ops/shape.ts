/**
 * Shape and layout ops: Flatten, Reshape (MXNet's codes 0, -1, -2, -3, -4 and reverse), transpose,
 * SwapAxis, Concat, stack, SliceChannel/split, slice, slice_axis, Crop, Pad, expand_dims, squeeze,
 * broadcast_to/axis/like, tile, repeat. Input shapes are static, so targets are computed here.
 */
import { attr } from '../../graph-builder.js';
import { MxUnsupported, type MxOpContext, type MxOpTable } from '../op-context.js';

/** MXNet's Reshape target from its codes (matrix_op-inl.h semantics). */
export function reshapeTarget(src: readonly number[], codes: readonly number[], reverse: boolean): number[] {
  const from = reverse ? [...src].reverse() : [...src];
  const spec = reverse ? reverseCodes(codes) : [...codes];
  const dst: number[] = [];
  let i = 0;
  let infer = -1;
  for (let j = 0; j < spec.length; j++) {
    const code = spec[j]!;
    if (code === 0) dst.push(from[i++]!);
    else if (code === -1) {
      if (infer >= 0) throw new Error('Reshape: only one dimension can be inferred');
      infer = dst.length;
      dst.push(1);
      i++;
    } else if (code === -2) while (i < from.length) dst.push(from[i++]!);
    else if (code === -3) {
      dst.push(from[i]! * from[i + 1]!);
      i += 2;
    } else if (code === -4) {
      const whole = from[i++]!;
      let [a, b] = [spec[j + 1]!, spec[j + 2]!];
      j += 2;
      if (a === -1) a = whole / b;
      if (b === -1) b = whole / a;
      if (a * b !== whole) throw new Error(`Reshape: -4 splits ${whole} into ${a} x ${b}`);
      dst.push(a, b);
    } else if (code > 0) {
      dst.push(code);
      i++;
    } else throw new Error(`Reshape: unknown code ${code}`);
  }
  if (infer >= 0) {
    const total = src.reduce((a, b) => a * b, 1);
    const known = dst.reduce((a, b, k) => (k === infer ? a : a * b), 1);
    dst[infer] = known === 0 ? 0 : total / known;
  }
  if (dst.reduce((a, b) => a * b, 1) !== src.reduce((a, b) => a * b, 1))
    throw new Error(`Reshape: [${src}] cannot take the shape [${dst}]`);
  return reverse ? dst.reverse() : dst;
}

/** Reversed codes keep each -4 group's order (the pair after -4 splits one dim). */
function reverseCodes(codes: readonly number[]): number[] {
  const groups: number[][] = [];
  for (let j = 0; j < codes.length; j++) {
    if (codes[j] === -4) {
      groups.push([-4, codes[j + 2]!, codes[j + 1]!]);
      j += 2;
    } else groups.push([codes[j]!]);
  }
  return groups.reverse().flat();
}

function reshape(c: MxOpContext): string[] {
  const x = c.input(0);
  const codes = c.attrs.has('shape') ? c.attrs.ints('shape', []) : c.attrs.ints('target_shape', []);
  const target = reshapeTarget(c.shapeOf(x), codes, c.attrs.bool('reverse', false));
  return [c.one('Reshape', [x, c.ints64(target)])];
}

function flatten(c: MxOpContext): string[] {
  const x = c.input(0);
  const shape = c.shapeOf(x);
  return [c.one('Reshape', [x, c.ints64([shape[0] ?? 1, shape.slice(1).reduce((a, b) => a * b, 1)])])];
}

function transpose(c: MxOpContext): string[] {
  const x = c.input(0);
  const rank = c.rankOf(x);
  const axes = c.attrs.ints('axes', []);
  const perm = axes.length
    ? axes.map((a) => c.axis(a, rank))
    : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  return [c.one('Transpose', [x], { perm: attr.ints(perm) })];
}

function swapAxis(c: MxOpContext): string[] {
  const x = c.input(0);
  const rank = c.rankOf(x);
  const perm = Array.from({ length: rank }, (_, i) => i);
  const [a, b] = [c.axis(c.attrs.int('dim1', 0), rank), c.axis(c.attrs.int('dim2', 0), rank)];
  [perm[a], perm[b]] = [perm[b]!, perm[a]!];
  return [c.one('Transpose', [x], { perm: attr.ints(perm) })];
}

function inputs(c: MxOpContext): string[] {
  return Array.from({ length: c.inputCount }, (_, i) => c.input(i));
}

function sliceChannel(c: MxOpContext): string[] {
  const x = c.input(0);
  const shape = c.shapeOf(x);
  const axis = c.axis(c.attrs.int('axis', 1), shape.length);
  const n = c.attrs.int('num_outputs', 1);
  if (shape[axis]! % n !== 0)
    throw new Error(`SliceChannel: axis size ${shape[axis]} does not split into ${n}`);
  const parts =
    n === 1
      ? [x]
      : c.many(
          'Split',
          [x, c.ints64(new Array<number>(n).fill(shape[axis]! / n))],
          { axis: attr.int(axis) },
          n,
        );
  if (!c.attrs.bool('squeeze_axis', false)) return parts;
  if (shape[axis]! !== n) throw new Error('SliceChannel: squeeze_axis needs parts of size 1');
  return parts.map((p) => c.one('Squeeze', [p, c.ints64([axis])]));
}

/** One axis sliced from begin to end (None: the end) with a step, bounds as Python's. */
function sliceOne(
  c: MxOpContext,
  x: string,
  axis: number,
  begin: number | undefined,
  end: number | undefined,
  step: number,
) {
  const dim = c.shapeOf(x)[axis]!;
  if (step === 0) throw new Error('slice step must not be 0');
  const norm = (v: number) => (v < 0 ? v + dim : v);
  const b = begin === undefined ? (step > 0 ? 0 : dim - 1) : norm(begin);
  const e = end === undefined ? (step > 0 ? dim : -dim - 1) : norm(end);
  return { start: b, end: e, axis, step };
}

function slice(c: MxOpContext): string[] {
  const x = c.input(0);
  const begin = c.attrs.optInts('begin') ?? [];
  const end = c.attrs.optInts('end') ?? [];
  const step = c.attrs.optInts('step') ?? [];
  const parts = begin.map((b, i) => sliceOne(c, x, i, b, end[i], step[i] ?? 1));
  if (parts.length === 0) return [x];
  return [
    c.one('Slice', [
      x,
      c.ints64(parts.map((p) => p.start)),
      c.ints64(parts.map((p) => p.end)),
      c.ints64(parts.map((p) => p.axis)),
      c.ints64(parts.map((p) => p.step)),
    ]),
  ];
}

function sliceAxis(c: MxOpContext): string[] {
  const x = c.input(0);
  const axis = c.axis(c.attrs.int('axis', 0), c.rankOf(x));
  const p = sliceOne(c, x, axis, c.attrs.int('begin', 0), c.attrs.optInt('end'), 1);
  return [c.one('Slice', [x, c.ints64([p.start]), c.ints64([p.end]), c.ints64([axis])])];
}

/** The Crop layer: to h_w or to a second input's spatial size, at an offset or centred. */
function crop(c: MxOpContext): string[] {
  const x = c.input(0);
  const [h, w] = c.shapeOf(x).slice(2) as [number, number];
  const [th, tw] =
    c.attrs.int('num_args', c.inputCount) > 1 ? c.shapeOf(c.input(1)).slice(2) : c.attrs.ints('h_w', [0, 0]);
  if (!th || !tw || th > h || tw > w) throw new Error(`Crop to ${th}x${tw} from ${h}x${w}`);
  const [oy, ox] = c.attrs.bool('center_crop', false)
    ? [Math.floor((h - th) / 2), Math.floor((w - tw) / 2)]
    : c.attrs.ints('offset', [0, 0]);
  return [c.one('Slice', [x, c.ints64([oy!, ox!]), c.ints64([oy! + th, ox! + tw]), c.ints64([2, 3])])];
}

function pad(c: MxOpContext): string[] {
  const x = c.input(0);
  const mode = c.attrs.str('mode', 'constant');
  if (!['constant', 'edge', 'reflect'].includes(mode)) throw new MxUnsupported(`mode ${mode}`);
  const widths = c.attrs.ints('pad_width', []);
  const rank = c.rankOf(x);
  if (widths.length !== 2 * rank)
    throw new Error(`pad_width has ${widths.length} values, ${2 * rank} expected`);
  const pads = [...widths.filter((_, i) => i % 2 === 0), ...widths.filter((_, i) => i % 2 === 1)];
  const ins = [x, c.ints64(pads)];
  if (mode === 'constant') ins.push(c.scalarLike(c.attrs.float('constant_value', 0), x));
  return [c.one('Pad', ins, { mode: attr.string(mode) })];
}

function expandTo(c: MxOpContext, x: string, target: readonly number[]): string[] {
  return [c.one('Expand', [x, c.ints64(target)])];
}

function repeat(c: MxOpContext): string[] {
  let x = c.input(0);
  const times = c.attrs.int('repeats', 1);
  let shape = c.shapeOf(x);
  if (!c.attrs.has('axis')) {
    x = c.one('Reshape', [x, c.ints64([-1])]);
    shape = [shape.reduce((a, b) => a * b, 1)];
  }
  const axis = c.axis(c.attrs.int('axis', 0), shape.length);
  // each element repeated in place: insert an axis after `axis`, expand it, merge the two
  const lifted = c.one('Unsqueeze', [x, c.ints64([axis + 1])]);
  const expanded = c.one('Expand', [
    lifted,
    c.ints64([...shape.slice(0, axis + 1), times, ...shape.slice(axis + 1)]),
  ]);
  const out = [...shape];
  out[axis] = shape[axis]! * times;
  return [c.one('Reshape', [expanded, c.ints64(out)])];
}

export const SHAPE_OPS: MxOpTable = {
  Flatten: { lower: flatten },
  flatten: { lower: flatten },
  Reshape: { lower: reshape },
  reshape: { lower: reshape },
  reshape_like: { lower: (c) => [c.one('Reshape', [c.input(0), c.ints64(c.shapeOf(c.input(1)))])] },
  transpose: { lower: transpose },
  SwapAxis: { lower: swapAxis },
  swapaxes: { lower: swapAxis },
  Concat: { lower: (c) => [c.one('Concat', inputs(c), { axis: attr.int(c.attrs.int('dim', 1)) })] },
  concat: { lower: (c) => [c.one('Concat', inputs(c), { axis: attr.int(c.attrs.int('dim', 1)) })] },
  stack: {
    lower: (c) => {
      const axis = c.axis(c.attrs.int('axis', 0), c.rankOf(c.input(0)) + 1);
      const lifted = inputs(c).map((x) => c.one('Unsqueeze', [x, c.ints64([axis])]));
      return [c.one('Concat', lifted, { axis: attr.int(axis) })];
    },
  },
  SliceChannel: { lower: sliceChannel, outputs: (a) => a.int('num_outputs', 1) },
  split: { lower: sliceChannel, outputs: (a) => a.int('num_outputs', 1) },
  slice: { lower: slice },
  crop: { lower: slice },
  slice_axis: { lower: sliceAxis },
  Crop: { lower: crop },
  Pad: { lower: pad },
  pad: { lower: pad },
  expand_dims: {
    lower: (c) => {
      const x = c.input(0);
      return [c.one('Unsqueeze', [x, c.ints64([c.axis(c.attrs.int('axis', 0), c.rankOf(x) + 1)])])];
    },
  },
  squeeze: {
    lower: (c) => {
      const x = c.input(0);
      const shape = c.shapeOf(x);
      const axes = c.attrs.has('axis')
        ? c.attrs.ints('axis', []).map((a) => c.axis(a, shape.length))
        : shape.flatMap((d, i) => (d === 1 ? [i] : []));
      return [axes.length ? c.one('Squeeze', [x, c.ints64(axes)]) : x];
    },
  },
  broadcast_to: {
    lower: (c) => {
      const x = c.input(0);
      const shape = c.shapeOf(x);
      return expandTo(
        c,
        x,
        c.attrs.ints('shape', []).map((d, i) => (d === 0 ? shape[i]! : d)),
      );
    },
  },
  broadcast_axis: {
    lower: (c) => {
      const x = c.input(0);
      const target = c.shapeOf(x);
      const sizes = c.attrs.ints('size', []);
      c.attrs.ints('axis', []).forEach((a, i) => (target[c.axis(a, target.length)] = sizes[i]!));
      return expandTo(c, x, target);
    },
  },
  broadcast_like: { lower: (c) => expandTo(c, c.input(0), c.shapeOf(c.input(1))) },
  tile: { lower: (c) => [tile(c)] },
  repeat: { lower: repeat },
};

function tile(c: MxOpContext): string {
  let x = c.input(0);
  const reps = c.attrs.ints('reps', []);
  const shape = c.shapeOf(x);
  if (reps.length > shape.length)
    x = c.one('Reshape', [x, c.ints64([...new Array<number>(reps.length - shape.length).fill(1), ...shape])]);
  const full = [...new Array<number>(Math.max(0, shape.length - reps.length)).fill(1), ...reps];
  return c.one('Tile', [x, c.ints64(full)]);
}
