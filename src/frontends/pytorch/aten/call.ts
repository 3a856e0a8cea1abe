/**
 * What an op mapping sees of one call in TorchScript code: its arguments bound by name, typed
 * readers for them (an int may come as a 0-d tensor that folds to a constant), and the graph
 * builder to add IR nodes to.
 */
import type { DType } from '../../../ir/dtype.js';
import { scalar as scalarTensor, toNumbers } from '../../../ir/tensor.js';
import { attr, type GraphBuilder, type IrAttrs } from '../../graph-builder.js';
import { codeOfDType } from '../../../ops/support/dtype-codes.js';
import { parseSchema, type Schema } from '../schema.js';
import { describe, isScalar, type Value } from '../values.js';
import { dtypeOfScalarType, isFloating, resultType, type Operand } from './promote.js';

/** How the values of CONSTANTS.cN are named (program.ts names each by where it comes from). */
const ARCHIVE_CONSTANT = 'CONSTANTS.c';

/** A mapping refuses a case it cannot lower (`unsupported`) or an argument that makes no sense. */
export class LowerError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** An operand's shape is not known: the op that made it rejected its input shapes. */
export class ShapeError extends Error {}

/** A value the code needs at compile time depends on the input data. */
export class DataDependentError extends Error {}

export interface AtenOp {
  readonly schema: Schema;
  readonly lower: (c: AtenCall) => Value;
}

export type AtenTable = Readonly<Record<string, AtenOp>>;

/** One mapping: `op("softmax(self, dim, dtype=None)", c => ...)`. */
export function op(schema: string, lower: (c: AtenCall) => Value): AtenOp {
  return { schema: parseSchema(schema), lower };
}

export class AtenCall {
  constructor(
    readonly g: GraphBuilder,
    readonly name: string,
    readonly args: ReadonlyMap<string, Value>,
    /** Base for the names of the IR values this call creates. */
    readonly base: string,
  ) {}

  value(arg: string): Value {
    const v = this.args.get(arg);
    if (v === undefined) throw new Error(`${this.name} reads an argument '${arg}' it does not declare`);
    return v;
  }

  isNone(arg: string): boolean {
    return this.value(arg).kind === 'none';
  }

  tensor(arg: string): string {
    const v = this.value(arg);
    if (v.kind === 'tensor') return v.name;
    throw this.wrong(arg, 'a Tensor', v);
  }

  optTensor(arg: string): string | undefined {
    return this.isNone(arg) ? undefined : this.tensor(arg);
  }

  tensors(arg: string): string[] {
    const v = this.value(arg);
    if ((v.kind === 'list' || v.kind === 'tuple') && v.items.every((t) => t.kind === 'tensor'))
      return v.items.map((t) => (t as { name: string }).name);
    throw this.wrong(arg, 'a list of Tensors', v);
  }

  int(arg: string): number {
    return this.intOf(this.value(arg), arg);
  }

  optInt(arg: string): number | undefined {
    return this.isNone(arg) ? undefined : this.int(arg);
  }

  number(arg: string): number {
    const v = this.value(arg);
    if (v.kind === 'float' || v.kind === 'int') return v.value;
    if (v.kind === 'bool') return v.value ? 1 : 0;
    if (v.kind === 'tensor') return this.known(v.name, arg);
    throw this.wrong(arg, 'a number', v);
  }

  optNumber(arg: string): number | undefined {
    return this.isNone(arg) ? undefined : this.number(arg);
  }

  bool(arg: string): boolean {
    const v = this.value(arg);
    if (v.kind === 'bool' || v.kind === 'int') return Boolean(v.value);
    if (v.kind === 'tensor') return this.known(v.name, arg) !== 0;
    throw this.wrong(arg, 'a bool', v);
  }

  str(arg: string): string {
    const v = this.value(arg);
    if (v.kind === 'str') return v.value;
    throw this.wrong(arg, 'a string', v);
  }

  /** An int list; a single int stands for `rank` copies of itself (stride=2 means [2, 2]). */
  ints(arg: string, rank?: number): number[] {
    const v = this.value(arg);
    if (v.kind === 'list' || v.kind === 'tuple') {
      const out = v.items.map((x) => this.intOf(x, arg));
      if (rank !== undefined && out.length === 1 && rank > 1) return new Array<number>(rank).fill(out[0]!);
      return out;
    }
    if (rank !== undefined) return new Array<number>(rank).fill(this.intOf(v, arg));
    return [this.intOf(v, arg)];
  }

