/**
 * The MXNet `.params` reader: hand-built files of every record kind and element type, the real
 * checkpoints in ../shared/models/mxnet checked against their symbols (every variable present, shapes
 * consistent with the layers that use them), and damaged files that must fail with a ParamsError
 * naming the byte offset, quickly and without large allocations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParamsError, readMxParams, type MxParams } from '../../../src/frontends/mxnet/params.js';
import { allocate, DTYPES, storageCtor, type DType, type TensorData } from '../../../src/ir/dtype.js';
import { sizeOf, toFloat32, type Tensor } from '../../../src/ir/tensor.js';
import { SHARED } from '../../helpers/shared-models.js';

const MX = join(SHARED, 'models/mxnet');

/** mshadow's type flags (the index), written out here apart from the reader's table. */
// prettier-ignore
const FLAGS: readonly DType[] = ['float32', 'float64', 'float16', 'uint8', 'int32', 'int8', 'int64', 'bool',
  'int16', 'uint16', 'uint32', 'uint64', 'bfloat16'];
const MAGIC = { V1: 0xf993fac8, V2: 0xf993fac9, V3: 0xf993faca } as const;
type Kind = 'legacy' | keyof typeof MAGIC;

class Bytes {
  readonly out: number[] = [];
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.out.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    for (let i = 0n; i < 8n; i++) this.out.push(Number((u >> (8n * i)) & 0xffn));
    return this;
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]!);
    return this;
  }
}

interface Rec {
  kind: Kind;
  /** null: rank -1 (unknown shape) */
  dims: readonly (number | bigint)[] | null;
  /** absent: no context, type or data follow (a "none" array) */
  dtype?: DType;
  data?: TensorData;
  stype?: number;
  device?: [number, number];
  flag?: number;
}

