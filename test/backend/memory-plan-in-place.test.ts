import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binary, constant, load, loopNest, store, unary } from '../../src/backend/kernel/build.js';
import type { Expr, Index, Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { inPlaceCandidates } from '../../src/backend/schedule/in-place.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import type { BufferInfo, Program } from '../../src/backend/schedule/program.js';
import { checkGraph } from './lower-reduce-support.js';
import { graphOf } from '../helpers/lowering-harness.js';
import { rand } from '../helpers/op-harness.js';

/**
 * In-place elementwise ops: which kernels may write their output over an input (in-place.ts),
 * and the planner giving such an output its dying input's bytes, which lowers peak arena bytes.
 */

const N = 64;
const at = (i: string, offset = 0): Index => ({ terms: [{ v: i, stride: 1 }], offset });
const bcast: Index = { terms: [], offset: 0 };

function map(name: string, x: string, y: string, value: (i: string) => Expr, extra: Stmt[] = []): Kernel {
  return {
    name,
    node: name,
    reads: [x],
    writes: [y],
    body: [
      ...extra,
      ...loopNest(`${name}i`, [N], ([i]) => [store(y, 'float32', at(i!), value(i!))], { vectorize: true }),
    ],
  };
}

function programOf(kernels: Kernel[], sizes: Record<string, number>, input: string, output: string): Program {
  const buffers = new Map<string, BufferInfo>();
  for (const [name, n] of Object.entries(sizes)) {
    const kind = name === input ? 'input' : name === output ? 'output' : 'activation';
    buffers.set(name, { name, kind, dtype: 'float32', bytes: 4 * n });
  }
  const io = (n: string) => [{ name: n, buffer: n, dtype: 'float32' as const, shape: [sizes[n]!] }];
  return { name: 'p', kernels, buffers, inputs: io(input), outputs: io(output) };
}

test('a map reading x[i] and then writing y[i] may write over x; other shapes of access may not', () => {
  const exp = (x: string) => (i: string) => unary('exp', 'f32', load(x, 'float32', at(i)));
  assert.deepEqual(inPlaceCandidates(map('k', 'a', 'b', exp('a'))), [['b', 'a']]);
  // x read twice at the same element (x * sigmoid(x)) is fine
  const silu = (i: string) =>
    binary('mul', 'f32', load('a', 'float32', at(i)), unary('sigmoid', 'f32', load('a', 'float32', at(i))));
  assert.deepEqual(inPlaceCandidates(map('k', 'a', 'b', silu)), [['b', 'a']]);
  // a neighbour's element, a broadcast element, or a read of the output
  const shifted = (i: string) => load('a', 'float32', at(i, 1));
  assert.deepEqual(inPlaceCandidates(map('k', 'a', 'b', shifted)), []);
  const broadcast = (i: string) =>
    binary('add', 'f32', load('a', 'float32', bcast), constant('f32', i.length));
  assert.deepEqual(inPlaceCandidates(map('k', 'a', 'b', broadcast)), []);
  const readsOut = map('k', 'a', 'b', exp('a'));
  const k: Kernel = {
    ...readsOut,
    reads: ['a', 'b'],
    body: [...readsOut.body, store('b', 'float32', bcast, load('b', 'float32', bcast))],
  };
  assert.deepEqual(inPlaceCandidates(k), []);
});

test('a value stored and then read again after the store (a running sum) keeps its own buffer', () => {
  // run = run + x[i]; y[i] = run, written with one expression object used twice: the second use
  // comes after the store, where y's bytes would already have replaced x[i]
  const next = binary('add', 'f32', constant('f32', 0), load('a', 'float32', at('i')));
  const k: Kernel = {
    name: 'scan',
    node: 'scan',
    reads: ['a'],
    writes: ['b'],
    body: [
      {
        op: 'loop',
        v: 'i',
        extent: N,
        body: [store('b', 'float32', at('i'), next), { op: 'set', name: 'run', type: 'f32', value: next }],
      },
    ],
  };
  assert.deepEqual(inPlaceCandidates(k), []);
});

test('the planner places a dying input and the output written over it at one offset', () => {
  const exp = (x: string) => (i: string) => unary('exp', 'f32', load(x, 'float32', at(i)));
  // y = exp(exp(x)) * x: x stays live to the end, so separately three buffers meet at k1 and k2
  const times = (i: string) => binary('mul', 'f32', load('b', 'float32', at(i)), load('x', 'float32', at(i)));
  const last = { ...map('k2', 'b', 'y', times), reads: ['b', 'x'] };
  const chain = programOf(
    [map('k0', 'x', 'a', exp('x')), map('k1', 'a', 'b', exp('a')), last],
    { x: N, a: N, b: N, y: N },
    'x',
    'y',
  );
  const plan = planMemory(chain);
  assert.deepEqual(
    [...(plan.inPlace ?? [])],
    [
      ['b', 'a'],
      ['y', 'b'],
    ],
  );
  assert.equal(plan.arena.get('a')!.offset, plan.arena.get('b')!.offset);
  assert.equal(plan.arena.get('b')!.offset, plan.arena.get('y')!.offset);
  assert.equal(plan.arenaBytes, 2 * 256, 'the input and one chain buffer');
  assert.equal(planMemory(chain, { inPlace: false }).arenaBytes, 3 * 256);
  // an input read again later does not die in the map: no sharing
  const later = programOf(
    [map('k0', 'x', 'a', exp('x')), map('k1', 'a', 'b', exp('a')), map('k2', 'a', 'y', exp('a'))],
    { x: N, a: N, b: N, y: N },
    'x',
    'y',
  );
  assert.equal(planMemory(later).inPlace?.get('b'), undefined);
});

test('compiled chains run correctly with their outputs written in place (wasm and interpreter)', () => {
  const x = { name: 'x', value: rand([3, 37], 4) };
  const g = graphOf(
    [
      { name: 'e', op: 'Exp', domain: '', inputs: ['x'], outputs: ['a'], attrs: {} },
      { name: 'n', op: 'Neg', domain: '', inputs: ['a'], outputs: ['b'], attrs: {} },
      { name: 's', op: 'Sigmoid', domain: '', inputs: ['b'], outputs: ['c'], attrs: {} },
      { name: 'm', op: 'Mul', domain: '', inputs: ['c', 'x'], outputs: ['y'], attrs: {} },
    ],
    [x],
    ['y'],
  );
  const program = checkGraph(g, new Map([['x', x.value]]), { tolerance: { atol: 1e-6, rtol: 1e-5 } });
  assert.ok((planMemory(program).inPlace?.size ?? 0) >= 2);
});
