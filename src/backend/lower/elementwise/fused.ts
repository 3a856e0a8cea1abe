import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { attrsOf, opOf } from '../../../ops/node-context.js';
import { computeType } from '../../kernel/build.js';
import type { Expr } from '../../kernel/ir.js';
import { registerLowerings } from '../registry.js';
import { LoweringUnsupported, type LowerContext, type Lowering, type LoweredValue } from '../lowering.js';
import { outputOf } from './common.js';
import { mapLowered, type MapSpec, type Operand } from './map.js';
import { lookupMapLowering } from './map-registry.js';
import { dtypeName, snake } from './names.js';
import { typeOf, type Scope } from './scalar.js';

/**
 * ai.neuron::FusedElementwise: the chain in attribute `body` as ONE loop nest over the output. Each
 * body node's map lowering gives its operands and scalar formula; an operand that is another body
 * node's value takes that node's expression (bound to a local, so a value read twice is computed
 * once) instead of a load, so intermediates never touch memory. Every intermediate has the output's
 * shape and a dtype whose compute type stores exactly (the fusion pass guarantees both), so the
 * result is what the unfused ops compute.
 */

type BufferOperand = Extract<Operand, { buffer: string }>;

/** One body node lowered: its spec, and the virtual buffer its value goes to. */
interface Step {
  readonly spec: MapSpec;
  readonly virtual: string;
}

const fusedElementwise: Lowering = (ctx) => {
  const body = (ctx.attrs as { readonly body?: Graph }).body;
  if (!body) throw new LoweringUnsupported('FusedElementwise has no body');
  const out = outputOf(ctx);
  if (sizeOf(out.shape) === 0) return { kernels: [] };
  const prefix = ctx.fresh('fz');
  const values = new Map<string, LoweredValue>();
  body.inputs.forEach((v, i) => {
    const x = ctx.inputs[i];
    if (!x) throw new LoweringUnsupported(`input ${i} is missing`);
    values.set(v.name, x);
  });
  for (const [name, t] of body.initializers) {
    values.set(name, { buffer: ctx.constant(t, 'fused_const'), dtype: t.dtype, shape: t.shape, constant: t });
  }
  const steps: Step[] = [];
  const virtuals = new Set<string>();
  for (const node of body.nodes) {
    const plan = lookupMapLowering(node.op);
    if (!plan) throw new LoweringUnsupported(`${node.op} has no map lowering to fuse`);
    const type = body.valueTypes.get(node.outputs[0]!);
    const shape = type?.shape;
    if (!type || !shape || !shape.every((d): d is number => typeof d === 'number')) {
      throw new LoweringUnsupported(`body value ${node.outputs[0]} has no static shape`);
    }
    const virtual = `${prefix}%${node.outputs[0]}`;
    // the last node stores the result: in the output's storage type (auto-cast may make it 16-bit)
    const isResult = node.outputs[0] === body.outputs[0]?.name;
    const own: LoweredValue = { buffer: virtual, dtype: isResult ? out.dtype : type.dtype, shape };
    const lowered = plan(innerContext(ctx, node, values, own));
    if ('aliasOf' in lowered) {
      values.set(node.outputs[0]!, values.get(node.inputs[lowered.aliasOf]!)!);
      continue;
    }
    steps.push({ spec: lowered, virtual });
    virtuals.add(virtual);
    values.set(node.outputs[0]!, own);
  }
  const last = steps[steps.length - 1];
  const result = values.get(body.outputs[0]?.name ?? '');
  if (!last || result?.buffer !== last.virtual) {
    throw new LoweringUnsupported('the body does not end in a map');
  }
  return mapLowered(ctx, composed(steps, virtuals, out));
};

function innerContext(
  ctx: LowerContext,
  node: Node,
  values: ReadonlyMap<string, LoweredValue>,
  own: LoweredValue,
): LowerContext {
  return {
    node,
    attrs: attrsOf(node, opOf(node)),
    inputs: node.inputs.map((n) => (n === '' ? undefined : values.get(n))),
    outputs: [own],
    scratch: ctx.scratch,
    constant: ctx.constant,
    fresh: ctx.fresh,
    check: ctx.check,
    chooseTile: ctx.chooseTile,
  };
}

/** One MapSpec: the steps' external operands (deduplicated) and their formulas chained. */
function composed(steps: readonly Step[], virtuals: ReadonlySet<string>, out: LoweredValue): MapSpec {
  const operands: BufferOperand[] = [];
  const key = (o: BufferOperand): string => `${o.buffer}|${o.dtype}|${o.loadAs ?? ''}|${o.shape.join(',')}`;
  const slots = new Map<string, number>();
  for (const { spec } of steps) {
    for (const o of spec.operands) {
      if (!('buffer' in o) || virtuals.has(o.buffer) || slots.has(key(o))) continue;
      slots.set(key(o), operands.length);
      operands.push(o);
    }
  }
  const lastSpec = steps[steps.length - 1]!.spec;
  const names = steps.map((s) => s.spec.op);
  const shown = names.length > 4 ? [...names.slice(0, 3), `${names.length - 3}more`] : names;
  return {
    op: `fused_${shown.map(snake).join('_')}`,
    suffix: dtypeName(out.dtype),
    operands,
    out,
    ...(lastSpec.storeAs ? { storeAs: lastSpec.storeAs } : {}),
    body: (s: Scope, xs: readonly Expr[]) => {
      const exprs = new Map<string, Expr>();
      let value: Expr | undefined;
      steps.forEach(({ spec, virtual }, i) => {
        const args = spec.operands.map((o) => {
          if (!('buffer' in o)) return o.value;
          const v = exprs.get(o.buffer);
          if (!v) return xs[slots.get(key(o))!]!;
          if (o.loadAs || sizeOf(o.shape) !== sizeOf(out.shape)) {
            throw new LoweringUnsupported(`${spec.op} reads a fused value reshaped or reinterpreted`);
          }
          return v;
        });
        const r = spec.body(s, args);
        const want = computeType(spec.storeAs ?? spec.out.dtype);
        if (typeOf(r) !== want) throw new LoweringUnsupported(`${spec.op} yields ${typeOf(r)}, not ${want}`);
        value = i === steps.length - 1 ? r : s.let(r);
        exprs.set(virtual, value);
      });
      return value!;
    },
  };
}

registerLowerings({ 'ai.neuron::FusedElementwise': fusedElementwise });
