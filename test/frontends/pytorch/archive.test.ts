/**
 * The TorchScript archive reader: the pickle machine on hand-written byte streams (every opcode
 * family, strided tensors, damage), and the real archives in ../shared/models/torchscript (module
 * trees, storages, constants, code, version), with values checked against the stored PyTorch
 * outputs where the model's arithmetic is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { ArchiveError, readTorchArchive, type TorchTensor } from '../../../src/frontends/pytorch/archive.js';
import { PickleError, PyFloat, PyObject, unpickle } from '../../../src/frontends/pytorch/unpickle.js';
import { readNpy } from '../../../src/io/npy.js';
import { toNumbers } from '../../../src/ir/tensor.js';
import { SHARED } from '../../helpers/shared-models.js';

const TS = join(SHARED, 'models/torchscript');
const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const str = (s: string): number[] => [0x58, ...u32(enc(s).length), ...enc(s)]; // BINUNICODE
const global = (module: string, name: string): number[] => [0x63, ...enc(`${module}\n${name}\n`)];

test('pickle: scalars, strings, containers, memo, classes with state', () => {
  // prettier-ignore
  const bytes = Uint8Array.from([
    0x80, 2, // PROTO 2
    ...global('__torch__', 'M'), 0x29, 0x81, // M() via NEWOBJ
    0x7d, 0x28, // {, MARK
    ...str('n'), 0x4b, 7,
    ...str('big'), 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, // LONG1: 2^63
    ...str('neg'), 0x4a, ...u32(-5 >>> 0),
    ...str('f'), 0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // 1.5, big-endian double
    ...str('l'), 0x5d, 0x71, 3, 0x4b, 1, 0x61, 0x4e, 0x61, // [1, None], memo 3
    ...str('t'), 0x88, 0x89, 0x86, // (True, False)
    ...str('again'), 0x68, 3, // the same list
    0x75, // SETITEMS
    0x62, // BUILD
    0x2e,
  ]);
  const m = unpickle(bytes);
  assert.ok(m instanceof PyObject);
  assert.equal(m.className, '__torch__.M');
  const state = m.state as Map<string, unknown>;
  assert.equal(state.get('n'), 7);
  assert.equal(state.get('big'), 2n ** 63n);
  assert.equal(state.get('neg'), -5);
  assert.ok(state.get('f') instanceof PyFloat);
  assert.equal(Number(state.get('f')), 1.5);
  assert.deepEqual(state.get('l'), [1, null]);
  assert.deepEqual(state.get('t'), [true, false]);
  assert.equal(state.get('again'), state.get('l'), 'memo gives the same object');
});

test('pickle: damage is a PickleError naming the offset, never a crash', () => {
  const good = Uint8Array.from([0x80, 2, ...str('hello'), 0x2e]);
  assert.equal(unpickle(good), 'hello');
  // prettier-ignore
  for (const bad of [
    good.subarray(0, 6), // truncated string
    Uint8Array.from([0x80, 2, 0x61, 0x2e]), // APPEND on an empty stack
    Uint8Array.from([0x80, 2, 0x68, 9, 0x2e]), // memo never stored
    Uint8Array.from([0x80, 2, 0xff]), // unknown opcode
    Uint8Array.from([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f]), // length beyond the data
  ])
    assert.throws(
      () => unpickle(bad),
      (e: unknown) => e instanceof PickleError && /pickle byte \d+/.test(e.message),
    );
});

test('a strided tensor is read from its storage as TorchScript stores views', () => {
  // a [2, 3] transposed view of a 6-float storage (strides [1, 2]) at offset 0
  const storage = new Float32Array([0, 1, 2, 3, 4, 5]);
  // prettier-ignore
  const data = Uint8Array.from([
    0x80, 2,
    ...global('torch._utils', '_rebuild_tensor_v2'),
    0x28, // MARK (args tuple)
    0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), 0x4b, 6, 0x74, 0x51, // BINPERSID
    0x4b, 0, // offset
    0x4b, 2, 0x4b, 3, 0x86, // size (2, 3)
    0x4b, 1, 0x4b, 2, 0x86, // stride (1, 2)
    0x89, // requires_grad False
    ...global('collections', 'OrderedDict'), 0x29, 0x52, // OrderedDict()
    0x74, 0x52, // args tuple, REDUCE
    0x2e,
  ]);
  const archive = zipSync({
    'm/data.pkl': data,
    'm/data/0': new Uint8Array(storage.buffer),
    'm/version': new TextEncoder().encode('3\n'),
  });
  const a = readTorchArchive(archive);
  const t = a.module as TorchTensor;
  assert.equal(t.kind, 'tensor');
  assert.deepEqual(t.value.shape, [2, 3]);
  assert.deepEqual(toNumbers(t.value), [0, 2, 4, 1, 3, 5]);
  assert.equal(a.version, 3);
  // a view reaching past its storage is refused
  const short = zipSync({ 'm/data.pkl': data, 'm/data/0': new Uint8Array(12) });
  assert.throws(() => readTorchArchive(short), ArchiveError);
});

test('not an archive, or no data.pkl: ArchiveError', () => {
  assert.throws(() => readTorchArchive(Uint8Array.from([1, 2, 3, 4])), ArchiveError);
  assert.throws(() => readTorchArchive(zipSync({ 'x/readme.txt': new Uint8Array(1) })), /no data\.pkl/);
});

test(
  'real TorchScript archives: module trees, storages, constants, code',
  { skip: existsSync(TS) ? false : `${TS} is not present` },
  () => {
    const foo = readTorchArchive(readFileSync(join(TS, 'tch_foo/foo.pt')));
    assert.ok(foo.module instanceof PyObject);
    assert.equal(foo.module.className, '__torch__.Foo');
    assert.match(foo.code.get('__torch__')!, /def forward\(self: __torch__\.Foo/);
    // forward is x * 2 + y + self.value: the buffer is what the stored output says it is
    const value = (foo.module.state as Map<string, unknown>).get('value') as TorchTensor;
    const x = toNumbers(readNpy(readFileSync(join(TS, 'tch_foo/inputs/x.npy'))));
    const y = toNumbers(readNpy(readFileSync(join(TS, 'tch_foo/inputs/y.npy'))));
    const out = toNumbers(readNpy(readFileSync(join(TS, 'tch_foo/outputs/output.npy'))));
    const v = toNumbers(value.value);
    out.forEach((o, i) => assert.ok(Math.abs(o - (2 * x[i]! + y[0]! + v[0]!)) < 1e-6));

    const mobilenet = readTorchArchive(readFileSync(join(TS, 'mobilenet_v2/model.pt')));
    const attr = (o: unknown, name: string): unknown =>
      ((o as PyObject).state as Map<string, unknown>).get(name);
    const firstConv = attr(attr(attr(mobilenet.module, 'features'), '0'), '0');
    const weight = attr(firstConv, 'weight') as TorchTensor;
    assert.deepEqual(weight.value.shape, [32, 3, 3, 3]);
    assert.equal(weight.value.dtype, 'float32');
    assert.ok(mobilenet.code.size > 3);

    const bert = readTorchArchive(readFileSync(join(TS, 'bert_tiny/model.pt')));
    assert.equal(bert.version, 10);
    assert.deepEqual(
      bert.constants.map((c) => (c as TorchTensor).value.dtype),
      ['int64', 'float64'],
    );
  },
);
