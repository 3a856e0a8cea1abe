import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNccError } from '../../src/errors.js';
import type { Kernel } from '../../src/backend/kernel/ir.js';
import {
  ALIGNMENT,
  lifetimes,
  planMemory,
  verifyMemoryPlan,
  type MemoryPlan,
} from '../../src/backend/schedule/memory-plan.js';
import type { BufferInfo, Program } from '../../src/backend/schedule/program.js';

function kernel(name: string, reads: string[], writes: string[]): Kernel {
  return { name, node: name, reads, writes, body: [] };
}

function program(
  bytes: Record<string, number>,
  kernels: Kernel[],
  inputs: string[],
  outputs: string[],
): Program {
  const buffers = new Map<string, BufferInfo>();
  for (const [name, n] of Object.entries(bytes)) {
    const kind = inputs.includes(name)
      ? 'input'
      : outputs.includes(name)
        ? 'output'
        : name.startsWith('w')
          ? 'weight'
          : 'activation';
    buffers.set(name, { name, kind, dtype: 'uint8', bytes: n });
  }
  const io = (names: string[]) =>
    names.map((n) => ({ name: n, buffer: n, dtype: 'uint8' as const, shape: [bytes[n]!] }));
  return { name: 'p', kernels, buffers, inputs: io(inputs), outputs: io(outputs) };
}

/** A chain x -> a -> b -> c -> y: each buffer dies after its consumer, so the arena reuses bytes. */
const chain = program(
  { x: 1000, a: 1000, b: 1000, c: 1000, y: 1000, w1: 100 },
  [
    kernel('k0', ['x', 'w1'], ['a']),
    kernel('k1', ['a'], ['b']),
    kernel('k2', ['b'], ['c']),
    kernel('k3', ['c'], ['y']),
  ],
  ['x'],
  ['y'],
);

test('lifetimes span first to last use; inputs start before and outputs end after the schedule', () => {
  const live = lifetimes(chain);
  assert.deepEqual(live.get('x'), { first: -1, last: 0 });
  assert.deepEqual(live.get('b'), { first: 1, last: 2 });
  assert.deepEqual(live.get('y'), { first: 3, last: 4 });
});

test('buffers whose lifetimes do not overlap share bytes', () => {
  const plan = planMemory(chain);
  const sum = 5 * 1024; // five 1000-byte buffers, each aligned to 1024
  assert.ok(plan.arenaBytes < sum, `arena ${plan.arenaBytes} reuses memory (no-reuse size ${sum})`);
  assert.equal(plan.arenaBytes, 2 * 1024, 'a chain needs two live buffers at a time');
  for (const p of plan.arena.values()) assert.equal(p.offset % ALIGNMENT, 0);
  assert.equal(plan.weights.get('w1')!.offset, 0);
});

test('buffers live at the same time never overlap (all pairs)', () => {
  const fanout = program(
    { x: 300, a: 200, b: 500, c: 100, y: 700 },
    [
      kernel('k0', ['x'], ['a']),
      kernel('k1', ['x'], ['b']),
      kernel('k2', ['a', 'b'], ['c']),
      kernel('k3', ['c', 'a'], ['y']),
    ],
    ['x'],
    ['y'],
  );
  const plan = planMemory(fanout);
  const live = lifetimes(fanout);
  const names = [...plan.arena.keys()];
  for (const a of names)
    for (const b of names) {
      if (a >= b) continue;
      const la = live.get(a)!;
      const lb = live.get(b)!;
      const pa = plan.arena.get(a)!;
      const pb = plan.arena.get(b)!;
      if (la.first <= lb.last && lb.first <= la.last) {
        assert.ok(
          pa.offset + pa.bytes <= pb.offset || pb.offset + pb.bytes <= pa.offset,
          `${a} and ${b} overlap`,
        );
      }
    }
});

test('the verifier rejects a plan that overlaps live buffers', () => {
  const bad: MemoryPlan = {
    weights: new Map(),
    weightsBytes: 0,
    arena: new Map([
      ['a', { offset: 0, bytes: 128, first: 0, last: 2 }],
      ['b', { offset: 64, bytes: 128, first: 1, last: 3 }],
    ]),
    arenaBytes: 256,
  };
  assert.throws(
    () => verifyMemoryPlan(bad),
    (e: unknown) => isNccError(e) && /overlaps/.test(e.message),
  );
  const disjoint: MemoryPlan = {
    ...bad,
    arena: new Map([
      ['a', { offset: 0, bytes: 128, first: 0, last: 2 }],
      ['b', { offset: 64, bytes: 128, first: 3, last: 4 }],
    ]),
  };
  assert.doesNotThrow(() => verifyMemoryPlan(disjoint), 'the same bytes at different times are fine');
  const misaligned: MemoryPlan = {
    ...bad,
    arena: new Map([['a', { offset: 32, bytes: 16, first: 0, last: 0 }]]),
  };
  assert.throws(() => verifyMemoryPlan(misaligned), /outside|aligned/);
  const outside: MemoryPlan = {
    ...bad,
    arena: new Map([['a', { offset: 192, bytes: 128, first: 0, last: 0 }]]),
  };
  assert.throws(() => verifyMemoryPlan(outside), /outside/);
});
