import { costModelTile } from '../../src/backend/lower/linalg/gemm-tile.js';
import { byteSize, type DType } from '../../src/ir/dtype.js';
import type { Attrs, AttrValue, Graph, Node } from '../../src/ir/graph.js';
import { sizeOf, type Tensor } from '../../src/ir/tensor.js';
import { attrsOf, opOf } from '../../src/ops/node-context.js';
import type { Activation, Kernel } from '../../src/backend/kernel/ir.js';
import type { LowerContext, LoweredValue } from '../../src/backend/lower/lowering.js';
import type { ConvBuffers } from '../../src/backend/lower/linalg/conv-gemm.js';
import { planConv, type ConvPlan } from '../../src/backend/lower/linalg/conv-plan.js';
import type { Epilogue } from '../../src/backend/lower/linalg/epilogue.js';
import type { BufferInfo, Program, ProgramIo } from '../../src/backend/schedule/program.js';
import { channelsLast } from '../../src/ops/linalg/layout.js';
import { rand } from '../helpers/op-harness.js';
import { graphOf, type GraphInput } from '../helpers/lowering-harness.js';

/**
 * Drives the Winograd conv lowering directly (lowerConv does not call it yet): a graph of Conv, an
 * optional residual Add and an optional activation node gives the reference; the Conv node alone is
 * lowered with a LowerContext built here, its epilogue covering the Add and the activation.
 */
export interface ConvCase {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly group?: number;
  readonly pads?: readonly number[];
  readonly bias?: boolean;
  readonly layout?: 'NCHW' | 'NHWC';
  /** Weights as a runtime input instead of an initializer. */
  readonly runtimeWeights?: boolean;
  readonly residual?: boolean;
  readonly activation?: Activation;
  readonly seed?: number;
}

const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });

/** The reference graph: Conv -> (Add residual) -> (activation nodes), output `out`. */
export function convGraph(c: ConvCase): { graph: Graph; feeds: Map<string, Tensor>; conv: Node } {
  const seed = c.seed ?? 1;
  const layout = c.layout ?? 'NCHW';
  let x = rand(c.x, seed);
  if (layout === 'NHWC') x = channelsLast(x, 'NHWC');
  const inputs: GraphInput[] = [
    { name: 'x', value: x },
    { name: 'w', value: rand(c.w, seed + 1), constant: !c.runtimeWeights },
  ];
  if (c.bias) inputs.push({ name: 'b', value: rand([c.w[0]!], seed + 2), constant: true });
  const attrs: Record<string, AttrValue> = { layout: { kind: 'string', value: layout } };
  if (c.group) attrs.group = { kind: 'int', value: c.group };
  if (c.pads) attrs.pads = ints(c.pads);
  const conv = node('Conv', ['x', 'w', ...(c.bias ? ['b'] : [])], 'y', attrs);
  const nodes: Node[] = [conv];
  let last = 'y';
  const then = (n: Node): void => {
    nodes.push(n);
    last = n.outputs[0]!;
  };
  if (c.residual) {
    const [N, , H, W] = c.x;
    const [M] = c.w;
    const pads = c.pads ?? [0, 0, 0, 0];
    const shape = [N!, M!, H! + pads[0]! + pads[2]! - 2, W! + pads[1]! + pads[3]! - 2];
    let r = rand(shape, seed + 3);
    if (layout === 'NHWC') r = channelsLast(r, 'NHWC');
    inputs.push({ name: 'r', value: r });
    then(node('Add', [last, 'r'], 'z'));
  }
  if (c.activation) for (const n of activationNodes(c.activation, last, inputs)) then(n);
  const graph = graphOf(nodes, inputs, [last]);
  const feeds = new Map(inputs.filter((i) => !i.constant).map((i) => [i.name, i.value]));
  return { graph, feeds, conv };
}

function node(op: string, inputs: string[], output: string, attrs: Attrs = {}): Node {
  return { name: `${op}_${output}`, op, domain: '', inputs, outputs: [output], attrs };
}

function activationNodes(a: Activation, x: string, inputs: GraphInput[]): Node[] {
  const scalar = (name: string, v: number): string => {
    inputs.push({
      name,
      value: { dtype: 'float32', shape: [], data: new Float32Array([v]) },
      constant: true,
    });
    return name;
  };
  switch (a.kind) {
    case 'clamp':
      return [node('Clip', [x, scalar('lo', a.min), scalar('hi', a.max)], 'act')];
    case 'leakyrelu':
      return [node('LeakyRelu', [x], 'act', { alpha: float(a.alpha) })];
    case 'sigmoid':
      return [node('Sigmoid', [x], 'act')];
    case 'silu':
      return [node('Sigmoid', [x], 'sig'), node('Mul', [x, 'sig'], 'act')];
    case 'tanh':
      return [node('Tanh', [x], 'act')];
    case 'hardsigmoid':
      return [node('HardSigmoid', [x], 'act', { alpha: float(a.alpha), beta: float(a.beta) })];
    case 'hardswish':
      return [node('HardSwish', [x], 'act')];
    case 'gelu':
      return [node('Gelu', [x], 'act', { approximate: { kind: 'string', value: a.approximate } })];
  }
}

