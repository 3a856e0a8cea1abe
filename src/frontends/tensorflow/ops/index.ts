/** Every TensorFlow op the frontend maps, by name (what `list-operators --framework tensorflow` shows). */
import { ELEMENTWISE_OPS } from './elementwise.js';
import { MISC_OPS } from './misc.js';
import { NN_OPS } from './nn.js';
import { REDUCE_OPS } from './reduce.js';
import { SHAPE_OPS } from './shape.js';
import { SOURCE_OPS } from './sources.js';
import type { OpMapping } from './types.js';

export const TF_OPS: ReadonlyMap<string, OpMapping> = new Map(
  Object.entries({ ...SOURCE_OPS, ...ELEMENTWISE_OPS, ...NN_OPS, ...SHAPE_OPS, ...REDUCE_OPS, ...MISC_OPS }),
);
