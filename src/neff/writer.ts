/**
 * NeffContents -> NEFF bytes. Deterministic by construction: sorted JSON keys, a fixed section order
 * (metadata, code variants best first, weights), zero padding, and nothing taken from the clock or the
 * environment. Contents the reader would refuse are refused here, as the compiler's own bug.
 */
import { NccError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import type { CodeVariant, NeffContents } from './contents.js';
import { checksumKindOf, checksumOf } from './checksum.js';
import { headerCrc } from './crc32.js';
import {
  CODE_HEADER_BYTES,
  ENTRY,
  FEATURE_BITS,
  FORMAT_MAJOR,
  SINGLE_MODEL_MINOR,
  BUCKETED_MINOR,
  HEADER,
  MAGIC,
  MAX_SECTIONS,
  SECTION_ALIGN,
  SECTION_FLAGS,
  SECTION_TYPES,
  WASM_HEADER,
  alignUp,
} from './format.js';
import { metadataJson, parseMetadata, type FormatVersion } from './metadata.js';
import { parseBucketTable, type BucketedNeff } from './buckets.js';
import { Violation, violation } from './violation.js';

export interface RawSection {
  /** A SECTION_TYPES value (or any number, to build malformed files in tests). */
  readonly type: number;
  readonly payload: Uint8Array;
  /** SECTION_FLAGS bits (default none: a CRC-32 checksum). */
  readonly flags?: number;
  /** The program it belongs to in a bucketed file (default 0). */
  readonly program?: number;
}

export function writeNeff(contents: NeffContents): Uint8Array {
  try {
    if (contents.variants.length === 0) violation('no code variants: a NEFF needs at least one');
    const format = { major: FORMAT_MAJOR, minor: SINGLE_MODEL_MINOR };
    const metadata = metadataBytes(contents, format);
    const sections: RawSection[] = [
      { type: SECTION_TYPES.metadata, payload: metadata },
      ...contents.variants.map((v, i) => ({ type: SECTION_TYPES.code, payload: codePayload(v, i) })),
      // loaders check blocked XXH32 four blocks at a time in SIMD (runtime/xxh32-simd.ts)
      { type: SECTION_TYPES.weights, payload: contents.weights, flags: SECTION_FLAGS.blockXxh32 },
    ];
    return assembleNeff(sections, format);
  } catch (e) {
    if (!(e instanceof Violation)) throw e;
    throw new NccError('NCC_INTERNAL', `cannot write NEFF: ${e.message}`, {
      hint: 'the compiler produced contents the NEFF format cannot hold; please report this with the model',
      cause: e,
    });
  }
}

/**
 * A bucketed NEFF (format 1.2): the BUCKETS table and the weights pool shared, then each bucket's
 * metadata and code variants under its program number. Read back by the reader's own rules.
 */
export function writeBucketedNeff(file: BucketedNeff): Uint8Array {
  try {
    const format = { major: FORMAT_MAJOR, minor: BUCKETED_MINOR };
    const table = new TextEncoder().encode(canonicalJson(file.table));
    parseBucketTable(
      JSON.parse(canonicalJson(file.table)),
      file.pool.length,
      file.programs.map((p) => p.metadata.memory.weightsBytes),
    );
    const sections: RawSection[] = [{ type: SECTION_TYPES.buckets, payload: table }];
    file.programs.forEach((p, k) => {
      const contents = {
        ...p,
        variants: [...p.variants],
        weights: new Uint8Array(p.metadata.memory.weightsBytes),
      };
      sections.push({
        type: SECTION_TYPES.metadata,
        payload: metadataBytes(contents, format),
        program: k + 1,
      });
      p.variants.forEach((v, i) =>
        sections.push({ type: SECTION_TYPES.code, payload: codePayload(v, i), program: k + 1 }),
      );
    });
    sections.push({ type: SECTION_TYPES.weights, payload: file.pool, flags: SECTION_FLAGS.blockXxh32 });
    return assembleNeff(sections, format);
  } catch (e) {
    if (!(e instanceof Violation)) throw e;
    throw new NccError('NCC_INTERNAL', `cannot write bucketed NEFF: ${e.message}`, {
      hint: 'the compiler produced contents the NEFF format cannot hold; please report this with the model',
      cause: e,
    });
  }
}

/** The metadata as written, checked by the reader's own rules so no written file is refused on load. */
export function metadataBytes(contents: NeffContents, format: FormatVersion): Uint8Array {
  const text = canonicalJson(metadataJson(contents.metadata, format));
  const metadata = parseMetadata(JSON.parse(text), format);
  if (metadata.memory.weightsBytes !== contents.weights.length)
    violation(
      `metadata.memory.weightsBytes is ${metadata.memory.weightsBytes}, but the weights are ${contents.weights.length} bytes`,
    );
  return new TextEncoder().encode(text);
}

export function codePayload(variant: CodeVariant, index: number): Uint8Array {
  let bits = 0;
  for (const f of variant.features) {
    const bit = (FEATURE_BITS as Record<string, number | undefined>)[f];
    if (bit === undefined) violation(`variant ${index} needs unknown feature '${String(f)}'`);
    bits |= bit;
  }
  const wasm = variant.wasm;
  if (wasm.length < WASM_HEADER.length || WASM_HEADER.some((b, i) => wasm[i] !== b))
    violation(`variant ${index} is not a WebAssembly module (no \\0asm version 1 header)`);
  const payload = new Uint8Array(CODE_HEADER_BYTES + wasm.length);
  new DataView(payload.buffer).setUint32(0, bits, true);
  payload.set(wasm, CODE_HEADER_BYTES);
  return payload;
}

/**
 * Lays sections out after the header and table, each at the next 64-byte boundary, and fills in the
 * checksums. No validation of the payloads: tests use it to build files the reader must refuse.
 */
export function assembleNeff(sections: readonly RawSection[], format: FormatVersion): Uint8Array {
  if (sections.length > MAX_SECTIONS) violation(`${sections.length} sections, above ${MAX_SECTIONS}`);
  const tableEnd = HEADER.bytes + sections.length * ENTRY.bytes;
  const offsets: number[] = [];
  let end = alignUp(tableEnd, SECTION_ALIGN);
  for (const s of sections) {
    offsets.push(end);
    end = alignUp(end + s.payload.length, SECTION_ALIGN);
  }
  const last = sections.length
    ? offsets[offsets.length - 1]! + sections[sections.length - 1]!.payload.length
    : 0;
  const fileBytes = Math.max(last, alignUp(tableEnd, SECTION_ALIGN));
  const out = new Uint8Array(fileBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC, HEADER.magic);
  view.setUint16(HEADER.major, format.major, true);
  view.setUint16(HEADER.minor, format.minor, true);
  view.setUint32(HEADER.sectionCount, sections.length, true);
  view.setBigUint64(HEADER.fileBytes, BigInt(fileBytes), true);
  sections.forEach((s, i) => {
    const at = HEADER.bytes + i * ENTRY.bytes;
    const flags = s.flags ?? 0;
    view.setUint32(at + ENTRY.type, s.type, true);
    view.setUint32(at + ENTRY.flags, flags, true);
    view.setBigUint64(at + ENTRY.offset, BigInt(offsets[i]!), true);
    view.setBigUint64(at + ENTRY.length, BigInt(s.payload.length), true);
    view.setUint32(at + ENTRY.checksum, checksumOf(checksumKindOf(flags), s.payload), true);
    view.setUint32(at + ENTRY.program, s.program ?? 0, true);
    out.set(s.payload, offsets[i]!);
  });
  view.setUint32(HEADER.crc, headerCrc(out, sections.length), true);
  return out;
}
