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
  // inference-mode Dropout is the identity; its optional mask output is not a view (lowered elsewhere if used)
  Dropout: view,
});
