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
import { inferShapes } from '../passes/infer-shapes.js';
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
  /** Constants found by folding, by value name; cleared when nodes are added. */
  private folded: ReadonlyMap<string, Tensor> | undefined;
  private foldedTypes: ReadonlyMap<string, TensorType> | undefined;

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
    this.nodes.push({ name: this.fresh(`${base}/${op}`), op, domain: '', inputs, outputs: names, attrs });
    this.folded = undefined;
    return names;
  }

  one(op: string, inputs: readonly string[], attrs: IrAttrs, base: string): string {
    return this.node(op, inputs, attrs, base)[0]!;
  }

  /** The value of `name` if it is a constant, or folds to one given the pinned inputs. */
  constantValue(name: string): Tensor | undefined {
    const direct = this.initializers.get(name);
    if (direct) return direct;
    this.fold();
    return this.folded!.get(name);
  }

  /** The inferred type of a value (undefined if inference cannot tell yet). */
  typeOf(name: string): TensorType | undefined {
    const init = this.initializers.get(name);
    if (init) return { dtype: init.dtype, shape: init.shape };
    const input = this.inputs.find((v) => v.name === name);
    if (input) return input.type;
    this.fold();
    const folded = this.folded!.get(name);
    if (folded) return { dtype: folded.dtype, shape: folded.shape };
    return this.foldedTypes!.get(name);
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

  private fold(): void {
    if (this.folded) return;
    const produced = this.nodes.flatMap((n) => n.outputs);
    const partial = this.graph(
      produced.map((name) => ({ name, type: { dtype: 'float32', shape: undefined } })),
      'partial',
    );
    try {
      const inferred = inferShapes(partial, { fold: true });
      this.folded = inferred.initializers;
      this.foldedTypes = inferred.valueTypes;
    } catch {
      // what cannot be inferred yet (unpinned inputs) is simply not known
      this.folded = new Map();
      this.foldedTypes = new Map();
    }
  }
}
