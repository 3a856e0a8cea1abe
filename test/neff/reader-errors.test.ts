import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE_HEADER_BYTES, ENTRY, HEADER, MAX_SECTIONS, SECTION_TYPES } from '../../src/neff/format.js';
import { readNeff } from '../../src/neff/reader.js';
import { writeNeff } from '../../src/neff/writer.js';
import {
  EMPTY_WASM,
  assemble,
  entryAt,
  expectError,
  fixAllCrcs,
  fixHeaderCrc,
  metadataJson,
  sampleContents,
  sectionsWith,
  view,
} from './sample.js';

const valid = (): Uint8Array => writeNeff(sampleContents());
const corrupt = (bytes: Uint8Array, message: RegExp): void =>
  void expectError(() => readNeff(bytes), 'NEFF_CORRUPT', message);

/** Section i's table fields, read from a valid file. */
function entry(bytes: Uint8Array, i: number): { offset: number; length: number } {
  const v = view(bytes);
  return {
    offset: Number(v.getBigUint64(entryAt(i) + ENTRY.offset, true)),
    length: Number(v.getBigUint64(entryAt(i) + ENTRY.length, true)),
  };
}

test('not a NEFF, too short, truncated, trailing bytes', () => {
  corrupt(new Uint8Array(0), /shorter than the 64-byte header/);
  corrupt(new TextEncoder().encode('{"model": "not a neff"}'), /not a NEFF file/);
  corrupt(valid().subarray(0, 5), /shorter than the 64-byte header/);
  corrupt(valid().subarray(0, 40), /shorter than the 64-byte header/);
  const bytes = valid();
  corrupt(
    bytes.subarray(0, bytes.length - 1),
    new RegExp(`truncated: the header declares ${bytes.length} bytes`),
  );
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  corrupt(longer, /more than the \d+ its header declares/);
});

test('section count out of range, or a table past the end', () => {
  for (const count of [0, MAX_SECTIONS + 1, 0xffffffff]) {
    const bytes = valid();
    view(bytes).setUint32(HEADER.sectionCount, count, true);
    corrupt(bytes, /section count \d+ is outside/);
  }
  const bytes = valid();
  view(bytes).setUint32(HEADER.sectionCount, 200, true);
  corrupt(bytes, /section table \(200 entries\) runs past the end/);
});

test('header checksum and reserved header bytes', () => {
  const bytes = valid();
  bytes[HEADER.minor] = 7;
  corrupt(bytes, /header checksum mismatch/);
  const table = valid();
  table[entryAt(2) + ENTRY.checksum] ^= 1;
  corrupt(table, /header checksum mismatch/);
  const reserved = valid();
  reserved[HEADER.reserved + 3] = 1;
  corrupt(fixHeaderCrc(reserved), /reserved header bytes are not zero/);
});

test('section entries: unknown type, flags, reserved bytes, bounds, alignment', () => {
  const set = (i: number, field: number, value: number | bigint): Uint8Array => {
    const bytes = valid();
    if (typeof value === 'bigint') view(bytes).setBigUint64(entryAt(i) + field, value, true);
    else view(bytes).setUint32(entryAt(i) + field, value, true);
    return fixHeaderCrc(bytes);
  };
  corrupt(set(1, ENTRY.type, 77), /section 1 has unknown type 77/);
  corrupt(set(1, ENTRY.flags, 2), /section 1 has flags 2/);
  corrupt(set(1, ENTRY.program, 2), /section 1 has non-zero reserved bytes/);
  corrupt(
    set(3, ENTRY.length, 2n ** 64n - 1n),
    /section 3 \(18446744073709551615 bytes at offset \d+\) runs past the end/,
  );
  corrupt(set(3, ENTRY.offset, 2n ** 63n), /section 3 .* runs past the end/);
  corrupt(set(0, ENTRY.length, 10n ** 6n), /runs past the end/);
  corrupt(
    set(2, ENTRY.offset, BigInt(entry(valid(), 2).offset + 8)),
    /starts at offset \d+, not a multiple of 64/,
  );
});

test('overlapping sections, sections over the table, non-zero padding', () => {
  const bytes = valid();
  const second = entry(bytes, 1);
  view(bytes).setBigUint64(entryAt(2) + ENTRY.offset, BigInt(second.offset), true);
  corrupt(fixHeaderCrc(bytes), /overlaps the section before it/);

  const overTable = valid();
  view(overTable).setBigUint64(entryAt(0) + ENTRY.offset, 64n, true);
  corrupt(fixHeaderCrc(overTable), /overlaps the section table/);

  const padded = valid();
  const first = entry(padded, 0);
  padded[first.offset + first.length] = 0x20; // the metadata's padding: harmless to JSON, not to us
  corrupt(padded, /padding before offset \d+ is not zero/);
});

