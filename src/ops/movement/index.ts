import { storingActivations, type AnyOpDef } from '../op.js';
import { Concat, Split } from './concat-split.js';
import { Constant, ConstantOfShape, EyeLike } from './constant.js';
import { Expand, Tile } from './expand-tile.js';
import { Gather, GatherElements, GatherND } from './gather.js';
import { OneHot } from './one-hot.js';
import { CenterCropPad, Pad } from './pad.js';
import { Range } from './range.js';
import { Flatten, Reshape, Squeeze, Unsqueeze } from './reshape.js';
import { Scatter, ScatterElements, ScatterND, TensorScatter } from './scatter.js';
import { Compress, NonZero, ReverseSequence } from './select.js';
import { Dropout, Identity, Shape, Size } from './shape-ops.js';
import { Slice } from './slice.js';
import { DepthToSpace, SpaceToDepth } from './space-depth.js';
import { Transpose } from './transpose.js';
import { Trilu } from './trilu.js';
import { Unique } from './unique.js';

/** Shape and data movement: views, permutations, selections, scatters and constants. */
export const movementOps: readonly AnyOpDef[] = [
  ...storingActivations('copy', [Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Split, Slice]),
  Gather,
  GatherElements,
  GatherND,
  Scatter,
  ScatterElements,
  ScatterND,
  TensorScatter,
  ...storingActivations('copy', [Expand, Tile, Pad]),
  CenterCropPad,
  Shape,
  Size,
  ...storingActivations('copy', [Identity]),
  Dropout,
  Constant,
  ConstantOfShape,
  EyeLike,
  Range,
  ...storingActivations('copy', [DepthToSpace, SpaceToDepth]),
  Trilu,
  OneHot,
  Compress,
  NonZero,
  ReverseSequence,
  Unique,
];
