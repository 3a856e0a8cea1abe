/**
 * XXH32 (xxHash, 32-bit, seed 0), the checksum of a NEFF's weights section: `xxhsum -H32` or any
 * xxHash library checks it too. Its four independent 32-bit lanes map onto one SIMD register, so a
 * loader checks hundreds of MB in a few milliseconds (runtime/xxh32-simd.ts) where CRC-32 took over
 * a hundred; this file is the portable form, and the state both forms share.
 *
 * The algorithm as published: four accumulators each take every fourth little-endian word of each
 * 16-byte stripe (`acc = rotl(acc + word * P2, 13) * P1`), are merged, then the length and the last
 * 0-15 bytes are mixed in and the result avalanched.
 */
export const PRIME1 = 0x9e3779b1;
export const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

export const STRIPE_BYTES = 16;

/** The four lane accumulators a hash of at least one stripe starts from (seed 0). */
export function initialLanes(): Uint32Array {
  return Uint32Array.of((PRIME1 + PRIME2) >>> 0, PRIME2, 0, (0 - PRIME1) >>> 0);
}

/**
 * Folds whole stripes of `bytes` (its length a multiple of 16) into `lanes`. A bulk hasher that runs
 * elsewhere (wasm SIMD over linear memory) must leave `lanes` exactly as this would.
 */
export function foldStripes(lanes: Uint32Array, bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let [a, b, c, d] = [lanes[0]!, lanes[1]!, lanes[2]!, lanes[3]!];
  for (let i = 0; i + STRIPE_BYTES <= bytes.length; i += STRIPE_BYTES) {
    a = round(a, view.getUint32(i, true));
    b = round(b, view.getUint32(i + 4, true));
    c = round(c, view.getUint32(i + 8, true));
    d = round(d, view.getUint32(i + 12, true));
  }
  lanes.set([a, b, c, d]);
}

function round(acc: number, word: number): number {
  return Math.imul(rotl((acc + Math.imul(word, PRIME2)) | 0, 13), PRIME1);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/**
 * The hash of a message of `length` bytes, given the lanes after its whole stripes (undefined if it
 * is shorter than one stripe) and its last `length % 16` bytes.
 */
export function finishXxh32(lanes: Uint32Array | undefined, tail: Uint8Array, length: number): number {
  let h =
    lanes === undefined
      ? PRIME5
      : (rotl(lanes[0]!, 1) + rotl(lanes[1]!, 7) + rotl(lanes[2]!, 12) + rotl(lanes[3]!, 18)) | 0;
  h = (h + length) | 0; // the length modulo 2^32, as published
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let i = 0;
  for (; i + 4 <= tail.length; i += 4)
    h = Math.imul(rotl((h + Math.imul(view.getUint32(i, true), PRIME3)) | 0, 17), PRIME4);
  for (; i < tail.length; i++) h = Math.imul(rotl((h + Math.imul(tail[i]!, PRIME5)) | 0, 11), PRIME1);
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
}

export function xxh32(bytes: Uint8Array): number {
  const whole = bytes.length - (bytes.length % STRIPE_BYTES);
  if (whole === 0) return finishXxh32(undefined, bytes, bytes.length);
  const lanes = initialLanes();
  foldStripes(lanes, bytes.subarray(0, whole));
  return finishXxh32(lanes, bytes.subarray(whole), bytes.length);
}
