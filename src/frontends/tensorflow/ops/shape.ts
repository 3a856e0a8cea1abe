/**
 * Shape and data movement. TensorFlow passes axes, sizes and bounds as tensors; where the IR needs
 * them as attributes they must be known at compile time (constants, or folded from pinned shapes).
 * Index tensors are int32 in TensorFlow and int64 in the IR: they are cast where they enter.
 */
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import { fromNumbers } from '../../../ir/tensor.js';
import { attr } from '../../graph-builder.js';
import { nchwAxis, NCHW_TO_NHWC, NHWC_TO_NCHW } from '../layout.js';
import type { NodeConverter } from '../node-converter.js';
import type { MappingTable, OpMapping } from './types.js';

const INT64 = codeOfDType('int64');
const BIG = 2 ** 62;

/** Input i as an int64 tensor (constants converted at compile time). */
export function int64Input(c: NodeConverter, i: number): string {
  const k = c.constant(i);
  if (k)
    return c.g.constant(
      fromNumbers('int64', k.shape, Array.from(k.data as ArrayLike<number | bigint>, Number)),
      `${c.base}/i64`,
    );
  return c.g.one('Cast', [c.input(i)], { to: attr.int(INT64) }, `${c.base}/i64`);
}

function rankOrThrow(c: NodeConverter, name: string): number {
  return c.requireRank(name);
}

const reshape: OpMapping = (c) => c.output(c.g.one('Reshape', [c.input(0), int64Input(c, 1)], {}, c.base));

const squeeze: OpMapping = (c) => {
  const axes = c.ints('squeeze_dims', c.ints('axis', []));
  const inputs = [c.input(0)];
  if (axes.length) inputs.push(c.g.ints(axes, `${c.base}/axes`));
  c.output(c.g.one('Squeeze', inputs, {}, c.base));
};

const expandDims: OpMapping = (c) => {
  const axis = c.constantInts(1, 'axis');
  c.output(c.g.one('Unsqueeze', [c.input(0), c.g.ints(axis, `${c.base}/axes`)], {}, c.base));
};

/** Over an NCHW-held tensor the permutation composes with the layout's: no extra transpose. */
const transpose: OpMapping = (c) => {
  const perm = c.constantInts(1, 'permutation');
  const x = c.ref(0);
  const applied =
    x.layout === 'nchw' && perm.length === 4
      ? perm.map((p) => NHWC_TO_NCHW.indexOf(p as 0 | 1 | 2 | 3))
      : perm;
  c.output(c.g.one('Transpose', [x.name], { perm: attr.ints(applied) }, c.base));
};

function concat(axisInput: 'first' | 'last'): OpMapping {
  return (c) => {
    const n = c.inputCount - 1;
    const [axisAt, first] = axisInput === 'last' ? [n, 0] : [0, 1];
    let axis = c.constantInts(axisAt, 'axis')[0]!;
    const refs = Array.from({ length: n }, (_, i) => c.ref(first + i));
    if (refs.every((r) => r.layout === 'nchw')) {
      const name = c.g.one(
        'Concat',
        refs.map((r) => r.name),
        { axis: attr.int(nchwAxis(axis)) },
        c.base,
      );
      return c.output({ name, layout: 'nchw' });
    }
    const inputs = refs.map((_, i) => c.input(first + i));
    if (axis < 0) axis += rankOrThrow(c, inputs[0]!);
    c.output(inputs.length === 1 ? inputs[0]! : c.g.one('Concat', inputs, { axis: attr.int(axis) }, c.base));
  };
}

const pack: OpMapping = (c) => {
  const axis = c.int('axis', 0);
  const axes = c.g.ints([axis], `${c.base}/axes`);
  const parts = Array.from({ length: c.inputCount }, (_, i) =>
    c.g.one('Unsqueeze', [c.input(i), axes], {}, `${c.base}/part${i}`),
  );
  let concatAxis = axis;
  if (axis < 0) concatAxis += rankOrThrow(c, c.input(0)) + 1;
  c.output(parts.length === 1 ? parts[0]! : c.g.one('Concat', parts, { axis: attr.int(concatAxis) }, c.base));
};

const unpack: OpMapping = (c) => {
  const num = c.int('num');
  const axis = c.int('axis', 0);
  const parts =
    num === 1
      ? [c.input(0)]
      : c.g.node('Split', [c.input(0)], { axis: attr.int(axis) }, `${c.base}/split`, num);
  const axes = c.g.ints([axis], `${c.base}/axes`);
  parts.forEach((p, k) => c.output(c.g.one('Squeeze', [p, axes], {}, `${c.base}:${k}`), k));
};

