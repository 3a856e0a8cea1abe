/**
 * What an op mapping sees of one TensorFlow node: its inputs as IR values (in TF layout, or as they
 * are when the mapping handles NCHW), constant inputs when they can be known at compile time, typed
 * attributes, and the place to bind its outputs.
 */
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { NccError } from '../../errors.js';
import { int64ToNumber } from '../onnx/onnx-proto.js';
import { dtypeFromTf, tfTypeName } from './dtypes.js';
import type { GraphBuilder } from '../graph-builder.js';
import { toNchw, toTfLayout, type Ref } from './layout.js';
import { shapeFromProto, tensorFromTfProto } from './tensor-proto.js';
import type { AttrValue } from './tf-proto.js';

export type { Ref } from './layout.js';

export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs, `node` or `node:k` (control inputs `^node` left out). */
  readonly inputs: readonly string[];
  readonly attr: Readonly<Record<string, AttrValue>>;
}

export interface ConverterOptions {
  readonly file: string;
  readonly pinned?: ReadonlyMap<string, readonly number[]>;
  readonly variables?: ReadonlyMap<string, Tensor>;
}

export class NodeConverter {
  constructor(
    readonly node: TfNode,
    readonly g: GraphBuilder,
    private readonly values: Map<string, Ref>,
    readonly options: ConverterOptions,
  ) {}

  get base(): string {
    return this.node.name;
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }

  ref(i: number): Ref {
    const spec = this.node.inputs[i];
    if (spec === undefined) throw new Error(`it has ${this.inputCount} inputs, input ${i} is needed`);
    const m = /^(.*?):(\d+)$/.exec(spec);
    const key = m ? `${m[1]}:${m[2]}` : `${spec}:0`;
    const ref = this.values.get(key);
    if (!ref) throw new Error(`its input '${spec}' is not produced by the graph`);
    return ref;
  }

  /** Input i as TensorFlow sees it. */
  input(i: number): string {
    return toTfLayout(this.g, this.ref(i), `${this.base}/in${i}`);
  }

  /** Input i (a 4-D NHWC tensor) in NCHW order. */
  nchw(i: number): string {
    return toNchw(this.g, this.ref(i), `${this.base}/in${i}`);
  }

  /** Input i's value when it is known at compile time. */
  constant(i: number): Tensor | undefined {
    const ref = this.ref(i);
    return ref.layout === 'tf' ? this.g.constantValue(ref.name) : undefined;
  }

  /** Input i's value, which this op needs at compile time. */
  requireConstant(i: number, what: string): Tensor {
    const c = this.constant(i);
    if (c) return c;
    throw this.dynamic(`its ${what} (input ${i})`);
  }

  constantInts(i: number, what: string): number[] {
    return Array.from(this.requireConstant(i, what).data as ArrayLike<number | bigint>, Number);
  }

  rankOf(name: string): number | undefined {
    return this.g.rankOf(name);
  }

  /** The rank of a value, which this op needs at compile time. */
  requireRank(name: string): number {
    const r = this.g.rankOf(name);
    if (r !== undefined) return r;
    throw this.dynamic('the rank of its input');
  }

  /** The static shape of a value, which this op needs at compile time. */
  requireShape(name: string, rank?: number): number[] {
    const s = this.g.typeOf(name)?.shape;
    if (s && s.every((d) => typeof d === 'number') && (rank === undefined || s.length === rank))
      return s as number[];
    throw this.dynamic(rank === undefined ? 'the shape of its input' : `a ${rank}-D input of known shape`);
  }

  private dynamic(what: string): NccError {
    const unpinned = this.g.inputs.filter(
      (v) => !v.type.shape || v.type.shape.some((d) => typeof d !== 'number'),
    );
    const example = unpinned.map((v) => `"${v.name}": [[...], "${v.type.dtype}"]`).join(', ');
    return new NccError(
      'NCC_DYNAMIC_SHAPE',
      `${this.node.op} node '${this.base}' needs ${what} at compile time`,
      {
        file: this.options.file,
        node: this.base,
        op: this.node.op,
        hint: unpinned.length
          ? `pin ${unpinned.map((v) => v.name).join(', ')} with --io-config '{"inputs": {${example}}}'`
          : 'the value depends on data only known at run time',
      },
    );
  }

  has(name: string): boolean {
    return this.node.attr[name] !== undefined;
  }

  int(name: string, fallback?: number): number {
    const a = this.node.attr[name];
    if (a?.value === 'i') return int64ToNumber(a.i);
    return this.orDefault(name, fallback);
  }

  float(name: string, fallback?: number): number {
    const a = this.node.attr[name];
    if (a?.value === 'f') return a.f!;
    return this.orDefault(name, fallback);
  }

  bool(name: string, fallback?: boolean): boolean {
    const a = this.node.attr[name];
    if (a?.value === 'b') return a.b!;
    return this.orDefault(name, fallback);
  }

  string(name: string, fallback?: string): string {
    const a = this.node.attr[name];
    if (a?.value === 's') return new TextDecoder().decode(a.s);
    return this.orDefault(name, fallback);
  }

  ints(name: string, fallback?: readonly number[]): number[] {
    const a = this.node.attr[name];
    if (a?.value === 'list') return (a.list?.i ?? []).map((v) => int64ToNumber(v));
    return [...this.orDefault(name, fallback)];
  }

  strings(name: string): string[] {
    const a = this.node.attr[name];
    return a?.value === 'list' ? (a.list?.s ?? []).map((s) => new TextDecoder().decode(s)) : [];
  }

  dtype(name: string, fallback?: DType): DType {
    const a = this.node.attr[name];
    if (a?.value !== 'type') return this.orDefault(name, fallback);
    const dtype = dtypeFromTf(a.type!);
    if (dtype) return dtype;
    throw new NccError(
      'NCC_UNSUPPORTED_DTYPE',
      `${this.node.op} node '${this.base}' has ${name} = ${tfTypeName(a.type!)}`,
      {
        file: this.options.file,
        node: this.base,
        hint: 'neuron-cc computes with floats, integers and bool; strings, complex numbers and resources stay outside compiled code',
      },
    );
  }

  shape(name: string): number[] | undefined {
    const a = this.node.attr[name];
    return a?.value === 'shape' ? shapeFromProto(a.shape) : undefined;
  }

  tensor(name: string): Tensor {
    const a = this.node.attr[name];
    if (a?.value !== 'tensor' || !a.tensor) throw new Error(`attribute ${name} is not a tensor`);
    return tensorFromTfProto(a.tensor);
  }

  /** Binds output k of the TensorFlow node. */
  output(value: string | Ref, k = 0): void {
    this.values.set(`${this.base}:${k}`, typeof value === 'string' ? { name: value, layout: 'tf' } : value);
  }

  private orDefault<T>(name: string, fallback: T | undefined): T {
    if (fallback !== undefined) return fallback;
    throw new Error(`attribute '${name}' is missing or has the wrong type`);
  }
}
