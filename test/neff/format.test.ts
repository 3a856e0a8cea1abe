import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NeffContents } from '../../src/neff/contents.js';
import { crc32 } from '../../src/neff/crc32.js';
import { canonicalJson } from '../../src/neff/canonical-json.js';
import {
  CODE_HEADER_BYTES,
  ENTRY,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  SINGLE_MODEL_MINOR,
  HEADER,
  MAGIC,
  SECTION_ALIGN,
  SECTION_TYPES,
} from '../../src/neff/format.js';
import { readNeff } from '../../src/neff/reader.js';
import { writeNeff } from '../../src/neff/writer.js';
import {
  EMPTY_WASM,
  assemble,
  entryAt,
  expectError,
  fixHeaderCrc,
  sampleContents,
  sampleMetadata,
  sectionsWith,
  metadataJson,
  view,
} from './sample.js';

test('crc32 is the zlib/PNG CRC-32, and continues across chunks', () => {
  const text = new TextEncoder().encode('123456789');
  assert.equal(crc32(text), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const long = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
  assert.equal(crc32(long.subarray(300), crc32(long.subarray(0, 300))), crc32(long));
  // the 8-byte fast path and the byte loop agree: compare against a plain bitwise CRC
  let c = ~0 >>> 0;
  for (const b of long) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  assert.equal(crc32(long), ~c >>> 0);
  // every alignment of start and end (the word path starts at a 4-byte boundary)
  const bitwise = (bytes: Uint8Array): number => {
    let x = ~0 >>> 0;
    for (const b of bytes) {
      x ^= b;
      for (let k = 0; k < 8; k++) x = x & 1 ? 0xedb88320 ^ (x >>> 1) : x >>> 1;
    }
    return ~x >>> 0;
  };
  for (let start = 0; start < 9; start++)
    for (const end of [start, start + 1, start + 7, start + 8, start + 9, start + 17, 1000 - start])
      assert.equal(
        crc32(long.subarray(start, end)),
        bitwise(long.subarray(start, end)),
        `[${start}, ${end})`,
      );
});

test('round trip: the reader gives back what the writer was given', () => {
  const contents = sampleContents();
  const file = readNeff(writeNeff(contents));
  // a file of one model needs nothing newer than 1.1
  assert.deepEqual(file.version, { major: FORMAT_MAJOR, minor: SINGLE_MODEL_MINOR });
  assert.deepEqual(file.contents.metadata, contents.metadata);
  assert.deepEqual(
    file.contents.variants.map((v) => ({ features: v.features, wasm: [...v.wasm] })),
    contents.variants.map((v) => ({ features: v.features, wasm: [...v.wasm] })),
  );
  assert.deepEqual([...file.contents.weights], [...contents.weights]);
  assert.deepEqual(
    file.sections.map((s) => s.kind),
    ['metadata', 'code', 'code', 'weights'],
  );
});

test('layout: magic, version, 64-byte aligned sections, file size in the header', () => {
  const bytes = writeNeff(sampleContents());
  assert.deepEqual([...bytes.subarray(0, 8)], MAGIC);
  const v = view(bytes);
  assert.equal(v.getUint16(HEADER.major, true), FORMAT_MAJOR);
  assert.equal(v.getBigUint64(HEADER.fileBytes, true), BigInt(bytes.length));
  const { sections } = readNeff(bytes);
  for (const s of sections) assert.equal(s.offset % SECTION_ALIGN, 0, `${s.kind} at ${s.offset}`);
  // code sections: feature bits, then the module 16 bytes in
  const code = sections[1]!;
  assert.equal(v.getUint32(code.offset, true), 0b011);
  assert.deepEqual(
    [...bytes.subarray(code.offset + CODE_HEADER_BYTES, code.offset + code.length)],
    [...EMPTY_WASM],
  );
  const metadata = JSON.parse(
    new TextDecoder().decode(bytes.subarray(sections[0]!.offset, sections[0]!.offset + sections[0]!.length)),
  );
  assert.deepEqual(metadata.format, { major: FORMAT_MAJOR, minor: SINGLE_MODEL_MINOR });
});

test('deterministic: same contents, same bytes, whatever the key order the compiler built', () => {
  const a = writeNeff(sampleContents());
  const b = writeNeff(sampleContents());
  assert.deepEqual(a, b);
  const m = sampleMetadata();
  const reordered: NeffContents = {
    ...sampleContents(),
    metadata: {
      summary: { target: 'wasm', kernels: 2, ops: 3 },
      outputs: m.outputs,
      inputs: m.inputs.map((t) => ({
        byteLength: t.byteLength,
        offset: t.offset,
        shape: t.shape,
        dtype: t.dtype,
        name: t.name,
      })),
      memory: m.memory,
      options: { autoCast: 'none', ioConfig: { inputs: { x: [2, 4] } }, optLevel: 2 },
      compiler: { version: '0.1.0', name: 'neuron-cc' },
      model: m.model,
    },
  };
  assert.deepEqual(writeNeff(reordered), a);
});

test('canonical JSON sorts keys at every level and drops undefined fields', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: undefined } }),
    '{"a":{"d":[1,{"y":"x","z":0}]},"b":1}',
  );
});