function record(r: Rec): number[] {
  const b = new Bytes();
  if (r.kind !== 'legacy') b.u32(MAGIC[r.kind]);
  if (r.kind === 'V2' || r.kind === 'V3') b.u32(r.stype ?? 0);
  if (r.kind === 'legacy') {
    b.u32(r.dims!.length);
    for (const d of r.dims!) b.u32(Number(d));
  } else {
    b.u32(r.dims === null ? -1 : r.dims.length);
    for (const d of r.dims ?? []) b.u64(BigInt(d));
  }
  if (r.dtype !== undefined) {
    const [type, id] = r.device ?? [1, 0];
    b.u32(type).u32(id);
    b.u32(r.flag ?? FLAGS.indexOf(r.dtype));
    if (r.data) b.raw(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
  }
  return b.out;
}

function paramsFile(records: number[][], names: readonly string[]): Uint8Array {
  const b = new Bytes().u64(0x112n).u64(0n).u64(BigInt(records.length));
  for (const r of records) b.raw(r);
  b.u64(BigInt(names.length));
  for (const n of names) {
    const e = new TextEncoder().encode(n);
    b.u64(BigInt(e.length)).raw(e);
  }
  return Uint8Array.from(b.out);
}

/** Arbitrary bit patterns (NaN payloads, denormals, extremes included); bools stay 0/1. */
function sample(dtype: DType, n: number, seed: number): TensorData {
  const data = allocate(dtype, n);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = dtype === 'bool' ? (i + seed) % 2 : (i * 37 + seed * 11 + 5) & 0xff;
  return data;
}

const bytesOf = (d: TensorData): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

function assertSame(t: Tensor | undefined, dtype: DType, shape: readonly number[], data: TensorData): void {
  assert.ok(t, 'tensor present');
  assert.equal(t.dtype, dtype);
  assert.deepEqual(t.shape, shape);
  assert.ok(t.data instanceof storageCtor(dtype), `${dtype} storage`);
  assert.deepEqual(bytesOf(t.data), bytesOf(data), `${dtype} bits`);
}

const isParamsError = (e: unknown): boolean => e instanceof ParamsError && /at byte \d+/.test(e.message);

function assertRefused(bytes: Uint8Array, what: string, pattern?: RegExp): void {
  assert.throws(
    () => readMxParams(bytes),
    (e: unknown) => {
      assert.ok(isParamsError(e), `${what}: expected a ParamsError with an offset, got ${String(e)}`);
      if (pattern) assert.match((e as Error).message, pattern, what);
      return true;
    },
  );
}

test('every record kind and element type round-trips bit for bit', () => {
  for (const kind of ['legacy', 'V1', 'V2', 'V3'] as const) {
    const datas = DTYPES.map((dtype, i) => sample(dtype, 6, i));
    const recs = DTYPES.map((dtype, i) => record({ kind, dims: [2, 3], dtype, data: datas[i]! }));
    const names = DTYPES.map((d, i) => (i % 2 === 0 ? `arg:${d}_weight` : `aux:${d}_moving_var`));
    const p = readMxParams(paramsFile(recs, names));
    assert.equal(p.format, kind === 'legacy' ? 'legacy records' : `NDArray ${kind} records`);
    DTYPES.forEach((dtype, i) => {
      const map = i % 2 === 0 ? p.args : p.aux;
      const name = i % 2 === 0 ? `${dtype}_weight` : `${dtype}_moving_var`;
      assertSame(map.get(name), dtype, [2, 3], datas[i]!);
    });
    assert.equal(p.args.size + p.aux.size, DTYPES.length);
    assert.equal(p.other.size, 0);
  }
});

test('ranks 1 to 6, zero-size dimensions, gpu contexts, int64 dimensions beyond 32 bits', () => {
  const shapes = [[5], [1, 4], [2, 1, 3], [1, 2, 1, 2], [1, 1, 1, 1, 3], [2, 1, 1, 1, 1, 2]];
  const datas = shapes.map((s, i) => sample('float32', sizeOf(s), i));
  const recs = shapes.map((dims, i) =>
    record({ kind: 'V2', dims, dtype: 'float32', data: datas[i]!, device: [2, i] }),
  );
  const names = shapes.map((_, i) => `arg:p${i}`);
  const p = readMxParams(paramsFile(recs, names));
  shapes.forEach((s, i) => assertSame(p.args.get(`p${i}`), 'float32', s, datas[i]!));
  // an empty dimension still has a context and a type, and no data; its other dimensions may be vast
  const empty = readMxParams(
    paramsFile([record({ kind: 'V2', dims: [0, 2n ** 40n], dtype: 'int8' })], ['arg:e']),
  ).args.get('e');
  assertSame(empty, 'int8', [0, 2 ** 40], new Int8Array(0));
});

test('none arrays, numpy scalars and unknown shapes', () => {
  const one = sample('float64', 1, 3);
  const recs = [
    record({ kind: 'legacy', dims: [] }),
    record({ kind: 'V1', dims: [] }),
    record({ kind: 'V2', dims: [] }),
    record({ kind: 'V2', dims: null, stype: -1 }),
    record({ kind: 'V3', dims: null }),
    record({ kind: 'V3', dims: [3, -1] }),
    record({ kind: 'V3', dims: [], dtype: 'float64', data: one }),
    record({ kind: 'V1', dims: [1], dtype: 'float64', data: one }),
  ];
  const p = readMxParams(paramsFile(recs, []));
  assert.equal(p.format, 'NDArray V3 + NDArray V2 + NDArray V1 + legacy records');
  assert.deepEqual([...p.other.keys()], ['0', '1', '2', '3', '4', '5', '6', '7']);
  for (let i = 0; i < 6; i++) assertSame(p.other.get(String(i)), 'float32', [0], new Float32Array(0));
  assertSame(p.other.get('6'), 'float64', [], one);
  assertSame(p.other.get('7'), 'float64', [1], one);
});

test('bare names go to other; arg:/aux: prefixes are stripped; an empty list reads', () => {
  const d = sample('float32', 2, 1);
  const rec = record({ kind: 'V2', dims: [2], dtype: 'float32', data: d });
  const p = readMxParams(paramsFile([rec, rec, rec, rec], ['w', 'arg:w', 'aux:w', 'argx:w']));
  assert.deepEqual([...p.other.keys()], ['w', 'argx:w']);
  assert.deepEqual([...p.args.keys()], ['w']);
  assert.deepEqual([...p.aux.keys()], ['w']);
  const unicode = readMxParams(paramsFile([rec], ['arg:couche_é_层']));
  assert.ok(unicode.args.has('couche_é_层'));
  const none = readMxParams(paramsFile([], []));
  assert.equal(none.format, 'no records');
  assert.equal(none.args.size + none.aux.size + none.other.size, 0);
});

test('malformed hand-built files: ParamsError saying what and where', () => {
  const d = sample('float32', 4, 2);
  const good = (r: Partial<Rec> = {}): number[] =>
    record({ kind: 'V2', dims: [4], dtype: 'float32', data: d, ...r });
  const header = (b: Bytes): Uint8Array => Uint8Array.from(b.out);
  // prettier-ignore
  const cases: [string, Uint8Array, RegExp][] = [
    ['row_sparse storage', paramsFile([good({ stype: 1 })], ['a']), /row_sparse/],
    ['csr storage', paramsFile([good({ stype: 2 })], ['a']), /csr/],
    ['unknown storage', paramsFile([good({ stype: 7 })], ['a']), /storage type 7/],
    ['undefined storage with a shape', paramsFile([good({ stype: -1 })], ['a']), /undefined storage/],
    ['unknown type flag', paramsFile([good({ flag: 13 })], ['a']), /type flag 13/],
    ['negative type flag', paramsFile([good({ flag: -1 })], ['a']), /type flag -1/],
    ['negative dimension', paramsFile([good({ dims: [-2] })], ['a']), /negative dimension -2/],
    ['unknown dimension outside V3', paramsFile([good({ dims: [-1] })], ['a']), /negative dimension -1/],
    ['rank below -1', header(new Bytes().u64(0x112n).u64(0n).u64(1n).u32(MAGIC.V2).u32(0).u32(-2)), /rank -2/],
    ['huge dimension', paramsFile([good({ dims: [2n ** 62n] })], ['a']), /too large/],
    ['dimension product', paramsFile([good({ dims: [2 ** 20, 2 ** 20, 2 ** 20] })], ['a']), /does not fit/],
    ['bad device', paramsFile([good({ device: [99, 0] })], ['a']), /device/],
    ['data cut short', paramsFile([good({ data: d.subarray(0, 3) })], ['a']), /bytes/],
    ['names count mismatch', paramsFile([good(), good()], ['a']), /1 names for 2 arrays/],
    ['duplicate name', paramsFile([good(), good()], ['arg:a', 'arg:a']), /twice/],
    ['bad UTF-8', paramsFile([good()], ['\uFFFF']).map((b, i, a) => (i >= a.length - 3 ? 0xff : b)), /UTF-8/],
    ['trailing garbage', Uint8Array.from([...paramsFile([good()], ['a']), 0]), /1 trailing bytes/],
    ['not a params file', Uint8Array.from(paramsFile([good()], ['a']), (b, i) => (i === 0 ? 0x13 : b)), /magic 0x113/],
    ['empty file', new Uint8Array(0), /file header/],
    ['huge array count', header(new Bytes().u64(0x112n).u64(0n).u64(2n ** 63n)), /array count/],
    ['huge name count', header(new Bytes().u64(0x112n).u64(0n).u64(0n).u64(-1n)), /name count/],
    ['huge legacy rank', paramsFile([record({ kind: 'legacy', dims: [] }).map(() => 0xff)], []), /legacy shape/],
  ];
  for (const [what, bytes, pattern] of cases) assertRefused(bytes, what, pattern);
  const nameLen = paramsFile([good()], ['a']);
  new DataView(nameLen.buffer).setBigUint64(nameLen.length - 9, 2n ** 61n, true);
  assertRefused(nameLen, 'huge name length', /name 0 length/);
});

test('random damage to a small file never escapes as anything but a ParamsError', () => {
  const recs = (['legacy', 'V1', 'V2', 'V3'] as const).map((kind, i) =>
    record({ kind, dims: [2, 2], dtype: DTYPES[i]!, data: sample(DTYPES[i]!, 4, i) }),
  );
  const base = paramsFile(recs, ['arg:a', 'aux:b', 'c', 'arg:d']);
  let seed = 12345;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  for (let round = 0; round < 3000; round++) {
    const bad = base.slice();
    for (let k = 1 + rand(3); k > 0; k--) bad[rand(bad.length)] = rand(256);
    try {
      readMxParams(bad);
    } catch (e) {
      assert.ok(isParamsError(e), `round ${round}: ${String(e)}`);
    }
  }
});

interface Node {
  op: string;
  name: string;
  inputs: number[][];
  attrs?: Record<string, string>;
  attr?: Record<string, string>;
  param?: Record<string, string>;
}

const tuple = (s: string | undefined): number[] =>
  (s ?? '')
    .replace(/[()[\]\s]/g, '')
    .split(',')
    .filter(Boolean)
    .map(Number);

/** Ops that keep their first input's channel count. */
const SAME_CHANNELS = new Set([
  'BatchNorm', 'Activation', 'LeakyReLU', 'elemwise_add', 'Dropout', '_plus_scalar', '_minus_scalar',
  '_mul_scalar', '_div_scalar', '_maximum_scalar', '_minimum_scalar',
]); // prettier-ignore

/** Checks every variable of the symbol against the parameters, shapes against the layers using them. */
function checkAgainstSymbol(p: MxParams, nodes: readonly Node[], inputChannels: number, where: string): void {
  const param = (name: string): Tensor => {
    const t = /_moving_(mean|var)$/.test(name) ? p.aux.get(name) : p.args.get(name);
    assert.ok(t, `${where}: ${name} is missing`);
    return t;
  };
  const variables = nodes.filter((n) => n.op === 'null' && n.name !== 'data').map((n) => n.name);
  for (const v of variables) param(v);
  assert.deepEqual(
    [...p.args.keys(), ...p.aux.keys()].sort(),
    [...variables].sort(),
    `${where}: no extra arrays`,
  );
  assert.equal(p.other.size, 0);

  const channels: (number | undefined)[] = [];
  let checkedConvs = 0;
  nodes.forEach((n, i) => {
    const a = n.attrs ?? n.attr ?? n.param ?? {};
    const inputs = n.inputs.map(([id]) => nodes[id!]!);
    const inC = n.inputs.length > 0 ? channels[n.inputs[0]![0]!] : undefined;
    if (n.op === 'null') channels[i] = n.name === 'data' ? inputChannels : undefined;
    else if (n.op === 'Convolution') {
      const filters = Number(a.num_filter);
      const groups = Number(a.num_group ?? 1);
      const w = param(inputs[1]!.name);
      assert.deepEqual(w.shape, [filters, w.shape[1], ...tuple(a.kernel)], `${where}: ${n.name} weight`);
      if (inC !== undefined) {
        assert.equal(w.shape[1]! * groups, inC, `${where}: ${n.name} input channels`);
        checkedConvs++;
      }
      if (inputs[2]) assert.deepEqual(param(inputs[2].name).shape, [filters], `${where}: ${n.name} bias`);
      channels[i] = filters;
    } else if (n.op === 'FullyConnected') {
      const w = param(inputs[1]!.name);
      assert.equal(w.shape[0], Number(a.num_hidden), `${where}: ${n.name} weight`);
      if (inputs[2]) assert.deepEqual(param(inputs[2].name).shape, [Number(a.num_hidden)]);
      channels[i] = Number(a.num_hidden);
    } else if (SAME_CHANNELS.has(n.op)) {
      channels[i] = inC;
      for (const v of inputs.slice(1).filter((x) => x.op === 'null')) {
        const t = param(v.name);
        assert.equal(t.shape.length, 1, `${where}: ${v.name} is per channel`);
        if (inC !== undefined) assert.equal(t.shape[0], inC, `${where}: ${v.name} channels`);
      }
      if (n.op === 'BatchNorm') {
        const variance = toFloat32(param(inputs[4]!.name));
        assert.ok(
          variance.every((x) => x > 0 && Number.isFinite(x)),
          `${where}: ${n.name} moving_var > 0`,
        );
      }
    }
  });
  assert.ok(checkedConvs > 0, `${where}: some convolution had a known input channel count`);
}

/** float64 sum and absolute sum of conv1_weight, as the independent Python reader in
 * ../shared/scripts/ref/mxnet_ref.py (load_params) computes them. */
const CONV1_SUMS: Record<string, [number, number]> = {
  lffd_head: [-8.712256456017712, 299.9610315545924],
  lffd_license_plate: [-3.9833295494627237, 148.9482263449081],
  lffd_license_plate_small: [0.42000593875491177, 137.81331479621076],
  mobileface_v1: [1.6523227095606057, 41.830077841966684],
  mobileface_v2: [1.302386653987404, 38.77187895850161],
  mobileface_v3: [-4.712404978854465, 141.82286557469342],
};

interface Meta {
  files: string[];
  notes: string;
  io_config: { inputs: Record<string, [number[], string]> };
}

function realModels(): { folder: string; meta: Meta; params: Uint8Array; nodes: Node[] }[] {
  return Object.keys(CONV1_SUMS)
    .filter((folder) => existsSync(join(MX, folder, 'meta.json')))
    .map((folder) => {
      const dir = join(MX, folder);
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
      const file = (suffix: string): string =>
        join(
          dir,
          meta.files.find((f) => f.endsWith(suffix))!,
        );
      const symbol = JSON.parse(readFileSync(file('-symbol.json'), 'utf8')) as { nodes: Node[] };
      return { folder, meta, params: new Uint8Array(readFileSync(file('.params'))), nodes: symbol.nodes };
    });
}

const skipReal = existsSync(MX) ? false : `${MX} is not present`;

test('real checkpoints: format, every symbol variable, shapes, values', { skip: skipReal }, () => {
  const models = realModels();
  assert.equal(models.length, Object.keys(CONV1_SUMS).length);
  for (const { folder, meta, params, nodes } of models) {
    const p = readMxParams(params);
    // meta.json's notes say e.g. ".params: 74 arrays, NDArray record format v2"
    const m = /\.params: (\d+) arrays, NDArray record format (\w+)/.exec(meta.notes);
    assert.ok(m, `${folder}: meta notes describe the .params`);
    assert.equal(p.format, m[2] === 'legacy' ? 'legacy records' : `NDArray ${m[2]!.toUpperCase()} records`);
    assert.equal(p.args.size + p.aux.size, Number(m[1]), folder);
    checkAgainstSymbol(p, nodes, meta.io_config.inputs.data![0][1]!, folder);
    const w = p.args.get('conv1_weight')!;
    let sum = 0;
    let abs = 0;
    for (const x of toFloat32(w)) [sum, abs] = [sum + x, abs + Math.abs(x)];
    const [expSum, expAbs] = CONV1_SUMS[folder]!;
    const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9 * expAbs;
    assert.ok(near(sum, expSum) && near(abs, expAbs), `${folder}: conv1_weight sums ${sum}, ${abs}`);
  }
});

test('real checkpoints cut short or damaged: ParamsError, quickly', { skip: skipReal }, () => {
  for (const { folder, params } of realModels().filter((m) => /v1|small/.test(m.folder))) {
    const start = performance.now();
    const cuts: number[] = [];
    for (let n = 0; n < Math.min(65536, params.length); n += 997) cuts.push(n);
    for (let k = 1; k <= 40; k++) cuts.push(params.length - k);
    for (const n of cuts) assertRefused(params.subarray(0, n), `${folder} cut at ${n}`);

    const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const patched = (offset: number, write: (v: DataView) => void): Uint8Array => {
      const copy = params.slice();
      write(new DataView(copy.buffer, offset));
      return copy;
    };
    // the first record: legacy rank at 24, or a V2 magic at 24 with the rank at 32 and dims from 36
    const legacy = view(params).getUint32(24, true) !== MAGIC.V2;
    // the names are the file's tail: find the first name's length field from the decoded names
    const p = readMxParams(params);
    const names = [...p.args.keys()].map((k) => `arg:${k}`).concat([...p.aux.keys()].map((k) => `aux:${k}`));
    const firstName = params.length - names.reduce((s, n) => s + 8 + new TextEncoder().encode(n).length, 0);
    assert.equal(view(params).getBigUint64(firstName - 8, true), BigInt(names.length));
    // prettier-ignore
    const damage: [string, number, (v: DataView) => void, RegExp?][] = [
      ['file magic', 0, (v) => v.setUint32(0, 0x113, true), /magic/],
      ['huge array count', 16, (v) => v.setBigUint64(0, 2n ** 62n, true), /array count/],
      ['array count too big for the records', 16, (v) => v.setBigUint64(0, 1000n, true)],
      ['array count too small', 16, (v) => v.setBigUint64(0, 1n, true)],
      ['record magic', 24, (v) => v.setUint32(0, 0xffffffff, true)],
      ['huge rank', legacy ? 24 : 32, (v) => v.setInt32(0, 0x7fffffff, true)],
      ['huge dim', legacy ? 28 : 36, (v) => v.setUint32(0, 0xfffffff0, true)],
      ['negative dim', legacy ? -1 : 36, (v) => v.setBigInt64(0, -5n, true), /negative dimension -5/],
      ['huge name length', firstName, (v) => v.setBigUint64(0, 2n ** 60n, true), /name 0/],
      ['names count', firstName - 8, (v) => v.setBigUint64(0, 3n, true), /3 names/],
    ];
    for (const [what, at, write, pattern] of damage) {
      if (at >= 0) assertRefused(patched(at, write), `${folder} ${what}`, pattern); // legacy dims are unsigned
    }
    assert.ok(performance.now() - start < 10_000, `${folder}: damage is refused quickly`);
  }
});
