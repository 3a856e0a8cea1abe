/**
 * NEFF bytes -> NeffContents, trusting nothing: magic, version, the header's and every section's
 * checksum, each offset and length against the file, overlaps, padding, and the metadata's shape.
 * Every byte of a valid file is covered by a checksum or a must-be-zero rule, so any damage is
 * NEFF_CORRUPT. Shared with the runtime, so web-platform APIs only (no Node modules).
 */
import { NccError } from '../errors.js';
import type { CodeVariant, NeffContents, WasmFeature } from './contents.js';
import { checksumKindOf, checksumOf, type ChecksumKind } from './checksum.js';
import { headerCrc } from './crc32.js';
import {
  CODE_HEADER_BYTES,
  ENTRY,
  FEATURE_BITS,
  FEATURES,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  HEADER,
  KNOWN_SECTION_FLAGS,
  MAGIC,
  MAX_SECTIONS,
  SECTION_ALIGN,
  SECTION_TYPES,
  WASM_HEADER,
  type SectionKind,
} from './format.js';
import { parseMetadata, type FormatVersion } from './metadata.js';
import { bucketContents, parseBucketTable, type BucketedNeff } from './buckets.js';
import { Violation, violation } from './violation.js';

export interface NeffSection {
  /** 'unknown' for a type added by a newer minor version (skipped). */
  readonly kind: SectionKind | 'unknown';
  readonly type: number;
  /** Bucketed files: 0 for shared sections, k for bucket k-1's (format 1.2). */
  readonly program: number;
  readonly offset: number;
  readonly length: number;
  readonly checksumKind: ChecksumKind;
  readonly checksum: number;
}

export interface NeffFile {
  readonly version: FormatVersion;
  /** A bucketed file's largest bucket. */
  readonly contents: NeffContents;
  /** A bucketed file's buckets (format 1.2). */
  readonly buckets?: BucketedNeff;
  /** In table order, for `inspect`. */
  readonly sections: readonly NeffSection[];
}

const CORRUPT_HINT =
  'the file is damaged, truncated or not a NEFF: copy it again in binary mode, or compile the model again';

export function readNeff(bytes: Uint8Array): NeffFile {
  const { file, verifyWeights } = readNeffDeferred(bytes);
  verifyWeights();
  return file;
}

/**
 * readNeff, less the checksum of the weights section (most of the bytes): `weights` says where it
 * lies and what its checksum must be, and `verifyWeights` checks it over `bytes` (throwing
 * NEFF_CORRUPT). A loader checks the weights as it places them in memory instead, while the engine
 * compiles the code on other threads; `bytes` may then hold zeros where the weights would lie.
 */
export function readNeffDeferred(bytes: Uint8Array): {
  file: NeffFile;
  weights: NeffSection;
  verifyWeights(): void;
} {
  const file = corruptOnViolation(() => read(bytes));
  const weights = file.sections.find((s) => s.kind === 'weights')!;
  return { file, weights, verifyWeights: () => corruptOnViolation(() => checkSection(bytes, weights)) };
}

/** NEFF_CORRUPT for a weights section whose checksum came out as `actual`. */
export function damagedWeights(section: NeffSection, actual: number): NccError | undefined {
  if (actual === section.checksum) return undefined;
  return corruptError(new Violation(damageMessage(section)));
}

/**
 * Where a file's weights section lies, read from its header and table alone (`prefix`: at least the
 * first 64 bytes, and the table if they say it fits) without checking them: a loader reads the rest
 * of the file first and the weights straight into memory after; the full read checks everything.
 */
export function weightsRange(prefix: Uint8Array): { offset: number; length: number } | undefined {
  if (prefix.length < HEADER.bytes) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const count = view.getUint32(HEADER.sectionCount, true);
  if (count < 1 || count > MAX_SECTIONS || prefix.length < tableBytes(count)) return undefined;
  const found = Array.from({ length: count }, (_, i) => HEADER.bytes + i * ENTRY.bytes)
    .filter((at) => view.getUint32(at + ENTRY.type, true) === SECTION_TYPES.weights)
    .map((at) => ({
      offset: Number(view.getBigUint64(at + ENTRY.offset, true)),
      length: Number(view.getBigUint64(at + ENTRY.length, true)),
    }));
  return found.length === 1 ? found[0] : undefined;
}

/** Bytes of the header and a table of `count` entries. */
export function tableBytes(count: number): number {
  return HEADER.bytes + count * ENTRY.bytes;
}

function corruptOnViolation<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (!(e instanceof Violation)) throw e;
    throw corruptError(e);
  }
}

function corruptError(e: Violation): NccError {
  return new NccError('NEFF_CORRUPT', `invalid NEFF: ${e.message}`, { hint: CORRUPT_HINT, cause: e });
}

function checkSection(bytes: Uint8Array, s: NeffSection): void {
  if (checksumOf(s.checksumKind, bytes.subarray(s.offset, s.offset + s.length)) !== s.checksum) damaged(s);
}

function damaged(s: NeffSection): never {
  return violation(damageMessage(s));
}

function damageMessage(s: NeffSection): string {
  return `checksum mismatch in the ${s.kind} section at offset ${s.offset}: the section is damaged`;
}

