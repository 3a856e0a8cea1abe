import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/ir/tensor.js';
import { channelsFirst, channelsLast } from '../../src/ops/linalg/layout.js';
import { OpError } from '../../src/ops/op.js';
import {
  close,
  f32,
  infer,
  iota,
  isSymbol,
  rand,
  run1,
  t,
  values,
  type Expected,
} from '../helpers/op-harness.js';

interface Geometry {
  x: number[];
  w: number[];
  group: number;
  strides: number[];
  dilations: number[];
  pads: number[];
}

/** Direct N-D convolution straight from the definition, with explicit pads. */
function naiveConv(x: Tensor, w: Tensor, bias: number[] | undefined, g: Geometry): Expected {
  const r = g.x.length - 2;
  const [N, C] = g.x as [number, number];
  const M = g.w[0]!;
  const Cg = C / g.group;
  const k = g.w.slice(2);
  const out = g.x
    .slice(2)
    .map(
      (n, i) =>
        Math.floor((n + g.pads[i]! + g.pads[i + r]! - (k[i]! - 1) * g.dilations[i]! - 1) / g.strides[i]!) + 1,
    );
  const xv = values(x);
  const wv = values(w);
  const res: number[] = [];
  const coords = (dims: number[]) => {
    const all: number[][] = [[]];
    for (const d of dims) {
      const next: number[][] = [];
      for (const c of all) for (let i = 0; i < d; i++) next.push([...c, i]);
      all.splice(0, all.length, ...next);
    }
    return all;
  };
  const flat = (dims: number[], c: number[]) => c.reduce((acc, v, i) => acc * dims[i]! + v, 0);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const grp = Math.floor(m / (M / g.group));
      for (const o of coords(out)) {
        let s = bias ? bias[m]! : 0;
        for (let c = 0; c < Cg; c++) {
          for (const kk of coords(k)) {
            const pos = o.map((oi, i) => oi * g.strides[i]! - g.pads[i]! + kk[i]! * g.dilations[i]!);
            if (pos.some((p, i) => p < 0 || p >= g.x[i + 2]!)) continue;
            s += xv[flat(g.x, [n, grp * Cg + c, ...pos])]! * wv[flat(g.w, [m, c, ...kk])]!;
          }
        }
        res.push(s);
      }
    }
  }
  return { shape: [N, M, ...out], values: res };
}

test('Conv matches a direct convolution over 1-D, 2-D and 3-D geometries', () => {
  const cases: Geometry[] = [
    { x: [2, 3, 9], w: [4, 3, 3], group: 1, strides: [2], dilations: [1], pads: [1, 2] },
    { x: [1, 4, 7, 6], w: [6, 2, 3, 2], group: 2, strides: [1, 2], dilations: [2, 1], pads: [1, 0, 2, 1] },
    { x: [1, 6, 5, 5], w: [6, 1, 3, 3], group: 6, strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] },
    { x: [1, 5, 6, 6], w: [7, 5, 1, 1], group: 1, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] },
    { x: [1, 2, 6, 6], w: [3, 2, 1, 1], group: 1, strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] },
    {
      x: [1, 2, 4, 5, 6],
      w: [3, 2, 2, 3, 2],
      group: 1,
      strides: [1, 2, 2],
      dilations: [1, 1, 2],
      pads: [0, 1, 1, 1, 0, 0],
    },
  ];
  cases.forEach((g, i) => {
    const x = rand(g.x, 10 + i);
    const w = rand(g.w, 20 + i);
    const bias = values(rand([g.w[0]!], 30 + i));
    const y = run1('Conv', [x, w, f32([g.w[0]!], bias)], {
      group: g.group,
      strides: g.strides,
      dilations: g.dilations,
      pads: g.pads,
    });
    close(y, naiveConv(x, w, bias, g), 1e-5, 1e-4);
  });
});

