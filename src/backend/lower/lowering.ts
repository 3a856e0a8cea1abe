import type { DType } from '../../ir/dtype.js';
import type { HalfType } from '../../options/auto-cast.js';
import type { GemmShape, Tile } from './linalg/gemm-tile.js';
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Expr, Kernel, Stmt } from '../kernel/ir.js';

/** A value as lowerings see it: a buffer name, its dtype and static shape, and its data if constant. */
export interface LoweredValue {
  readonly buffer: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly constant?: Tensor;
  /**
   * A float32 constant that auto-cast stores in this 16-bit type: its values are exact in it, and
   * lowerings that repack it (GEMM panels, Winograd transforms, tables) store the copy in 16 bits.
   */
  readonly half?: HalfType;
}

export interface LowerContext<A = Readonly<Record<string, unknown>>> {
  readonly node: Node;
  readonly attrs: A;
  /** undefined for omitted optional inputs. */
  readonly inputs: readonly (LoweredValue | undefined)[];
  /** undefined for omitted optional outputs. */
  readonly outputs: readonly (LoweredValue | undefined)[];
  /** A temporary buffer in the arena, live only during this node's kernels. */
  scratch(dtype: DType, elements: number, hint: string): string;
  /** A compile-time constant for the kernels to read (repacked weights, lookup tables). */
  constant(value: Tensor, hint: string): string;
  /** A unique prefix for loop variables and locals. */
  fresh(prefix: string): string;
  /** The register tile of a GEMM: the cost model's, or measured on this machine (--tune). */
  chooseTile(shape: GemmShape): Tile;
  /**
   * A check only the run can settle: the statement records a failure when `cond` (i32) is non-zero,
   * and the runtime raises `message` after the run. For input values the compiled code cannot honour.
   */
  check(cond: Expr, message: string): Stmt;
}

/**
 * What a node becomes: kernels, or a view. A view (Reshape, Squeeze, Identity...) makes output 0
 * the same bytes as input `aliasOf`, so it costs nothing at run time.
 */
export type Lowered = { readonly kernels: readonly Kernel[] } | { readonly aliasOf: number };

export type Lowering = (ctx: LowerContext) => Lowered;

/** Thrown by a lowering for a configuration it does not handle (the compile error names the node). */
export class LoweringUnsupported extends Error {}
