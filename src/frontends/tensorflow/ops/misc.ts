/** Image resizing, top-k, einsum, seeded random numbers, and the host ops NMS and Where. */
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import { attr, type IrAttrs } from '../../graph-builder.js';
import type { MappingTable, OpMapping } from './types.js';
import { int64Input } from './shape.js';

/**
 * ResizeBilinear / ResizeNearestNeighbor on NHWC: Resize over the NCHW-held tensor to [N, C, size].
 * Coordinate modes as TensorFlow's flags define them (align_corners, half_pixel_centers, neither).
 */
function resize(mode: 'linear' | 'nearest'): OpMapping {
  return (c) => {
    const x = c.nchw(0);
    const align = c.bool('align_corners', false);
    const half = c.bool('half_pixel_centers', false);
    const attrs: IrAttrs = { mode: attr.string(mode) };
    if (mode === 'linear')
      attrs.coordinate_transformation_mode = attr.string(
        align ? 'align_corners' : half ? 'half_pixel' : 'asymmetric',
      );
    else {
      // TF: floor(out * scale), round(out * (in-1)/(out-1)) or floor((out + 0.5) * scale), i.e.
      // the half-pixel source coordinate rounded half up
      attrs.coordinate_transformation_mode = attr.string(
        align ? 'align_corners' : half ? 'half_pixel' : 'asymmetric',
      );
      attrs.nearest_mode = attr.string(align || half ? 'round_prefer_ceil' : 'floor');
    }
    const shape = c.g.one('Shape', [x], {}, `${c.base}/shape`);
    const nc = c.g.one(
      'Slice',
      [shape, c.g.ints([0], `${c.base}/s0`), c.g.ints([2], `${c.base}/s2`), c.g.ints([0], `${c.base}/ax`)],
      {},
      `${c.base}/nc`,
    );
    const sizes = c.g.one('Concat', [nc, int64Input(c, 1)], { axis: attr.int(0) }, `${c.base}/sizes`);
    c.output({ name: c.g.one('Resize', [x, '', '', sizes], attrs, c.base), layout: 'nchw' });
  };
}

const topK: OpMapping = (c) => {
  const k = c.g.one('Reshape', [int64Input(c, 1), c.g.ints([1], `${c.base}/one`)], {}, `${c.base}/k`);
  const attrs = {
    axis: attr.int(-1),
    largest: attr.int(1),
    sorted: attr.int(c.bool('sorted', true) ? 1 : 0),
  };
  const [values, indices] = c.g.node('TopK', [c.input(0), k], attrs, c.base, 2);
  c.output(values!, 0);
  c.output(c.g.one('Cast', [indices!], { to: attr.int(codeOfDType('int32')) }, `${c.base}:1`), 1);
};

const einsum: OpMapping = (c) => {
  const inputs = Array.from({ length: c.inputCount }, (_, i) => c.input(i));
  c.output(c.g.one('Einsum', inputs, { equation: attr.string(c.string('equation')) }, c.base));
};

/** Seeded, so a compiled model is deterministic (dropout at keep_prob 1 is then exactly the identity). */
const randomUniform: OpMapping = (c) => {
  const shape = c.constantInts(0, 'shape');
  const seed = c.int('seed', 0) * 1000003 + c.int('seed2', 0);
  c.output(
    c.g.one(
      'RandomUniform',
      [],
      {
        dtype: attr.int(codeOfDType(c.dtype('dtype', 'float32'))),
        shape: attr.ints(shape),
        seed: attr.float(seed % 2 ** 24),
      },
      c.base,
    ),
  );
};

/**
 * NonMaxSuppressionV3/V4/V5 on one image, one class: the IR's NonMaxSuppression (a host op: its
 * output size depends on the data) on [1, N, 4] boxes and [1, 1, N] scores; TF wants the kept boxes'
 * indices as int32 (V5 adds their scores, V4 and V5 their count).
 */
function nms(version: 3 | 4 | 5): OpMapping {
  return (c) => {
    if (version === 4 && c.bool('pad_to_max_output_size', false))
      throw new Error('pad_to_max_output_size=true is not supported (the selection is kept at its size)');
    const base = c.base;
    const boxes = c.g.one('Unsqueeze', [c.input(0), c.g.ints([0], `${base}/ax0`)], {}, `${base}/boxes`);
    const scores = c.g.one('Unsqueeze', [c.input(1), c.g.ints([0, 1], `${base}/ax01`)], {}, `${base}/scores`);
    const maxOut = c.g.one('Reshape', [int64Input(c, 2), c.g.ints([1], `${base}/one`)], {}, `${base}/max`);
    const inputs = [boxes, scores, maxOut, c.input(3), c.input(4)];
    if (version === 5) {
      const sigma = c.constant(5);
      if (!sigma || Number(sigma.data[0]) !== 0)
        throw new Error('soft NMS (soft_nms_sigma > 0) is not supported');
    }
    const selected = c.g.one('NonMaxSuppression', inputs, {}, base);
    const column = c.g.one(
      'Gather',
      [selected, c.g.scalar('int64', 2, `${base}/col`)],
      { axis: attr.int(1) },
      `${base}/index64`,
    );
    c.output(c.g.one('Cast', [column], { to: attr.int(codeOfDType('int32')) }, base), 0);
    const count = (k: number): void => {
      const n = c.g.one('Shape', [column], {}, `${base}/n`);
      const scalar = c.g.one('Squeeze', [n, c.g.ints([0], `${base}/sq`)], {}, `${base}/n0`);
      c.output(c.g.one('Cast', [scalar], { to: attr.int(codeOfDType('int32')) }, `${base}:${k}`), k);
    };
    if (version === 4) count(1);
    if (version === 5) {
      c.output(c.g.one('Gather', [c.input(1), column], { axis: attr.int(0) }, `${base}:1`), 1);
      count(2);
    }
  };
}

/** Where with one input: the coordinates of the true (non-zero) elements, one row each. */
const whereIndices: OpMapping = (c) => {
  const nz = c.g.one('NonZero', [c.input(0)], {}, `${c.base}/nz`);
  c.output(c.g.one('Transpose', [nz], { perm: attr.ints([1, 0]) }, c.base));
};

export const MISC_OPS: MappingTable = {
  NonMaxSuppressionV3: nms(3),
  NonMaxSuppressionV4: nms(4),
  NonMaxSuppressionV5: nms(5),
  Where: whereIndices,
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
  TopKV2: topK,
  Einsum: einsum,
  RandomUniform: randomUniform,
};
