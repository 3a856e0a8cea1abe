import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/ir/tensor.js';
import { selectOutputs } from '../../src/passes/select-outputs.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { expectNccError } from '../frontends/expect-error.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/** Two branches from x: x -> a -> y1 (uses w1) and x -> c -> y2 (uses w2), plus a dead node. */
function twoBranches() {
  const body = graph({ outputs: [value('s', 'float32', [2])], nodes: [node('Neg', ['w3'], ['s'])] });
  return graph({
    inputs: [value('x', 'float32', [2])],
    outputs: [value('y1', 'float32', [2]), value('y2', 'float32', [2]), value('y3', 'float32', [2])],
    initializers: [
      ['w1', tensor('float32', [2])],
      ['w2', tensor('float32', [2])],
      ['w3', tensor('float32', [2])],
      ['unused', tensor('float32', [2])],
    ],
    nodes: [
      node('Add', ['x', 'w1'], ['a']),
      node('Mul', ['x', 'w2'], ['c']),
      node('Relu', ['a'], ['y1']),
      node('Exp', ['c'], ['dead']),
      node('Tanh', ['c'], ['y2']),
      node('If', ['x'], ['y3'], { then_branch: { kind: 'graph', value: body } }),
    ],
  });
}

const ops = (g: ReturnType<typeof twoBranches>): string[] => g.nodes.map((n) => n.op);

test('a subset of outputs keeps only the nodes and constants it needs', () => {
  const g = selectOutputs(twoBranches(), ['y1']);
  assert.deepEqual(
    g.outputs.map((o) => o.name),
    ['y1'],
  );
  assert.deepEqual(ops(g), ['Add', 'Relu']);
  assert.deepEqual([...g.initializers.keys()], ['w1']);
  verifyGraph(g);
  const h = selectOutputs(twoBranches(), ['y2', 'y1']);
  assert.deepEqual(
    h.outputs.map((o) => o.name),
    ['y2', 'y1'],
    'the requested order',
  );
  assert.deepEqual(ops(h), ['Add', 'Mul', 'Relu', 'Tanh'], 'the original node order');
  assert.deepEqual([...h.initializers.keys()].sort(), ['w1', 'w2']);
});

test('values a subgraph reads from the outer scope stay alive', () => {
  const g = selectOutputs(twoBranches(), ['y3']);
  assert.deepEqual(ops(g), ['If']);
  assert.deepEqual([...g.initializers.keys()], ['w3']);
  verifyGraph(g);
});

test('all outputs by default: dead nodes and unused constants are dropped', () => {
  const g = selectOutputs(twoBranches());
  assert.deepEqual(
    g.outputs.map((o) => o.name),
    ['y1', 'y2', 'y3'],
  );
  assert.deepEqual(ops(g), ['Add', 'Mul', 'Relu', 'Tanh', 'If']);
  assert.ok(!g.initializers.has('unused'));
});

test("'name:0' selects the output 'name'", () => {
  assert.deepEqual(
    selectOutputs(twoBranches(), ['y2:0']).outputs.map((o) => o.name),
    ['y2'],
  );
});

test('an unknown output is NCC_BAD_OPTION listing the real outputs', () => {
  const e = expectNccError(() => selectOutputs(twoBranches(), ['y1', 'logits']), 'NCC_BAD_OPTION');
  assert.match(e.message, /logits/);
  assert.match(e.hint ?? '', /y1, y2, y3/);
});
