import { byteSize, type DType } from '../../ir/dtype.js';
import type { HalfType } from '../../options/auto-cast.js';
import { costModelTile, type TileChooser } from '../lower/linalg/gemm-tile.js';
import type { Graph } from '../../ir/graph.js';
import { sizeOf, type Tensor } from '../../ir/tensor.js';
import { NccError } from '../../errors.js';
import { attrsOf, opOf, qualifiedOp, withNodeErrors } from '../../ops/node-context.js';
import type { Expr, Kernel, Stmt } from '../kernel/ir.js';
import { LoweringUnsupported, type LowerContext, type LoweredValue } from '../lower/lowering.js';
import { lookupLowering } from '../lower/all.js';
import { convertKernel } from '../lower/linalg/common.js';
import type { BufferInfo, BufferKind, Program, ProgramIo } from './program.js';

/**
 * Lowers every node of a static graph to kernels, in graph order (the schedule). Views alias their
 * input's buffer. Nodes without a lowering are collected and reported together.
 */
/**
 * `half`: float32 data auto-cast stores in a 16-bit type. Constants keep their float32 values (already
 * exact in the type) and lowerings that repack them store the 16-bit copies; activations get buffers
 * of the 16-bit dtype, which kernels widen as they load and round as they store.
 */
export function lowerGraph(
  graph: Graph,
  name: string,
  half: ReadonlyMap<string, HalfType> = new Map(),
  chooseTile: TileChooser = costModelTile,
): Program {
  const missing = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (!lookupLowering(node.domain, node.op)) {
      const op = qualifiedOp(node);
      missing.set(op, [...(missing.get(op) ?? []), node.name]);
    }
  }
  if (missing.size) {
    const list = [...missing].map(
      ([op, nodes]) =>
        `${op} (${nodes
          .slice(0, 3)
          .map((n) => `'${n}'`)
          .join(', ')}${nodes.length > 3 ? ', ...' : ''})`,
    );
    throw new NccError('NCC_UNSUPPORTED_OP', `the wasm backend cannot lower: ${list.join('; ')}`, {
      op: [...missing.keys()].join(','),
      hint: 'these ops run in the reference interpreter but have no compiled kernel yet',
    });
  }
  const buffers = new Map<string, BufferInfo>();
  const values = new Map<string, LoweredValue>();
  const addBuffer = (b: BufferInfo): void => {
    if (!buffers.has(b.name)) buffers.set(b.name, b);
  };
  const outputNames = new Set(graph.outputs.map((o) => o.name));
  const inputs: ProgramIo[] = graph.inputs.map((v) => {
    const shape = v.type.shape as number[];
    const buffer = `in:${v.name}`;
    addBuffer({ name: buffer, kind: 'input', dtype: v.type.dtype, bytes: bytesOf(v.type.dtype, shape) });
    values.set(v.name, { buffer, dtype: v.type.dtype, shape });
    return { name: v.name, buffer, dtype: v.type.dtype, shape };
  });
  for (const [n, t] of graph.initializers) {
    const buffer = `w:${n}`;
    const h = half.get(n);
    values.set(n, { buffer, dtype: t.dtype, shape: t.shape, constant: t, ...(h ? { half: h } : {}) });
  }
  const checkMessages: string[] = [];
  let constants = 0;
  let scratches = 0;
  let freshes = 0;
  const kernels: Kernel[] = [];
  for (const node of graph.nodes) {
    const def = opOf(node);
    const attrs = attrsOf(node, def);
    const ins = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
    const outs = node.outputs.map((n): LoweredValue | undefined => {
      if (n === '') return undefined;
      const t = graph.valueTypes.get(n);
      if (!t || !t.shape || !t.shape.every((d) => typeof d === 'number')) {
        throw new NccError('NCC_DYNAMIC_SHAPE', `value '${n}' has no static shape`, {
          node: node.name,
          value: n,
        });
      }
      const stored = half.get(n);
      if (stored && t.dtype !== 'float32')
        throw new NccError('NCC_INTERNAL', `${t.dtype} value '${n}' cast to ${stored}`);
      return { buffer: `v:${n}`, dtype: stored ?? t.dtype, shape: t.shape as number[] };
    });
    const ctx: LowerContext = {
      node,
      attrs,
      inputs: ins,
      outputs: outs,
      scratch: (dtype: DType, elements: number, hint: string) => {
        const name = `s${scratches++}:${hint}`;
        addBuffer({ name, kind: 'scratch', dtype, bytes: elements * byteSize(dtype) });
        return name;
      },
      constant: (value: Tensor, hint: string) => {
        const name = `c${constants++}:${hint}`;
        addBuffer({ name, kind: 'weight', dtype: value.dtype, bytes: value.data.byteLength, data: value });
        return name;
      },
      fresh: (prefix: string) => `${prefix}${freshes++}_`,
      chooseTile: (shape) => chooseTile(shape, { node, inputs: ins, outputs: outs }),
      check: (cond: Expr, message: string): Stmt => {
        if (!buffers.has(CHECKS)) addBuffer({ name: CHECKS, kind: 'activation', dtype: 'int32', bytes: 4 });
        checkMessages.push(`${node.op} node '${node.name}': ${message}`);
        const failure: Stmt = {
          op: 'store',
          buffer: CHECKS,
          dtype: 'int32',
          index: { terms: [], offset: 0 },
          value: { op: 'const', type: 'i32', value: checkMessages.length },
        };
        return { op: 'if', cond, then: [failure], else: [] };
      },
    };
    let lowered = withNodeErrors(node, () => {
      try {
        return lookupLowering(node.domain, node.op)!(ctx);
      } catch (e) {
        if (e instanceof LoweringUnsupported) {
          throw new NccError('NCC_UNSUPPORTED_OP', `${node.op}: ${e.message}`, {
            node: node.name,
            op: qualifiedOp(node),
            hint: 'this configuration of the op has no compiled kernel yet',
          });
        }
        throw e;
      }
    });
    if ('aliasOf' in lowered) {
      const src = ins[lowered.aliasOf]!;
      const out = outs[0]!;
      const cast = (value: string): boolean => !graph.initializers.has(value) && half.has(value);
      if (cast(node.inputs[lowered.aliasOf]!) === cast(node.outputs[0]!)) {
        values.set(node.outputs[0]!, { ...src, dtype: out.dtype, shape: out.shape });
        continue;
      }
      // a view whose output auto-cast stores in another float type than its input: one conversion
      lowered = { kernels: [convertKernel(ctx, src, out, sizeOf(out.shape))] };
    }
    outs.forEach((o, i) => {
      if (!o) return;
      const kind: BufferKind = outputNames.has(node.outputs[i]!) ? 'output' : 'activation';
      addBuffer({ name: o.buffer, kind, dtype: o.dtype, bytes: bytesOf(o.dtype, o.shape) });
      values.set(node.outputs[i]!, o);
    });
    kernels.push(...lowered.kernels);
  }
  for (const k of kernels) for (const b of [...k.reads, ...k.writes]) if (b.startsWith('w:')) addWeight(b);
  const outputs: ProgramIo[] = graph.outputs.map((o) => {
    const v = values.get(o.name)!;
    if (v.buffer.startsWith('w:')) addWeight(v.buffer);
    return { name: o.name, buffer: v.buffer, dtype: v.dtype, shape: v.shape };
  });
  return {
    name,
    kernels,
    buffers,
    inputs,
    outputs,
    ...(checkMessages.length ? { checks: { buffer: CHECKS, messages: checkMessages } } : {}),
  };

  function addWeight(buffer: string): void {
    const t = graph.initializers.get(buffer.slice(2))!;
    addBuffer({ name: buffer, kind: 'weight', dtype: t.dtype, bytes: t.data.byteLength, data: t });
  }
}

/** The run-time check word's buffer name. */
const CHECKS = 'checks';

function bytesOf(dtype: DType, shape: readonly number[]): number {
  return sizeOf(shape) * byteSize(dtype);
}
