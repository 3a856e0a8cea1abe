import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStaticModel } from '../../src/driver/load-model.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { requireStaticInputs, requireStaticShapes } from '../../src/passes/require-static.js';
import { writeModel } from '../helpers/onnx-builder.js';
import { expectNccError } from '../frontends/expect-error.js';
import { graph, node, value } from '../ir/graph-fixtures.js';

/** The JSON inside the first --io-config '...' of a hint. */
function suggested(hint: string | undefined): string {
  return allSuggested(hint)[0]!;
}

/** Every --io-config '...' a hint offers. */
function allSuggested(hint: string | undefined): string[] {
  const found = [...(hint ?? '').matchAll(/--io-config '([^']+)'/g)].map((m) => m[1]!);
  assert.ok(found.length > 0, `hint has an --io-config: ${hint}`);
  return found;
}

test('an unpinned symbolic input is NCC_DYNAMIC_SHAPE whose hint, passed back, makes the model load', () => {
  const path = writeModel({
    inputs: [['x', 'float32', ['batch', 4]]],
    outputs: [['y', 'float32', ['batch', 4]]],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
  });
  const e = expectNccError(() => loadStaticModel(path), 'NCC_DYNAMIC_SHAPE');
  assert.equal(e.subject.value, 'x');
  assert.match(e.message, /\[batch,4\]/);
  for (const json of allSuggested(e.hint)) {
    const m = loadStaticModel(path, { ioConfig: parseIoConfig(json) });
    assert.deepEqual(m.graph.inputs[0]!.type, { dtype: 'float32', shape: [1, 4] }, json);
    assert.deepEqual(m.graph.outputs[0]!.type, { dtype: 'float32', shape: [1, 4] }, json);
  }
});

test('several dynamic inputs are all named, and the suggestion pins all of them', () => {
  const path = writeModel({
    inputs: [
      ['x', 'float32', ['batch', 4]],
      ['ids', 'int64', ['batch', 'seq']],
      ['fixed', 'float32', [2]],
    ],
    outputs: [
      ['y', 'float32', ['batch', 4]],
      ['z', 'int64', ['batch', 'seq']],
      ['w', 'float32', [2]],
    ],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['y'] },
      { op: 'Neg', inputs: ['ids'], outputs: ['z'] },
      { op: 'Neg', inputs: ['fixed'], outputs: ['w'] },
    ],
  });
  const e = expectNccError(() => loadStaticModel(path), 'NCC_DYNAMIC_SHAPE');
  assert.match(e.message, /'ids'/);
  const config = parseIoConfig(suggested(e.hint));
  assert.deepEqual(config.inputs.get('ids'), { shape: [1, 1], dtype: 'int64' });
  assert.deepEqual(config.inputs.get('fixed'), { shape: [2], dtype: 'float32' });
  const m = loadStaticModel(path, { ioConfig: config });
  assert.deepEqual(
    m.graph.outputs.map((o) => o.type.shape),
    [[1, 4], [1, 1], [2]],
  );
  for (const json of allSuggested(e.hint)) {
    const pinned = loadStaticModel(path, { ioConfig: parseIoConfig(json) });
    assert.deepEqual(
      pinned.graph.inputs.map((v) => v.type.shape),
      [[1, 4], [1, 1], [2]],
      json,
    );
  }
});

test('requireStaticInputs: an input of unknown rank is dynamic too', () => {
  const g = graph({
    inputs: [value('r', 'float32', undefined)],
    outputs: [value('r', 'float32', undefined)],
  });
  const e = expectNccError(() => requireStaticInputs(g), 'NCC_DYNAMIC_SHAPE');
  assert.match(e.message, /unknown rank/);
  assert.ok(parseIoConfig(suggested(e.hint)).inputs.has('r'));
});

test('requireStaticShapes names the first node whose output is not static', () => {
  const g = graph({
    inputs: [value('x', 'float32', [4])],
    outputs: [value('n', 'int64', [1, 'nz'])],
    nodes: [node('Relu', ['x'], ['r'], {}, 'relu'), node('NonZero', ['r'], ['n'], {}, 'nonzero')],
    valueTypes: [value('r', 'float32', [4]), value('n', 'int64', [1, 'nz'])],
  });
  const e = expectNccError(() => requireStaticShapes(g), 'NCC_DYNAMIC_SHAPE');
  assert.equal(e.subject.node, 'nonzero');
  assert.equal(e.subject.value, 'n');
  assert.match(e.message, /\[1,nz\]/);
  const untyped = { ...g, valueTypes: new Map([['r', { dtype: 'float32' as const, shape: [4] }]]) };
  assert.match(expectNccError(() => requireStaticShapes(untyped), 'NCC_DYNAMIC_SHAPE').message, /unknown/);
  const fine = { ...g, nodes: g.nodes.slice(0, 1), outputs: [value('r', 'float32', [4])] };
  assert.doesNotThrow(() => requireStaticShapes(fine));
});
