/**
 * What an MXNet op mapping sees of one symbol node: its typed attributes, its inputs as IR values
 * (a weight from the .params file is an initializer, so its value is known), their static shapes,
 * and the graph builder to add IR nodes to.
 */
import type { DType } from '../../ir/dtype.js';
import { scalar, type Tensor } from '../../ir/tensor.js';
import type { GraphBuilder, IrAttrs } from '../graph-builder.js';
import type { MxAttrs } from './attrs.js';
import type { MxNode } from './symbol.js';

/** A case a mapping does not support (an attribute value, a layout). */
export class MxUnsupported extends Error {}

export interface MxOp {
  readonly lower: (c: MxOpContext) => readonly string[];
  /** How many outputs the op shows (BatchNorm's mean and var are hidden unless asked for). */
  readonly outputs?: (a: MxAttrs) => number;
}

export type MxOpTable = Readonly<Record<string, MxOp>>;

export class MxOpContext {
  constructor(
    readonly g: GraphBuilder,
    readonly node: MxNode,
    readonly attrs: MxAttrs,
    private readonly resolve: (i: number) => string,
  ) {}

  get base(): string {
    return this.node.name;
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }

  input(i: number): string {
    if (i >= this.node.inputs.length)
      throw new Error(
        `${this.node.op} '${this.node.name}' needs input ${i}, it has ${this.node.inputs.length}`,
      );
    return this.resolve(i);
  }

  optInput(i: number): string | undefined {
    return i < this.node.inputs.length ? this.resolve(i) : undefined;
  }

  constant(name: string): Tensor | undefined {
    return this.g.constantValue(name);
  }

  dtypeOf(v: string): DType {
    const t = this.g.typeOf(v);
    if (!t) throw new Error(`the type of ${v} is not known${this.why(v)}`);
    return t.dtype;
  }

  shapeOf(v: string): number[] {
    const shape = this.g.typeOf(v)?.shape;
    if (!shape || shape.some((d) => typeof d !== 'number'))
      throw new Error(`the shape of ${v} is not known${this.why(v)}`);
    return shape as number[];
  }

  rankOf(v: string): number {
    return this.shapeOf(v).length;
  }

  axis(a: number, rank: number): number {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= Math.max(rank, 1)) throw new Error(`axis ${a} is out of range for rank ${rank}`);
    return r;
  }

  one(op: string, inputs: readonly string[], attrs: IrAttrs = {}): string {
    return this.g.one(op, inputs, attrs, this.base);
  }

  many(op: string, inputs: readonly string[], attrs: IrAttrs, count: number): string[] {
    return this.g.node(op, inputs, attrs, this.base, count);
  }

  ints64(values: readonly number[]): string {
    return this.g.ints(values, `${this.base}/c`);
  }

  /** A scalar in `like`'s dtype (MXNet casts an op's scalar to its input's type). */
  scalarLike(value: number, like: string): string {
    return this.g.constant(scalar(this.dtypeOf(like), value), `${this.base}/k`);
  }

  private why(v: string): string {
    const w = this.g.whyUnknown(v);
    return w ? `: ${w}` : '';
  }
}
