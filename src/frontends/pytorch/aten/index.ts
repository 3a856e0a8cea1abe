/** Every TorchScript op the frontend maps onto the IR, by qualified name (what `list-operators --framework pytorch` shows). */
import type { AtenOp } from './call.js';
import { ELEMENTWISE_OPS } from './elementwise.js';
import { MOBILE_OPS } from './mobile.js';
import { NN_OPS } from './nn.js';
import { REDUCE_OPS } from './reduce.js';
import { SHAPE_OPS } from './shape.js';
import { CREATION_OPS } from './creation.js';
import { RECURRENT_OPS } from './recurrent.js';

export const TORCH_OPS: ReadonlyMap<string, AtenOp> = new Map(
  Object.entries({
    ...ELEMENTWISE_OPS,
    ...NN_OPS,
    ...SHAPE_OPS,
    ...REDUCE_OPS,
    ...CREATION_OPS,
    ...RECURRENT_OPS,
    ...MOBILE_OPS,
  }),
);
