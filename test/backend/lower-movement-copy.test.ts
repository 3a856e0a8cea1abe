import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTYPES } from '../../src/ir/dtype.js';
import { tensor } from '../../src/ir/tensor.js';
import {
  BF16_NANS,
  DATA_DTYPES,
  HALF_NANS,
  SHAPES,
  bits,
  checkExact,
  i64,
  input,
  int,
  ints,
  loops,
  permutations,
  str,
} from './lower-movement-support.js';

test('Transpose: every permutation of ranks 1-4, sampled rank 5, every data dtype, bit-exact', () => {
  for (const shape of SHAPES) {
    const perms =
      shape.length <= 4
        ? permutations(shape.length)
        : [
            [4, 2, 0, 3, 1],
            [0, 1, 2, 4, 3],
            [1, 0, 3, 2, 4],
          ];
    perms.forEach((perm, k) => {
      const dtype = DATA_DTYPES[k % DATA_DTYPES.length]!;
      checkExact('Transpose', [input('x', bits(dtype, shape, k + 1))], { perm: ints(perm) });
    });
  }
  // default perm reverses; negative entries count from the end
  checkExact('Transpose', [input('x', bits('int64', [2, 3, 5]))]);
  checkExact('Transpose', [input('x', bits('float16', [2, 3, 5]))], { perm: ints([-1, 0, -2]) });
});

test('Transpose of 16-bit floats keeps NaN payloads, signs and signalling NaNs', () => {
  for (const [dtype, pats] of [
    ['float16', HALF_NANS],
    ['bfloat16', BF16_NANS],
  ] as const) {
    const x = tensor(dtype, [2, 4], Uint16Array.from(pats));
    const program = checkExact('Transpose', [input('x', x)], { perm: ints([1, 0]) });
    assert.match(program.kernels[0]!.name, /^transpose_x16$/);
  }
});

test('Transpose collapses dims that stay adjacent; the innermost loop is contiguous and vectorized', () => {
  // [2,3,4,5] with perm [0,2,3,1]: axes 2,3 move together -> a [2, 20, 3] nest
  const p = checkExact('Transpose', [input('x', bits('float32', [2, 3, 4, 5]))], {
    perm: ints([0, 2, 3, 1]),
  });
  const ls = loops(p.kernels);
  assert.deepEqual(
    ls.map((l) => l.extent),
    [2, 20, 3],
  );
  assert.equal(ls[0]!.parallel, true);
  assert.equal(ls[2]!.vectorize, true);
  // an identity permutation is one flat loop
  const id = checkExact('Transpose', [input('x', bits('uint8', [3, 1, 5]))], { perm: ints([0, 1, 2]) });
  assert.deepEqual(
    loops(id.kernels).map((l) => l.extent),
    [15],
  );
});

test('Concat: every axis (negative too), ranks 1-5, three parts including an empty one', () => {
  SHAPES.forEach((shape, r) => {
    for (let axis = -shape.length; axis < shape.length; axis++) {
      const a = axis < 0 ? axis + shape.length : axis;
      const parts = [2, 0, 3].map((n) => shape.map((d, i) => (i === a ? n : d)));
      const dtype = DATA_DTYPES[(r + axis + 5) % DATA_DTYPES.length]!;
      const ins = parts.map((s, i) => input(`x${i}`, bits(dtype, s, i + 7), i === 2));
      checkExact('Concat', ins, { axis: int(axis) });
    }
  });
});

test('Split: split sizes, num_outputs with an uneven last part, negative axis', () => {
  for (const dtype of DATA_DTYPES) {
    const x = input('x', bits(dtype, [3, 7, 2], 3));
    checkExact('Split', [x, input('split', i64([2, 0, 5]), true)], { axis: int(1) }, 3);
    checkExact('Split', [x], { axis: int(-2), num_outputs: int(3) }, 3);
    checkExact('Split', [x], { axis: int(0) }, 3);
  }
  checkExact(
    'Split',
    [input('x', bits('float16', [2, 3, 1, 3, 5]))],
    { axis: int(4), num_outputs: int(2) },
    2,
  );
});

