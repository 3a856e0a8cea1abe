import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm, view } from '../../src/ops/linalg/gemm-kernel.js';
import { OpError } from '../../src/ops/op.js';
import { close, f32, infer, iota, isSymbol, rand, run1, t, values } from '../helpers/op-harness.js';

function naive(M: number, N: number, K: number, a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!;
      out.push(s);
    }
  }
  return out;
}

test('gemm kernel matches a naive product on sizes that are not multiples of the 4x4 tile', () => {
  for (const [M, N, K] of [
    [1, 1, 1],
    [3, 7, 5],
    [4, 4, 4],
    [5, 9, 1],
    [9, 5, 13],
    [13, 17, 0],
    [8, 3, 6],
  ] as const) {
    const a = values(rand([M, K], M + N));
    const b = values(rand([K, N], K + 7));
    const out = new Float64Array(M * N).fill(NaN);
    gemm(M, N, K, view(Float64Array.from(a), 0, K), view(Float64Array.from(b), 0, N), view(out, 0, N));
    const want = naive(M, N, K, a, b);
    want.forEach((w, i) => assert.ok(Math.abs(out[i]! - w) < 1e-12, `${M}x${N}x${K} @${i}`));
  }
});

test('gemm kernel honours offsets, leading dimensions and alpha', () => {
  // A is rows 1..2 of a [3, 4] buffer, B the first 2 columns of a [2, 3] buffer, out a window of [2, 5]
  const a = Float32Array.from([9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9]);
  const b = Float32Array.from([1, 0, 9, 0, 1, 9]);
  const out = new Float32Array(10);
  gemm(2, 2, 2, view(a, 4, 4), view(b, 0, 3), view(out, 1, 5), 2);
  assert.deepEqual([...out], [0, 2, 4, 0, 0, 0, 6, 8, 0, 0]);
});

test('MatMul: 2-D, batched broadcasting, and 1-D operands', () => {
  const a = iota([2, 3]);
  const b = iota([3, 2]);
  assert.deepEqual(values(run1('MatMul', [a, b])), [10, 13, 28, 40]);
  // [2, 1, 2, 3] @ [4, 3, 2] -> [2, 4, 2, 2]
  const y = run1('MatMul', [iota([2, 1, 2, 3]), iota([4, 3, 2])]);
  assert.deepEqual(y.shape, [2, 4, 2, 2]);
  const v = f32([3], [1, 2, 3]);
  assert.deepEqual(run1('MatMul', [v, v]).shape, []);
  assert.deepEqual(values(run1('MatMul', [v, v])), [14]);
  assert.deepEqual(values(run1('MatMul', [v, iota([3, 2])])), [16, 22]);
  const mv = run1('MatMul', [iota([2, 2, 3]), v]);
  assert.deepEqual(mv.shape, [2, 2]);
  assert.deepEqual(values(mv), [8, 26, 44, 62]);
});

test('MatMul integers wrap like numpy; int64 uses exact bigint arithmetic', () => {
  const big = t('int32', [1, 2], [2 ** 30, 2 ** 30]);
  const two = t('int32', [2, 1], [2, 2]);
  assert.deepEqual(values(run1('MatMul', [big, two])), [0]); // 2^32 wraps to 0
  const u8 = run1('MatMul', [t('uint8', [1, 1], [200]), t('uint8', [1, 1], [2])]);
  assert.deepEqual(values(u8), [144]);
  const a = t('int64', [1, 2], [2n ** 40n, 3n]);
  const b = t('int64', [2, 1], [2n ** 20n, -1n]);
  assert.deepEqual([...run1('MatMul', [a, b]).data], [2n ** 60n - 3n]);
});

test('MatMul float16 and float64 keep their dtype; empty inner dim gives zeros', () => {
  const h = run1('MatMul', [t('float16', [1, 2], [0.5, 1.5]), t('float16', [2, 1], [2, 2])]);
  assert.equal(h.dtype, 'float16');
  assert.deepEqual(values(h), [4]);
  const d = run1('MatMul', [t('float64', [1, 1], [1 / 3]), t('float64', [1, 1], [3])]);
  assert.equal(d.dtype, 'float64');
  assert.equal(values(d)[0], (1 / 3) * 3);
  const z = run1('MatMul', [f32([2, 0], []), f32([0, 3], [])]);
  assert.deepEqual(z.shape, [2, 3]);
  assert.deepEqual(values(z), [0, 0, 0, 0, 0, 0]);
});

test('MatMul infer propagates symbols and rejects mismatched inner dims', () => {
  const [y] = infer('MatMul', [
    { dtype: 'float32', shape: ['batch', 128, 768] },
    { dtype: 'float32', shape: [768, 3072] },
  ]);
  assert.deepEqual(y!.shape, ['batch', 128, 3072]);
  assert.throws(
    () => infer('MatMul', [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2, 3], [1, 2, 3, 4, 5, 6])]),
    OpError,
  );
});