test('a damaged section fails its checksum, naming the section', () => {
  for (const [i, kind] of [
    [0, 'metadata'],
    [1, 'code'],
    [3, 'weights'],
  ] as const) {
    const bytes = valid();
    const s = entry(bytes, i);
    bytes[s.offset + s.length - 1]! ^= 0x40;
    corrupt(bytes, new RegExp(`checksum mismatch in the ${kind} section`));
  }
});

test('missing or repeated sections', () => {
  const [metadata, code1, code2, weights] = sectionsWith(metadataJson());
  corrupt(assemble([code1!, weights!]), /exactly one metadata section/);
  corrupt(assemble([metadata!, metadata!, code1!, weights!]), /exactly one metadata section/);
  corrupt(assemble([metadata!, code1!]), /exactly one weights section/);
  corrupt(assemble([metadata!, code1!, weights!, weights!]), /exactly one weights section/);
  corrupt(assemble([metadata!, weights!]), /no code section/);
  assert.equal(readNeff(assemble([metadata!, code2!, weights!])).contents.variants.length, 1);
});

test('code sections: too short, reserved bytes, unknown feature bits, not wasm', () => {
  const [metadata, , , weights] = sectionsWith(metadataJson());
  const code = (bits: number, body: Uint8Array, reserved = 0): Uint8Array => {
    const payload = new Uint8Array(CODE_HEADER_BYTES + body.length);
    view(payload).setUint32(0, bits, true);
    payload[8] = reserved;
    payload.set(body, CODE_HEADER_BYTES);
    return assemble([metadata!, { type: SECTION_TYPES.code, payload }, weights!]);
  };
  corrupt(code(1, new Uint8Array(3)), /code section 0 is 19 bytes, too short/);
  corrupt(code(1, EMPTY_WASM, 5), /code section 0 has non-zero reserved bytes/);
  corrupt(code(0x80000001, EMPTY_WASM), /unknown feature bits 0x80000000/);
  corrupt(code(1, new TextEncoder().encode('(module)')), /does not hold a WebAssembly module/);
});

test('metadata that is not UTF-8 or not JSON', () => {
  const [, code, , weights] = sectionsWith(metadataJson());
  const raw = (payload: Uint8Array): Uint8Array =>
    assemble([{ type: SECTION_TYPES.metadata, payload }, code!, weights!]);
  corrupt(raw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/);
  corrupt(raw(new TextEncoder().encode('{"model": ')), /not valid JSON/);
  corrupt(raw(new Uint8Array(0)), /not valid JSON/);
});

/** A metadata mutation, and what the reader must say about it. */
type Mutation = [string, (m: Record<string, any>) => void, RegExp]; // eslint-disable-line @typescript-eslint/no-explicit-any

