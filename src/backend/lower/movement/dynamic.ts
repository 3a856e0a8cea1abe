import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { registerLowerings } from '../registry.js';

/**
 * NonZero and Unique produce data-dependent shapes: a static graph never reaches them (graph lowering
 * rejects their outputs as non-static first), so this only names the op if a pass ever makes one static.
 * Compress is lowered in gather.ts when its condition is a constant.
 */
const dynamicShape: Lowering = (ctx) => {
  throw new LoweringUnsupported(`${ctx.node.op} has a data-dependent output shape`);
};

registerLowerings({ NonZero: dynamicShape, Unique: dynamicShape });