test('Slice: negative steps, negative and sentinel bounds, axes subsets, ranks 1-5', () => {
  const big = 2 ** 62;
  const cases: [number[], number[], number[], number[], number[]][] = [
    // shape, starts, ends, axes, steps
    [[7], [-1], [-big], [0], [-1]],
    [[7], [5], [0], [0], [-2]],
    [[7], [1], [big], [0], [3]],
    [
      [3, 5],
      [-1, 4],
      [-big, 0],
      [0, 1],
      [-1, -3],
    ],
    [[3, 5], [0], [10], [-1], [2]],
    [
      [2, 3, 5],
      [1, -2],
      [-big, 1],
      [-1, 1],
      [-1, -1],
    ],
    [
      [2, 3, 5],
      [0, 0],
      [1, 2],
      [0, 2],
      [1, 1],
    ],
    [
      [3, 1, 4, 5],
      [3, -1, 0],
      [0, -big, 5],
      [2, 3, 1],
      [-1, -2, 1],
    ],
    [
      [2, 3, 1, 3, 5],
      [1, 2, 0, 4],
      [-big, 0, 3, 0],
      [0, 1, 3, 4],
      [-1, -1, 2, -2],
    ],
    [[3, 5], [2], [2], [1], [1]],
  ];
  cases.forEach(([shape, starts, ends, axes, steps], k) => {
    const dtype = DATA_DTYPES[k % DATA_DTYPES.length]!;
    checkExact('Slice', [
      input('x', bits(dtype, shape, k)),
      input('starts', i64(starts), true),
      input('ends', i64(ends), true),
      input('axes', i64(axes), true),
      input('steps', i64(steps), true),
    ]);
  });
  // starts and ends only: leading axes, step 1
  checkExact('Slice', [
    input('x', bits('int64', [4, 5])),
    input('s', i64([1]), true),
    input('e', i64([-1]), true),
  ]);
});

test('Expand: broadcast axes read at stride 0, the rank may grow, target dims of 1 keep the input', () => {
  const cases: [number[], number[]][] = [
    [[1], [7]],
    [
      [3, 1],
      [3, 5],
    ],
    [[5], [2, 3, 5]],
    [
      [3, 1, 4, 1],
      [2, 3, 5, 4, 5],
    ],
    [
      [2, 1, 1, 3, 1],
      [1, 3, 2, 1, 5],
    ],
    [
      [2, 3],
      [1, 1],
    ],
  ];
  cases.forEach(([shape, target], k) => {
    const dtype = DATA_DTYPES[k % DATA_DTYPES.length]!;
    checkExact('Expand', [input('x', bits(dtype, shape, k)), input('shape', i64(target), true)]);
  });
});

test('Tile: repeats on every axis, ranks 1-5, zero repeats', () => {
  const cases: [number[], number[]][] = [
    [[7], [3]],
    [
      [3, 5],
      [2, 1],
    ],
    [
      [2, 3, 5],
      [1, 3, 2],
    ],
    [
      [3, 1, 4, 5],
      [2, 5, 1, 1],
    ],
    [
      [2, 3, 1, 3, 5],
      [1, 2, 3, 1, 2],
    ],
    [
      [3, 5],
      [0, 2],
    ],
  ];
  cases.forEach(([shape, repeats], k) => {
    const dtype = DATA_DTYPES[(k + 2) % DATA_DTYPES.length]!;
    checkExact('Tile', [input('x', bits(dtype, shape, k)), input('r', i64(repeats), true)]);
  });
});

