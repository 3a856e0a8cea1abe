import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printGraph, printType } from '../../src/ir/print.js';
import { fromNumbers, tensor } from '../../src/ir/tensor.js';
import { graph, node, value } from './graph-fixtures.js';

test('printType', () => {
  assert.equal(printType({ dtype: 'float32', shape: ['batch', 4] }), 'float32[batch,4]');
  assert.equal(printType({ dtype: 'bool', shape: [] }), 'bool[]');
  assert.equal(printType({ dtype: 'int64', shape: undefined }), 'int64[?]');
});

test('printGraph: constants, attributes of each kind, omitted values, domains and subgraphs', () => {
  const then = graph({
    name: 'then',
    outputs: [value('t', 'float32', [1])],
    nodes: [node('Identity', ['w'], ['t'])],
  });
  const g = graph({
    name: 'mlp',
    inputs: [value('x', 'float32', ['batch', 4]), value('c', 'bool', [])],
    outputs: [value('y', 'float32', ['batch', 1]), value('z', 'float32', undefined)],
    // w has 8 elements: small enough to print its values; bias has 10: too big
    initializers: [
      ['w', fromNumbers('float32', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8])],
      ['bias', tensor('float32', [10])],
    ],
    nodes: [
      node('Gemm', ['x', 'w'], ['h'], {
        transB: { kind: 'int', value: 0 },
        alpha: { kind: 'float', value: 1.5 },
      }),
      node(
        'Split2',
        ['h', ''],
        ['y', ''],
        {
          value: { kind: 'tensor', value: fromNumbers('int64', [2], [3n, 4n]) },
          sizes: { kind: 'ints', value: [1, 1] },
          names: { kind: 'strings', value: ['a', 'b'] },
          mode: { kind: 'string', value: 'fast' },
          scales: { kind: 'floats', value: [0.5, 2] },
          pair: { kind: 'tensors', value: [tensor('float32', [1]), tensor('float32', [1])] },
        },
        'split',
        'custom.domain',
      ),
      node('If', ['c'], ['z'], { then_branch: { kind: 'graph', value: then } }),
    ],
    valueTypes: [value('h', 'float32', ['batch', 2]), value('y', 'float32', ['batch', 1])],
  });
  const expected = [
    'graph mlp(x: float32[batch,4], c: bool[]) -> (y: float32[batch,1], z: float32[?]) {',
    '  const bias: float32[10]',
    '  const w: float32[4,2] = [1,2,3,4,5,6,7,8]',
    '  h = Gemm(x, w) {alpha=1.5, transB=0} : float32[batch,2]',
    '  y, _ = custom.domain::Split2(h, _) {mode="fast", names=["a","b"], pair=[2 tensors], scales=[0.5,2], ' +
      'sizes=[1,1], value=tensor<int64[2]> = [3,4]} : float32[batch,1], ?',
    '  z = If(c) : ?',
    '    then_branch:',
    '      graph then() -> (t: float32[1]) {',
    '        t = Identity(w) : ?',
    '      }',
    '}',
  ].join('\n');
  assert.equal(printGraph(g), expected);
});

test('printGraph: an unnamed graph prints as main; types come from constants, then inferred values', () => {
  const g = graph({
    name: '',
    inputs: [value('a', 'int32', [3])],
    outputs: [value('b', 'int32', [3])],
    nodes: [node('Neg', ['a'], ['b'])],
    valueTypes: [value('b', 'int32', [3])],
  });
  assert.equal(
    printGraph(g),
    ['graph main(a: int32[3]) -> (b: int32[3]) {', '  b = Neg(a) : int32[3]', '}'].join('\n'),
  );
});
