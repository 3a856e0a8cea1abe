import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTYPES, type DType } from '../../src/ir/dtype.js';
import { fromNumbers, type Tensor } from '../../src/ir/tensor.js';
import {
  DATA_DTYPES,
  SHAPES,
  bits,
  checkExact,
  i64,
  input,
  int,
  prng,
  str,
} from './lower-movement-support.js';
import { lower, nodeGraph } from '../helpers/lowering-harness.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';

/** Indices in [-dim, dim): negative ones count from the end. */
function indices(dtype: 'int32' | 'int64', shape: readonly number[], dim: number, seed: number): Tensor {
  const next = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return fromNumbers(
    dtype,
    shape,
    Array.from({ length: n }, () => Math.floor(next() * 2 * dim) - dim),
  );
}

test('Gather: run-time int32/int64 indices with negatives, every axis, ranks 1-5, scalar indices', () => {
  let k = 0;
  for (const shape of SHAPES) {
    for (let axis = -shape.length; axis < shape.length; axis++) {
      const dim = shape[axis < 0 ? axis + shape.length : axis]!;
      const dtype = DATA_DTYPES[k % DATA_DTYPES.length]!;
      const ind = indices(
        k % 2 ? 'int32' : 'int64',
        k % 3 === 0 ? [] : [2, 3].slice(0, 1 + (k % 2)),
        dim,
        ++k,
      );
      checkExact('Gather', [input('x', bits(dtype, shape, k)), input('i', ind)], { axis: int(axis) });
    }
  }
});

test('Gather: constant indices become affine runs or a table', () => {
  const x = input('x', bits('float16', [4, 9, 3]));
  // a reversed run, a repeated element, a strided run: three affine copies
  const runs = checkExact('Gather', [x, input('i', i64([8, 7, 6, -7, -7, 0, 2, 4]), true)], { axis: int(1) });
  assert.match(runs.kernels[0]!.name, /^gather_const_x16$/);
  assert.ok(![...runs.buffers.keys()].some((b) => b.startsWith('c')));
  const scattered = [3, 0, 8, 1, 5, 2, 7, 4, 6, 3, 1, 8, 0, 4, 2, 6, 1, 7, 3, 5];
  const table = checkExact('Gather', [x, input('i', i64(scattered, [4, 5]), true)], { axis: int(-2) });
  assert.ok([...table.buffers.keys()].some((b) => /^c\d+:indices$/.test(b)));
  checkExact('Gather', [input('x', bits('int64', [5])), input('i', i64([-1], []), true)]);
});

