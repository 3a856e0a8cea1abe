import type { Graph } from '../../ir/graph.js';
import { freshDim, type Dim, type TensorType } from '../../ir/shape.js';
import { attr } from '../attributes.js';
import { defineOp, OpUnsupported } from '../op.js';

/**
 * If and Loop (ONNX semantics). Their bodies are subgraphs that may read the enclosing graph's
 * values by name; the graph runner (src/interpreter/control-flow.ts) executes them, so these
 * definitions only type their outputs: from the bodies' declared outputs, with dims the branches
 * or iterations may change made symbolic. They are host ops: compiled models keep them on the
 * fallback side.
 */
const notHere = (op: string): never => {
  throw new OpUnsupported(`${op} runs in the graph runner, which executes its subgraphs`);
};

/** One type for values that may come from either of two places: dims that differ become symbols. */
function merge(a: TensorType | undefined, b: TensorType | undefined): TensorType {
  if (!a || !b) return a ?? b ?? { dtype: 'float32', shape: undefined };
  if (!a.shape || !b.shape || a.shape.length !== b.shape.length) return { dtype: a.dtype, shape: undefined };
  return { dtype: a.dtype, shape: a.shape.map((d, i): Dim => (d === b.shape![i] ? d : freshDim('branch'))) };
}

const declared = (g: Graph | undefined, i: number): TensorType | undefined => g?.outputs[i]?.type;

export const ifOp = defineOp({
  type: 'If',
  attrs: { then_branch: attr.graph(), else_branch: attr.graph() },
  arity: { inputs: [1, 1], outputs: [1, 1 << 16] },
  foldable: false,
  infer(ctx) {
    const { then_branch: t, else_branch: e } = ctx.attrs;
    return Array.from({ length: ctx.outputCount }, (_, i) => merge(declared(t, i), declared(e, i)));
  },
  reference: () => notHere('If'),
});

export const loopOp = defineOp({
  type: 'Loop',
  attrs: { body: attr.graph() },
  arity: { inputs: [2, 1 << 16], outputs: [0, 1 << 16] },
  foldable: false,
  infer(ctx) {
    const body = ctx.attrs.body;
    const carried = ctx.inputs.length - 2;
    return Array.from({ length: ctx.outputCount }, (_, i) => {
      // loop-carried values: the initial value's type, unless an iteration changes it
      if (i < carried) return merge(ctx.inputs[i + 2], declared(body, i + 1));
      // scan outputs: one slice per iteration, stacked on a new leading axis
      const slice = declared(body, i + 1);
      return {
        dtype: slice?.dtype ?? 'float32',
        shape: slice?.shape ? [freshDim('iterations'), ...slice.shape] : undefined,
      };
    });
  },
  reference: () => notHere('Loop'),
});

export const scanOp = defineOp({
  type: 'Scan',
  attrs: {
    body: attr.graph(),
    num_scan_inputs: attr.int(),
    scan_input_axes: attr.ints([]),
    scan_input_directions: attr.ints([]),
    scan_output_axes: attr.ints([]),
    scan_output_directions: attr.ints([]),
  },
  arity: { inputs: [1, 1 << 16], outputs: [1, 1 << 16] },
  foldable: false,
  infer(ctx) {
    // the graph runner's inference (infer-control-flow.ts) types Scan through its body; alone, only
    // the states' types are known
    const states = ctx.inputs.length - (ctx.attrs.num_scan_inputs ?? 0);
    return Array.from({ length: ctx.outputCount }, (_, i) =>
      i < states
        ? (ctx.inputs[i] ?? { dtype: 'float32', shape: undefined })
        : { dtype: 'float32', shape: undefined },
    );
  },
  reference: () => notHere('Scan'),
});

export const controlFlowOps = [ifOp, loopOp, scanOp];
