/**
 * A section's checksum, computed over its bytes as they arrive: CRC-32 (every section of format 1.0
 * files, and the small sections of newer ones) or blocked XXH32 (the weights section since format
 * 1.1, marked by a flag in its table entry).
 *
 * Blocked XXH32 splits the payload into 1 MiB blocks (the last one shorter; none for an empty
 * payload) and takes the XXH32 of their XXH32s, each as 4 little-endian bytes. Plain XXH32 is one
 * dependency chain per lane, so a single message runs at the latency of a multiply (2.4 GB/s here in
 * wasm); independent blocks let four run side by side in SIMD registers (runtime/xxh32-simd.ts),
 * which is what a loader checking hundreds of MB on every load needs. Any xxHash library checks it.
 */
import { crc32 } from './crc32.js';
import { SECTION_FLAGS } from './format.js';
import { xxh32 } from './xxh32.js';

export type ChecksumKind = 'crc32' | 'xxh32-blocks';

export const CHECKSUM_BLOCK_BYTES = 1 << 20;

export function checksumKindOf(entryFlags: number): ChecksumKind {
  return entryFlags & SECTION_FLAGS.blockXxh32 ? 'xxh32-blocks' : 'crc32';
}

export interface Checksummer {
  update(bytes: Uint8Array): void;
  /** The checksum of everything given so far; call once, at the end. */
  digest(): number;
}

/**
 * The XXH32 of each whole block of `bytes` (its length a multiple of CHECKSUM_BLOCK_BYTES), in
 * order. A faster hasher (wasm SIMD over linear memory) must give what `hashBlocks` gives.
 */
export type BlockHasher = (bytes: Uint8Array) => Uint32Array;

export function hashBlocks(bytes: Uint8Array): Uint32Array {
  const count = Math.floor(bytes.length / CHECKSUM_BLOCK_BYTES);
  return Uint32Array.from({ length: count }, (_, i) =>
    xxh32(bytes.subarray(i * CHECKSUM_BLOCK_BYTES, (i + 1) * CHECKSUM_BLOCK_BYTES)),
  );
}

export function checksummer(kind: ChecksumKind, hasher: BlockHasher = hashBlocks): Checksummer {
  return kind === 'crc32' ? new Crc32Stream() : new BlockedXxh32Stream(hasher);
}

export function checksumOf(kind: ChecksumKind, bytes: Uint8Array): number {
  const c = checksummer(kind);
  c.update(bytes);
  return c.digest();
}

class Crc32Stream implements Checksummer {
  private crc = 0;
  update(bytes: Uint8Array): void {
    this.crc = crc32(bytes, this.crc);
  }
  digest(): number {
    return this.crc;
  }
}

class BlockedXxh32Stream implements Checksummer {
  private readonly digests: number[] = [];
  /** The start of a block that the next update completes (copied: its bytes may be reused). */
  private partial: Uint8Array = new Uint8Array(0);

  constructor(private readonly hasher: BlockHasher) {}

  update(bytes: Uint8Array): void {
    let rest = bytes;
    if (this.partial.length > 0) {
      const take = Math.min(CHECKSUM_BLOCK_BYTES - this.partial.length, rest.length);
      this.partial = concat(this.partial, rest.subarray(0, take));
      rest = rest.subarray(take);
      if (this.partial.length < CHECKSUM_BLOCK_BYTES) return;
      this.digests.push(xxh32(this.partial));
      this.partial = new Uint8Array(0);
    }
    const whole = rest.length - (rest.length % CHECKSUM_BLOCK_BYTES);
    if (whole > 0) this.digests.push(...this.hasher(rest.subarray(0, whole)));
    this.partial = rest.slice(whole);
  }

  digest(): number {
    if (this.partial.length > 0) this.digests.push(xxh32(this.partial));
    const bytes = new Uint8Array(this.digests.length * 4);
    const view = new DataView(bytes.buffer);
    this.digests.forEach((d, i) => view.setUint32(i * 4, d, true));
    return xxh32(bytes);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