/** Everything but the weights' checksum. */
function read(bytes: Uint8Array): NeffFile {
  const head = bytes.subarray(0, MAGIC.length);
  if (head.some((b, i) => b !== MAGIC[i]))
    violation('not a NEFF file (its first bytes are not the NEFF magic)');
  if (bytes.length < HEADER.bytes)
    violation(`the file is ${bytes.length} bytes, shorter than the ${HEADER.bytes}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = { major: view.getUint16(HEADER.major, true), minor: view.getUint16(HEADER.minor, true) };
  if (version.major !== FORMAT_MAJOR)
    throw new NccError(
      'NEFF_VERSION',
      `NEFF format ${version.major}.${version.minor} is not supported: this runtime reads format ${FORMAT_MAJOR}.x`,
      {
        hint: `load it with the neuron-cc release that compiled it, or compile the model again with this one`,
      },
    );
  const newer = version.minor > FORMAT_MINOR;
  const declared = view.getBigUint64(HEADER.fileBytes, true);
  if (declared !== BigInt(bytes.length))
    violation(
      declared > BigInt(bytes.length)
        ? `truncated: the header declares ${declared} bytes, the file has ${bytes.length}`
        : `the file has ${bytes.length} bytes, more than the ${declared} its header declares`,
    );
  const count = view.getUint32(HEADER.sectionCount, true);
  if (count < 1 || count > MAX_SECTIONS) violation(`section count ${count} is outside 1..${MAX_SECTIONS}`);
  const tableEnd = tableBytes(count);
  if (tableEnd > bytes.length)
    violation(`the section table (${count} entries) runs past the end of the file`);
  if (view.getUint32(HEADER.crc, true) !== headerCrc(bytes, count))
    violation('header checksum mismatch: the header or section table is damaged');
  if (!newer && !isZero(bytes, HEADER.reserved, HEADER.crc)) violation('reserved header bytes are not zero');

  const sections = readTable(view, count, version);
  checkLayout(bytes, sections, tableEnd);
  for (const s of sections) if (s.kind !== 'weights') checkSection(bytes, s);
  if (sections.some((s) => s.kind === 'buckets')) {
    const buckets = readBuckets(bytes, sections, version);
    return { version, contents: bucketContents(buckets, buckets.programs.length - 1), buckets, sections };
  }
  if (sections.some((s) => s.program !== 0)) violation('program numbers in a file without buckets');
  return { version, contents: readContents(bytes, sections, version), sections };
}

/** A bucketed file: one shared BUCKETS and WEIGHTS (the pool), a metadata and code per bucket. */
function readBuckets(
  bytes: Uint8Array,
  sections: readonly NeffSection[],
  version: FormatVersion,
): BucketedNeff {
  const payload = (s: NeffSection): Uint8Array => bytes.subarray(s.offset, s.offset + s.length);
  const shared = sections.filter((s) => s.program === 0);
  const table = shared.filter((s) => s.kind === 'buckets');
  const pool = shared.filter((s) => s.kind === 'weights');
  if (table.length !== 1 || pool.length !== 1 || shared.length !== 2)
    violation('a bucketed NEFF shares exactly one buckets and one weights section');
  const count = Math.max(...sections.map((s) => s.program));
  const programs = Array.from({ length: count }, (_, k) => {
    const own = sections.filter((s) => s.program === k + 1);
    const meta = own.filter((s) => s.kind === 'metadata');
    if (meta.length !== 1) violation(`bucket ${k} has ${meta.length} metadata sections, one is needed`);
    if (own.some((s) => s.kind === 'weights' || s.kind === 'buckets'))
      violation(`bucket ${k} has a section only the whole file may have`);
    const metadata = parseMetadata(parseJson(payload(meta[0]!)), version);
    const variants = own
      .filter((s) => s.kind === 'code')
      .flatMap((s, i) => readVariant(payload(s), i, version));
    if (variants.length === 0) violation(`bucket ${k} has no code variant this runtime can run`);
    return { metadata, variants };
  });
  const parsed = parseBucketTable(
    parseJson(payload(table[0]!)),
    pool[0]!.length,
    programs.map((p) => p.metadata.memory.weightsBytes),
  );
  return { table: parsed, pool: payload(pool[0]!), programs };
}

function readTable(view: DataView, count: number, version: FormatVersion): NeffSection[] {
  const newer = version.minor > FORMAT_MINOR;
  const fileBytes = BigInt(view.byteLength);
  const kinds = new Map<number, SectionKind>(
    Object.entries(SECTION_TYPES).map(([k, v]) => [v, k as SectionKind]),
  );
  const sections: NeffSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER.bytes + i * ENTRY.bytes;
    const type = view.getUint32(at + ENTRY.type, true);
    const offset = view.getBigUint64(at + ENTRY.offset, true);
    const length = view.getBigUint64(at + ENTRY.length, true);
    const kind = kinds.get(type) ?? 'unknown';
    if (kind === 'unknown' && !newer) violation(`section ${i} has unknown type ${type}`);
    const flags = view.getUint32(at + ENTRY.flags, true);
    if ((flags & ~KNOWN_SECTION_FLAGS) !== 0 || (flags !== 0 && version.minor < 1))
      refuse(
        newer,
        `section ${i} has flags ${flags} (format ${version.major}.${version.minor} defines ${version.minor < 1 ? 'none' : KNOWN_SECTION_FLAGS})`,
      );
    const program = view.getUint32(at + ENTRY.program, true);
    if (!newer && program !== 0 && version.minor < 2) violation(`section ${i} has non-zero reserved bytes`);
    if (offset > fileBytes || length > fileBytes - offset)
      violation(
        `section ${i} (${length} bytes at offset ${offset}) runs past the end of the ${fileBytes}-byte file`,
      );
    if (offset % BigInt(SECTION_ALIGN) !== 0n)
      violation(`section ${i} starts at offset ${offset}, not a multiple of ${SECTION_ALIGN}`);
    const checksumKind = checksumKindOf(flags);
    const checksum = view.getUint32(at + ENTRY.checksum, true);
    sections.push({
      kind,
      type,
      program,
      offset: Number(offset),
      length: Number(length),
      checksumKind,
      checksum,
    });
  }
  return sections;
}

/** Sections lie after the table, apart from each other, with only zero bytes between them. */
function checkLayout(bytes: Uint8Array, sections: readonly NeffSection[], tableEnd: number): void {
  const sorted = [...sections].sort((a, b) => a.offset - b.offset || a.length - b.length);
  let cursor = tableEnd;
  for (const s of sorted) {
    if (s.offset < cursor)
      violation(
        cursor === tableEnd
          ? `the ${s.kind} section at offset ${s.offset} overlaps the section table`
          : `the ${s.kind} section at offset ${s.offset} overlaps the section before it`,
      );
    if (!isZero(bytes, cursor, s.offset)) violation(`padding before offset ${s.offset} is not zero`);
    cursor = s.offset + s.length;
  }
  if (!isZero(bytes, cursor, bytes.length)) violation(`padding after offset ${cursor} is not zero`);
}

function readContents(
  bytes: Uint8Array,
  sections: readonly NeffSection[],
  version: FormatVersion,
): NeffContents {
  const payload = (s: NeffSection): Uint8Array => bytes.subarray(s.offset, s.offset + s.length);
  const of = (kind: SectionKind): NeffSection[] => sections.filter((s) => s.kind === kind);
  const [metadataSection, ...extraMetadata] = of('metadata');
  const [weightsSection, ...extraWeights] = of('weights');
  if (!metadataSection || extraMetadata.length) violation('a NEFF has exactly one metadata section');
  if (!weightsSection || extraWeights.length) violation('a NEFF has exactly one weights section');
  const metadata = parseMetadata(parseJson(payload(metadataSection)), version);
  const weights = payload(weightsSection);
  if (weights.length !== metadata.memory.weightsBytes)
    violation(
      `the weights section is ${weights.length} bytes, but metadata.memory.weightsBytes is ${metadata.memory.weightsBytes}`,
    );
  const code = of('code');
  if (code.length === 0) violation('no code section: a NEFF has at least one code variant');
  const variants = code.flatMap((s, i) => readVariant(payload(s), i, version));
  if (variants.length === 0)
    throw new NccError(
      'NEFF_VERSION',
      `every code variant of this NEFF (format ${version.major}.${version.minor}) needs a feature this runtime does not know`,
      { hint: 'load it with a newer neuron-cc runtime' },
    );
  return { metadata, variants, weights };
}

function parseJson(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    violation('the metadata section is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return violation(`the metadata section is not valid JSON (${(e as Error).message})`);
  }
}

/** A variant needing a feature bit from a newer minor version is skipped: this host cannot know it. */
function readVariant(payload: Uint8Array, index: number, version: FormatVersion): CodeVariant[] {
  const newer = version.minor > FORMAT_MINOR;
  if (payload.length < CODE_HEADER_BYTES + WASM_HEADER.length)
    violation(`code section ${index} is ${payload.length} bytes, too short to hold a module`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const bits = view.getUint32(0, true);
  if (!newer && !isZero(payload, 4, CODE_HEADER_BYTES))
    violation(`code section ${index} has non-zero reserved bytes`);
  const features: WasmFeature[] = FEATURES.filter((f) => (bits & FEATURE_BITS[f]) !== 0);
  const known = features.reduce((m, f) => m | FEATURE_BITS[f], 0);
  if (bits !== known) {
    if (newer) return [];
    violation(`code section ${index} has unknown feature bits 0x${((bits & ~known) >>> 0).toString(16)}`);
  }
  const wasm = payload.subarray(CODE_HEADER_BYTES);
  if (WASM_HEADER.some((b, i) => wasm[i] !== b))
    violation(`code section ${index} does not hold a WebAssembly module (no \\0asm version 1 header)`);
  return [{ features, wasm }];
}

function refuse(newer: boolean, message: string): never {
  if (!newer) violation(message);
  throw new NccError('NEFF_VERSION', `${message}; it needs a newer runtime`, {
    hint: 'load it with a newer neuron-cc runtime',
  });
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
