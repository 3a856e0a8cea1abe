/**
 * The NEFF checksums against an independent xxHash implementation (xxhash-wasm): XXH32 itself at
 * every tail length, blocked XXH32 at block boundaries, and the streaming form split anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import xxhash from 'xxhash-wasm';
import { crc32 } from '../../src/neff/crc32.js';
import { CHECKSUM_BLOCK_BYTES, checksumOf, checksummer, type ChecksumKind } from '../../src/neff/checksum.js';
import { xxh32 } from '../../src/neff/xxh32.js';

const { h32Raw } = await xxhash();

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** Blocked XXH32 spelled out with the oracle: XXH32 of the blocks' XXH32s, little-endian. */
function blockedOracle(bytes: Uint8Array): number {
  const count = Math.ceil(bytes.length / CHECKSUM_BLOCK_BYTES);
  const digests = new DataView(new ArrayBuffer(count * 4));
  for (let i = 0; i < count; i++)
    digests.setUint32(
      i * 4,
      h32Raw(bytes.subarray(i * CHECKSUM_BLOCK_BYTES, (i + 1) * CHECKSUM_BLOCK_BYTES)),
      true,
    );
  return h32Raw(new Uint8Array(digests.buffer));
}

test('XXH32 matches xxHash at every length around the 16-byte stripe and 4-byte word', () => {
  for (let length = 0; length <= 80; length++) {
    const bytes = randomBytes(length, length + 1);
    assert.equal(xxh32(bytes), h32Raw(bytes), `length ${length}`);
  }
  for (const length of [1000, 4099, 65_537]) {
    const bytes = randomBytes(length, length);
    assert.equal(xxh32(bytes), h32Raw(bytes), `length ${length}`);
    // views at odd offsets read the same bytes
    const shifted = new Uint8Array(length + 3);
    shifted.set(bytes, 3);
    assert.equal(xxh32(shifted.subarray(3)), h32Raw(bytes));
  }
});

test('blocked XXH32 at block boundaries, and a single changed byte changes it', () => {
  const B = CHECKSUM_BLOCK_BYTES;
  for (const length of [0, 1, 15, B - 1, B, B + 1, 3 * B + 17]) {
    const bytes = randomBytes(length, 7 + length);
    const sum = checksumOf('xxh32-blocks', bytes);
    assert.equal(sum, blockedOracle(bytes), `length ${length}`);
    if (length > 0) {
      bytes[Math.floor(length / 2)]! ^= 0x80;
      assert.notEqual(checksumOf('xxh32-blocks', bytes), sum, `length ${length}: a flipped bit`);
    }
  }
});

test('streaming gives the one-shot checksum wherever the chunks split', () => {
  const bytes = randomBytes(2 * CHECKSUM_BLOCK_BYTES + 1001, 3);
  const kinds: ChecksumKind[] = ['crc32', 'xxh32-blocks'];
  const expected = { crc32: crc32(bytes), 'xxh32-blocks': blockedOracle(bytes) };
  const splits = [
    [1, 15, 16, 17],
    [CHECKSUM_BLOCK_BYTES - 3, 5, CHECKSUM_BLOCK_BYTES + 10],
    [4 << 20],
    [333_333, 1_000_000, 7],
  ];
  for (const kind of kinds)
    for (const sizes of splits) {
      const sum = checksummer(kind);
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const size = sizes[i % sizes.length]!;
        sum.update(bytes.subarray(at, Math.min(bytes.length, at + size)));
        at += size;
      }
      assert.equal(sum.digest(), expected[kind], `${kind} in chunks of ${sizes.join(', ')}`);
    }
});