const split: OpMapping = (c) => {
  const axis = c.constantInts(0, 'axis')[0]!;
  const num = c.int('num_split');
  const x = c.ref(1);
  const onNchw = x.layout === 'nchw';
  const parts = c.g.node(
    'Split',
    [onNchw ? x.name : c.input(1)],
    { axis: attr.int(onNchw ? nchwAxis(axis) : axis) },
    c.base,
    num,
  );
  parts.forEach((p, k) => c.output({ name: p, layout: onNchw ? 'nchw' : 'tf' }, k));
};

const splitV: OpMapping = (c) => {
  const x = c.input(0);
  let axis = c.constantInts(2, 'axis')[0]!;
  const sizes = c.constantInts(1, 'sizes');
  const shape = c.g.typeOf(x)?.shape;
  if (axis < 0) axis += rankOrThrow(c, x);
  const unknown = sizes.indexOf(-1);
  if (unknown >= 0) {
    const dim = shape?.[axis];
    if (typeof dim !== 'number') throw new Error('a -1 split size needs the axis length at compile time');
    sizes[unknown] = dim - sizes.reduce((a, b) => (b < 0 ? a : a + b), 0);
  }
  const parts = c.g.node(
    'Split',
    [x, c.g.ints(sizes, `${c.base}/sizes`)],
    { axis: attr.int(axis) },
    c.base,
    sizes.length,
  );
  parts.forEach((p, k) => c.output(p, k));
};

/** Slice(x, begin, size): size -1 runs to the end. */
const slice: OpMapping = (c) => {
  const begin = c.constantInts(1, 'begin');
  const size = c.constantInts(2, 'size');
  const ends = size.map((s, i) => (s < 0 ? BIG : begin[i]! + s));
  const axes = begin.map((_, i) => i);
  c.output(
    c.g.one(
      'Slice',
      [
        c.input(0),
        c.g.ints(begin, `${c.base}/starts`),
        c.g.ints(ends, `${c.base}/ends`),
        c.g.ints(axes, `${c.base}/axes`),
      ],
      {},
      c.base,
    ),
  );
};

/**
 * StridedSlice with all five masks: the spec's entries walk the input's axes (an ellipsis stands
 * for as many as the rank leaves), new axes are inserted and shrunk ones removed afterwards.
 */
const stridedSlice: OpMapping = (c) => {
  const x = c.input(0);
  const begin = c.constantInts(1, 'begin');
  const end = c.constantInts(2, 'end');
  const strides = c.constantInts(3, 'strides');
  const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask] = [
    'begin_mask',
    'end_mask',
    'ellipsis_mask',
    'new_axis_mask',
    'shrink_axis_mask',
  ].map((m) => c.int(m, 0));
  const bit = (mask: number, i: number): boolean => ((mask! >> i) & 1) === 1;
  const specs = begin.length;
  const rank = ellipsisMask ? rankOrThrow(c, x) : undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const squeeze: number[] = [];
  const inserted: number[] = [];
  let axis = 0;
  let out = 0;
  for (let i = 0; i < specs; i++) {
    if (bit(ellipsisMask!, i)) {
      const consumedAfter = Array.from({ length: specs - i - 1 }, (_, k) => i + 1 + k).filter(
        (k) => !bit(newAxisMask!, k),
      ).length;
      const span = rank! - axis - consumedAfter;
      axis += span;
      out += span;
      continue;
    }
    if (bit(newAxisMask!, i)) {
      inserted.push(out++);
      continue;
    }
    const stride = strides[i]!;
    if (bit(shrinkMask!, i)) {
      const b = begin[i]!;
      starts.push(b);
      ends.push(b === -1 ? BIG : b + 1);
      steps.push(1);
      axes.push(axis);
      squeeze.push(axis);
      axis++;
      continue;
    }
    starts.push(bit(beginMask!, i) ? (stride > 0 ? 0 : BIG) : begin[i]!);
    ends.push(bit(endMask!, i) ? (stride > 0 ? BIG : -BIG) : end[i]!);
    steps.push(stride);
    axes.push(axis);
    axis++;
    out++;
  }
  let y = x;
  if (axes.length)
    y = c.g.one(
      'Slice',
      [
        y,
        c.g.ints(starts, `${c.base}/starts`),
        c.g.ints(ends, `${c.base}/ends`),
        c.g.ints(axes, `${c.base}/axes`),
        c.g.ints(steps, `${c.base}/steps`),
      ],
      {},
      `${c.base}/slice`,
    );
  if (squeeze.length)
    y = c.g.one('Squeeze', [y, c.g.ints(squeeze, `${c.base}/squeeze`)], {}, `${c.base}/shrink`);
  if (inserted.length)
    y = c.g.one('Unsqueeze', [y, c.g.ints(inserted, `${c.base}/new`)], {}, `${c.base}/new_axes`);
  c.output(y === x ? c.g.one('Identity', [x], {}, c.base) : y);
};