test('Conv auto_pad SAME_UPPER / SAME_LOWER / VALID', () => {
  const x = iota([1, 1, 5, 5]);
  const w = f32([1, 1, 3, 3], new Array(9).fill(1));
  const lower = run1('Conv', [x, w], { auto_pad: 'SAME_LOWER', strides: [2, 2] });
  assert.deepEqual(lower.shape, [1, 1, 3, 3]);
  // SAME_LOWER pads 1 at the start: first window covers rows/cols -1..1
  assert.equal(values(lower)[0], 0 + 1 + 5 + 6);
  const upper = run1('Conv', [iota([1, 1, 4, 4]), w], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
  assert.deepEqual(upper.shape, [1, 1, 2, 2]);
  assert.equal(values(upper)[0], 0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10); // no pad at the start
  assert.deepEqual(run1('Conv', [x, w], { auto_pad: 'VALID', pads: [5, 5, 5, 5] }).shape, [1, 1, 3, 3]);
});

test('Conv NHWC equals NCHW with the activations transposed', () => {
  const x = rand([2, 3, 5, 4], 7);
  const w = rand([4, 3, 3, 3], 8);
  const attrs = { pads: [1, 1, 1, 1], strides: [2, 1] };
  const nchw = run1('Conv', [x, w], attrs);
  const nhwc = run1('Conv', [channelsLast(x, 'NHWC'), w], { ...attrs, layout: 'NHWC' });
  assert.deepEqual(nhwc.shape, [2, 3, 4, 4]);
  close(channelsFirst(nhwc, 'NHWC'), nchw, 1e-6, 1e-3);
  const [ty] = infer('Conv', [{ dtype: 'float32', shape: ['n', 5, 4, 3] }, w], { ...attrs, layout: 'NHWC' });
  assert.deepEqual(ty!.shape, ['n', 3, 4, 4]);
});

test('ConvTranspose, QLinearConv and AveragePool NHWC equal their NCHW results transposed', () => {
  const x = rand([1, 2, 3, 4], 17);
  const w = rand([2, 3, 2, 2], 18);
  const nchw = run1('ConvTranspose', [x, w], { strides: [2, 2] });
  const nhwc = run1('ConvTranspose', [channelsLast(x, 'NHWC'), w], { strides: [2, 2], layout: 'NHWC' });
  close(channelsFirst(nhwc, 'NHWC'), nchw, 1e-6, 1e-3);
  const pool = run1('AveragePool', [x], { kernel_shape: [2, 2], pads: [1, 1, 1, 1] });
  const poolL = run1('AveragePool', [channelsLast(x, 'NHWC')], {
    kernel_shape: [2, 2],
    pads: [1, 1, 1, 1],
    layout: 'NHWC',
  });
  close(channelsFirst(poolL, 'NHWC'), pool, 1e-6, 1e-3);
  const qx = t('uint8', [1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const qw = t('uint8', [3, 2, 1, 1], [1, 2, 3, 4, 5, 6]);
  const one = f32([], [1]);
  const zero = t('uint8', [], [0]);
  const q = run1('QLinearConv', [qx, one, zero, qw, one, zero, one, zero]);
  const ql = run1('QLinearConv', [channelsLast(qx, 'NHWC'), one, zero, qw, one, zero, one, zero], {
    layout: 'NHWC',
  });
  assert.deepEqual(values(channelsFirst(ql, 'NHWC')), values(q));
});

test('Conv float16 and float64 keep their dtype', () => {
  const x = rand([1, 2, 4, 4], 3);
  const w = rand([2, 2, 3, 3], 4);
  const ref = run1('Conv', [x, w]);
  const h = run1('Conv', [toDtype(x, 'float16'), toDtype(w, 'float16')]);
  assert.equal(h.dtype, 'float16');
  close(h, { shape: ref.shape, values: values(ref) }, 1e-2, 1e-2);
  const d = run1('Conv', [toDtype(x, 'float64'), toDtype(w, 'float64')]);
  assert.equal(d.dtype, 'float64');
  close(d, { shape: ref.shape, values: values(ref) }, 1e-6, 1e-6);
});

function toDtype(x: Tensor, dtype: 'float16' | 'float64'): Tensor {
  return t(dtype, x.shape, values(x));
}

test('Conv shape inference: symbols, kernel from W, invalid channel counts', () => {
  const [y] = infer(
    'Conv',
    [
      { dtype: 'float32', shape: ['n', 3, 'h', 'w'] },
      { dtype: 'float32', shape: [8, 3, 3, 3] },
    ],
    {
      pads: [1, 1, 1, 1],
    },
  );
  assert.deepEqual(y!.shape, ['n', 8, 'h', 'w']);
  const [s2] = infer(
    'Conv',
    [
      { dtype: 'float32', shape: [1, 3, 'h', 10] },
      { dtype: 'float32', shape: [8, 3, 3, 3] },
    ],
    {
      strides: [2, 2],
    },
  );
  assert.ok(isSymbol(s2!.shape![2]) && s2!.shape![2] !== 'h');
  assert.equal(s2!.shape![3], 4);
  assert.throws(
    () =>
      infer('Conv', [
        { dtype: 'float32', shape: [1, 4, 5, 5] },
        { dtype: 'float32', shape: [8, 3, 3, 3] },
      ]),
    OpError,
  );
});

test('ConvTranspose: strides, output_padding, output_shape, pads, groups', () => {
  // 1-D: x [1,1,3], w [1,1,2], stride 2 -> length 6, each input scatters two taps
  const y = run1('ConvTranspose', [f32([1, 1, 3], [1, 2, 3]), f32([1, 1, 2], [1, 10])], { strides: [2] });
  assert.deepEqual(values(y), [1, 10, 2, 20, 3, 30]);
  const padded = run1('ConvTranspose', [f32([1, 1, 3], [1, 2, 3]), f32([1, 1, 2], [1, 10])], {
    strides: [2],
    pads: [1, 0],
  });
  assert.deepEqual(values(padded), [10, 2, 20, 3, 30]);
  const op = run1('ConvTranspose', [f32([1, 1, 3], [1, 2, 3]), f32([1, 1, 2], [1, 10])], {
    strides: [2],
    output_padding: [1],
  });
  assert.deepEqual(values(op), [1, 10, 2, 20, 3, 30, 0]);
  const shaped = run1('ConvTranspose', [f32([1, 1, 3], [1, 2, 3]), f32([1, 1, 2], [1, 10])], {
    strides: [2],
    output_shape: [7],
  });
  assert.deepEqual(values(shaped), [1, 10, 2, 20, 3, 30, 0]);
  const same = run1('ConvTranspose', [iota([1, 1, 3, 3]), f32([1, 2, 3, 3], new Array(18).fill(1))], {
    auto_pad: 'SAME_UPPER',
    strides: [2, 2],
  });
  assert.deepEqual(same.shape, [1, 2, 6, 6]);
  const grouped = run1('ConvTranspose', [f32([1, 2, 1], [1, 2]), f32([2, 1, 1], [3, 4])], { group: 2 });
  assert.deepEqual(values(grouped), [3, 8]);
  const [ty] = infer(
    'ConvTranspose',
    [
      { dtype: 'float32', shape: [1, 1, 3, 3] },
      { dtype: 'float32', shape: [1, 2, 3, 3] },
    ],
    {
      strides: [3, 2],
      output_padding: [1, 1],
    },
  );
  assert.deepEqual(ty!.shape, [1, 2, 10, 8]);
});

test('DeformConv with zero offsets equals Conv; integer offsets shift the samples', () => {
  const x = rand([1, 2, 5, 5], 5);
  const w = rand([3, 2, 2, 2], 6);
  const zero = f32([1, 8, 4, 4], new Array(128).fill(0));
  const conv = run1('Conv', [x, w]);
  close(run1('DeformConv', [x, w, zero]), conv, 1e-6, 1e-5);
  // offset every tap by +1 row: like a conv on the image shifted up, with zeros past the bottom
  const down = f32([1, 8, 1, 1], [1, 0, 1, 0, 1, 0, 1, 0]);
  const one = f32([1, 1, 2, 2], [1, 1, 1, 1]);
  const y = run1('DeformConv', [iota([1, 1, 2, 2]), one, down]);
  assert.deepEqual(values(y), [0 + 0 + 2 + 3]);
});

test('Conv and ConvTranspose agree with per-element sums when their column buffers are tiled', () => {
  // 64 channels x 3x3 over 64x64: the im2col buffer exceeds one tile, so rows are processed in blocks
  const [C, M, H] = [64, 4, 64];
  const x = rand([1, C, H, H], 41);
  const w = rand([M, C, 3, 3], 42);
  const xv = values(x);
  const wv = values(w);
  const y = values(run1('Conv', [x, w], { pads: [1, 1, 1, 1] }));
  // 32 x 9 rows of columns over 64x64 inputs also exceed one tile
  const MT = 32;
  const ytT = run1('ConvTranspose', [x, rand([C, MT, 3, 3], 43)], { strides: [2, 2], pads: [1, 1, 1, 1] });
  const yt = values(ytT);
  const wt = values(rand([C, MT, 3, 3], 43));
  const OH = ytT.shape[2]!;
  for (let s = 0; s < 200; s++) {
    const [m, oh, ow] = [(s * 7) % M, (s * 13) % H, (s * 29) % H];
    let want = 0;
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < 3; kh++) {
        for (let kw = 0; kw < 3; kw++) {
          const [ih, iw] = [oh - 1 + kh, ow - 1 + kw];
          if (ih >= 0 && ih < H && iw >= 0 && iw < H)
            want += xv[(c * H + ih) * H + iw]! * wv[((m * C + c) * 3 + kh) * 3 + kw]!;
        }
      }
    }
    assert.ok(Math.abs(y[(m * H + oh) * H + ow]! - want) < 1e-4, `conv at ${m},${oh},${ow}`);
    // ConvTranspose: output (oh, ow) gathers inputs with ih*2 - 1 + kh = oh
    const [mt, th, tw] = [(s * 11) % MT, (s * 31) % OH, (s * 17) % OH];
    let wantT = 0;
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < 3; kh++) {
        for (let kw = 0; kw < 3; kw++) {
          const [nh, nw] = [th + 1 - kh, tw + 1 - kw];
          if (nh % 2 || nw % 2) continue;
          const [ih, iw] = [nh / 2, nw / 2];
          if (ih >= 0 && ih < H && iw >= 0 && iw < H)
            wantT += xv[(c * H + ih) * H + iw]! * wt[((c * MT + mt) * 3 + kh) * 3 + kw]!;
        }
      }
    }
    assert.ok(Math.abs(yt[(mt * OH + th) * OH + tw]! - wantT) < 1e-4, `convT at ${mt},${th},${tw}`);
  }
});
