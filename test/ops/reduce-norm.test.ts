import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/ir/tensor.js';
import { close, f32, infer, run, values } from '../helpers/op-harness.js';

/** [N, C, H, W] -> [N, H, W, C] */
function toNhwc(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const v = values(x);
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) out.push(v[((n * C + c) * H + h) * W + w]!);
  return f32([N, H, W, C], out);
}

const x = f32(
  [2, 4, 2, 3],
  Array.from({ length: 48 }, (_, i) => Math.sin(i) * 3 + (i % 5)),
);
const perChannel = (vals: number[]) => f32([4], vals);

test('BatchNormalization inference: (x - mean) / sqrt(var + eps) * scale + bias', () => {
  const [y] = run(
    'BatchNormalization',
    [f32([1, 2, 1, 1], [3, 5]), f32([2], [2, 1]), f32([2], [1, 0]), f32([2], [1, 1]), f32([2], [4, 0.25])],
    { epsilon: 0 },
  );
  close(y!, f32([1, 2, 1, 1], [3, 8]));
});

test('BatchNormalization training mode returns momentum-weighted running statistics', () => {
  const xs = f32([2, 1, 2], [1, 3, 5, 7]);
  const [y, mean, variance] = run(
    'BatchNormalization',
    [xs, f32([1], [1]), f32([1], [0]), f32([1], [0]), f32([1], [1])],
    { training_mode: 1, epsilon: 0, momentum: 0.5 },
    3,
  );
  close(mean!, f32([1], [2])); // 0.5 * 0 + 0.5 * 4
  close(variance!, f32([1], [3])); // 0.5 * 1 + 0.5 * 5
  close(
    y!,
    f32(
      [2, 1, 2],
      [-3, -1, 1, 3].map((d) => d / Math.sqrt(5)),
    ),
  );
});

test('BatchNormalization per-activation parameters (spatial=0 of opsets < 9)', () => {
  const [y] = run(
    'BatchNormalization',
    [f32([2, 1, 2], [1, 2, 3, 4]), f32([2], [1, 2]), f32([2], [0, 1]), f32([2], [0, 0]), f32([2], [1, 1])],
    { epsilon: 0 },
  );
  close(y!, f32([2, 1, 2], [1, 5, 3, 9]));
});

test('BatchNormalization, InstanceNormalization, GroupNormalization and LRN agree across layouts', () => {
  const s = perChannel([1, 2, 0.5, -1]);
  const b = perChannel([0, 1, -1, 2]);
  const cases: [string, (Tensor | undefined)[], Record<string, unknown>][] = [
    ['BatchNormalization', [s, b, perChannel([0.1, 0.2, 0.3, 0.4]), perChannel([1, 2, 3, 4])], {}],
    ['InstanceNormalization', [s, b], {}],
    ['GroupNormalization', [s, b], { num_groups: 2 }],
    ['LRN', [], { size: 3 }],
  ];
  for (const [type, params, attrs] of cases) {
    const [nchw] = run(type, [x, ...params], attrs);
    const [nhwc] = run(type, [toNhwc(x), ...params], { ...attrs, layout: 'NHWC' });
    close(nhwc!, toNhwc(nchw!), 1e-5);
  }
});

test('InstanceNormalization normalizes each (n, c) plane', () => {
  const [y] = run(
    'InstanceNormalization',
    [f32([1, 2, 2], [1, 3, 10, 10]), f32([2], [1, 1]), f32([2], [0, 5])],
    { epsilon: 0 },
  );
  assert.deepEqual(values(y!).slice(0, 2), [-1, 1]);
  assert.ok(values(y!).slice(2).every(Number.isNaN)); // zero variance with epsilon 0: 0/0
});

test('GroupNormalization: one group equals per-sample layer statistics; per-group scale flag', () => {
  const [g1] = run('GroupNormalization', [f32([1, 2, 1], [1, 3]), f32([2], [1, 2]), f32([2], [0, 0])], {
    num_groups: 1,
    epsilon: 0,
  });
  close(g1!, f32([1, 2, 1], [-1, 2]));
  const [old] = run(
    'GroupNormalization',
    [f32([1, 4, 1], [1, 3, 5, 9]), f32([2], [1, 10]), f32([2], [0, 1])],
    { num_groups: 2, epsilon: 0, scale_per_group: 1 },
  );
  close(old!, f32([1, 4, 1], [-1, 1, -9, 11]));
  assert.throws(() =>
    infer('GroupNormalization', [{ dtype: 'float32', shape: [1, 3, 4] }], { num_groups: 2 }),
  );
});

test('LayerNormalization: Y, Mean and InvStdDev with keep-dims statistics', () => {
  const xs = f32([2, 2], [1, 3, 2, 2]);
  const [y, mean, inv] = run(
    'LayerNormalization',
    [xs, f32([2], [1, 2]), f32([2], [0, 1])],
    { epsilon: 0 },
    3,
  );
  assert.deepEqual(mean!.shape, [2, 1]);
  assert.deepEqual(values(mean!), [2, 2]);
  assert.deepEqual(values(inv!)[0], 1);
  assert.deepEqual(values(y!).slice(0, 2), [-1, 3]);
  const [z] = run('LayerNormalization', [f32([1, 2, 2], [1, 3, 5, 7]), f32([2], [1, 1])], {
    axis: 1,
    epsilon: 0,
  });
  close(
    z!,
    f32(
      [1, 2, 2],
      [-3, -1, 1, 3].map((d) => d / Math.sqrt(5)),
    ),
  );
  const [type] = infer(
    'LayerNormalization',
    [
      { dtype: 'float16', shape: ['b', 8] },
      { dtype: 'float16', shape: [8] },
    ],
    {},
    2,
  ).slice(1);
  assert.deepEqual(type, { dtype: 'float32', shape: ['b', 1] });
});

test('RMSNormalization divides by the root mean square', () => {
  const [y] = run('RMSNormalization', [f32([1, 2], [3, 4]), f32([2], [1, 2])], { epsilon: 0 });
  const rms = Math.sqrt(12.5);
  close(y!, f32([1, 2], [3 / rms, 8 / rms]));
});

test('LpNormalization L1/L2 with a zero vector giving zeros', () => {
  close(run('LpNormalization', [f32([2, 2], [3, 4, 0, 0])])[0]!, f32([2, 2], [0.6, 0.8, 0, 0]));
  close(
    run('LpNormalization', [f32([2, 2], [1, 3, 1, 1])], { p: 1, axis: 0 })[0]!,
    f32([2, 2], [0.5, 0.75, 0.5, 0.25]),
  );
});

test('MeanVarianceNormalization over the default axes', () => {
  const [y] = run('MeanVarianceNormalization', [f32([1, 2, 1, 2], [1, 3, 0, 0])]);
  close(y!, f32([1, 2, 1, 2], [-1, 1, 0, 0]), 1e-6);
});

test('LRN sums squares over a clipped channel window', () => {
  const [y] = run('LRN', [f32([1, 3, 1, 1], [1, 2, 3])], { size: 3, alpha: 3, beta: 1, bias: 0 });
  close(y!, f32([1, 3, 1, 1], [1 / 5, 2 / 14, 3 / 13]));
});

test('a [1,128,256] LayerNormalization is fast', () => {
  const n = 128 * 256;
  const xs = f32(
    [1, 128, 256],
    Array.from({ length: n }, (_, i) => i % 11),
  );
  const scale = f32(
    [256],
    Array.from({ length: 256 }, () => 1),
  );
  const start = performance.now();
  for (let k = 0; k < 20; k++) run('LayerNormalization', [xs, scale]);
  assert.ok(performance.now() - start < 1000);
});
