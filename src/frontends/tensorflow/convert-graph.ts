/**
 * TensorFlow nodes -> IR graph. Only what the outputs depend on is converted (a SavedModel's graph
 * also holds save/restore and initializer subgraphs); every op on that path must have a mapping,
 * else one NCC_UNSUPPORTED_OP error lists them all. Each TF tensor `node:k` becomes an IR value; a
 * mapping may leave a 4-D NHWC tensor in NCHW order (convolutions, pools and the elementwise ops
 * between them), so a convolutional NHWC model is transposed once at its input, not around every
 * layer (see layout.ts).
 */
import type { Graph, ValueInfo } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { NccError } from '../../errors.js';
import { unsupportedOpsError } from '../../passes/check-supported.js';
import { GraphBuilder } from '../graph-builder.js';
import { NodeConverter, type TfNode, type Ref } from './node-converter.js';
import { TF_OPS } from './ops/index.js';
import { toTfLayout } from './layout.js';

export interface ConvertOptions {
  readonly file: string;
  /** Tensors to compute (`node` or `node:k`); default: the tensors no node reads. */
  readonly outputs?: readonly string[];
  /** The graph outputs' names, one per output (default: `node`, or `node:k` past the first). */
  readonly outputNames?: readonly string[];
  /** Shapes given by --io-config, by input name. */
  readonly pinned?: ReadonlyMap<string, readonly number[]>;
  /** Checkpoint values of the variable nodes, by node name (SavedModels). */
  readonly variables?: ReadonlyMap<string, Tensor>;
}

/** Ops a graph may contain that never compute anything an output can depend on. */
const INERT = new Set(['NoOp', 'Assert', 'SaveV2', 'RestoreV2', 'MergeV2Checkpoints']);

export function convertTfGraph(nodes: readonly TfNode[], options: ConvertOptions): Graph {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  if (byName.size !== nodes.length) throw bad(options.file, 'two nodes have the same name');
  const outputs = (options.outputs ?? sinks(nodes)).map(parseTensorName);
  for (const o of outputs)
    if (!byName.has(o.node))
      throw new NccError('NCC_BAD_OPTION', `the graph has no node '${o.node}' to output`, {
        file: options.file,
        hint: `outputs are node names, optionally with :k; nodes that no other node reads: ${sinks(nodes).join(', ')}`,
      });
  // unsupported ops first: a loop's Enter/Merge/NextIteration are reported as such, not as a cycle
  checkMapped(
    reachable(
      outputs.map((o) => o.node),
      byName,
      options.file,
    ),
    options.file,
  );
  const order = reachableInOrder(
    outputs.map((o) => o.node),
    byName,
    options.file,
  );

  const builder = new GraphBuilder();
  const names = outputs.map(
    (o, i) => options.outputNames?.[i] ?? (o.index === 0 ? o.node : tensorKey(o.node, o.index)),
  );
  builder.reserve(names);
  builder.reserve(
    order.filter((n) => n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault').map((n) => n.name),
  );
  const values = new Map<string, Ref>();
  for (const node of order) {
    const converter = new NodeConverter(node, builder, values, options);
    const mapping = TF_OPS.get(node.op)!;
    try {
      mapping(converter);
    } catch (e) {
      if (e instanceof NccError) throw e;
      throw new NccError(
        'NCC_BAD_MODEL',
        `cannot convert ${node.op} node '${node.name}': ${(e as Error).message}`,
        {
          file: options.file,
          node: node.name,
          op: node.op,
          hint: "the node does not follow TensorFlow's definition of its op; re-export the model",
        },
      );
    }
  }
  const graphOutputs: ValueInfo[] = outputs.map((o, i) => {
    const key = tensorKey(o.node, o.index);
    const ref = values.get(key);
    if (!ref)
      throw new NccError('NCC_BAD_OPTION', `node '${o.node}' has no output ${o.index}`, {
        file: options.file,
        hint: 'name an existing output (node:k counts from 0)',
      });
    const name = builder.output(names[i]!, toTfLayout(builder, ref, o.node));
    return { name, type: { dtype: builder.typeOf(name)?.dtype ?? 'float32', shape: undefined } };
  });
  return builder.graph(graphOutputs, 'tensorflow');
}

export function tensorKey(node: string, index: number): string {
  return `${node}:${index}`;
}

/** 'x', 'x:1' (and '^x' control inputs, which the caller drops). */
export function parseTensorName(name: string): { node: string; index: number } {
  const m = /^(.*?):(\d+)$/.exec(name);
  return m ? { node: m[1]!, index: Number(m[2]) } : { node: name, index: 0 };
}

/** Nodes no other node reads, less constants and inert ones: a frozen graph's likely outputs. */
function sinks(nodes: readonly TfNode[]): string[] {
  const read = new Set<string>();
  for (const n of nodes) for (const i of n.inputs) read.add(parseTensorName(i).node);
  return nodes
    .filter((n) => !read.has(n.name) && n.op !== 'Const' && !INERT.has(n.op) && n.op !== 'Placeholder')
    .map((n) => n.name);
}

/** The nodes the outputs depend on (data edges only), in no particular order. */
function reachable(outputs: readonly string[], byName: ReadonlyMap<string, TfNode>, file: string): TfNode[] {
  const seen = new Map<string, TfNode>();
  const todo = [...outputs];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    const node = byName.get(name);
    if (!node) throw bad(file, `a node reads '${name}', which the graph does not have`);
    seen.set(name, node);
    for (const i of node.inputs) todo.push(parseTensorName(i).node);
  }
  return [...seen.values()];
}

/** The nodes the outputs depend on (data edges only), each after its inputs. */
function reachableInOrder(
  outputs: readonly string[],
  byName: ReadonlyMap<string, TfNode>,
  file: string,
): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: { node: TfNode; next: number }[] = [];
  const push = (name: string, reader?: string): void => {
    const node = byName.get(name);
    if (!node) throw bad(file, `node '${reader ?? '?'}' reads '${name}', which the graph does not have`);
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new NccError(
        'NCC_UNSUPPORTED_OP',
        `the graph has a cycle through '${name}' (a TensorFlow loop)`,
        {
          file,
          node: name,
          hint: 'loops (while_loop: Enter/Exit/NextIteration) are not supported; compile the part before or after it with --io-config outputs',
        },
      );
    state.set(name, 'visiting');
    stack.push({ node, next: 0 });
  };
  for (const o of outputs) {
    push(o);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        push(parseTensorName(top.node.inputs[top.next++]!).node, top.node.name);
        continue;
      }
      stack.pop();
      state.set(top.node.name, 'done');
      order.push(top.node);
    }
  }
  return order;
}

function checkMapped(nodes: readonly TfNode[], file: string): void {
  const missing = new Map<string, string[]>();
  for (const n of nodes) if (!TF_OPS.has(n.op)) missing.set(n.op, [...(missing.get(n.op) ?? []), n.name]);
  if (missing.size === 0) return;
  throw unsupportedOpsError(missing, {
    what: 'unsupported TensorFlow ops',
    file,
    hint: 'run `neuron-cc list-operators --framework tensorflow` for the supported set; --io-config "outputs" can stop before them',
  });
}

function bad(file: string, why: string): NccError {
  return new NccError('NCC_BAD_MODEL', `not a valid TensorFlow graph: ${why}`, {
    file,
    hint: 'the file is corrupt or not a frozen graph; re-export it',
  });
}
