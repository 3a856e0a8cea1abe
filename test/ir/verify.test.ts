import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNccError, type ErrorCode } from '../../src/errors.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { tensor } from '../../src/ir/tensor.js';
import { graph, node, value } from './graph-fixtures.js';

function coded(code: ErrorCode, fields: { value?: string; node?: string; message?: RegExp } = {}) {
  return (e: unknown): boolean => {
    assert.ok(isNccError(e), `expected an NccError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (fields.value !== undefined) assert.equal(e.subject.value, fields.value);
    if (fields.node !== undefined) assert.equal(e.subject.node, fields.node);
    if (fields.message) assert.match(e.message, fields.message);
    return true;
  };
}

const x = value('x', 'float32', [2]);

test('a well-formed graph verifies, with omitted inputs and subgraphs reading the outer scope', () => {
  const body = graph({ outputs: [value('s', 'float32', [2])], nodes: [node('Neg', ['h'], ['s'])] });
  const g = graph({
    inputs: [x],
    outputs: [value('y', 'float32', [2])],
    initializers: [['w', tensor('float32', [2])]],
    nodes: [
      node('Add', ['x', 'w'], ['h']),
      node('Clip', ['h', '', ''], ['c']),
      node('If', ['c'], ['y'], { then_branch: { kind: 'graph', value: body } }),
    ],
  });
  assert.doesNotThrow(() => verifyGraph(g));
});

test('use before definition', () => {
  const g = graph({
    inputs: [x],
    outputs: [value('y', 'float32', [2])],
    nodes: [node('Neg', ['h'], ['y'], {}, 'first'), node('Relu', ['x'], ['h'], {}, 'second')],
  });
  assert.throws(
    () => verifyGraph(g),
    coded('NCC_INVALID_GRAPH', { value: 'h', node: 'first', message: /before it is defined/ }),
  );
});

test('a subgraph may not read an outer value defined after its node', () => {
  const body = graph({ outputs: [value('s', 'float32', [2])], nodes: [node('Neg', ['late'], ['s'])] });
  const g = graph({
    inputs: [x],
    outputs: [value('late', 'float32', [2])],
    nodes: [
      node('If', ['x'], ['y'], { then_branch: { kind: 'graph', value: body } }),
      node('Relu', ['x'], ['late']),
    ],
  });
  assert.throws(() => verifyGraph(g), coded('NCC_INVALID_GRAPH', { value: 'late' }));
});

test('double definition: two nodes, a node and an input, an input and a constant', () => {
  const twoNodes = graph({
    inputs: [x],
    outputs: [value('h', 'float32', [2])],
    nodes: [node('Neg', ['x'], ['h']), node('Relu', ['x'], ['h'])],
  });
  assert.throws(
    () => verifyGraph(twoNodes),
    coded('NCC_INVALID_GRAPH', { value: 'h', message: /defined twice/ }),
  );
  const overInput = graph({ inputs: [x], outputs: [x], nodes: [node('Neg', ['x'], ['x'])] });
  assert.throws(
    () => verifyGraph(overInput),
    coded('NCC_INVALID_GRAPH', { value: 'x', message: /defined twice/ }),
  );
  const inputConst = graph({ inputs: [x], outputs: [x], initializers: [['x', tensor('float32', [2])]] });
  assert.throws(() => verifyGraph(inputConst), coded('NCC_INVALID_GRAPH', { value: 'x' }));
});

test('missing output', () => {
  const g = graph({
    inputs: [x],
    outputs: [value('nowhere', 'float32', [2])],
    nodes: [node('Neg', ['x'], ['y'])],
  });
  assert.throws(
    () => verifyGraph(g),
    coded('NCC_INVALID_GRAPH', { value: 'nowhere', message: /never defined/ }),
  );
});

test('errors inside a subgraph are reported too', () => {
  const body = graph({ outputs: [value('missing', 'float32', [2])], nodes: [node('Neg', ['x'], ['s'])] });
  const g = graph({
    inputs: [x],
    outputs: [value('y', 'float32', [2])],
    nodes: [node('If', ['x'], ['y'], { then_branch: { kind: 'graph', value: body } })],
  });
  assert.throws(() => verifyGraph(g), coded('NCC_INVALID_GRAPH', { value: 'missing' }));
});
