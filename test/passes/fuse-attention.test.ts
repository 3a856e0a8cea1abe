import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Node } from '../../src/ir/graph.js';
import { fromNumbers, getNumber, tensor, type Tensor } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verify.js';
import '../../src/ops/all.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { fuseAttention } from '../../src/passes/fuse-attention.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { compileStaticModel } from '../../src/driver/compile.js';
import { load } from '../../src/runtime/index.js';
import { readNeff } from '../../src/neff/reader.js';
import { rand } from '../helpers/op-harness.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/**
 * Attention matching: the Reshape/Transpose/MatMul/Softmax/MatMul chains exporters write for
 * multi-head attention (torch.nn.MultiheadAttention sequence first, Hugging Face batch first) become
 * one Attention over 3-D views that computes the same values, compiled too; near misses stay.
 */

const ints = (v: readonly number[]): Tensor => fromNumbers('int64', [v.length], v);
const scalar = (x: number): Tensor => tensor('float32', [], Float32Array.of(x));
const perm = (p: readonly number[]) => ({ perm: { kind: 'ints' as const, value: p } });

interface Options {
  /** 'seq': x [S, 1, E], heads [H, S, D] (batch 1); 'batch': x [B, S, E], heads [B, H, S, D]. */
  readonly layout: 'seq' | 'batch';
  /** Where the 1/sqrt(D) goes: Div on q, Mul on the scores, or both halves. */
  readonly scaling?: 'div-q' | 'mul-scores' | 'both';
  readonly mask?: boolean;
  /** K transposed in two steps: to heads, then its last two axes swapped. */
  readonly twoStepK?: boolean;
  /** The scores are also a graph output. */
  readonly leak?: boolean;
  /** Softmax over the wrong axis. */
  readonly axis?: number;
}

const [S, H, D, B] = [5, 2, 4, 2];
const E = H * D;

function decomposed(o: Options): Graph {
  const seq = o.layout === 'seq';
  const xShape = seq ? [S, 1, E] : [B, S, E];
  const headShape = seq ? [S, H, D] : [B, S, H, D];
  const toHeads = seq ? [1, 0, 2] : [0, 2, 1, 3];
  const kToHeads = seq ? [1, 2, 0] : [0, 2, 3, 1];
  const nodes: Node[] = [];
  for (const t of ['q', 'k', 'v']) nodes.push(node('Reshape', [t, 'heads_shape'], [`${t}r`]));
  nodes.push(node('Transpose', ['qr'], ['qh'], perm(toHeads)));
  if (o.twoStepK) {
    nodes.push(node('Transpose', ['kr'], ['kh'], perm(toHeads)));
    nodes.push(node('Transpose', ['kh'], ['kt'], perm(seq ? [0, 2, 1] : [0, 1, 3, 2])));
  } else nodes.push(node('Transpose', ['kr'], ['kt'], perm(kToHeads)));
  nodes.push(node('Transpose', ['vr'], ['vh'], perm(toHeads)));
  const scaling = o.scaling ?? 'div-q';
  let q = 'qh';
  if (scaling === 'div-q' || scaling === 'both') {
    nodes.push(node('Div', ['qh', scaling === 'both' ? 'root4' : 'root'], ['qs']));
    q = 'qs';
  }
  nodes.push(node('MatMul', [q, 'kt'], ['s0']));
  let scores = 's0';
  if (scaling === 'mul-scores' || scaling === 'both') {
    nodes.push(node('Mul', [scaling === 'both' ? 'inv4' : 'inv', scores], ['s1']));
    scores = 's1';
  }
  if (o.mask) {
    nodes.push(node('Add', ['mask', scores], ['s2']));
    scores = 's2';
  }
  nodes.push(node('Softmax', [scores], ['p'], { axis: { kind: 'int', value: o.axis ?? -1 } }));
  nodes.push(node('MatMul', ['p', 'vh'], ['o']));
  nodes.push(node('Transpose', ['o'], ['ot'], perm(toHeads)));
  nodes.push(node('Reshape', ['ot', 'out_shape'], ['y']));
  const root = Math.sqrt(D);
  return inferShapes(
    graph({
      inputs: [
        value('q', 'float32', xShape),
        value('k', 'float32', xShape),
        value('v', 'float32', xShape),
        ...(o.mask ? [value('mask', 'float32', [S, S])] : []),
      ],
      outputs: [value('y', 'float32', undefined), ...(o.leak ? [value(scores, 'float32', undefined)] : [])],
      initializers: [
        ['heads_shape', ints(headShape)],
        ['out_shape', ints(seq ? [S, E] : [B, S, E])],
        ['root', scalar(root)],
        ['root4', scalar(Math.sqrt(root))],
        ['inv', scalar(1 / root)],
        ['inv4', scalar(1 / Math.sqrt(root))],
      ],
      nodes,
    }),
    { fold: false },
  );
}

