/** Every MXNet op the frontend maps, by name (what `list-operators --framework mxnet` shows). */
import type { MxOpTable } from '../op-context.js';
import { ACTIVATION_OPS } from './activations.js';
import { ELEMENTWISE_OPS } from './elementwise.js';
import { NN_OPS } from './nn.js';
import { REDUCE_OPS } from './reduce.js';
import { SHAPE_OPS } from './shape.js';

export const MX_OPS: MxOpTable = {
  ...NN_OPS,
  ...ACTIVATION_OPS,
  ...ELEMENTWISE_OPS,
  ...SHAPE_OPS,
  ...REDUCE_OPS,
};
