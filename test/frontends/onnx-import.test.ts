import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue, Graph } from '../../src/ir/graph.js';
import { fromNumbers, tensor, type Tensor } from '../../src/ir/tensor.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { encodeModel } from '../../src/frontends/onnx/onnx-proto.js';
import { verifyGraph } from '../../src/ir/verify.js';
import {
  ATTR_TYPE,
  attr,
  graphProto,
  initializer,
  writeModel,
  type GraphSpec,
  type ModelSpec,
} from '../helpers/onnx-builder.js';
import { expectNccError } from './expect-error.js';

/** A one-node model in a custom domain (no upgrade or registry entry interferes) with the given attributes. */
function withAttrs(
  attrs: Record<string, Record<string, unknown>>,
  extra: Partial<ModelSpec> = {},
): ModelSpec {
  return {
    inputs: [['x', 'float32', [2]]],
    outputs: [['y', 'float32', [2]]],
    nodes: [{ op: 'Probe', domain: 'test.ops', inputs: ['x'], outputs: ['y'], name: 'probe', attrs }],
    opsets: { 'test.ops': 1 },
    ...extra,
  };
}

function attrsOf(spec: ModelSpec): Record<string, AttrValue> {
  const g = importOnnxFile(writeModel(spec)).graph;
  assert.equal(g.nodes.length, 1);
  return { ...g.nodes[0]!.attrs };
}

