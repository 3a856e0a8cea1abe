import type { Node } from '../ir/graph.js';
import { toFloat32, type Tensor } from '../ir/tensor.js';
import { attrsOfNode, type GraphIndex } from './fuse-epilogue-match.js';

/**
 * Folding a per-channel affine map y*scale + shift into the producer's constants at compile time:
 * Conv scales each filter W[m] and its bias; Gemm scales B's columns and beta*C; MatMul scales B's
 * columns and gains a bias. Arithmetic is float64, rounded once to float32.
 */
export interface Affine {
  readonly scale?: Float64Array;
  readonly shift?: Float64Array;
}

/** New constants and inputs of the fused node; `inputs` are the op's own (before the residual). */
export interface Folded {
  readonly inputs: readonly string[];
  readonly constants: ReadonlyMap<string, Tensor>;
  readonly attrs?: Node['attrs'];
}

/** What the producer must have constant for the fold: scale needs the weights, shift the bias. */
export function canFold(ix: GraphIndex, anchor: Node, affine: Affine): boolean {
  const isConst = (i: number): boolean => {
    const v = anchor.inputs[i];
    return v === undefined || v === '' || ix.constant(v) !== undefined;
  };
  const weights = ix.constant(anchor.inputs[1]!) !== undefined;
  switch (anchor.op) {
    case 'Conv':
      return isConst(2) && (!affine.scale || weights);
    case 'Gemm': {
      const beta = (attrsOfNode(anchor) as { beta: number }).beta;
      return (beta === 0 || isConst(2)) && (!affine.scale || weights);
    }
    default:
      return !affine.scale || (weights && ix.constant(anchor.inputs[1]!)!.shape.length >= 2);
  }
}

const f32 = (shape: readonly number[], data: Float32Array): Tensor => ({
  dtype: 'float32',
  shape: [...shape],
  data,
});

export function fold(ix: GraphIndex, anchor: Node, affine: Affine, fresh: (hint: string) => string): Folded {
  const constants = new Map<string, Tensor>();
  const add = (hint: string, t: Tensor): string => {
    const name = fresh(`${anchor.name}/${hint}`);
    constants.set(name, t);
    return name;
  };
  const scale = (c: number): number => affine.scale?.[c] ?? 1;
  const shift = (c: number): number => affine.shift?.[c] ?? 0;
  const [x, w, third] = anchor.inputs as [string, string, string | undefined];
  const constOf = (v: string | undefined): Float32Array | undefined => {
    const t = v ? ix.constant(v) : undefined;
    return t && toFloat32(t);
  };
  let wName = w;
  if (affine.scale) {
    const t = ix.constant(w)!;
    const src = toFloat32(t);
    const scaled = new Float32Array(src.length);
    const channels = affine.scale.length;
    // Conv: W[m, ...]; Gemm: B [K, N] or [N, K] (transB); MatMul: B [..., K, N]
    const transB = anchor.op === 'Gemm' && (attrsOfNode(anchor) as { transB: number }).transB !== 0;
    const per = src.length / channels;
    const channelOf =
      anchor.op === 'Conv' || transB ? (i: number) => Math.floor(i / per) : (i: number) => i % channels;
    for (let i = 0; i < src.length; i++) scaled[i] = src[i]! * scale(channelOf(i));
    wName = add('W', f32(t.shape, scaled));
  }
  const channels = (affine.scale ?? affine.shift)!.length;
  if (anchor.op === 'Gemm') return { ...foldGemm(ix, anchor, affine, { x, w: wName, add }), constants };
  // Conv and MatMul: a bias vector along the channels
  const old = constOf(third);
  const bias = Float32Array.from({ length: channels }, (_, c) => (old?.[c] ?? 0) * scale(c) + shift(c));
  const needsBias = old !== undefined || affine.shift !== undefined;
  return { inputs: needsBias ? [x, wName, add('B', f32([channels], bias))] : [x, wName], constants };
}

/** Gemm: Y = alpha*A*B + beta*C becomes alpha*A*(B*s) + C', C' = beta*C*s + shift with beta 1. */
function foldGemm(
  ix: GraphIndex,
  anchor: Node,
  affine: Affine,
  parts: { x: string; w: string; add: (hint: string, t: Tensor) => string },
): Omit<Folded, 'constants'> {
  const a = attrsOfNode(anchor) as { beta: number };
  const channels = (affine.scale ?? affine.shift)!.length;
  const cName = anchor.inputs[2];
  const c = a.beta !== 0 && cName ? ix.constant(cName) : undefined;
  // C broadcast as [rows, N]: rows > 1 only when C varies along M
  const cShape = c ? (c.shape.length === 2 ? c.shape : [1, c.shape[0] ?? 1]) : [1, 1];
  const rows = cShape[0]!;
  const src = c ? toFloat32(c) : undefined;
  const out = new Float32Array(rows * channels);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < channels; j++) {
      const cv = src ? src[(i % cShape[0]!) * cShape[1]! + (cShape[1] === 1 ? 0 : j)]! : 0;
      out[i * channels + j] = a.beta * cv * (affine.scale?.[j] ?? 1) + (affine.shift?.[j] ?? 0);
    }
  }
  const cNew = parts.add('C', f32(rows > 1 ? [rows, channels] : [channels], out));
  return {
    inputs: [parts.x, parts.w, cNew],
    attrs: { ...anchor.attrs, beta: { kind: 'float', value: 1 } },
  };
}
