/**
 * Ops of mobile-optimized and dynamically quantized TorchScript: XNNPACK's prepacked conv2d and
 * linear (their weights and clamp bounds live in a context object) and quantized::linear_dynamic,
 * whose int8 weights the archive reader has already dequantized: compiled code runs them in float.
 */
import type { Value } from '../values.js';
import { tensor } from '../values.js';
import { LowerError, op, type AtenCall, type AtenTable } from './call.js';
import { conv, linear } from './nn.js';

/** The context's state list, checked to be one of `cls`. */
function contextState(c: AtenCall, arg: string, cls: string): readonly Value[] {
  const v = c.value(arg);
  if (v.kind !== 'context' || !v.cls.endsWith(cls)) throw new LowerError(`expected a ${cls}, got ${v.kind}`);
  const state = v.state;
  if (state.kind !== 'list' && state.kind !== 'tuple') throw new LowerError(`${cls} has no state`);
  return state.items;
}

function tensorOf(v: Value | undefined, what: string): string | undefined {
  if (!v || v.kind === 'none') return undefined;
  if (v.kind !== 'tensor') throw new LowerError(`${what} is not a tensor`);
  return v.name;
}

function intsOf(v: Value | undefined, rank: number): number[] {
  if (v && (v.kind === 'list' || v.kind === 'tuple')) {
    const n = v.items.map((x) => Number((x as { value: number }).value));
    return n.length === 1 ? new Array<number>(rank).fill(n[0]!) : n;
  }
  return new Array<number>(rank).fill(Number((v as { value: number } | undefined)?.value ?? 0));
}

function bound(v: Value | undefined): number | undefined {
  return v && (v.kind === 'int' || v.kind === 'float') ? v.value : undefined;
}

function clamp(c: AtenCall, y: string, lo: number | undefined, hi: number | undefined): string {
  if (lo === undefined && hi === undefined) return y;
  const dt = c.dtypeOf(y);
  const b = (v: number | undefined): string =>
    v === undefined ? '' : c.operand({ kind: 'float', value: v }, dt);
  return c.one('Clip', [y, b(lo), b(hi)]);
}

export const MOBILE_OPS: AtenTable = {
  'prepacked::conv2d_clamp_run': op('conv2d_clamp_run(input, context)', (c) => {
    // (weight, bias, stride, padding, dilation, groups, output_min, output_max)
    const [w, b, stride, padding, dilation, groups, lo, hi] = contextState(c, 'context', 'Conv2dOpContext');
    const y = conv(c, c.tensor('input'), tensorOf(w, 'weight')!, tensorOf(b, 'bias'), {
      stride: intsOf(stride, 2),
      padding: intsOf(padding, 2),
      dilation: intsOf(dilation, 2),
      groups: Number((groups as { value: number }).value),
    });
    return tensor(clamp(c, y, bound(lo), bound(hi)));
  }),
  'prepacked::linear_clamp_run': op('linear_clamp_run(input, context)', (c) => {
    // (weight, bias, output_min, output_max)
    const [w, b, lo, hi] = contextState(c, 'context', 'LinearOpContext');
    const y = linear(c, c.tensor('input'), tensorOf(w, 'weight')!, tensorOf(b, 'bias'));
    return tensor(clamp(c, y, bound(lo), bound(hi)));
  }),
  'quantized::linear_dynamic': op('linear_dynamic(input, params, reduce_range=False)', (c) => {
    // (weight, bias): activations stay float; the weight's int8 grid is kept in its float values
    const [w, b] = contextState(c, 'params', 'LinearPackedParamsBase');
    return tensor(linear(c, c.tensor('input'), tensorOf(w, 'weight')!, tensorOf(b, 'bias')));
  }),
  'quantized::linear_relu_dynamic': op('linear_relu_dynamic(input, params, reduce_range=False)', (c) => {
    const [w, b] = contextState(c, 'params', 'LinearPackedParamsBase');
    return tensor(c.one('Relu', [linear(c, c.tensor('input'), tensorOf(w, 'weight')!, tensorOf(b, 'bias'))]));
  }),
};
