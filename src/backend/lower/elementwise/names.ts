import { DTYPE_SHORT_NAMES } from '../../kernel/build.js';
import type { DType } from '../../../ir/dtype.js';

/** Kernel names follow XNNPACK's grammar: `<op>_<variant>_<dtype>`, e.g. `add_bcast_f32`, `cast_f64_f16`. */

const SHORT = DTYPE_SHORT_NAMES;

export function dtypeName(dtype: DType): string {
  return SHORT[dtype];
}

/** `GreaterOrEqual` -> `greater_or_equal`. */
export function snake(op: string): string {
  return op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