/** Shape in TensorFlow's order (an NCHW-held tensor's shape is permuted back) and out_type. */
const shape: OpMapping = (c) => {
  const x = c.ref(0);
  let s = c.g.one('Shape', [x.name], {}, `${c.base}/shape`);
  if (x.layout === 'nchw')
    s = c.g.one(
      'Gather',
      [s, c.g.ints([...NCHW_TO_NHWC], `${c.base}/order`)],
      { axis: attr.int(0) },
      `${c.base}/nhwc`,
    );
  const outType = c.dtype('out_type', 'int32');
  c.output(outType === 'int64' ? s : c.g.one('Cast', [s], { to: attr.int(codeOfDType(outType)) }, c.base));
};

const size: OpMapping = (c) => {
  const s = c.g.one('Size', [c.ref(0).name], {}, `${c.base}/size`);
  const outType = c.dtype('out_type', 'int32');
  c.output(outType === 'int64' ? s : c.g.one('Cast', [s], { to: attr.int(codeOfDType(outType)) }, c.base));
};

const rank: OpMapping = (c) => {
  c.output(c.g.scalar('int32', rankOrThrow(c, c.ref(0).name), c.base));
};

/** Fill(dims, value): Expand of the scalar value. */
const fill: OpMapping = (c) => c.output(c.g.one('Expand', [c.input(1), int64Input(c, 0)], {}, c.base));

const range: OpMapping = (c) => c.output(c.g.one('Range', [c.input(0), c.input(1), c.input(2)], {}, c.base));

/** Pad: [[before, after], ...] -> ONNX's [befores..., afters...]; an NCHW-held tensor stays so. */
function pad(mode: 'constant' | 'mirror'): OpMapping {
  return (c) => {
    const x = c.ref(0);
    const paddings = c.constantInts(1, 'paddings');
    const rows = paddings.length / 2;
    let order = Array.from({ length: rows }, (_, i) => i);
    const onNchw = x.layout === 'nchw' && rows === 4;
    if (onNchw) order = [...NHWC_TO_NCHW];
    const pads = [...order.map((r) => paddings[2 * r]!), ...order.map((r) => paddings[2 * r + 1]!)];
    const mirror = mode === 'mirror' ? c.string('mode', 'REFLECT') : undefined;
    if (mirror === 'SYMMETRIC') {
      const name = symmetricPad(c, onNchw ? x.name : c.input(0), pads);
      return c.output(onNchw ? { name, layout: 'nchw' } : name);
    }
    const padMode = mirror === undefined ? 'constant' : 'reflect';
    const inputs = [onNchw ? x.name : c.input(0), c.g.ints(pads, `${c.base}/pads`)];
    if (mode === 'constant' && c.inputCount > 2) inputs.push(c.input(2));
    const name = c.g.one('Pad', inputs, { mode: attr.string(padMode) }, c.base);
    c.output(onNchw ? { name, layout: 'nchw' } : name);
  };
}

/**
 * SYMMETRIC mirror padding repeats the edge (ONNX's reflect does not): per padded axis, the first
 * `before` and last `after` slices reversed, concatenated around the tensor.
 */
function symmetricPad(c: NodeConverter, x: string, pads: readonly number[]): string {
  const rank = pads.length / 2;
  let y = x;
  for (let a = 0; a < rank; a++) {
    const [before, after] = [pads[a]!, pads[a + rank]!];
    if (before === 0 && after === 0) continue;
    const slice = (start: number, end: number, tag: string): string =>
      c.g.one(
        'Slice',
        [
          y,
          c.g.ints([start], `${c.base}/${tag}_s`),
          c.g.ints([end], `${c.base}/${tag}_e`),
          c.g.ints([a], `${c.base}/${tag}_a`),
          c.g.ints([-1], `${c.base}/${tag}_step`),
        ],
        {},
        `${c.base}/${tag}`,
      );
    const parts = [
      ...(before > 0 ? [slice(before - 1, -BIG, `head${a}`)] : []),
      y,
      ...(after > 0 ? [slice(-1, -1 - after, `tail${a}`)] : []),
    ];
    y = c.g.one('Concat', parts, { axis: attr.int(a) }, `${c.base}/axis${a}`);
  }
  return y;
}

const tile: OpMapping = (c) => c.output(c.g.one('Tile', [c.input(0), int64Input(c, 1)], {}, c.base));

function gather(axisFrom: 'attr' | 'input'): OpMapping {
  return (c) => {
    const axis = axisFrom === 'input' ? c.constantInts(2, 'axis')[0]! : 0;
    if (c.int('batch_dims', 0) !== 0) throw new Error('GatherV2 with batch_dims is not supported');
    c.output(c.g.one('Gather', [c.input(0), int64Input(c, 1)], { axis: attr.int(axis) }, c.base));
  };
}