test('DepthToSpace (DCR, CRD) and SpaceToDepth in both layouts, blocksizes 2 and 3', () => {
  for (const layout of ['NCHW', 'NHWC']) {
    for (const b of [2, 3]) {
      const deep = layout === 'NCHW' ? [2, 2 * b * b, 3, 5] : [2, 3, 5, 2 * b * b];
      const wide = layout === 'NCHW' ? [2, 3, 3 * b, 5 * b] : [2, 3 * b, 5 * b, 3];
      for (const mode of ['DCR', 'CRD']) {
        const dtype = mode === 'DCR' ? 'float16' : 'int64';
        checkExact('DepthToSpace', [input('x', bits(dtype, deep, b))], {
          blocksize: int(b),
          mode: str(mode),
          layout: str(layout),
        });
      }
      checkExact('SpaceToDepth', [input('x', bits('uint8', wide, b))], {
        blocksize: int(b),
        layout: str(layout),
      });
      checkExact('SpaceToDepth', [input('x', bits('float32', wide, b + 1))], {
        blocksize: int(b),
        layout: str(layout),
      });
    }
  }
});

test('every storage dtype round-trips through transpose, pad, gather and scatter copies', () => {
  for (const dtype of DTYPES) {
    const x = input('x', bits(dtype, [3, 4, 5], 11));
    checkExact('Transpose', [x], { perm: ints([2, 0, 1]) });
    checkExact('Pad', [x, input('p', i64([1, 0, 2, 0, 3, 1]), true)], { mode: str('reflect') });
    checkExact('Pad', [x, input('p', i64([1, 0, 2, 0, 3, 1]), true)]);
    checkExact('Gather', [x, input('i', i64([2, -1, 0]))], { axis: int(1) });
    checkExact('ScatterND', [x, input('i', i64([1, -1], [2, 1])), input('u', bits(dtype, [2, 4, 5], 3))]);
    checkExact('Concat', [x, input('y', bits(dtype, [3, 2, 5], 5))], { axis: int(1) });
  }
});

test('large transposes are tiled 16x16 for the cache, remainders as plain nests', () => {
  for (const [shape, perm] of [
    [
      [3, 70, 100],
      [0, 2, 1],
    ],
    [
      [64, 80],
      [1, 0],
    ],
    [
      [130, 67],
      [1, 0],
    ],
    [
      [2, 65, 3, 66],
      [0, 3, 2, 1],
    ],
  ] as const) {
    const p = checkExact('Transpose', [input('x', bits('float16', shape, 4))], { perm: ints(perm) });
    const ls = loops(p.kernels);
    assert.ok(
      ls.some((l, i) => l.extent === 16 && ls[i + 1]?.extent === 16 && ls[i + 1]!.vectorize),
      `tiled ${shape}`,
    );
  }
  // a small inner dim keeps one nest: a sweep of it fits in L1
  const small = checkExact('Transpose', [input('x', bits('float32', [1, 3, 500]))], {
    perm: ints([0, 2, 1]),
  });
  assert.deepEqual(
    loops(small.kernels).map((l) => l.extent),
    [500, 3],
  );
});

test('large independent nests become kernels of one parallel loop each (thread-splittable); small ones share', () => {
  const big = checkExact(
    'Concat',
    [input('a', bits('float32', [2, 200, 100])), input('b', bits('float32', [2, 300, 100]))],
    {
      axis: int(1),
    },
  );
  assert.equal(big.kernels.length, 2);
  for (const k of big.kernels) {
    assert.equal(k.body.length, 1);
    assert.ok(k.body[0]!.op === 'loop' && k.body[0]!.parallel);
  }
  const small = checkExact(
    'Concat',
    [input('a', bits('float32', [2, 3])), input('b', bits('float32', [2, 5]))],
    {
      axis: int(1),
    },
  );
  assert.equal(small.kernels.length, 1);
  const pad = checkExact(
    'Pad',
    [input('x', bits('float16', [3, 150, 160])), input('p', i64([0, 1, 1, 0, 2, 2]), true)],
    {
      mode: str('edge'),
    },
  );
  assert.ok(pad.kernels.some((k) => k.body.length === 1 && k.body[0]!.op === 'loop' && k.body[0]!.parallel));
});
