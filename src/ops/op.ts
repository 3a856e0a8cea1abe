import type { TensorType } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import type { AttrSchema, ParsedAttrs } from './attributes.js';

/**
 * What shape inference knows about one node: the types of its inputs (undefined for an omitted
 * optional input), the values of inputs that are constants, and its attributes.
 */
export interface InferContext<A> {
  readonly inputs: readonly (TensorType | undefined)[];
  readonly constants: readonly (Tensor | undefined)[];
  readonly attrs: A;
  readonly outputCount: number;
}

/** Thrown by infer/reference for a node that is invalid as written (bad attribute, shapes that do not fit). */
export class OpError extends Error {}

/** Thrown when a node is valid ONNX but this implementation does not support a feature it uses. */
export class OpUnsupported extends Error {}

export interface OpDef<S extends AttrSchema = AttrSchema> {
  readonly type: string;
  /** '' = the default ONNX domain. */
  readonly domain?: string;
  readonly attrs: S;
  /** Input and output counts, including optional ones. */
  readonly arity: { readonly inputs: readonly [number, number]; readonly outputs: readonly [number, number] };
  /** Output dtypes and shapes. Dims that depend on data become fresh symbols (see freshDim). */
  infer(ctx: InferContext<ParsedAttrs<S>>): TensorType[];
  /**
   * Reference implementation on typed arrays: exact and simple, not fast. It serves constant folding,
   * the fallback interpreter and tests, so it must not depend on anything but leaf modules.
   */
  reference(inputs: readonly (Tensor | undefined)[], attrs: ParsedAttrs<S>, outputCount: number): Tensor[];
  /** False for ops whose results must not be folded at compile time (random generators). */
  readonly foldable?: boolean;
  /**
   * Inputs of which only the type (shape, dtype) is read, never the data: Shape, Size, CastLike's
   * target. Constant folding evaluates such a node once those types are static.
   */
  readonly shapeOnlyInputs?: readonly number[];
  /** What --auto-cast may store in a 16-bit float type for this op; absent: nothing. */
  readonly autoCast?: AutoCastPolicy;
}

/**
 * An op's auto-cast policy (src/passes/auto-cast.ts reads it; no op names appear in the pass).
 * Arithmetic stays float32 either way: this only says which data may be stored in 16 bits.
 */
export interface AutoCastPolicy {
  /**
   * Inputs read as weights or lookup tables: when constant, 'matmult' and 'all' store their values
   * in the 16-bit type (the kernels widen them in registers).
   */
  readonly weights?: readonly number[];
  /**
   * How the op treats float32 activations in 'all' mode; absent: they stay float32 (ops that need
   * float32 data: reductions over many values, softmax denominators, normalization statistics).
   * - 'convert': its kernels widen every float input as they load it and round every float output as
   *   they store it, so each activation it reads or writes may be stored in the 16-bit type on its own;
   * - 'copy': it moves values without arithmetic (views, copies, gathers), so its float inputs and
   *   outputs share one storage type.
   */
  readonly activations?: 'convert' | 'copy';
}

/** The definitions with `activations` added to their auto-cast policy (weights kept). */
export function storingActivations<D extends AnyOpDef>(
  activations: 'convert' | 'copy',
  defs: readonly D[],
): D[] {
  return defs.map((d) => ({ ...d, autoCast: { ...d.autoCast, activations } }));
}

/** Identity helper that keeps the attribute types of a definition precise. */
export function defineOp<S extends AttrSchema>(def: OpDef<S>): OpDef<S> {
  return def;
}

export type AnyOpDef = OpDef<AttrSchema>;
