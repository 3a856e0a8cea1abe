import { checkInference, lowerDropoutWithMask } from './movement/dropout.js';
import { registerLowerings } from './registry.js';
import type { Lowering } from './lowering.js';

/** Ops that only relabel the shape of their input's bytes: output 0 is input 0, at no run-time cost. */
const view: Lowering = () => ({ aliasOf: 0 });

registerLowerings({
  Reshape: view,
  Flatten: view,
  Squeeze: view,
  Unsqueeze: view,
  Identity: view,
  // inference-mode Dropout is the identity; its optional mask output (all true) needs a kernel
  Dropout: (ctx) => {
    if (ctx.outputs[1]) return lowerDropoutWithMask(ctx);
    checkInference(ctx);
    return { aliasOf: 0 };
  },
});
