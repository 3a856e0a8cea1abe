import { registerOps } from './registry.js';
import { elementwiseOps } from './elementwise/index.js';
import { linalgOps } from './linalg/index.js';
import { reduceOps } from './reduce/index.js';
import { movementOps } from './movement/index.js';
import { imageOps } from './image/index.js';
import { recurrentOps } from './recurrent/index.js';
import { controlFlowOps } from './control/control-flow.js';
import { partitionOps } from './partition/neuron-op.js';

/** Every op family, registered once on first import. */
registerOps([
  ...elementwiseOps,
  ...linalgOps,
  ...reduceOps,
  ...movementOps,
  ...imageOps,
  ...recurrentOps,
  ...controlFlowOps,
  ...partitionOps,
]);

export { lookupOp, registeredOps } from './registry.js';
