/**
 * NEFF contents and raw-file builders for the format tests. The code variants are empty wasm
 * modules: the format does not look inside them (the runtime tests run real ones).
 */
import assert from 'node:assert/strict';
import type { NeffContents, NeffMetadata, NeffTensor } from '../../src/neff/contents.js';
import { checksumKindOf, checksumOf } from '../../src/neff/checksum.js';
import { headerCrc } from '../../src/neff/crc32.js';
import {
  DTYPE_BYTES,
  ENTRY,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  HEADER,
  SECTION_TYPES,
} from '../../src/neff/format.js';
import { assembleNeff, codePayload, type RawSection } from '../../src/neff/writer.js';
import { isNccError, type ErrorCode, type NccError } from '../../src/errors.js';

export const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

export function tensor(
  name: string,
  dtype: NeffTensor['dtype'],
  shape: number[],
  offset: number,
): NeffTensor {
  return { name, dtype, shape, offset, byteLength: DTYPE_BYTES[dtype] * shape.reduce((a, b) => a * b, 1) };
}

export function sampleMetadata(): NeffMetadata {
  return {
    model: { name: 'sample' },
    compiler: { name: 'neuron-cc', version: '0.1.0' },
    options: { optLevel: 2, ioConfig: { inputs: { x: [2, 4] } }, autoCast: 'none' },
    memory: { weightsOffset: 64, weightsBytes: 40, arenaOffset: 128, arenaBytes: 256, totalBytes: 65536 },
    inputs: [tensor('x', 'float32', [2, 4], 128), tensor('ids', 'int64', [3], 160)],
    outputs: [tensor('y', 'float32', [2, 4], 192), tensor('mask', 'bool', [5], 224)],
    summary: { ops: 3, kernels: 2, target: 'wasm' },
  };
}

export function sampleContents(): NeffContents {
  return {
    metadata: sampleMetadata(),
    variants: [
      { features: ['simd128', 'relaxed-simd'], wasm: EMPTY_WASM },
      { features: ['simd128'], wasm: EMPTY_WASM },
    ],
    weights: Uint8Array.from({ length: 40 }, (_, i) => i + 1),
  };
}

/** The raw sections writeNeff makes, with the metadata replaced by `json` (any JSON, valid or not). */
export function sectionsWith(json: unknown, contents = sampleContents()): RawSection[] {
  return [
    { type: SECTION_TYPES.metadata, payload: new TextEncoder().encode(JSON.stringify(json)) },
    ...contents.variants.map((v, i) => ({ type: SECTION_TYPES.code, payload: codePayload(v, i) })),
    { type: SECTION_TYPES.weights, payload: contents.weights },
  ];
}

/** The metadata JSON as written (with the format version), for tests to mutate. */
export function metadataJson(metadata = sampleMetadata()): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...metadata, format: { major: FORMAT_MAJOR, minor: FORMAT_MINOR } }));
}

export function assemble(sections: RawSection[], minor = FORMAT_MINOR): Uint8Array {
  return assembleNeff(sections, { major: FORMAT_MAJOR, minor });
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function sectionCount(bytes: Uint8Array): number {
  return view(bytes).getUint32(HEADER.sectionCount, true);
}

export function entryAt(i: number): number {
  return HEADER.bytes + i * ENTRY.bytes;
}

/** Recomputes the header checksum, so a test reaches the checks behind it. */
export function fixHeaderCrc(bytes: Uint8Array): Uint8Array {
  view(bytes).setUint32(HEADER.crc, headerCrc(bytes, sectionCount(bytes)), true);
  return bytes;
}

/** Recomputes every section checksum that fits the file, then the header's. */
export function fixAllCrcs(bytes: Uint8Array): Uint8Array {
  const v = view(bytes);
  const count = sectionCount(bytes);
  if (count > 256 || HEADER.bytes + count * ENTRY.bytes > bytes.length) return bytes;
  for (let i = 0; i < count; i++) {
    const offset = Number(v.getBigUint64(entryAt(i) + ENTRY.offset, true));
    const length = Number(v.getBigUint64(entryAt(i) + ENTRY.length, true));
    const kind = checksumKindOf(v.getUint32(entryAt(i) + ENTRY.flags, true));
    if (offset + length <= bytes.length)
      v.setUint32(
        entryAt(i) + ENTRY.checksum,
        checksumOf(kind, bytes.subarray(offset, offset + length)),
        true,
      );
  }
  return fixHeaderCrc(bytes);
}

/** Runs f, which must throw an NccError with `code` whose message matches `message`. */
export function expectError(f: () => unknown, code: ErrorCode, message?: RegExp): NccError {
  try {
    f();
  } catch (e) {
    if (!isNccError(e)) throw e;
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    assert.ok(e.hint, 'every NEFF error carries a hint');
    return e;
  }
  return assert.fail(`expected ${code}, nothing was thrown`);
}