test('Gather: out-of-range run-time indices are clamped, never read outside the tensor', () => {
  const x = fromNumbers('float32', [4, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
  const ind = fromNumbers('int64', [3], [99, -99, -5]);
  const graph = nodeGraph('Gather', [input('x', x), input('i', ind)]);
  const program = lower(graph);
  const feeds = new Map<string, Tensor>([
    ['x', x],
    ['i', ind],
  ]);
  const out = interpretProgram(program, planMemory(program), feeds).get('out0')!;
  assert.deepEqual([...out.data], [6, 7, 0, 1, 0, 1]);
});

test('GatherElements: run-time and constant indices, every axis, ranks 1-4', () => {
  const shapes = [[7], [3, 5], [2, 3, 5], [3, 1, 4, 5]];
  let k = 0;
  for (const shape of shapes) {
    for (let axis = -shape.length; axis < shape.length; axis++) {
      const a = axis < 0 ? axis + shape.length : axis;
      // indices may be smaller than data off the axis and longer along it
      const ishape = shape.map((d, i) => (i === a ? d + 2 : Math.max(1, d - 1)));
      const dtype = DATA_DTYPES[k % DATA_DTYPES.length]!;
      const ind = indices(k % 2 ? 'int32' : 'int64', ishape, shape[a]!, ++k);
      const x = input('x', bits(dtype, shape, k));
      checkExact('GatherElements', [x, input('i', ind)], { axis: int(axis) });
      checkExact('GatherElements', [x, input('i', ind, true)], { axis: int(axis) });
    }
  }
});

test('GatherND: batch_dims 0-2, index depths 1..rank, run-time and constant indices', () => {
  const shape = [2, 3, 4, 5];
  let k = 0;
  for (const b of [0, 1, 2]) {
    for (let depth = 1; depth + b <= shape.length; depth++) {
      const dims = shape.slice(b, b + depth);
      const lead = [...shape.slice(0, b), 2];
      const n = lead.reduce((p, q) => p * q, 1);
      const next = prng(++k);
      const vals = Array.from({ length: n * depth }, (_, i) => {
        const d = dims[i % depth]!;
        return Math.floor(next() * 2 * d) - d;
      });
      const dtype = DATA_DTYPES[k % DATA_DTYPES.length]!;
      const x = input('x', bits(dtype, shape, k));
      for (const it of ['int64', 'int32'] as const) {
        const ind = fromNumbers(it, [...lead, depth], vals);
        checkExact('GatherND', [x, input('i', ind)], { batch_dims: int(b) });
        checkExact('GatherND', [x, input('i', ind, true)], { batch_dims: int(b) });
      }
    }
  }
});

test('Compress: a constant condition gathers along the axis or over the flattened input', () => {
  const cond = input('c', fromNumbers('bool', [4], [1, 0, 1, 1]), true);
  checkExact('Compress', [input('x', bits('int64', [3, 4, 2])), cond], { axis: int(1) });
  checkExact('Compress', [input('x', bits('float16', [2, 3])), cond]);
  checkExact(
    'Compress',
    [input('x', bits('uint8', [4, 3])), input('c', fromNumbers('bool', [2], [0, 1]), true)],
    { axis: int(-2) },
  );
});

const REDUCTIONS = ['none', 'add', 'mul', 'max', 'min'] as const;

/** Update values that keep products and sums exact in every dtype. */
function updates(dtype: DType, shape: readonly number[], seed: number): Tensor {
  if (dtype === 'bool' || dtype === 'int64' || dtype === 'uint8') {
    const next = prng(seed);
    const n = shape.reduce((a, b) => a * b, 1);
    return fromNumbers(
      dtype,
      shape,
      Array.from({ length: n }, () => Math.floor(next() * (dtype === 'bool' ? 2 : 5))),
    );
  }
  const next = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return fromNumbers(
    dtype,
    shape,
    Array.from({ length: n }, () => Math.round(next() * 40 - 20) / 8),
  );
}

test('ScatterND: every reduction, duplicate and negative indices, blocks, every data dtype', () => {
  let k = 0;
  for (const reduction of REDUCTIONS) {
    for (const dtype of DATA_DTYPES) {
      const shape = [4, 3, 2];
      const x = input('x', updates(dtype, shape, ++k));
      // depth 1 (blocks of 6) with a duplicate; depth 2 (blocks of 2); depth 3 (elements)
      const cases: [number[], number[]][] = [
        [
          [1, -1, 1],
          [3, 1],
        ],
        [
          [0, 2, -4, -1, 0, 2],
          [3, 2],
        ],
        [
          [3, 2, 1, -1, -1, -1, 0, 0, 0],
          [3, 3],
        ],
      ];
      for (const [vals, ishape] of cases) {
        const ind = fromNumbers('int64', ishape, vals);
        const ushape = [ishape[0]!, ...shape.slice(ishape[1]!)];
        const u = input('u', updates(dtype, ushape, ++k));
        checkExact('ScatterND', [x, input('i', ind), u], { reduction: str(reduction) });
        checkExact('ScatterND', [x, input('i', ind, true), u], { reduction: str(reduction) });
      }
    }
  }
});

test('ScatterElements and Scatter: every reduction, axis and dtype, duplicates, int32 indices', () => {
  let k = 0;
  for (const reduction of REDUCTIONS) {
    for (const dtype of DTYPES) {
      const shape = [3, 4];
      for (const axis of [0, 1, -1]) {
        const a = axis < 0 ? axis + 2 : axis;
        const ishape = a === 0 ? [4, 3] : [2, 5];
        const x = input('x', updates(dtype, shape, ++k));
        const ind = indices(k % 2 ? 'int32' : 'int64', ishape, shape[a]!, k);
        const u = input('u', updates(dtype, ishape, ++k));
        checkExact('ScatterElements', [x, input('i', ind), u], {
          axis: int(axis),
          reduction: str(reduction),
        });
        checkExact('ScatterElements', [x, input('i', ind, true), u], {
          axis: int(axis),
          reduction: str(reduction),
        });
        if (reduction === 'none') checkExact('Scatter', [x, input('i', ind), u], { axis: int(axis) });
      }
    }
  }
});

test('ScatterElements on float16 with add rounds once, through a float32 accumulator', () => {
  const x = input('x', fromNumbers('float16', [2], [1, 2048]));
  const ind = input('i', fromNumbers('int64', [4], [1, 1, 1, 1]));
  const u = input('u', fromNumbers('float16', [4], [0.5, 0.5, 0.5, 0.5]));
  const p = checkExact('ScatterElements', [x, ind, u], { reduction: str('add') });
  assert.ok(p.kernels.some((kk) => kk.name.endsWith('_round')));
});

test('TensorScatter: linear and circular caches, write indices per batch or none', () => {
  const past = input('past', bits('float16', [2, 3, 5, 4], 1));
  const update = input('upd', bits('float16', [2, 3, 2, 4], 2));
  checkExact('TensorScatter', [past, update, input('w', fromNumbers('int64', [2], [1, 3]))], {
    axis: int(-2),
  });
  checkExact('TensorScatter', [past, update]);
  checkExact('TensorScatter', [past, update, input('w', fromNumbers('int64', [2], [4, 3]))], {
    axis: int(2),
    mode: str('circular'),
  });
  checkExact(
    'TensorScatter',
    [
      input('p', bits('int64', [2, 6])),
      input('u', bits('int64', [2, 3])),
      input('w', fromNumbers('int64', [2], [0, 5])),
    ],
    {
      axis: int(1),
      mode: str('circular'),
    },
  );
});

test('ReverseSequence: constant and run-time lengths, both axis orders, every data dtype', () => {
  let k = 0;
  for (const dtype of DATA_DTYPES) {
    for (const [b, t] of [
      [1, 0],
      [0, 1],
    ]) {
      const shape = b === 0 ? [4, 5, 3] : [5, 4, 3];
      const lens = fromNumbers('int64', [4], [5, 0, 2, 1]);
      const x = input('x', bits(dtype, shape, ++k));
      checkExact('ReverseSequence', [x, input('l', lens, true)], { batch_axis: int(b), time_axis: int(t) });
      checkExact('ReverseSequence', [x, input('l', lens)], { batch_axis: int(b), time_axis: int(t) });
    }
  }
  const many = fromNumbers(
    'int32',
    [20],
    Array.from({ length: 20 }, (_, i) => i % 4),
  );
  checkExact('ReverseSequence', [input('x', bits('uint8', [20, 3])), input('l', many, true)], {
    batch_axis: int(0),
    time_axis: int(1),
  });
});
