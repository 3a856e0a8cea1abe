/**
 * If and Loop on the host: a branch or the loop body is a subgraph run by the graph runner with
 * the enclosing graph's values as its outer scope. Loop follows ONNX: up to M iterations while the
 * condition holds, loop-carried values fed back, scan outputs stacked on a new leading axis.
 */
import type { Graph, Node } from '../ir/graph.js';
import { tensor, type Tensor } from '../ir/tensor.js';
import { allocate, byteSize } from '../ir/dtype.js';
import { NccError } from '../errors.js';
import { walkGraph, type Scope, type Walk } from './run-graph.js';

/** A loop that has not ended after this many iterations is taken for one that never will. */
const MAX_ITERATIONS = 10_000_000;

export function isControlFlow(node: Node): boolean {
  return node.domain === '' && (node.op === 'If' || node.op === 'Loop' || node.op === 'Scan');
}

/** Names the node's subgraphs read from enclosing graphs. */
export function freeValues(node: Node): string[] {
  const out = new Set<string>();
  for (const a of Object.values(node.attrs)) {
    const graphs = a.kind === 'graph' ? [a.value] : a.kind === 'graphs' ? a.value : [];
    for (const g of graphs) for (const n of freeValuesOf(g)) out.add(n);
  }
  return [...out];
}

function freeValuesOf(g: Graph): Set<string> {
  const defined = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  const free = new Set<string>();
  for (const node of g.nodes) {
    for (const n of [...node.inputs, ...freeValues(node)]) if (n !== '' && !defined.has(n)) free.add(n);
    for (const n of node.outputs) defined.add(n);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) free.add(o.name);
  return free;
}

function subgraph(node: Node, name: string): Graph {
  const a = node.attrs[name];
  if (a?.kind !== 'graph')
    throw new NccError('NCC_INVALID_GRAPH', `${node.op} has no ${name} graph`, { node: node.name });
  return a.value;
}

export function walkControlFlow(
  node: Node,
  args: readonly (Tensor | undefined)[],
  outer: Scope,
): Walk<Tensor[]> {
  if (node.op === 'If') return walkIf(node, args, outer);
  return node.op === 'Loop' ? walkLoop(node, args, outer) : walkScan(node, args, outer);
}

function truth(t: Tensor | undefined, what: string, node: Node): boolean {
  if (!t || t.data.length !== 1)
    throw new NccError('NCC_BAD_INPUT', `${node.op} ${what} must hold one value`, { node: node.name });
  return Number(t.data[0]) !== 0;
}

function* walkIf(node: Node, args: readonly (Tensor | undefined)[], outer: Scope): Walk<Tensor[]> {
  const branch = subgraph(node, truth(args[0], 'condition', node) ? 'then_branch' : 'else_branch');
  const out = yield* walkGraph(branch, new Map(), { outer });
  return branch.outputs.map((o) => out.get(o.name)!);
}

function* walkLoop(node: Node, args: readonly (Tensor | undefined)[], outer: Scope): Walk<Tensor[]> {
  const body = subgraph(node, 'body');
  const [maxTrips, condIn, ...initial] = args;
  const limit = maxTrips ? Number(maxTrips.data[0]) : Infinity;
  let cond = condIn ? truth(condIn, 'condition', node) : true;
  let carried = initial as Tensor[];
  const scans: Tensor[][] = [];
  const names = body.inputs.map((v) => v.name);
  let i = 0;
  for (; i < limit && cond; i++) {
    if (i >= MAX_ITERATIONS)
      throw new NccError('NCC_BAD_INPUT', `Loop ran ${MAX_ITERATIONS} iterations without ending`, {
        node: node.name,
        hint: 'its condition depends on the inputs; check them',
      });
    const feeds = new Map<string, Tensor>([
      [names[0]!, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(i)) }],
      [names[1]!, { dtype: 'bool', shape: [], data: Uint8Array.of(cond ? 1 : 0) }],
    ]);
    carried.forEach((t, k) => feeds.set(names[k + 2]!, t));
    const out = yield* walkGraph(body, feeds, { outer, checkFeeds: false });
    const results = body.outputs.map((o) => out.get(o.name)!);
    cond = truth(results[0], 'condition output', node);
    carried = results.slice(1, 1 + carried.length);
    results.slice(1 + carried.length).forEach((t, k) => (scans[k] ??= []).push(t));
  }
  const scanCount = body.outputs.length - 1 - carried.length;
  const stacked = Array.from({ length: scanCount }, (_, k) =>
    stack(scans[k] ?? [], body.outputs[1 + carried.length + k]!.type),
  );
  return [...carried, ...stacked];
}

