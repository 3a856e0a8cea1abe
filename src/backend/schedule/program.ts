import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Kernel } from '../kernel/ir.js';

export type BufferKind = 'input' | 'output' | 'activation' | 'scratch' | 'weight';

export interface BufferInfo {
  readonly name: string;
  readonly kind: BufferKind;
  readonly dtype: DType;
  readonly bytes: number;
  /** Contents of weight buffers. */
  readonly data?: Tensor;
}

export interface ProgramIo {
  readonly name: string;
  readonly buffer: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** A lowered model: the schedule (kernels in order) and every buffer they touch. */
export interface Program {
  readonly name: string;
  readonly kernels: readonly Kernel[];
  readonly buffers: ReadonlyMap<string, BufferInfo>;
  readonly inputs: readonly ProgramIo[];
  readonly outputs: readonly ProgramIo[];
  /** The run-time check word (an int32 buffer live for the whole run) and its messages, if any kernel checks. */
  readonly checks?: { readonly buffer: string; readonly messages: readonly string[] };
}