export type ConvLowering = (
  ctx: LowerContext,
  p: ConvPlan,
  buffers: ConvBuffers,
  epilogue: Epilogue,
) => Kernel[];

/**
 * A program of the graph's Conv node lowered by `lowering`, writing the graph's final output (so the
 * lowering's epilogue must cover the nodes after the Conv), with the graph's inputs and weights.
 */
export function lowerConvNode(
  graph: Graph,
  conv: Node,
  lowering: ConvLowering,
  epilogue: { residual?: boolean; activation?: Activation } = {},
): Program {
  const buffers = new Map<string, BufferInfo>();
  const add = (b: BufferInfo): void => void (buffers.has(b.name) || buffers.set(b.name, b));
  const bytes = (dtype: DType, shape: readonly number[]): number => sizeOf(shape) * byteSize(dtype);
  const values = new Map<string, LoweredValue>();
  const inputs: ProgramIo[] = graph.inputs.map((v) => {
    const shape = v.type.shape as number[];
    const buffer = `in:${v.name}`;
    add({ name: buffer, kind: 'input', dtype: v.type.dtype, bytes: bytes(v.type.dtype, shape) });
    values.set(v.name, { buffer, dtype: v.type.dtype, shape });
    return { name: v.name, buffer, dtype: v.type.dtype, shape };
  });
  for (const [n, t] of graph.initializers)
    values.set(n, { buffer: `w:${n}`, dtype: t.dtype, shape: t.shape, constant: t });
  const outName = graph.outputs[0]!.name;
  const outShape = graph.valueTypes.get(outName)!.shape as number[];
  const y: LoweredValue = { buffer: `v:${outName}`, dtype: 'float32', shape: outShape };
  add({ name: y.buffer, kind: 'output', dtype: 'float32', bytes: bytes('float32', outShape) });
  let counter = 0;
  const ctx: LowerContext = {
    chooseTile: costModelTile,
    node: conv,
    attrs: attrsOf(conv, opOf(conv)),
    inputs: conv.inputs.map((n) => (n === '' ? undefined : values.get(n))),
    outputs: [y],
    scratch: (dtype, elements, hint) => {
      const name = `s${counter++}:${hint}`;
      add({ name, kind: 'scratch', dtype, bytes: elements * byteSize(dtype) });
      return name;
    },
    constant: (value, hint) => {
      const name = `c${counter++}:${hint}`;
      add({ name, kind: 'weight', dtype: value.dtype, bytes: value.data.byteLength, data: value });
      return name;
    },
    fresh: (prefix) => `${prefix}${counter++}_`,
    check: () => {
      throw new Error('no run-time checks in a conv');
    },
  };
  const [x, w, b] = ctx.inputs;
  const p = planConv(ctx, x!, w!);
  const convBuffers: ConvBuffers = { x: x!.buffer, w: w!.buffer, bias: b?.buffer, y: y.buffer };
  const kernels = lowering(ctx, p, convBuffers, {
    ...(epilogue.residual ? { residual: values.get('r')! } : {}),
    ...(epilogue.activation ? { activation: epilogue.activation } : {}),
  });
  for (const k of kernels) {
    for (const name of [...k.reads, ...k.writes]) {
      const t = name.startsWith('w:') ? graph.initializers.get(name.slice(2)) : undefined;
      if (t) add({ name, kind: 'weight', dtype: t.dtype, bytes: t.data.byteLength, data: t });
    }
  }
  return {
    name: 'winograd',
    kernels,
    buffers,
    inputs,
    outputs: [{ name: outName, buffer: y.buffer, dtype: 'float32', shape: outShape }],
  };
}

/** Largest absolute difference and largest reference magnitude. */
export function errorOf(got: Tensor, want: Tensor): { maxErr: number; scale: number } {
  let maxErr = 0;
  let scale = 0;
  for (let i = 0; i < want.data.length; i++) {
    const e = want.data[i] as number;
    const d = Math.abs((got.data[i] as number) - e);
    maxErr = Number.isNaN(d) ? Infinity : Math.max(maxErr, d);
    scale = Math.max(scale, Math.abs(e));
  }
  return { maxErr, scale };
}
