/**
 * An IR graph built node by node by a frontend that translates another framework's ops: fresh value
 * names, constants, and the value of any tensor that only depends on constants and pinned input
 * shapes (TensorFlow graphs compute reshape targets and slice bounds at run time: Shape ->
 * StridedSlice -> Pack; TorchScript code asks for sizes), found by running shape inference with
 * constant folding over what has been built so far.
 */
import type { AttrValue, Graph, Node, ValueInfo } from '../ir/graph.js';
import { scalar, fromNumbers, type Tensor } from '../ir/tensor.js';
import type { DType } from '../ir/dtype.js';
import { inferNode } from '../passes/infer-shapes.js';
import type { TensorType } from '../ir/shape.js';

export type IrAttrs = Record<string, AttrValue>;

export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  tensor: (value: Tensor): AttrValue => ({ kind: 'tensor', value }),
};

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Tensor>();
  readonly inputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  /** Names kept for graph inputs and outputs: fresh names avoid them, claim takes them. */
  private readonly reserved = new Set<string>();
  /** Values folded to constants, and the inferred types of the others, by value name. */
  private readonly folded = new Map<string, Tensor>();
  private readonly types = new Map<string, TensorType>();
  /** Why inference failed for a value (a shape mismatch the frontend should report). */
  private readonly failures = new Map<string, string>();

  /** A value name not used yet, close to `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name) || this.reserved.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(names: Iterable<string>): void {
    for (const n of names) this.reserved.add(n);
  }

  /** Reserves a name exactly (graph inputs and outputs keep TensorFlow's names). */
  claim(name: string): string {
    if (this.used.has(name)) throw new Error(`value name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  /** Names `value` as the graph output `name` (an Identity: the value may have other readers). */
  output(name: string, value: string): string {
    this.node('Identity', [value], {}, name, [name]);
    return name;
  }

  input(name: string, type: TensorType): string {
    this.inputs.push({ name: this.claim(name), type });
    return name;
  }

  constant(value: Tensor, base: string): string {
    const name = this.fresh(base);
    this.initializers.set(name, value);
    return name;
  }

  ints(values: readonly number[], base: string, dtype: DType = 'int64'): string {
    return this.constant(fromNumbers(dtype, [values.length], values), base);
  }

  scalar(dtype: DType, value: number, base: string): string {
    return this.constant(scalar(dtype, value), base);
  }

  /** Adds one IR node; returns its output names (fresh, from `base`, unless given). */
  node(
    op: string,
    inputs: readonly string[],
    attrs: IrAttrs,
    base: string,
    outputs: number | readonly string[] = 1,
  ): string[] {
    const names =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? base : `${base}:${i}`))
        : outputs.map((n) => this.claim(n));
    const node: Node = { name: this.fresh(`${base}/${op}`), op, domain: '', inputs, outputs: names, attrs };
    this.nodes.push(node);
    this.infer(node);
    return names;
  }

  one(op: string, inputs: readonly string[], attrs: IrAttrs, base: string): string {
    return this.node(op, inputs, attrs, base)[0]!;
  }

  /** The value of `name` if it is a constant, or folds to one given the pinned inputs. */
  constantValue(name: string): Tensor | undefined {
    return this.initializers.get(name) ?? this.folded.get(name);
  }

  /** The inferred type of a value (undefined if inference cannot tell yet). */
  typeOf(name: string): TensorType | undefined {
    const init = this.initializers.get(name);
    if (init) return { dtype: init.dtype, shape: init.shape };
    const input = this.inputs.find((v) => v.name === name);
    if (input) return input.type;
    return this.types.get(name);
  }

  /** Why a value's type is not known: the inference error of the node that made it. */
  whyUnknown(name: string): string | undefined {
    return this.failures.get(name);
  }

  /** Rank of a value if known. */
  rankOf(name: string): number | undefined {
    return this.typeOf(name)?.shape?.length;
  }

  graph(outputs: readonly ValueInfo[], name: string): Graph {
    return {
      name,
      inputs: this.inputs,
      outputs,
      initializers: this.initializers,
      nodes: this.nodes,
      valueTypes: new Map(),
    };
  }

  /** Types (and values, when they fold) of a new node's outputs; unknown if inference cannot tell. */
  private infer(node: Node): void {
    const typeOfInput = (name: string): TensorType => {
      const t = this.typeOf(name);
      if (t) return t;
      throw new Error(`the type of ${name} is not known`);
    };
    try {
      const { types, folded } = inferNode(node, typeOfInput, (n) => this.constantValue(n), MAX_FOLD);
      node.outputs.forEach((name, i) => {
        const value = folded?.[i];
        if (value) this.folded.set(name, value);
        const t = value ? { dtype: value.dtype, shape: value.shape } : types[i];
        if (t) this.types.set(name, t);
      });
    } catch (e) {
      // what cannot be inferred yet (unpinned inputs, unknown ranks) is simply not known
      for (const name of node.outputs) this.failures.set(name, (e as Error).message);
    }
  }
}

/** Folding while building serves shape arithmetic; big constant results wait for the compiler. */
const MAX_FOLD = 1 << 20;