test('Gemm: transposes, alpha/beta, broadcast C, optional C', () => {
  const a = iota([3, 2]); // used transposed: [2, 3]
  const b = iota([4, 3]); // used transposed: [3, 4]
  const c = f32([1, 4], [1, 2, 3, 4]);
  const y = run1('Gemm', [a, b, c], { transA: 1, transB: 1, alpha: 0.5, beta: 2 });
  const at = [0, 2, 4, 1, 3, 5];
  const bt = [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11];
  const want = naive(2, 4, 3, at, bt).map((v, i) => 0.5 * v + 2 * [1, 2, 3, 4][i % 4]!);
  close(y, { shape: [2, 4], values: want }, 1e-6, 1e-3);
  const scalarC = run1('Gemm', [iota([2, 2]), iota([2, 2]), f32([], [10])]);
  assert.deepEqual(values(scalarC), [12, 13, 16, 21]);
  assert.deepEqual(values(run1('Gemm', [iota([2, 2]), iota([2, 2])])), [2, 3, 6, 11]);
  const [ty] = infer(
    'Gemm',
    [
      { dtype: 'float32', shape: ['n', 8] },
      { dtype: 'float32', shape: [4, 8] },
    ],
    { transB: 1 },
  );
  assert.deepEqual(ty!.shape, ['n', 4]);
});

test('Det of 2-D and batched matrices, including singular and pivoting cases', () => {
  assert.deepEqual(values(run1('Det', [f32([2, 2], [1, 2, 3, 4])])), [-2]);
  const batch = run1('Det', [f32([3, 2, 2], [0, 1, 1, 0, 2, 0, 0, 3, 1, 2, 2, 4])]);
  assert.deepEqual(batch.shape, [3]);
  close(batch, { shape: [3], values: [-1, 6, 0] }, 1e-6, 1e-3);
  close(run1('Det', [f32([3, 3], [2, -1, 0, -1, 2, -1, 0, -1, 2])]), { shape: [], values: [4] }, 1e-6, 1e-3);
});

test('Einsum: transpose, sums, traces, diagonals and implicit output', () => {
  const x = iota([3, 4]);
  assert.deepEqual(run1('Einsum', [x], { equation: 'ij->ji' }).shape, [4, 3]);
  assert.deepEqual(values(run1('Einsum', [x], { equation: 'ij->i' })), [6, 22, 38]);
  assert.deepEqual(values(run1('Einsum', [x], { equation: 'ij' })), values(x));
  assert.deepEqual(
    values(run1('Einsum', [x], { equation: 'ji' })),
    values(run1('Einsum', [x], { equation: 'ij->ji' })),
  );
  const sq = iota([3, 3]);
  assert.deepEqual(values(run1('Einsum', [sq], { equation: 'ii->i' })), [0, 4, 8]);
  assert.deepEqual(values(run1('Einsum', [sq], { equation: 'ii' })), [12]);
  assert.deepEqual(
    values(run1('Einsum', [iota([2, 3, 3])], { equation: '...ii->...i' })),
    [0, 4, 8, 9, 13, 17],
  );
  assert.deepEqual(run1('Einsum', [f32([], [5])], { equation: '->' }).shape, []);
});

test('Einsum: contractions, outer products, ellipsis broadcasting and three operands', () => {
  const a = rand([2, 3, 4], 3);
  const b = rand([2, 4, 5], 4);
  close(run1('Einsum', [a, b], { equation: 'bij, bjk -> bik' }), run1('MatMul', [a, b]), 1e-6, 1e-3);
  const v = f32([3], [1, 2, 3]);
  assert.deepEqual(values(run1('Einsum', [v, v], { equation: 'i,i' })), [14]);
  assert.deepEqual(
    values(run1('Einsum', [v, f32([2], [1, 10])], { equation: 'i,j->ij' })),
    [1, 10, 2, 20, 3, 30],
  );
  // ellipsis dims broadcast: [1, 3] against [2, 3]
  const e = run1('Einsum', [f32([1, 3], [1, 1, 1]), iota([2, 3])], { equation: '...i,...i->...' });
  assert.deepEqual(values(e), [3, 12]);
  const m = iota([2, 2]);
  const chain = run1('Einsum', [m, m, m], { equation: 'ij,jk,kl->il' });
  assert.deepEqual(values(chain), values(run1('MatMul', [run1('MatMul', [m, m]), m])));
  const [ty] = infer(
    'Einsum',
    [
      { dtype: 'float32', shape: ['b', 4, 8] },
      { dtype: 'float32', shape: ['b', 8, 2] },
    ],
    {
      equation: 'bij,bjk->bki',
    },
  );
  assert.deepEqual(ty!.shape, ['b', 2, 4]);
  assert.ok(!isSymbol(ty!.shape![1]));
  assert.throws(() => run1('Einsum', [iota([2, 3])], { equation: 'ijk->i' }), OpError);
});

test('Gemm C broadcasts one way only', () => {
  const a = { dtype: 'float32' as const, shape: [1, 2] };
  const b = { dtype: 'float32' as const, shape: [2, 1] };
  assert.throws(() => infer('Gemm', [a, b, { dtype: 'float32', shape: [3, 1] }]), OpError);
  assert.throws(() => infer('Gemm', [a, b, { dtype: 'float32', shape: [1, 4] }]), OpError);
  assert.deepEqual(infer('Gemm', [a, b, { dtype: 'float32', shape: [1] }])[0]!.shape, [1, 1]);
});
