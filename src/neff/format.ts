/**
 * NEFF v1 byte layout constants (docs/neff.md is the spec; keep the two in step). All integers are
 * little-endian. Readers and writers share these names so the layout is written down once.
 */
import type { NeffDType, WasmFeature } from './contents.js';

/** PNG-style: a non-ASCII first byte, then CR LF and ^Z, so text-mode transfers show up as damage. */
export const MAGIC: readonly number[] = [0x89, 0x4e, 0x45, 0x46, 0x46, 0x0d, 0x0a, 0x1a]; // \x89 N E F F \r \n \x1a

export const FORMAT_MAJOR = 1;
/**
 * The newest minor version read. 1.1 added the blocked XXH32 checksum flag (for the weights
 * section); 1.2 added bucketed files (a BUCKETS section and per-section program numbers).
 */
export const FORMAT_MINOR = 2;
/** What a file of one model is written as (it needs nothing newer). */
export const SINGLE_MODEL_MINOR = 1;
/** Bucketed files. */
export const BUCKETED_MINOR = 2;

/** Header fields: byte offsets inside the 64-byte header. */
export const HEADER = {
  bytes: 64,
  magic: 0,
  major: 8,
  minor: 10,
  sectionCount: 12,
  fileBytes: 16,
  /** [24, 60) is reserved and must be zero. */
  reserved: 24,
  /** CRC-32 of header bytes [0, 60) followed by the whole section table. */
  crc: 60,
} as const;

/** Section table entry fields: byte offsets inside one 32-byte entry. */
export const ENTRY = {
  bytes: 32,
  type: 0,
  /** SECTION_FLAGS bits; 1.0 defines none. */
  flags: 4,
  offset: 8,
  length: 16,
  /** CRC-32 of the payload, or blocked XXH32 with SECTION_FLAGS.blockXxh32. */
  checksum: 24,
  /**
   * Format 1.2: the program a section belongs to in a bucketed file (0: the file's shared sections,
   * k: bucket k-1). Zero in every other file, and in 1.0 and 1.1 files.
   */
  program: 28,
} as const;

/** Section entry flag bits. */
export const SECTION_FLAGS = {
  /** The entry's checksum is blocked XXH32 of the payload (checksum.ts), not CRC-32 (format 1.1). */
  blockXxh32: 1 << 0,
} as const;
export const KNOWN_SECTION_FLAGS = SECTION_FLAGS.blockXxh32;

export const SECTION_ALIGN = 64;
/** Far above any real NEFF (one metadata, one weights, a few variants); bounds the table scan. */
export const MAX_SECTIONS = 256;

export const SECTION_TYPES = { metadata: 1, code: 2, weights: 3, buckets: 4 } as const;
export type SectionKind = keyof typeof SECTION_TYPES;

/** A CODE section: a 16-byte header (feature bits, then 12 zero bytes), then the wasm module. */
export const CODE_HEADER_BYTES = 16;
export const FEATURE_BITS: Readonly<Record<WasmFeature, number>> = {
  simd128: 1 << 0,
  'relaxed-simd': 1 << 1,
  threads: 1 << 2,
};
/** Canonical feature order: the order a reader lists a variant's features in. */
export const FEATURES: readonly WasmFeature[] = ['simd128', 'relaxed-simd', 'threads'];

/** `\0asm` then binary format version 1. */
export const WASM_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export const WASM_PAGE = 65536;
/** wasm32 addresses 4 GiB; nothing a NEFF describes may lie beyond it. */
export const MAX_MEMORY_BYTES = 65536 * WASM_PAGE;
/** Alignment of the memory regions (weights, arena) and of tensor offsets. */
export const REGION_ALIGN = 64;
export const TENSOR_ALIGN = 16;
/** Bounds the shape arrays a reader accepts; no real model comes near it. */
export const MAX_RANK = 64;

export const DTYPE_BYTES: Readonly<Record<NeffDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

export function isNeffDType(s: unknown): s is NeffDType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
