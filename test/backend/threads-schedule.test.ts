import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmCall, Index, Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { footprint, type BufferPlace } from '../../src/backend/wasm/threads-footprint.js';
import { planThreads } from '../../src/backend/wasm/threads-schedule.js';

/**
 * The thread plan: which kernels split, which run whole on which thread, and where threads meet.
 * Barriers follow from byte footprints, so aliasing through the memory plan counts and disjoint
 * slices of one buffer do not.
 */

// float32 buffers of 16384 elements; `alias` shares the bytes of `a`
const BYTES = 65536;
const PLACES: Record<string, BufferPlace> = {
  a: { base: 0, bytes: BYTES },
  alias: { base: 0, bytes: BYTES },
  b: { base: BYTES, bytes: BYTES },
  c: { base: 2 * BYTES, bytes: BYTES },
  d: { base: 3 * BYTES, bytes: BYTES },
};
const place = (buffer: string): BufferPlace => PLACES[buffer]!;

const ix = (v: string, offset = 0, stride = 1): Index => ({ terms: [{ v, stride }], offset });

/** out[offset + i] = in[i] for i < n, as one parallel loop (split when n is large). */
function copy(from: string, to: string, n: number, offset = 0, parallel = true): Kernel {
  const body: Stmt[] = [
    {
      op: 'loop',
      v: 'i',
      extent: n,
      parallel,
      body: [
        {
          op: 'store',
          buffer: to,
          dtype: 'float32',
          index: ix('i', offset),
          value: { op: 'load', buffer: from, dtype: 'float32', index: ix('i') },
        },
      ],
    },
  ];
  return { name: `copy_${from}_${to}`, node: 'n', reads: [from], writes: [to], body };
}

const BIG = 16384;
const SMALL = 16;

test('independent kernels share no barrier; a dependent one waits', () => {
  const plan = planThreads([copy('a', 'b', BIG), copy('c', 'd', BIG), copy('b', 'c', BIG)], place);
  assert.deepEqual(
    plan.modes.map((m) => m.kind),
    ['loop', 'loop', 'loop'],
  );
  // the third reads what the first wrote and writes what the second read
  assert.deepEqual(plan.barriers, [false, false, true]);
});

test('bytes decide, not names: a buffer reusing freed bytes waits for their last reader', () => {
  const plan = planThreads([copy('a', 'b', BIG), copy('c', 'alias', BIG)], place);
  assert.deepEqual(plan.barriers, [false, true]);
});

test('disjoint slices of one buffer need no barrier; overlapping ones do', () => {
  const half = BIG / 2;
  const disjoint = planThreads([copy('a', 'b', half, 0), copy('c', 'b', half, half)], place);
  assert.deepEqual(disjoint.barriers, [false, false]);
  const overlapping = planThreads([copy('a', 'b', half, 0), copy('c', 'b', half, half - 1)], place);
  assert.deepEqual(overlapping.barriers, [false, true]);
});

test('small kernels run whole: a chain stays on one thread without barriers, others go elsewhere', () => {
  const plan = planThreads(
    [copy('a', 'b', SMALL), copy('b', 'c', SMALL), copy('a', 'd', SMALL), copy('c', 'a', BIG)],
    place,
  );
  assert.deepEqual(plan.modes.slice(0, 3), [
    { kind: 'single', owner: 0 },
    { kind: 'single', owner: 0 },
    { kind: 'single', owner: 1 },
  ]);
  // the split kernel reads what thread 0 wrote and overwrites what thread 1 read
  assert.deepEqual(plan.barriers, [false, false, false, true]);
  // a small kernel depending on two threads' work waits for both, then runs on thread 0
  const joined = planThreads(
    [copy('a', 'b', SMALL), copy('a', 'c', SMALL), copy('b', 'd', SMALL), copy('c', 'd', SMALL, 1)],
    place,
  );
  assert.deepEqual(joined.barriers, [false, false, false, true]);
});

test('a loop that claims to be parallel but stores outside its variable runs whole', () => {
  const k = copy('a', 'b', BIG);
  const loop = k.body[0] as Extract<Stmt, { op: 'loop' }>;
  const fixed: Kernel = {
    ...k,
    body: [
      {
        ...loop,
        body: [{ ...(loop.body[0] as Extract<Stmt, { op: 'store' }>), index: { terms: [], offset: 0 } }],
      },
    ],
  };
  assert.equal(planThreads([fixed], place).modes[0]!.kind, 'single');
});

