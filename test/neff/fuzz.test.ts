import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNccError } from '../../src/errors.js';
import { ENTRY, HEADER } from '../../src/neff/format.js';
import { readNeff } from '../../src/neff/reader.js';
import { writeNeff } from '../../src/neff/writer.js';
import {
  assemble,
  entryAt,
  fixAllCrcs,
  fixHeaderCrc,
  metadataJson,
  sampleContents,
  sectionCount,
  sectionsWith,
  view,
} from './sample.js';

/**
 * Mutated NEFFs must never crash, hang or allocate wildly: every one either reads or fails with a
 * NEFF_* error. Mutations that leave checksums stale, or that write sizes no valid file can have,
 * must always fail. Fixed seed, so a failure reproduces.
 */
const ITERATIONS = 2000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(0x4e454646);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const HUGE_U64 = [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 2n ** 32n, 2n ** 32n - 1n, 0xdeadbeefn];
const BAD_JSON_VALUES: unknown[] = [
  -1,
  -64,
  0.5,
  2 ** 32,
  2 ** 53,
  2 ** 64,
  1e300,
  'x',
  '64',
  null,
  true,
  [],
  {},
];

function bases(): Uint8Array[] {
  const weights = Uint8Array.from({ length: 40 }, () => int(256));
  return [writeNeff(sampleContents()), writeNeff({ ...sampleContents(), weights })];
}

/** Changes `n` distinct bytes (so two flips never cancel out). */
function flip(f: Uint8Array, n: number): Uint8Array {
  const bytes = f.slice();
  const at = new Set<number>();
  while (at.size < n) at.add(int(bytes.length));
  for (const i of at) bytes[i]! ^= 1 + int(255);
  return bytes;
}

type Mutator = (file: Uint8Array) => { bytes: Uint8Array; mustFail: boolean };

const MUTATORS: Record<string, Mutator> = {
  truncate: (f) => ({ bytes: f.slice(0, int(f.length)), mustFail: true }),
  extend: (f) => {
    const bytes = new Uint8Array(f.length + 1 + int(100));
    bytes.set(f);
    for (let i = f.length; i < bytes.length; i++) bytes[i] = int(256);
    return { bytes, mustFail: true };
  },
  flip: (f) => ({ bytes: flip(f, 1 + int(8)), mustFail: true }),
  'huge table field': (f) => {
    const bytes = f.slice();
    const i = int(sectionCount(bytes));
    view(bytes).setBigUint64(entryAt(i) + pick([ENTRY.offset, ENTRY.length]), pick(HUGE_U64), true);
    return { bytes: fixHeaderCrc(bytes), mustFail: true };
  },
  'huge header field': (f) => {
    const bytes = f.slice();
    if (random() < 0.5)
      view(bytes).setUint32(HEADER.sectionCount, pick([0xffffffff, 0x80000000, 257, 1000]), true);
    else view(bytes).setBigUint64(HEADER.fileBytes, pick(HUGE_U64), true);
    return { bytes: random() < 0.5 ? bytes : fixHeaderCrc(bytes), mustFail: true };
  },
  'bad JSON field': () => {
    const json = metadataJson() as {
      memory: Record<string, unknown>;
      inputs: Record<string, unknown>[];
      outputs: Record<string, unknown>[];
    };
    const value = pick(BAD_JSON_VALUES);
    const where = int(3);
    if (where === 0) json.memory[pick(Object.keys(json.memory))] = value;
    else {
      const t = pick(where === 1 ? json.inputs : json.outputs);
      const field = pick(['shape', 'offset', 'byteLength', 'dim']);
      if (field === 'dim') {
        const shape = t.shape as unknown[];
        shape[int(shape.length)] = value;
      } else t[field] = value;
    }
    return { bytes: assemble(sectionsWith(json)), mustFail: true };
  },
  'flip with checksums fixed': (f) => {
    return { bytes: fixAllCrcs(flip(f, 1 + int(4))), mustFail: false };
  },
};

test(`fuzz: ${ITERATIONS} mutated NEFFs each read or fail with a NEFF_* error`, () => {
  const files = bases();
  const names = Object.keys(MUTATORS);
  const counts: Record<string, { rejected: number; read: number }> = {};
  const start = performance.now();
  let slowest = 0;
  for (let it = 0; it < ITERATIONS; it++) {
    const name = names[it % names.length]!;
    const { bytes, mustFail } = MUTATORS[name]!(pick(files));
    const count = (counts[name] ??= { rejected: 0, read: 0 });
    const t0 = performance.now();
    try {
      readNeff(bytes);
      count.read++;
      assert.ok(!mustFail, `iteration ${it} (${name}): a damaged file was read as valid`);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(isNccError(e), `iteration ${it} (${name}): ${e instanceof Error ? e.stack : String(e)}`);
      assert.match(e.code, /^NEFF_/, `iteration ${it} (${name})`);
      assert.ok(e.hint, `iteration ${it} (${name}): no hint`);
      count.rejected++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  assert.ok(seconds < 10, `fuzz took ${seconds.toFixed(1)}s`);
  assert.ok(slowest < 1000, `one read took ${slowest.toFixed(0)}ms`);
  // the fixed-up flips must mostly be caught by structure, not all waved through
  const fixed = counts['flip with checksums fixed']!;
  assert.ok(fixed.rejected > fixed.read, JSON.stringify(counts));
});
