import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromNumbers } from '../../src/ir/tensor.js';
import {
  DATA_DTYPES,
  SHAPES,
  bits,
  checkExact,
  i64,
  input,
  int,
  ints,
  loops,
  statements,
  str,
} from './lower-movement-support.js';

const MODES = ['constant', 'reflect', 'edge', 'wrap'] as const;

/** Begin pads then end pads for every axis, mixing growth, zero and (constant mode) crops. */
function padsFor(shape: readonly number[], mode: string, k: number): number[] {
  const begin = shape.map((d, i) => (mode === 'reflect' ? Math.min(d - 1, (i + k) % 3) : (i + k) % 3));
  const end = shape.map((d, i) =>
    mode === 'reflect' ? Math.min(d - 1, (i + 2 * k) % 2) : (i + 2 * k + 1) % 3,
  );
  if (mode === 'constant' || mode === 'edge') end[0] = -Math.min(1, shape[0]! - 1); // a crop: applied first
  return [...begin, ...end];
}

test('Pad: every mode, ranks 1-5, every data dtype, crops, bit-exact', () => {
  let k = 0;
  for (const mode of MODES) {
    for (const shape of SHAPES) {
      const dtype = DATA_DTYPES[k++ % DATA_DTYPES.length]!;
      checkExact(
        'Pad',
        [input('x', bits(dtype, shape, k)), input('pads', i64(padsFor(shape, mode, k)), true)],
        {
          mode: str(mode),
        },
      );
    }
  }
});

test('Pad: folded reflections and wraps wider than the axis (offset tables past 64 nests)', () => {
  for (const mode of ['reflect', 'wrap', 'edge'] as const) {
    const x = input('x', bits('float16', [3, 2, 4], 5));
    checkExact('Pad', [x, input('pads', i64([7, 5, 9, 8, 6, 11]), true)], { mode: str(mode) });
  }
  const p = checkExact(
    'Pad',
    [input('x', bits('int64', [2, 3, 2], 1)), input('pads', i64([5, 6, 7, 6, 5, 7]), true)],
    {
      mode: str('reflect'),
    },
  );
  assert.ok(
    [...p.buffers.keys()].some((b) => /^c\d+:offsets$/.test(b)),
    'a reflection this wide reads offset tables',
  );
});

test('Pad: constant value as a constant, a run-time input, another dtype, or empty; axes input', () => {
  const x = bits('float32', [3, 5], 2);
  const pads = input('pads', i64([1, 2, 2, 0]), true);
  checkExact('Pad', [input('x', x), pads, input('v', fromNumbers('float32', [], [-2.5]), true)]);
  checkExact('Pad', [input('x', x), pads, input('v', fromNumbers('float32', [], [7.25]))]);
  checkExact('Pad', [
    input('x', bits('float16', [3, 5])),
    pads,
    input('v', fromNumbers('float16', [], [0.1])),
  ]);
  checkExact('Pad', [input('x', bits('int64', [3, 5])), pads, input('v', fromNumbers('int64', [], [-9]))]);
  checkExact('Pad', [
    input('x', bits('uint8', [3, 5])),
    pads,
    input('v', fromNumbers('uint8', [], [200]), true),
  ]);
  checkExact('Pad', [input('x', bits('bool', [3, 5])), pads, input('v', fromNumbers('bool', [], [1]))]);
  checkExact('Pad', [
    input('x', bits('float16', [3, 5])),
    pads,
    input('v', fromNumbers('float32', [], [1.5]), true),
  ]);
  checkExact('Pad', [input('x', x), pads, input('v', fromNumbers('float32', [0], []), true)]);
  const axes = input('axes', i64([-1]), true);
  checkExact(
    'Pad',
    [input('x', bits('int64', [2, 3, 4])), input('pads', i64([2, 3]), true), undefined, axes],
    {
      mode: str('reflect'),
    },
  );
  checkExact('Pad', [
    input('x', bits('uint8', [2, 3, 4])),
    input('pads', i64([1, 1]), true),
    input('v', fromNumbers('uint8', [], [3])),
    axes,
  ]);
});

test('Pad: borders are separate loop nests, no per-element select', () => {
  const p = checkExact('Pad', [input('x', bits('float32', [4, 6])), input('pads', i64([1, 2, 3, 1]), true)], {
    mode: str('reflect'),
  });
  assert.ok(!statements(p.kernels).some((s) => s.op === 'if'));
  assert.ok(!JSON.stringify(p.kernels).includes('"select"'));
  assert.ok(loops(p.kernels).every((l) => l.extent > 0));
});

test('CenterCropPad: crops, pads and odd differences, with and without axes', () => {
  checkExact('CenterCropPad', [input('x', bits('float32', [5, 4, 3])), input('s', i64([3, 7, 3]), true)]);
  checkExact('CenterCropPad', [input('x', bits('int64', [5, 4, 3])), input('s', i64([8, 1]), true)], {
    axes: ints([0, -1]),
  });
  checkExact('CenterCropPad', [input('x', bits('float16', [2, 6])), input('s', i64([4]), true)], {
    axes: ints([1]),
  });
});

test('Trilu: upper and lower, k across and beyond the matrix, batched, every data dtype', () => {
  const shapes = [
    [3, 5],
    [5, 3],
    [2, 4, 4],
    [2, 1, 3, 6],
  ];
  let n = 0;
  for (const shape of shapes) {
    for (const upper of [0, 1]) {
      for (const k of [undefined, 0, 1, -1, 2, -4, 9, -9]) {
        const dtype = DATA_DTYPES[n++ % DATA_DTYPES.length]!;
        const ins = [
          input('x', bits(dtype, shape, n)),
          k === undefined ? undefined : input('k', i64([k], []), true),
        ];
        checkExact('Trilu', ins, { upper: int(upper) });
      }
    }
  }
});

test('Trilu: large matrices use blocked bands; a run-time k tests per element', () => {
  for (const upper of [0, 1]) {
    for (const k of [0, 3, -5, 70]) {
      checkExact('Trilu', [input('x', bits('float32', [67, 45], k + 10)), input('k', i64([k], []), true)], {
        upper: int(upper),
      });
    }
    checkExact('Trilu', [input('x', bits('float16', [2, 9, 7])), input('k', i64([-2], []))], {
      upper: int(upper),
    });
    checkExact('Trilu', [input('x', bits('uint8', [4, 6])), input('k', i64([2 ** 40], []))], {
      upper: int(upper),
    });
  }
  // small matrices: a nest per row, no select
  const small = checkExact('Trilu', [input('x', bits('float32', [6, 6]))], { upper: int(1) });
  assert.ok(!JSON.stringify(small.kernels).includes('"select"'));
});
