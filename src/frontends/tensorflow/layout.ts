/**
 * Layout tracking for NHWC models. A mapping that computes in NCHW (Conv, pools, BatchNormalization)
 * leaves its 4-D result in NCHW order and marks it so; layout-agnostic ops (elementwise, concat on the
 * channel axis, pads, reductions over space) keep computing in NCHW; only an op that needs the
 * tensor as TensorFlow sees it (Reshape, Softmax on the last axis, a graph output) gets a transpose
 * back. A chain of convolutions thus runs without a transpose between its layers.
 */
import { fromNumbers, sizeOf, type Tensor } from '../../ir/tensor.js';
import { transposeData as transposeTensor } from '../../ops/movement/copy.js';
import { attr, type GraphBuilder } from '../graph-builder.js';

/** 'nchw': the IR value holds the TensorFlow NHWC tensor transposed to NCHW. */
export type Layout = 'tf' | 'nchw';

export interface Ref {
  readonly name: string;
  readonly layout: Layout;
}

export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

/** Where NHWC axis a lies in NCHW order. */
export function nchwAxis(nhwcAxis: number): number {
  return [0, 2, 3, 1][nhwcAxis < 0 ? nhwcAxis + 4 : nhwcAxis]!;
}

const cache = new WeakMap<GraphBuilder, Map<string, string>>();

function cached(g: GraphBuilder, key: string, make: () => string): string {
  let m = cache.get(g);
  if (!m) cache.set(g, (m = new Map()));
  let v = m.get(key);
  if (v === undefined) m.set(key, (v = make()));
  return v;
}

/** The value as TensorFlow sees it. */
export function toTfLayout(g: GraphBuilder, ref: Ref, base: string): string {
  if (ref.layout === 'tf') return ref.name;
  return cached(g, `tf:${ref.name}`, () =>
    g.one('Transpose', [ref.name], { perm: attr.ints(NCHW_TO_NHWC) }, `${base}/to_nhwc`),
  );
}

/** A 4-D NHWC value in NCHW order. */
export function toNchw(g: GraphBuilder, ref: Ref, base: string): string {
  if (ref.layout === 'nchw') return ref.name;
  const constant = g.constantValue(ref.name);
  if (constant && constant.shape.length === 4)
    return g.constant(transposeTensor(constant, NHWC_TO_NCHW), `${base}/nchw`);
  return cached(g, `nchw:${ref.name}`, () =>
    g.one('Transpose', [ref.name], { perm: attr.ints(NHWC_TO_NCHW) }, `${base}/to_nchw`),
  );
}

/**
 * A TF-layout operand of an elementwise op whose other operand is in NCHW: the same broadcast in NCHW
 * order (a [C] bias becomes [C,1,1]). Undefined when its rank is unknown.
 */
export function broadcastInNchw(g: GraphBuilder, name: string, base: string): string | undefined {
  const type = g.typeOf(name);
  const rank = type?.shape?.length;
  if (rank === undefined || rank > 4) return undefined;
  if (rank === 0) return name;
  const constant = g.constantValue(name);
  if (constant) {
    const aligned = [...new Array<number>(4 - rank).fill(1), ...constant.shape];
    const t: Tensor = { ...constant, shape: aligned };
    return g.constant(transposeTensor(t, NHWC_TO_NCHW), `${base}/nchw`);
  }
  const aligned =
    rank === 4
      ? name
      : g.one(
          'Unsqueeze',
          [
            name,
            g.ints(
              Array.from({ length: 4 - rank }, (_, i) => i),
              `${base}/axes`,
            ),
          ],
          {},
          `${base}/rank4`,
        );
  return g.one('Transpose', [aligned], { perm: attr.ints(NHWC_TO_NCHW) }, `${base}/to_nchw`);
}

/** A [C] per-channel vector shaped to broadcast along axis 1 of a rank-`rank` tensor. */
export function channelVector(g: GraphBuilder, name: string, rank: number, base: string): string {
  if (rank <= 2) return name;
  const constant = g.constantValue(name);
  const shape = [-1, ...new Array<number>(rank - 2).fill(1)];
  if (constant)
    return g.constant({ ...constant, shape: [sizeOf(constant.shape), ...shape.slice(1)] }, `${base}/c11`);
  return g.one(
    'Reshape',
    [name, g.constant(fromNumbers('int64', [shape.length], shape), `${base}/shape`)],
    {},
    `${base}/c11`,
  );
}