const gatherNd: OpMapping = (c) => c.output(c.g.one('GatherND', [c.input(0), int64Input(c, 1)], {}, c.base));

function zerosLike(value: number): OpMapping {
  return (c) => {
    const x = c.ref(0);
    const s = c.g.one('Shape', [x.name], {}, `${c.base}/shape`);
    const k = c.g.scalar(c.dtype('T', 'float32'), value, `${c.base}/k`);
    c.output({ name: c.g.one('Expand', [k, s], {}, c.base), layout: x.layout });
  };
}

/** SpaceToBatchND over two spatial axes of NHWC: pad, split each axis by its block, move blocks to the batch. */
const spaceToBatch: OpMapping = (c) => {
  const x = c.input(0);
  const [bh, bw] = c.constantInts(1, 'block shape');
  const p = c.constantInts(2, 'paddings');
  const [n, h, w, ch] = c.requireShape(x, 4);
  const padded = c.g.one(
    'Pad',
    [x, c.g.ints([0, p[0]!, p[2]!, 0, 0, p[1]!, p[3]!, 0], `${c.base}/pads`)],
    {},
    `${c.base}/pad`,
  );
  const [hp, wp] = [h! + p[0]! + p[1]!, w! + p[2]! + p[3]!];
  const r1 = c.g.one(
    'Reshape',
    [padded, c.g.ints([n!, hp / bh!, bh!, wp / bw!, bw!, ch!], `${c.base}/s1`)],
    {},
    `${c.base}/blocks`,
  );
  const t = c.g.one('Transpose', [r1], { perm: attr.ints([2, 4, 0, 1, 3, 5]) }, `${c.base}/move`);
  c.output(
    c.g.one('Reshape', [t, c.g.ints([bh! * bw! * n!, hp / bh!, wp / bw!, ch!], `${c.base}/s2`)], {}, c.base),
  );
};

const batchToSpace: OpMapping = (c) => {
  const x = c.input(0);
  const [bh, bw] = c.constantInts(1, 'block shape');
  const crops = c.constantInts(2, 'crops');
  const [b, h, w, ch] = c.requireShape(x, 4);
  const n = b! / (bh! * bw!);
  const r1 = c.g.one(
    'Reshape',
    [x, c.g.ints([bh!, bw!, n, h!, w!, ch!], `${c.base}/s1`)],
    {},
    `${c.base}/blocks`,
  );
  const t = c.g.one('Transpose', [r1], { perm: attr.ints([2, 3, 0, 4, 1, 5]) }, `${c.base}/move`);
  const full = c.g.one(
    'Reshape',
    [t, c.g.ints([n, h! * bh!, w! * bw!, ch!], `${c.base}/s2`)],
    {},
    `${c.base}/full`,
  );
  const [H, W] = [h! * bh!, w! * bw!];
  c.output(
    c.g.one(
      'Slice',
      [
        full,
        c.g.ints([crops[0]!, crops[2]!], `${c.base}/starts`),
        c.g.ints([H - crops[1]!, W - crops[3]!], `${c.base}/ends`),
        c.g.ints([1, 2], `${c.base}/axes`),
      ],
      {},
      c.base,
    ),
  );
};

/** DepthToSpace/SpaceToDepth: TensorFlow's NHWC order is ONNX's DCR mode on NCHW. */
function depthSpace(op: 'DepthToSpace' | 'SpaceToDepth'): OpMapping {
  return (c) => {
    if (c.string('data_format', 'NHWC') !== 'NHWC') throw new Error(`${op} on NCHW data is not supported`);
    const attrs = {
      blocksize: attr.int(c.int('block_size')),
      ...(op === 'DepthToSpace' ? { mode: attr.string('DCR') } : {}),
    };
    c.output({ name: c.g.one(op, [c.nchw(0)], attrs, c.base), layout: 'nchw' });
  };
}

export const SHAPE_OPS: MappingTable = {
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Transpose: transpose,
  ConcatV2: concat('last'),
  Concat: concat('first'),
  Pack: pack,
  Unpack: unpack,
  Split: split,
  SplitV: splitV,
  Slice: slice,
  StridedSlice: stridedSlice,
  Shape: shape,
  Size: size,
  Rank: rank,
  Fill: fill,
  Range: range,
  Pad: pad('constant'),
  PadV2: pad('constant'),
  MirrorPad: pad('mirror'),
  Tile: tile,
  Gather: gather('attr'),
  GatherV2: gather('input'),
  GatherNd: gatherNd,
  ZerosLike: zerosLike(0),
  OnesLike: zerosLike(1),
  SpaceToBatchND: spaceToBatch,
  BatchToSpaceND: batchToSpace,
  DepthToSpace: depthSpace('DepthToSpace'),
  SpaceToDepth: depthSpace('SpaceToDepth'),
};