function feedsOf(g: Graph): Map<string, Tensor> {
  return new Map(g.inputs.map((v, i) => [v.name, rand(v.type.shape as number[], 11 + i)]));
}

function assertClose(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, what);
  for (let i = 0; i < want.data.length; i++) {
    const [a, e] = [getNumber(got, i), getNumber(want, i)];
    assert.ok(Math.abs(a - e) <= 1e-5 + 1e-5 * Math.abs(e), `${what}[${i}] ${a} != ${e}`);
  }
}

/** The fused graph's ops, after checking it computes what the decomposed one does. */
function fuse(g: Graph): string[] {
  const fused = fuseAttention(g, { optLevel: 2 });
  verifyGraph(fused);
  const feeds = feedsOf(g);
  const want = runGraph(g, feeds);
  const got = runGraph(fused, feeds);
  for (const [name, t] of want) assertClose(got.get(name)!, t, name);
  return fused.nodes.map((n) => n.op);
}

const FUSED = ['Reshape', 'Reshape', 'Reshape', 'Attention', 'Reshape'];

test('torch.nn.MultiheadAttention (sequence first, batch 1) becomes one Attention', () => {
  const g = decomposed({ layout: 'seq' });
  assert.deepEqual(fuse(g), FUSED);
  const attention = fuseAttention(g, { optLevel: 2 }).nodes.find((n) => n.op === 'Attention')!;
  assert.deepEqual(attention.attrs.q_num_heads, { kind: 'int', value: H });
  assert.deepEqual(attention.attrs.kv_num_heads, { kind: 'int', value: H });
  const scale = attention.attrs.scale as { value: number };
  assert.ok(Math.abs(scale.value - 1 / Math.sqrt(D)) < 1e-7);
});

test('batch first (Hugging Face), scalings on q, on the scores or both, K in two transposes, a mask', () => {
  assert.deepEqual(fuse(decomposed({ layout: 'batch' })), FUSED);
  assert.deepEqual(fuse(decomposed({ layout: 'batch', scaling: 'mul-scores' })), FUSED);
  assert.deepEqual(fuse(decomposed({ layout: 'seq', scaling: 'both', twoStepK: true })), FUSED);
  const masked = fuse(decomposed({ layout: 'batch', mask: true, twoStepK: true }));
  assert.deepEqual(masked, FUSED);
});

test('near misses are left alone: scores read elsewhere, softmax over another axis', () => {
  const leak = decomposed({ layout: 'seq', scaling: 'mul-scores', leak: true });
  assert.equal(fuseAttention(leak, { optLevel: 2 }), leak);
  const axis = decomposed({ layout: 'batch', axis: 2 });
  assert.equal(fuseAttention(axis, { optLevel: 2 }), axis);
});

test('the fused graph compiles and runs to the interpreter values (the default pipeline fuses it)', async () => {
  for (const o of [{ layout: 'seq' }, { layout: 'batch', mask: true }] as const) {
    const g = decomposed(o);
    const { neff, summary } = compileStaticModel({
      name: 'attention',
      graph: g,
      opsets: new Map([['', 18]]),
      producer: 'test',
      source: { format: 'onnx', path: 'attention.onnx' },
    });
    // the default pipeline (-O2) fused the chain: its kernels are Attention's
    const kernels = (readNeff(neff).contents.metadata.kernels ?? []).map((k) => k.name);
    assert.ok(kernels.includes('attention_softmax_f32'), kernels.join());
    assert.ok(!kernels.some((k) => k.startsWith('transpose')), kernels.join());
    assert.ok(summary.kernels > 0);
    const feeds = feedsOf(g);
    const want = runGraph(g, feeds).get('y')!;
    const model = await load(neff);
    try {
      const out = await model.run(Object.fromEntries([...feeds].map(([k, t]) => [k, t.data])));
      assertClose({ ...want, data: out.y as Float32Array }, want, `${o.layout} y`);
    } finally {
      model.dispose();
    }
  }
});
