/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), so `crc32` from zlib or Python's binascii checks a
 * NEFF too. Slicing-by-8: weights sections run to hundreds of MB and are checked on every load, and
 * eight table lookups per 8 bytes run several times faster than the byte-at-a-time loop.
 */
import { ENTRY, HEADER } from './format.js';

const TABLES = makeTables();

function makeTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let t = 1; t < 8; t++) {
      c = t0[c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c >>> 0;
    }
  }
  return tables;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Continues `crc` (the value returned for the bytes before) over `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t0 = TABLES[0]!;
  let c = ~crc >>> 0;
  // bytes up to a 4-byte boundary, then 8 at a time as two aligned words (a third faster than
  // assembling them from bytes), then the rest
  const head = LITTLE_ENDIAN ? Math.min(bytes.length, (4 - (bytes.byteOffset & 3)) & 3) : bytes.length;
  let i = 0;
  for (; i < head; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  const pairs = (bytes.length - i) >>> 3;
  if (pairs > 0) {
    c = crcWords(new Uint32Array(bytes.buffer, bytes.byteOffset + i, pairs * 2), c);
    i += pairs * 8;
  }
  for (; i < bytes.length; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Slicing-by-8 over little-endian words, two per step; `c` is the running (inverted) CRC. */
function crcWords(words: Uint32Array, c: number): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  for (let w = 0; w < words.length; w += 2) {
    const lo = c ^ words[w]!;
    const hi = words[w + 1]!;
    c =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[hi & 0xff]! ^
      t2[(hi >>> 8) & 0xff]! ^
      t1[(hi >>> 16) & 0xff]! ^
      t0[hi >>> 24]!;
  }
  return c >>> 0;
}

/** CRC of header bytes [0, 60) followed by the section table: what the header's own checksum covers. */
export function headerCrc(file: Uint8Array, sectionCount: number): number {
  const table = file.subarray(HEADER.bytes, HEADER.bytes + sectionCount * ENTRY.bytes);
  return crc32(table, crc32(file.subarray(0, HEADER.crc)));
}