function gemm(c: string, cOffset: number, m: number, n: number): GemmCall {
  return {
    op: 'gemm',
    m,
    n,
    k: 32,
    a: { buffer: 'a', offset: 0, rowStride: 32, colStride: 1 },
    b: { buffer: 'b', offset: 0, rowStride: n, colStride: 1 },
    c: { buffer: c, offset: cOffset, rowStride: n, colStride: 1 },
    accumulate: false,
  };
}

test('gemm calls are dealt out when independent and even, each split when uneven, run whole when they overlap', () => {
  const kernel = (body: GemmCall[]): Kernel => ({
    name: 'g',
    node: 'n',
    reads: ['a', 'b'],
    writes: ['c'],
    body,
  });
  const modes = (body: GemmCall[]) => planThreads([kernel(body)], place).modes[0];
  assert.deepEqual(modes([gemm('c', 0, 32, 32), gemm('c', 1024, 32, 32)]), {
    kind: 'gemms',
    spread: 'calls',
  });
  assert.deepEqual(modes([gemm('c', 0, 32, 32), gemm('c', 1024, 32, 96)]), { kind: 'gemms', spread: 'each' });
  assert.equal(modes([gemm('c', 0, 32, 32), gemm('c', 1000, 32, 32)])!.kind, 'single');
  // so many calls that whole ones balance: rendered without slicing
  const many = Array.from({ length: 32 }, (_, i) => gemm('c', i * 256, 8, 32));
  assert.deepEqual(modes(many), { kind: 'gemms', spread: 'whole' });
});

test('the thread limit follows the work there is to split', () => {
  assert.equal(planThreads([copy('a', 'b', SMALL)], place).maxThreads, 1);
  const huge: Kernel = {
    name: 'g',
    node: 'n',
    reads: ['a', 'b'],
    writes: ['c'],
    body: [gemm('c', 0, 64, 64)],
  };
  const many = Array.from({ length: 1000 }, () => huge);
  assert.equal(planThreads(many, place).maxThreads, 64);
});

test('footprints: loop ranges, negative strides, packed panels, dynamic indices', () => {
  const k: Kernel = {
    name: 'f',
    node: 'n',
    reads: ['a', 'c', 'd'],
    writes: ['b'],
    body: [
      {
        op: 'loop',
        v: 'i',
        extent: 10,
        body: [
          {
            op: 'store',
            buffer: 'b',
            dtype: 'float32',
            index: ix('i', 100, -2),
            value: {
              op: 'load',
              buffer: 'a',
              dtype: 'float32',
              index: { terms: [], offset: 0, dynamic: { op: 'var', name: 'i' } },
            },
          },
        ],
      },
      {
        ...gemm('c', 0, 8, 8),
        a: { buffer: 'c', offset: 0, rowStride: 32, colStride: 1 },
        b: {
          buffer: 'd',
          offset: 0,
          rowStride: 8,
          colStride: 1,
          panels: { along: 'col', width: 8, stride: 256 },
        },
        n: 12,
        c: { buffer: 'b', offset: 200, rowStride: 12, colStride: 1 },
      },
    ],
  };
  const fp = footprint(k, place);
  const at = (lo: number, hi: number, write: boolean) => ({ lo, hi, write });
  assert.deepEqual(
    [...fp].sort((x, y) => x.lo - y.lo || Number(x.write) - Number(y.write)),
    [
      at(0, BYTES, false), // a: dynamic index, the whole buffer
      at(BYTES + 4 * 82, BYTES + 4 * (200 + 7 * 12 + 11 + 1), true), // b: 100 - 2*9 .. the gemm's C
      at(2 * BYTES, 2 * BYTES + 4 * (7 * 32 + 31 + 1), false), // c as A: 8 x 32
      at(3 * BYTES, 3 * BYTES + 4 * (256 + 31 * 8 + 7 + 1), false), // d: two whole 8-wide panels of 32 rows
    ],
  );
});
