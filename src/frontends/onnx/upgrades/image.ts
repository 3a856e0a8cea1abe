import type { AttrValue, Node } from '../../../ir/graph.js';
import { fromNumbers, type Tensor } from '../../../ir/tensor.js';
import { OpUnsupported } from '../../../ops/op.js';
import { attributeToInput, type NodeUpgrade, type UpgradeContext, type UpgradeTable } from '../upgrade.js';

const str = (value: string): AttrValue => ({ kind: 'string', value });

function stringAttr(node: Node, name: string): string | undefined {
  const v = node.attrs[name];
  return v?.kind === 'string' ? v.value : undefined;
}

/**
 * Upsample (opsets 7-9; deprecated in 10) is Resize with asymmetric coordinates. Its nearest mode
 * reads input[floor(x / scale)] (scales are >= 1 by its spec), which is nearest_mode floor.
 * Opset 7 held the scales in an attribute; 9 made them an input.
 */
const upsample: NodeUpgrade = (node, ctx) => {
  const mode = stringAttr(node, 'mode') ?? 'nearest';
  const withScales = node.attrs['scales'] ? attributeToInput(node, 'scales', 1, (v) => floats(v), ctx) : node;
  const { mode: _mode, ...rest } = withScales.attrs;
  const linear = mode === 'linear' || mode === 'bilinear';
  return {
    ...withScales,
    op: 'Resize',
    inputs: [withScales.inputs[0]!, '', withScales.inputs[1] ?? ''],
    attrs: {
      ...rest,
      mode: str(linear ? 'linear' : 'nearest'),
      coordinate_transformation_mode: str('asymmetric'),
      ...(linear ? {} : { nearest_mode: str('floor') }),
    },
  };
};

function floats(v: AttrValue | undefined): Tensor {
  const values = v?.kind === 'floats' || v?.kind === 'ints' ? v.value : [];
  return fromNumbers('float32', [values.length], values);
}

/**
 * Resize-10 took (X, scales) and resized with asymmetric coordinates; its nearest rounding (floor
 * when upsampling, as onnxruntime does) becomes nearest_mode floor. Downsampling with Resize-10
 * nearest rounded up in onnxruntime; the upgrade cannot see constant scales, so such models get
 * floor and may differ by one pixel phase.
 * Resize-11 had tf_half_pixel_for_nn, x = (i + 0.5) / scale: with floor rounding that equals
 * half_pixel with round_prefer_ceil; other combinations have no newer spelling.
 */
const resize: NodeUpgrade = (node, ctx) => {
  if (ctx.opset < 11 && node.inputs.length === 2) {
    const mode = stringAttr(node, 'mode') ?? 'nearest';
    return {
      ...node,
      inputs: [node.inputs[0]!, '', node.inputs[1]!],
      attrs: {
        ...node.attrs,
        coordinate_transformation_mode: str('asymmetric'),
        ...(mode === 'nearest' ? { nearest_mode: str('floor') } : {}),
      },
    };
  }
  if (stringAttr(node, 'coordinate_transformation_mode') === 'tf_half_pixel_for_nn') {
    const rounding = stringAttr(node, 'nearest_mode') ?? 'round_prefer_floor';
    if ((stringAttr(node, 'mode') ?? 'nearest') !== 'nearest' || rounding !== 'floor') {
      throw new OpUnsupported(
        `Resize tf_half_pixel_for_nn with nearest_mode ${rounding} has no opset-13 equivalent`,
      );
    }
    return {
      ...node,
      attrs: {
        ...node.attrs,
        coordinate_transformation_mode: str('half_pixel'),
        nearest_mode: str('round_prefer_ceil'),
      },
    };
  }
  return node;
};

/** GridSample-16 spelled the 2-D modes bilinear and bicubic; 20 renamed them for N-D. */
const gridSample: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 20) return node;
  const mode = stringAttr(node, 'mode');
  const renamed = mode === 'bilinear' ? 'linear' : mode === 'bicubic' ? 'cubic' : undefined;
  return renamed ? { ...node, attrs: { ...node.attrs, mode: str(renamed) } } : node;
};

/** RoiAlign-10 did not shift pixels by half (fixed in 16 with a new default, half_pixel). */
const roiAlign: NodeUpgrade = (node, ctx) => {
  if (ctx.opset >= 16 || node.attrs['coordinate_transformation_mode']) return node;
  return { ...node, attrs: { ...node.attrs, coordinate_transformation_mode: str('output_half_pixel') } };
};

/** DFT-17 took axis as an attribute whose default, 1, is the first dim after the batch. */
const dft: NodeUpgrade = (node, ctx: UpgradeContext) => {
  if (ctx.opset >= 20) return node;
  const withAxis = node.attrs['axis']
    ? node
    : { ...node, attrs: { ...node.attrs, axis: { kind: 'int', value: 1 } as AttrValue } };
  return attributeToInput(
    withAxis,
    'axis',
    2,
    (v) => fromNumbers('int64', [], [v?.kind === 'int' ? v.value : 1]),
    ctx,
  );
};

export const imageUpgrades: UpgradeTable = {
  Upsample: upsample,
  Resize: resize,
  GridSample: gridSample,
  RoiAlign: roiAlign,
  DFT: dft,
};