  optInts(arg: string, rank?: number): number[] | undefined {
    return this.isNone(arg) ? undefined : this.ints(arg, rank);
  }

  /** A dtype argument (a ScalarType number), undefined for None. */
  dtype(arg: string): DType | undefined {
    const v = this.value(arg);
    if (v.kind === 'none') return undefined;
    if (v.kind !== 'int') throw this.wrong(arg, 'a dtype', v);
    const d = dtypeOfScalarType(v.value);
    if (!d) throw new LowerError(`dtype number ${v.value} (complex or quantized) is not supported`, true);
    return d;
  }

  dtypeOf(t: string): DType {
    const type = this.g.typeOf(t);
    if (!type) throw this.unknownType(t);
    return type.dtype;
  }

  /** A tensor's shape, which static input shapes make known. */
  shapeOf(t: string): number[] {
    const shape = this.g.typeOf(t)?.shape;
    if (!shape || shape.some((d) => typeof d !== 'number')) throw this.unknownType(t);
    return shape as number[];
  }

  rankOf(t: string): number {
    return this.shapeOf(t).length;
  }

  /** Axis `d` of a rank-`rank` tensor, negative counting from the end. */
  axis(d: number, rank: number): number {
    const a = d < 0 ? d + rank : d;
    if (a < 0 || a >= Math.max(rank, 1))
      throw new LowerError(`dimension ${d} is out of range for rank ${rank}`);
    return a;
  }

  node(op: string, inputs: readonly string[], attrs: IrAttrs = {}, outputs = 1): string[] {
    return this.g.node(op, inputs, attrs, this.base, outputs);
  }

  one(op: string, inputs: readonly string[], attrs: IrAttrs = {}): string {
    return this.g.one(op, inputs, attrs, this.base);
  }

  ints64(values: readonly number[]): string {
    return this.g.ints(values, `${this.base}/c`);
  }

  /** `t` as `dtype` (a Cast when it differs). */
  cast(t: string, dtype: DType): string {
    return this.dtypeOf(t) === dtype ? t : this.one('Cast', [t], { to: attr.int(codeOfDType(dtype)) });
  }

  /** A tensor or Python scalar operand as a tensor of `dtype`. */
  operand(v: Value, dtype: DType): string {
    if (v.kind === 'tensor') return this.cast(v.name, dtype);
    if (isScalar(v)) return this.g.constant(scalarTensor(dtype, Number(v.value)), `${this.base}/k`);
    throw new LowerError(`expected a Tensor or a number, got ${describe(v)}`);
  }

  /** torch.result_type of the given arguments. */
  resultType(...values: readonly Value[]): DType {
    return resultType(
      values.map((v): Operand => {
        if (v.kind === 'tensor') {
          const dtype = this.dtypeOf(v.name);
          const rank = this.rankOf(v.name);
          // TorchScript loads 0-d tensors of the constant table (traced Python scalars) as wrapped
          // numbers: they promote like the scalar they were (int64 + 1.5 is float32, not float64)
          if (rank === 0 && v.name.startsWith(ARCHIVE_CONSTANT))
            return dtype === 'bool'
              ? { kind: 'bool', value: false }
              : { kind: isFloating(dtype) ? 'float' : 'int', value: 0 };
          return { dtype, rank };
        }
        if (isScalar(v)) return v;
        throw new LowerError(`expected a Tensor or a number, got ${describe(v)}`);
      }),
    );
  }

  private intOf(v: Value, arg: string): number {
    if (v.kind === 'int') return v.value;
    if (v.kind === 'bool') return v.value ? 1 : 0;
    if (v.kind === 'tensor') return this.known(v.name, arg);
    throw this.wrong(arg, 'an int', v);
  }

  /** The single number a tensor holds, known at compile time. */
  private known(t: string, arg: string): number {
    const c = this.g.constantValue(t);
    if (!c) throw new DataDependentError(`${this.name}'s argument '${arg}' depends on the input data`);
    const n = toNumbers(c);
    if (n.length !== 1)
      throw new LowerError(
        `${this.name}'s argument '${arg}' is a tensor of ${n.length} values, one is expected`,
      );
    return n[0]!;
  }

  private unknownType(t: string): Error {
    const why = this.g.whyUnknown(t);
    return new ShapeError(why ? `${t}: ${why}` : `the shape of ${t} is not known`);
  }

  private wrong(arg: string, expected: string, got: Value): Error {
    return new LowerError(`${this.name}'s argument '${arg}' must be ${expected}, got ${describe(got)}`);
  }
}