const MUTATIONS: Mutation[] = [
  ['top level', (m) => Object.assign(m, { model: 'x' }), /metadata\.model must be an object, got "x"/],
  ['format', (m) => (m.format.minor = 9), /metadata\.format 1\.9 differs from the header's 1\.\d+/],
  ['format missing', (m) => delete m.format, /metadata\.format must be an object, got undefined/],
  ['model name', (m) => (m.model.name = 3), /metadata\.model\.name must be a string, got 3/],
  ['compiler', (m) => (m.compiler.version = null), /metadata\.compiler\.version must be a string, got null/],
  ['options', (m) => (m.options = [1]), /metadata\.options must be an object, got an array/],
  ['summary', (m) => (m.summary.ops = { n: 1 }), /metadata\.summary\.ops must be a number or a string/],
  ['kernels', (m) => (m.kernels = { k: 1 }), /metadata\.kernels must be a list/],
  [
    'kernel flops',
    (m) => (m.kernels = [{ name: 'k', node: 'n', op: 'Conv', flops: -1 }]),
    /metadata\.kernels\[0\]\.flops must be a non-negative number/,
  ],
  [
    'kernel name',
    (m) => (m.kernels = [{ name: 7, node: 'n', op: 'Conv', flops: 1 }]),
    /metadata\.kernels\[0\]\.name must be a string, got 7/,
  ],
  [
    'memory field',
    (m) => (m.memory.arenaBytes = -64),
    /memory\.arenaBytes must be a non-negative integer, got -64/,
  ],
  [
    'memory fraction',
    (m) => (m.memory.weightsOffset = 0.5),
    /weightsOffset must be a non-negative integer, got 0\.5/,
  ],
  [
    'memory unsafe',
    (m) => (m.memory.arenaBytes = 2 ** 53),
    /arenaBytes must be a non-negative integer, got 9007199254740992/,
  ],
  ['memory alignment', (m) => (m.memory.arenaOffset = 136), /offsets must be multiples of 64/],
  ['memory overlap', (m) => (m.memory.weightsBytes = 100), /the arena \(at 128\) overlaps the weights/],
  ['memory huge', (m) => (m.memory.arenaBytes = 2 ** 40), /needs \d+ bytes, more than wasm32's 4294967296/],
  [
    'total bytes',
    (m) => (m.memory.totalBytes = 65536 * 2),
    /totalBytes is 131072, but arenaOffset \+ arenaBytes = 384 rounds up to 65536/,
  ],
  ['inputs', (m) => (m.inputs = {}), /metadata\.inputs must be an array, got an object/],
  ['no outputs', (m) => (m.outputs = []), /metadata\.outputs is empty/],
  ['tensor', (m) => (m.inputs[0] = 'x'), /metadata\.inputs\[0\] must be an object/],
  ['empty name', (m) => (m.inputs[0].name = ''), /metadata\.inputs\[0\]\.name is empty/],
  ['duplicate name', (m) => (m.outputs[1].name = 'y'), /metadata\.outputs names 'y' twice/],
  [
    'dtype',
    (m) => (m.inputs[1].dtype = 'complex64'),
    /inputs\[1\]\.dtype is "complex64", not a known element type/,
  ],
  ['dtype type', (m) => (m.inputs[1].dtype = 4), /inputs\[1\]\.dtype is 4, not a known element type/],
  ['shape', (m) => (m.inputs[0].shape = '2x4'), /inputs\[0\]\.shape must be an array, got "2x4"/],
  [
    'dim',
    (m) => (m.inputs[0].shape[1] = -4),
    /inputs\[0\]\.shape\[1\] must be a non-negative integer, got -4/,
  ],
  ['rank', (m) => (m.inputs[0].shape = new Array(65).fill(1)), /shape has rank 65, above 64/],
  ['huge shape', (m) => (m.inputs[0].shape = [2 ** 30, 2 ** 20]), /exceeds wasm32's 4294967296 bytes/],
  [
    'byteLength',
    (m) => (m.inputs[0].byteLength = 64),
    /inputs\[0\]\.byteLength is 64, but shape \[2,4\] of float32 holds 32/,
  ],
  [
    'offset alignment',
    (m) => (m.outputs[0].offset = 200),
    /outputs\[0\]\.offset 200 is not a multiple of 16/,
  ],
  [
    'out of memory',
    (m) => (m.outputs[0].offset = 65536 - 16),
    /outputs\[0\] \(32 bytes at 65520\) lies outside the 65536-byte memory/,
  ],
  [
    'input outside arena',
    (m) => (m.inputs[0].offset = 64),
    /input 'x' \(32 bytes at 64\) lies outside the arena/,
  ],
  ['inputs overlap', (m) => (m.inputs[1].offset = 144), /inputs 'x' and 'ids' overlap/],
  [
    'output outside',
    (m) => (m.outputs[0].offset = 0),
    /output 'y' \(32 bytes at 0\) lies outside the weights and arena/,
  ],
  [
    'output past arena',
    (m) => (m.outputs[0].offset = 384),
    /output 'y' \(32 bytes at 384\) lies outside the weights and arena/,
  ],
];

test('metadata fields: every type, range and consistency rule', () => {
  for (const [what, mutate, message] of MUTATIONS) {
    const json = metadataJson();
    mutate(json);
    const e = expectError(() => readNeff(assemble(sectionsWith(json))), 'NEFF_CORRUPT');
    assert.match(e.message, message, what);
  }
});

test('weights section size must match the memory plan', () => {
  const json = metadataJson();
  (json.memory as { weightsBytes: number }).weightsBytes = 32;
  corrupt(
    assemble(sectionsWith(json)),
    /weights section is 40 bytes, but metadata\.memory\.weightsBytes is 32/,
  );
});

test('extra metadata fields are ignored (a newer writer may add some)', () => {
  const json = metadataJson();
  json.extra = { anything: [1, 2] };
  (json.inputs as Record<string, unknown>[])[0]!.layout = 'NCHW';
  assert.equal(readNeff(assemble(sectionsWith(json))).contents.metadata.model.name, 'sample');
});

test('fixing up every checksum still leaves structural damage detected', () => {
  const bytes = valid();
  const s = entry(bytes, 1);
  bytes.fill(0xee, s.offset, s.offset + 4); // the code section's feature bits
  corrupt(fixAllCrcs(bytes), /unknown feature bits/);
});
