import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interleave, seeded, shuffled, throughput, type Runnable } from '../../src/bench/measure.js';
import type { Outputs } from '../../src/bench/feeds.js';

const noSettle = async (): Promise<void> => {};

/** A session that records the order of calls in a shared log and answers its input set. */
function fake(name: string, log: string[]): Runnable {
  return {
    async run(set: number): Promise<Outputs> {
      log.push(name);
      return { y: new Float32Array([set]) };
    },
  };
}

test('interleave runs every session once a round, in orders that vary between rounds', async () => {
  const log: string[] = [];
  const sessions = ['a', 'b', 'c'].map((n) => fake(n, log));
  const timings = await interleave(
    sessions,
    { minRounds: 1, maxRounds: 12, budgetMs: 1e9 },
    { settle: noSettle },
  );
  assert.equal(log.length, 36);
  assert.deepEqual(
    timings.map((t) => t.samples.length),
    [12, 12, 12],
  );
  const rounds = Array.from({ length: 12 }, (_, r) => log.slice(3 * r, 3 * r + 3));
  for (const r of rounds) assert.deepEqual([...r].sort(), ['a', 'b', 'c']);
  // a rotation would give each session the same predecessor every round: shuffling must not
  const predecessors = new Set(rounds.map((r) => r[r.indexOf('a') - 1] ?? 'first'));
  assert.ok(predecessors.size >= 2, `a always follows ${[...predecessors].join()}`);
});

test('interleave stops at the time budget once the minimum rounds are in', async () => {
  let clock = 0;
  const slow: Runnable = {
    async run(): Promise<Outputs> {
      clock += 100;
      return {};
    },
  };
  const t = await interleave(
    [slow],
    { minRounds: 3, maxRounds: 50, budgetMs: 450 },
    { settle: noSettle, now: () => clock },
  );
  assert.equal(t[0]!.samples.length, 5); // 5 rounds reach 500 ms >= 450
  assert.deepEqual(t[0]!.samples, [100, 100, 100, 100, 100]);
  clock = 0;
  const few = await interleave(
    [slow],
    { minRounds: 3, maxRounds: 50, budgetMs: 0 },
    { settle: noSettle, now: () => clock },
  );
  assert.equal(few[0]!.samples.length, 3);
});

test('shuffled is a permutation and the same seed gives the same order', () => {
  const a = shuffled(7, seeded(5));
  assert.deepEqual([...a].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(shuffled(7, seeded(5)), a);
});

test('throughput counts items per second and catches calls that collide', async () => {
  const alone = [[{ y: new Float32Array([0]) }, { y: new Float32Array([1]) }]];
  const good: Runnable = {
    async run(set: number): Promise<Outputs> {
      await new Promise((r) => setTimeout(r, 2));
      return { y: new Float32Array([set]) };
    },
  };
  // one shared output buffer, overwritten by the last call: what an unsafe runtime would do
  let shared = new Float32Array(1);
  const bad: Runnable = {
    async run(set: number): Promise<Outputs> {
      shared[0] = set;
      await new Promise((r) => setTimeout(r, 2));
      return { y: shared };
    },
  };
  const options = { rounds: 2, concurrent: 8, tolerance: { atol: 0, rtol: 0 }, settle: noSettle };
  const [ok] = await throughput([good], alone, options);
  assert.equal(ok!.safe, true);
  assert.equal(ok!.concurrent, 8);
  assert.ok(ok!.itemsPerSecond > 0 && Number.isFinite(ok!.itemsPerSecond));
  shared = new Float32Array(1);
  const [unsafe] = await throughput([bad], alone, options);
  assert.equal(unsafe!.safe, false);
});

test('throughput stops at its time budget after the first round', async () => {
  let calls = 0;
  const counting: Runnable = {
    async run(set: number): Promise<Outputs> {
      calls++;
      return { y: new Float32Array([set]) };
    },
  };
  const alone = [[{ y: new Float32Array([0]) }, { y: new Float32Array([1]) }]];
  const tolerance = { atol: 0, rtol: 0 };
  await throughput([counting], alone, { rounds: 5, budgetMs: 0, concurrent: 4, tolerance, settle: noSettle });
  assert.equal(calls, 4);
  calls = 0;
  await throughput([counting], alone, { rounds: 5, concurrent: 4, tolerance, settle: noSettle });
  assert.equal(calls, 20);
});