/** Per-iteration values stacked on a new leading axis (none: an empty tensor of the slice shape). */
function stack(
  parts: readonly Tensor[],
  declared: { dtype: Tensor['dtype']; shape?: readonly (number | string)[] | undefined },
): Tensor {
  if (parts.length === 0) {
    const slice = declared.shape?.every((d) => typeof d === 'number') ? (declared.shape as number[]) : [];
    return tensor(declared.dtype, [0, ...slice]);
  }
  const first = parts[0]!;
  const each = first.data.length;
  const data = allocate(first.dtype, each * parts.length);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  parts.forEach((p, k) => {
    if (p.data.length !== each || p.dtype !== first.dtype)
      throw new NccError('NCC_BAD_INPUT', 'a Loop scan output changed shape between iterations');
    bytes.set(
      new Uint8Array(p.data.buffer, p.data.byteOffset, each * byteSize(p.dtype)),
      k * each * byteSize(p.dtype),
    );
  });
  return { dtype: first.dtype, shape: [parts.length, ...first.shape], data };
}

/**
 * Scan (opset 9 and later): the body runs once per position along each scan input's axis (read
 * backwards where its direction is 1), states fed back, the scan outputs' slices stacked along their
 * axes (in reverse for direction 1).
 */
function* walkScan(node: Node, args: readonly (Tensor | undefined)[], outer: Scope): Walk<Tensor[]> {
  const body = subgraph(node, 'body');
  const ints = (name: string): readonly number[] => {
    const a = node.attrs[name];
    return a?.kind === 'ints' ? a.value : [];
  };
  const m = node.attrs.num_scan_inputs?.kind === 'int' ? node.attrs.num_scan_inputs.value : 0;
  const n = args.length - m;
  let states = args.slice(0, n) as Tensor[];
  const scans = args.slice(n) as Tensor[];
  const axisOf = (t: Tensor, a: number | undefined): number => {
    const ax = a ?? 0;
    return ax < 0 ? ax + t.shape.length : ax;
  };
  const inAxes = scans.map((t, j) => axisOf(t, ints('scan_input_axes')[j]));
  const length = scans.length ? scans[0]!.shape[inAxes[0]!]! : 0;
  scans.forEach((t, j) => {
    if (t.shape[inAxes[j]!] !== length)
      throw new NccError('NCC_BAD_INPUT', `Scan inputs have different sequence lengths`, { node: node.name });
  });
  const names = body.inputs.map((v) => v.name);
  const slices: Tensor[][] = [];
  for (let t = 0; t < length; t++) {
    const feeds = new Map<string, Tensor>();
    states.forEach((s, i) => feeds.set(names[i]!, s));
    scans.forEach((x, j) => {
      const at = ints('scan_input_directions')[j] === 1 ? length - 1 - t : t;
      feeds.set(names[n + j]!, sliceAt(x, inAxes[j]!, at));
    });
    const out = yield* walkGraph(body, feeds, { outer, checkFeeds: false });
    const results = body.outputs.map((o) => out.get(o.name)!);
    states = results.slice(0, n);
    results.slice(n).forEach((r, k) => (slices[k] ??= []).push(r));
  }
  const k = body.outputs.length - n;
  const outputs = Array.from({ length: k }, (_, j) => {
    const parts = slices[j] ?? [];
    const ordered = ints('scan_output_directions')[j] === 1 ? [...parts].reverse() : parts;
    const stacked = stack(ordered, body.outputs[n + j]!.type);
    const axis = ints('scan_output_axes')[j] ?? 0;
    return moveAxis(stacked, 0, axis < 0 ? axis + stacked.shape.length : axis);
  });
  return [...states, ...outputs];
}

/** x with its `axis` fixed at `index` (that axis removed). */
function sliceAt(x: Tensor, axis: number, index: number): Tensor {
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = byteSize(x.dtype);
  const src = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.length * size);
  const data = allocate(x.dtype, outer * inner);
  const dst = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const n = x.shape[axis]!;
  for (let o = 0; o < outer; o++)
    dst.set(
      src.subarray((o * n + index) * inner * size, ((o * n + index) * inner + inner) * size),
      o * inner * size,
    );
  return { dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...x.shape.slice(axis + 1)], data };
}

/** Moves axis `from` to position `to` (a transpose of whole blocks). */
function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  const shape = perm.map((p) => x.shape[p]!);
  const size = byteSize(x.dtype);
  const src = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.length * size);
  const data = allocate(x.dtype, x.data.length);
  const dst = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const inStrides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += index[d]! * inStrides[perm[d]!]!;
    dst.set(src.subarray(at * size, at * size + size), i * size);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return { dtype: x.dtype, shape, data };
}