test('feature lists come back in canonical order', () => {
  const contents = {
    ...sampleContents(),
    variants: [{ features: ['threads', 'simd128'] as const, wasm: EMPTY_WASM }],
  };
  assert.deepEqual(readNeff(writeNeff(contents)).contents.variants[0]!.features, ['simd128', 'threads']);
});

test('the writer refuses contents the reader would refuse', () => {
  const base = sampleContents();
  const cases: [string, NeffContents, RegExp][] = [
    ['no variants', { ...base, variants: [] }, /at least one/],
    [
      'unknown feature',
      { ...base, variants: [{ features: ['avx512' as 'simd128'], wasm: EMPTY_WASM }] },
      /unknown feature 'avx512'/,
    ],
    [
      'not wasm',
      { ...base, variants: [{ features: [], wasm: new Uint8Array(12) }] },
      /not a WebAssembly module/,
    ],
    ['weights size', { ...base, weights: new Uint8Array(8) }, /weightsBytes is 40, but the weights are 8/],
    [
      'NaN option',
      { ...base, metadata: { ...base.metadata, options: { scale: NaN } } },
      /options\.scale is NaN/,
    ],
    [
      'Map option',
      { ...base, metadata: { ...base.metadata, options: { m: new Map() } } },
      /options\.m is a Map/,
    ],
    [
      'byteLength',
      { ...base, metadata: { ...base.metadata, outputs: [{ ...base.metadata.outputs[0]!, byteLength: 4 }] } },
      /byteLength is 4, but shape \[2,4\] of float32 holds 32/,
    ],
  ];
  for (const [what, contents, message] of cases) {
    const e = expectError(() => writeNeff(contents), 'NCC_INTERNAL', message);
    assert.match(e.message, /^cannot write NEFF: /, what);
  }
});

test('empty weights and tensors with a zero dim are valid', () => {
  const m = sampleMetadata();
  const contents: NeffContents = {
    metadata: {
      ...m,
      memory: { ...m.memory, weightsBytes: 0 },
      outputs: [{ name: 'e', dtype: 'float32', shape: [0, 3], offset: 0, byteLength: 0 }],
    },
    variants: [{ features: [], wasm: EMPTY_WASM }],
    weights: new Uint8Array(0),
  };
  const back = readNeff(writeNeff(contents)).contents;
  assert.equal(back.weights.length, 0);
  assert.deepEqual(back.metadata.outputs, contents.metadata.outputs);
});

test('another major version is NEFF_VERSION, checked before anything else', () => {
  const bytes = writeNeff(sampleContents());
  view(bytes).setUint16(HEADER.major, 2, true);
  const e = expectError(() => readNeff(bytes), 'NEFF_VERSION', /format 2\.\d+ is not supported/);
  assert.match(e.hint!, /release that compiled it/);
});

test('a newer minor version: unknown sections and feature bits are skipped', () => {
  const json = metadataJson();
  json.format = { major: FORMAT_MAJOR, minor: FORMAT_MINOR + 1 };
  const sections = sectionsWith(json);
  const future = new Uint8Array(CODE_HEADER_BYTES + EMPTY_WASM.length);
  view(future).setUint32(0, 1 << 9, true);
  future.set(EMPTY_WASM, CODE_HEADER_BYTES);
  const bytes = assemble(
    [
      sections[0]!,
      { type: SECTION_TYPES.code, payload: future },
      ...sections.slice(1),
      { type: 99, payload: new Uint8Array(5) },
    ],
    FORMAT_MINOR + 1,
  );
  const file = readNeff(bytes);
  assert.equal(file.contents.variants.length, 2, 'the variant with an unknown feature bit is skipped');
  assert.equal(file.sections.at(-1)!.kind, 'unknown');

  // the same file claiming the reader's own minor version is corrupt
  const same = metadataJson();
  const current = assemble([
    sectionsWith(same)[0]!,
    { type: 99, payload: new Uint8Array(5) },
    ...sectionsWith(same).slice(1),
  ]);
  expectError(() => readNeff(current), 'NEFF_CORRUPT', /section 1 has unknown type 99/);

  // only unknown features left: the runtime must be newer
  const onlyFuture = assemble(
    [sections[0]!, { type: SECTION_TYPES.code, payload: future }, sections.at(-1)!],
    FORMAT_MINOR + 1,
  );
  expectError(() => readNeff(onlyFuture), 'NEFF_VERSION', /needs a feature this runtime does not know/);

  // section flags of a newer minor: cannot be interpreted, so the runtime must be newer
  const flagged = assemble(sections, FORMAT_MINOR + 1);
  view(flagged).setUint32(entryAt(0) + ENTRY.flags, 1 << 7, true);
  expectError(() => readNeff(fixHeaderCrc(flagged)), 'NEFF_VERSION', /flags 128/);
});
