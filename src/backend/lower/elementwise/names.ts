import type { DType } from '../../../ir/dtype.js';

/** Kernel names follow XNNPACK's grammar: `<op>_<variant>_<dtype>`, e.g. `add_bcast_f32`, `cast_f64_f16`. */

const SHORT: Record<DType, string> = {
  float32: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
  float64: 'f64',
  int8: 'i8',
  int16: 'i16',
  int32: 'i32',
  int64: 'i64',
  uint8: 'u8',
  uint16: 'u16',
  uint32: 'u32',
  uint64: 'u64',
  bool: 'b8',
};

export function dtypeName(dtype: DType): string {
  return SHORT[dtype];
}

/** `GreaterOrEqual` -> `greater_or_equal`. */
export function snake(op: string): string {
  return op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
