import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIoConfig } from '../../src/options/io-config.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { expectNccError } from '../frontends/expect-error.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

const g = graph({
  inputs: [
    value('x', 'float32', ['batch', 3, 'h']),
    value('m', 'int64', ['batch', 'seq']),
    value('r', 'float32', undefined),
  ],
  outputs: [value('y', 'float32', ['batch', 3, 'h'])],
  nodes: [node('Relu', ['x'], ['y'])],
});

const pin = (json: string) => pinInputs(g, parseIoConfig(json));

test('dims by name are substituted in every input that has them', () => {
  const p = pin('{"dims": {"batch": 2, "seq": 7}}');
  assert.deepEqual(
    p.inputs.map((v) => v.type.shape),
    [[2, 3, 'h'], [2, 7], undefined],
  );
  assert.equal(p.nodes, g.nodes, 'nodes are untouched');
  assert.deepEqual(g.inputs[0]!.type.shape, ['batch', 3, 'h'], 'the input graph is not mutated');
});

test('inputs by name get their full shape; dtype may be omitted', () => {
  const p = pin('{"inputs": {"x": [[5,3,9], "float32"], "r": [[1,2,3,4]]}}');
  assert.deepEqual(p.inputs[0]!.type, { dtype: 'float32', shape: [5, 3, 9] });
  assert.deepEqual(p.inputs[1]!.type, g.inputs[1]!.type);
  assert.deepEqual(
    p.inputs[2]!.type,
    { dtype: 'float32', shape: [1, 2, 3, 4] },
    'an input of unknown rank takes any shape',
  );
});

test("'name:0' addresses the input 'name'", () => {
  const p = pin('{"inputs": {"x:0": [[1,3,1], "float32"]}}');
  assert.deepEqual(p.inputs[0]!.type.shape, [1, 3, 1]);
});

test('a named input pin wins over dims for that input', () => {
  const p = pin('{"inputs": {"x": [[4,3,4]]}, "dims": {"batch": 1}}');
  assert.deepEqual(p.inputs[0]!.type.shape, [4, 3, 4]);
  assert.deepEqual(p.inputs[1]!.type.shape, [1, 'seq']);
});

test('a dtype mismatch is NCC_BAD_OPTION', () => {
  const e = expectNccError(() => pin('{"inputs": {"x": [[1,3,1], "float16"]}}'), 'NCC_BAD_OPTION');
  assert.equal(e.subject.value, 'x');
  assert.match(e.hint ?? '', /float32/);
});

test('a shape incompatible with the declared one is NCC_BAD_OPTION', () => {
  for (const [what, json] of [
    ['fixed dim changed', '{"inputs": {"x": [[1,4,1]]}}'],
    ['rank too small', '{"inputs": {"x": [[1,3]]}}'],
    ['rank too large', '{"inputs": {"m": [[1,2,3]]}}'],
  ] as const) {
    const e = expectNccError(() => pin(json), 'NCC_BAD_OPTION', what);
    assert.match(e.message, /declared/, what);
  }
});

test('an input the model does not have is NCC_BAD_OPTION listing the real inputs', () => {
  const e = expectNccError(() => pin('{"inputs": {"images": [[1,3,8,8]]}}'), 'NCC_BAD_OPTION');
  assert.match(e.message, /images/);
  assert.match(e.hint ?? '', /x, m, r/);
});
