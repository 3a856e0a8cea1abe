import { lowerDropout } from './movement/dropout.js';
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
  // inference-mode Dropout is a view unless it has a mask output or a training flag to check
  Dropout: lowerDropout,
});