function sameTensor(actual: Tensor, expected: Tensor, what = ''): void {
  assert.equal(actual.dtype, expected.dtype, `${what} dtype`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${what} shape`);
  assert.ok(
    actual.data instanceof expected.data.constructor,
    `${what} storage ${actual.data.constructor.name}`,
  );
  assert.deepEqual(
    Array.from(actual.data as ArrayLike<number | bigint>),
    Array.from(expected.data as ArrayLike<number | bigint>),
    `${what} data`,
  );
}

const body: GraphSpec = {
  name: 'body',
  inputs: [],
  outputs: [['b', 'float32', [2]]],
  nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['b'], name: 'inner' }],
};

test('attributes of every kind', () => {
  const t = fromNumbers('int64', [3], [1n, -2n, 2n ** 40n]);
  const a = attrsOf(
    withAttrs({
      i: attr.int(-7),
      big: attr.int(2n ** 40n),
      f: attr.float(0.25),
      s: attr.string('héllo'),
      t: attr.tensor(initializer('t', t)),
      g: attr.graph(body),
      is: attr.ints([3, -1, 2n ** 35n]),
      fs: attr.floats([1.5, -2]),
      ss: attr.strings(['a', '', 'c']),
      ts: attr.tensors([initializer('t0', fromNumbers('float32', [1], [9])), initializer('t1', t)]),
      gs: attr.graphs([body, { ...body, name: 'body2' }]),
    }),
  );
  assert.deepEqual(a.i, { kind: 'int', value: -7 });
  assert.deepEqual(a.big, { kind: 'int', value: 2 ** 40 });
  assert.deepEqual(a.f, { kind: 'float', value: 0.25 });
  assert.deepEqual(a.s, { kind: 'string', value: 'héllo' });
  assert.deepEqual(a.is, { kind: 'ints', value: [3, -1, 2 ** 35] });
  assert.deepEqual(a.fs, { kind: 'floats', value: [1.5, -2] });
  assert.deepEqual(a.ss, { kind: 'strings', value: ['a', '', 'c'] });
  assert.equal(a.t?.kind, 'tensor');
  if (a.t?.kind === 'tensor') sameTensor(a.t.value, t, 'tensor attribute');
  assert.equal(a.ts?.kind, 'tensors');
  if (a.ts?.kind === 'tensors') {
    assert.equal(a.ts.value.length, 2);
    sameTensor(a.ts.value[0]!, fromNumbers('float32', [1], [9]));
    sameTensor(a.ts.value[1]!, t);
  }
  assert.equal(a.g?.kind, 'graph');
  if (a.g?.kind === 'graph') {
    assert.equal(a.g.value.name, 'body');
    assert.deepEqual(
      a.g.value.nodes.map((n) => [n.op, n.inputs, n.outputs]),
      [['Neg', ['x'], ['b']]],
    );
  }
  assert.equal(a.gs?.kind, 'graphs');
  if (a.gs?.kind === 'graphs')
    assert.deepEqual(
      a.gs.value.map((g) => g.name),
      ['body', 'body2'],
    );
});

test('attributes without a type field (IR version 1) are read from the field that is set', () => {
  const untyped = (a: Record<string, unknown>): Record<string, unknown> => {
    const { type: _type, ...rest } = a;
    return rest;
  };
  const a = attrsOf(
    withAttrs(
      {
        i: untyped(attr.int(5)),
        f: untyped(attr.float(0.5)),
        s: untyped(attr.string('mode')),
        is: untyped(attr.ints([1, 2])),
        fs: untyped(attr.floats([0.5])),
        t: untyped(attr.tensor(initializer('t', fromNumbers('float32', [1], [3])))),
      },
      { irVersion: 1 },
    ),
  );
  assert.deepEqual(a.i, { kind: 'int', value: 5 });
  assert.deepEqual(a.f, { kind: 'float', value: 0.5 });
  assert.deepEqual(a.s, { kind: 'string', value: 'mode' });
  assert.deepEqual(a.is, { kind: 'ints', value: [1, 2] });
  assert.deepEqual(a.fs, { kind: 'floats', value: [0.5] });
  assert.equal(a.t?.kind, 'tensor');
});

test('a sparse tensor attribute is densified', () => {
  const sparse = {
    type: ATTR_TYPE.SPARSE_TENSOR,
    sparse_tensor: {
      dims: ['2', '3'],
      values: initializer('v', fromNumbers('float32', [2], [5, 7])),
      indices: initializer('i', fromNumbers('int64', [2], [1n, 5n])),
    },
  };
  const a = attrsOf(withAttrs({ value: sparse }));
  assert.equal(a.value?.kind, 'tensor');
  if (a.value?.kind === 'tensor')
    sameTensor(a.value.value, fromNumbers('float32', [2, 3], [0, 5, 0, 0, 0, 7]));
});

test('an attribute of an unknown type is NCC_BAD_MODEL', () => {
  const path = writeModel(withAttrs({ odd: { type: 99, i: '1' } }));
  expectNccError(() => importOnnxFile(path), 'NCC_BAD_MODEL');
});

/** Every element type, written both ways ONNX allows. */
const TENSORS: [string, Tensor][] = [
  ['f32', fromNumbers('float32', [2, 2], [1.5, -0, Infinity, 3.25])],
  ['f64', fromNumbers('float64', [2], [0.1, -1e300])],
  ['f16', fromNumbers('float16', [3], [1, -2, 65504])],
  ['bf16', fromNumbers('bfloat16', [2], [1, -3])],
  ['i8', fromNumbers('int8', [3], [-128, 0, 127])],
  ['i16', fromNumbers('int16', [2], [-32768, 32767])],
  ['i32', fromNumbers('int32', [2], [-(2 ** 31), 2 ** 31 - 1])],
  ['i64', fromNumbers('int64', [3], [-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n])],
  ['u8', fromNumbers('uint8', [2], [0, 255])],
  ['u16', fromNumbers('uint16', [2], [0, 65535])],
  ['u32', fromNumbers('uint32', [2], [0, 2 ** 32 - 1])],
  ['u64', tensor('uint64', [2], new BigUint64Array([0n, 2n ** 64n - 1n]))],
  ['b', fromNumbers('bool', [3], [1, 0, 1])],
  ['scalar', fromNumbers('float32', [], [42])],
  ['empty', tensor('float32', [0, 3])],
];

function initializerModel(encoding: 'raw' | 'typed'): ModelSpec {
  return {
    inputs: [['x', 'float32', [1]]],
    outputs: [['y', 'float32', [1]]],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    initializers: TENSORS.map(([name, t]) => initializer(name, t, encoding)),
  };
}

for (const encoding of ['raw', 'typed'] as const) {
  test(`initializers of every element type in ${encoding === 'raw' ? 'raw_data' : 'typed fields'}`, () => {
    const g = importOnnxFile(writeModel(initializerModel(encoding))).graph;
    for (const [name, t] of TENSORS) {
      const got = g.initializers.get(name);
      assert.ok(got, `initializer ${name}`);
      sameTensor(got, t, name);
    }
  });
}

test('typed fields: int8/float16/bool come from int32_data as written by onnx.helper', () => {
  // hand-written protos, independent of the builder's encoder
  const protos = [
    { name: 'i8', dims: ['3'], data_type: 3, int32_data: [-5, 0, 100] },
    { name: 'f16', dims: ['2'], data_type: 10, int32_data: [0x3c00, 0xfc00] },
    { name: 'b', dims: ['2'], data_type: 9, int32_data: [1, 0] },
    { name: 'f', dims: ['2'], data_type: 1, float_data: [0.5, 2] },
    { name: 'l', dims: ['1'], data_type: 7, int64_data: ['-9007199254740993'] },
  ];
  const g = importOnnxFile(writeModel({ ...initializerModel('raw'), initializers: protos })).graph;
  sameTensor(g.initializers.get('i8')!, tensor('int8', [3], new Int8Array([-5, 0, 100])));
  sameTensor(g.initializers.get('f16')!, tensor('float16', [2], new Uint16Array([0x3c00, 0xfc00])));
  sameTensor(g.initializers.get('b')!, tensor('bool', [2], new Uint8Array([1, 0])));
  sameTensor(g.initializers.get('f')!, tensor('float32', [2], new Float32Array([0.5, 2])));
  sameTensor(g.initializers.get('l')!, tensor('int64', [1], new BigInt64Array([-9007199254740993n])));
});

test('an initializer whose payload does not fit its dims is NCC_BAD_MODEL', () => {
  const spec = (t: Record<string, unknown>): ModelSpec => ({ ...initializerModel('raw'), initializers: [t] });
  const cases: [string, Record<string, unknown>][] = [
    ['raw too short', { name: 'w', dims: ['4'], data_type: 1, raw_data: new Uint8Array(12) }],
    ['raw too long', { name: 'w', dims: ['2'], data_type: 1, raw_data: new Uint8Array(9) }],
    ['too few floats', { name: 'w', dims: ['3'], data_type: 1, float_data: [1, 2] }],
    ['no data at all', { name: 'w', dims: ['3'], data_type: 7 }],
    ['negative dim', { name: 'w', dims: ['-1'], data_type: 1 }],
  ];
  for (const [what, t] of cases)
    expectNccError(() => importOnnxFile(writeModel(spec(t))), 'NCC_BAD_MODEL', what);
  const str = { name: 's', dims: ['1'], data_type: 8, string_data: [new Uint8Array([65])] };
  expectNccError(() => importOnnxFile(writeModel(spec(str))), 'NCC_UNSUPPORTED_DTYPE', 'string tensor');
});

test('symbolic dims are kept as their names; unnamed unknown dims get fresh names', () => {
  const g = importOnnxFile(
    writeModel({
      inputs: [
        ['x', 'float32', ['batch', 4, null]],
        ['m', 'int64', ['batch', 'seq']],
        ['r', 'float32'],
      ],
      outputs: [['y', 'float32', ['batch', 4, null]]],
      nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
      valueInfo: [['mid', 'float16', ['seq', 0]]],
    }),
  ).graph;
  const [x, m, r] = g.inputs;
  assert.equal(x!.type.dtype, 'float32');
  assert.equal(x!.type.shape?.[0], 'batch');
  assert.equal(x!.type.shape?.[1], 4);
  const fresh = x!.type.shape?.[2];
  assert.equal(typeof fresh, 'string', `an unknown dim is a symbol, got ${String(fresh)}`);
  assert.ok(fresh !== 'batch' && fresh !== 'seq');
  assert.deepEqual(m!.type, { dtype: 'int64', shape: ['batch', 'seq'] });
  assert.deepEqual(r!.type, { dtype: 'float32', shape: undefined });
  assert.equal(g.outputs[0]!.type.shape?.[0], 'batch');
  assert.notEqual(g.outputs[0]!.type.shape?.[2], fresh, 'each unknown dim is its own symbol');
  assert.deepEqual(g.valueTypes.get('mid'), { dtype: 'float16', shape: ['seq', 0] });
});

test('opsets, producer and model name', () => {
  const m = importOnnxFile(
    writeModel(
      {
        ...withAttrs({}),
        name: 'tiny',
        opset: 13,
        opsets: { 'ai.onnx': 13, 'test.ops': 2 },
        producer: 'builder',
      },
      'tiny.onnx',
    ),
  );
  assert.equal(m.name, 'tiny');
  assert.equal(m.opsets.get(''), 13);
  assert.equal(m.opsets.get('test.ops'), 2);
  assert.equal(m.producer, 'builder');
  assert.equal(m.source.format, 'onnx');
  assert.match(m.source.path, /tiny\.onnx$/);
});

test('a model-local function is inlined with renamed values and resolved attributes', () => {
  const m = importOnnxFile(
    writeModel({
      inputs: [
        ['x', 'float32', [2]],
        ['w', 'float32', [2]],
      ],
      outputs: [
        ['y', 'float32', [2]],
        ['z', 'float32', [2]],
      ],
      nodes: [
        {
          op: 'AddScale',
          domain: 'local',
          inputs: ['x', 'w'],
          outputs: ['y'],
          name: 'call1',
          attrs: { alpha: attr.float(3) },
        },
        { op: 'AddScale', domain: 'local', inputs: ['y', 'w'], outputs: ['z'], name: 'call2' },
      ],
      functions: [
        {
          name: 'AddScale',
          domain: 'local',
          inputs: ['a', 'b'],
          outputs: ['c'],
          attributeDefaults: { alpha: attr.float(0.5) },
          nodes: [
            { op: 'Add', inputs: ['a', 'b'], outputs: ['sum'], name: 'add' },
            {
              op: 'Scale',
              domain: 'test.ops',
              inputs: ['sum'],
              outputs: ['c'],
              name: 'scale',
              attrs: { alpha: attr.ref('alpha', ATTR_TYPE.FLOAT), beta: attr.int(1) },
            },
          ],
        },
      ],
      opsets: { 'test.ops': 1 },
    }),
  );
  const g = m.graph;
  assert.deepEqual(
    g.nodes.map((n) => n.op),
    ['Add', 'Scale', 'Add', 'Scale'],
  );
  assert.ok(!g.nodes.some((n) => n.op === 'AddScale'));
  const [add1, scale1, add2, scale2] = g.nodes;
  assert.deepEqual(add1!.inputs, ['x', 'w']);
  assert.deepEqual(scale1!.outputs, ['y']);
  assert.deepEqual(add2!.inputs, ['y', 'w']);
  assert.deepEqual(scale2!.outputs, ['z']);
  // the function's internal value gets a distinct name in each call
  assert.equal(scale1!.inputs[0], add1!.outputs[0]);
  assert.equal(scale2!.inputs[0], add2!.outputs[0]);
  assert.notEqual(add1!.outputs[0], add2!.outputs[0]);
  assert.ok(!['sum', 'x', 'w', 'y', 'z'].includes(add1!.outputs[0]!));
  assert.equal(scale1!.domain, 'test.ops');
  assert.deepEqual(scale1!.attrs.alpha, { kind: 'float', value: 3 }, 'the call gives alpha');
  assert.deepEqual(scale2!.attrs.alpha, { kind: 'float', value: 0.5 }, 'the default applies');
  assert.deepEqual(scale1!.attrs.beta, { kind: 'int', value: 1 });
  assert.equal(new Set(g.nodes.map((n) => n.name)).size, 4, 'node names are unique');
  verifyGraph(g);
});

test('functions calling functions are inlined, attribute references passing through', () => {
  const g = importOnnxFile(
    writeModel({
      inputs: [['x', 'float32', [2]]],
      outputs: [['y', 'float32', [2]]],
      nodes: [{ op: 'Outer', domain: 'local', inputs: ['x'], outputs: ['y'], attrs: { k: attr.float(2) } }],
      functions: [
        {
          name: 'Outer',
          domain: 'local',
          inputs: ['a'],
          outputs: ['b'],
          attributes: ['k'],
          nodes: [
            {
              op: 'Inner',
              domain: 'local',
              inputs: ['a'],
              outputs: ['t'],
              attrs: { alpha: attr.ref('k', ATTR_TYPE.FLOAT) },
            },
            { op: 'Inner', domain: 'local', inputs: ['t'], outputs: ['b'] },
          ],
        },
        {
          name: 'Inner',
          domain: 'local',
          inputs: ['p'],
          outputs: ['q'],
          attributeDefaults: { alpha: attr.float(9) },
          nodes: [
            {
              op: 'Probe',
              domain: 'test.ops',
              inputs: ['p'],
              outputs: ['q'],
              attrs: { alpha: attr.ref('alpha', ATTR_TYPE.FLOAT) },
            },
          ],
        },
      ],
      opsets: { 'test.ops': 1 },
    }),
  ).graph;
  assert.deepEqual(
    g.nodes.map((n) => [n.op, n.attrs.alpha]),
    [
      ['Probe', { kind: 'float', value: 2 }],
      ['Probe', { kind: 'float', value: 9 }],
    ],
  );
  assert.equal(g.nodes[0]!.inputs[0], 'x');
  assert.equal(g.nodes[1]!.outputs[0], 'y');
  assert.equal(g.nodes[1]!.inputs[0], g.nodes[0]!.outputs[0]);
  verifyGraph(g);
});

test("subgraphs inside a function read the call's values", () => {
  const branch = (name: string, op: string, input: string): GraphSpec => ({
    name,
    inputs: [],
    outputs: [[`${name}_out`, 'float32', [2]]],
    nodes: [{ op, inputs: [input], outputs: [`${name}_out`] }],
  });
  const g = importOnnxFile(
    writeModel({
      inputs: [
        ['x', 'float32', [2]],
        ['c', 'bool', []],
      ],
      outputs: [['y', 'float32', [2]]],
      nodes: [{ op: 'Pick', domain: 'local', inputs: ['c', 'x'], outputs: ['y'] }],
      functions: [
        {
          name: 'Pick',
          domain: 'local',
          inputs: ['cond', 'a'],
          outputs: ['b'],
          nodes: [
            { op: 'Neg', inputs: ['a'], outputs: ['na'] },
            {
              op: 'If',
              inputs: ['cond'],
              outputs: ['b'],
              attrs: {
                // one branch reads a value made inside the function, the other a formal input
                then_branch: attr.graph(branch('then', 'Abs', 'na')),
                else_branch: attr.graph(branch('else', 'Identity', 'a')),
              },
            },
          ],
        },
      ],
    }),
  ).graph;
  verifyGraph(g);
  const [neg, ifNode] = g.nodes;
  const then = ifNode!.attrs.then_branch as { kind: 'graph'; value: Graph };
  const other = ifNode!.attrs.else_branch as { kind: 'graph'; value: Graph };
  assert.equal(then.value.nodes[0]!.inputs[0], neg!.outputs[0]);
  assert.equal(other.value.nodes[0]!.inputs[0], 'x');
  assert.equal(then.value.outputs[0]!.name, then.value.nodes[0]!.outputs[0]);
});

test('a subgraph attribute is kept as a Graph that reads the enclosing scope', () => {
  const branch = (name: string, op: string): GraphSpec => ({
    name,
    inputs: [],
    outputs: [[`${name}_out`, 'float32', [2]]],
    nodes: [{ op, inputs: ['x'], outputs: [`${name}_out`], name: `${name}_node` }],
  });
  const g = importOnnxFile(
    writeModel({
      inputs: [
        ['c', 'bool', []],
        ['x', 'float32', [2]],
      ],
      outputs: [['y', 'float32', [2]]],
      nodes: [
        {
          op: 'If',
          inputs: ['c'],
          outputs: ['y'],
          attrs: {
            then_branch: attr.graph(branch('then', 'Neg')),
            else_branch: attr.graph(branch('else', 'Abs')),
          },
        },
      ],
    }),
  ).graph;
  const ifNode = g.nodes[0]!;
  const then = ifNode.attrs.then_branch;
  const other = ifNode.attrs.else_branch;
  assert.equal(then?.kind, 'graph');
  assert.equal(other?.kind, 'graph');
  const sub = (then as { value: Graph }).value;
  assert.equal(sub.name, 'then');
  assert.deepEqual(sub.inputs, []);
  assert.deepEqual(sub.outputs, [{ name: 'then_out', type: { dtype: 'float32', shape: [2] } }]);
  assert.deepEqual(
    sub.nodes.map((n) => [n.op, n.inputs]),
    [['Neg', ['x']]],
  );
  assert.equal((other as { value: Graph }).value.nodes[0]!.op, 'Abs');
  verifyGraph(g);
});

test('initializers listed as graph inputs (IR < 4) are constants, not runtime inputs', () => {
  const spec: ModelSpec = {
    irVersion: 3,
    inputs: [
      ['x', 'float32', [2]],
      ['w', 'float32', [2]],
    ],
    outputs: [['y', 'float32', [2]]],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [initializer('w', fromNumbers('float32', [2], [1, 2]))],
  };
  const g = importOnnxFile(writeModel(spec)).graph;
  assert.deepEqual(
    g.inputs.map((v) => v.name),
    ['x'],
  );
  assert.ok(g.initializers.has('w'));
});

test('structurally broken graphs are NCC_BAD_MODEL', () => {
  const base: ModelSpec = {
    inputs: [['x', 'float32', [2]]],
    outputs: [['y', 'float32', [2]]],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
  };
  expectNccError(
    () => importOnnxFile(writeModel({ ...base, nodes: [{ op: '', inputs: ['x'], outputs: ['y'] }] })),
    'NCC_BAD_MODEL',
    'no op_type',
  );
  expectNccError(
    () => importOnnxFile(writeModel({ ...base, inputs: [], outputs: [], nodes: [] })),
    'NCC_BAD_MODEL',
    'empty graph',
  );
  // an input without a type
  const untypedInput = { ...graphProto(base), input: [{ name: 'x' }] };
  expectNccError(
    () =>
      importOnnxFile(
        writeModelProto({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: untypedInput }),
      ),
    'NCC_BAD_MODEL',
    'untyped input',
  );
  // a non-tensor input
  const seqInput = {
    ...graphProto(base),
    input: [{ name: 'x', type: { sequence_type: { elem_type: { tensor_type: { elem_type: 1 } } } } }],
  };
  expectNccError(
    () =>
      importOnnxFile(
        writeModelProto({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: seqInput }),
      ),
    'NCC_UNSUPPORTED_DTYPE',
    'sequence input',
  );
});

function writeModelProto(proto: Record<string, unknown>): string {
  return writeModel(encodeModel(proto));
}
