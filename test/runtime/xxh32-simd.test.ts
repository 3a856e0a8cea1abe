/**
 * The hand-encoded wasm block hasher gives what the portable one gives, on shared and unshared
 * memories, for any number of blocks (the four-at-a-time loop and the one-block rest) at any offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKSUM_BLOCK_BYTES, hashBlocks } from '../../src/neff/checksum.js';
import { wasmApi } from '../../src/runtime/wasm-api.js';
import { blockModule, memoryBlockHasher } from '../../src/runtime/xxh32-simd.js';

const api = wasmApi();

test('the module compiles for shared and unshared memories', async () => {
  await api.compile(blockModule(true));
  await api.compile(blockModule(false));
});

for (const shared of [true, false])
  test(`wasm block hashes equal the portable ones (${shared ? 'shared' : 'unshared'} memory)`, async () => {
    const pages = (10 * CHECKSUM_BLOCK_BYTES) / 65536 + 1;
    const memory = new api.Memory({ initial: pages, maximum: pages, shared });
    const all = new Uint8Array(memory.buffer);
    for (let i = 0; i < all.length; i++) all[i] = (i * 2654435761) >>> 24;
    const hasher = await memoryBlockHasher(api, memory, shared);
    for (const [blocks, offset] of [
      [0, 0],
      [1, 64],
      [3, 5],
      [4, 0],
      [5, 16],
      [9, 1234],
    ] as const) {
      const bytes = all.subarray(offset, offset + blocks * CHECKSUM_BLOCK_BYTES);
      assert.deepEqual([...hasher(bytes)], [...hashBlocks(bytes)], `${blocks} blocks at offset ${offset}`);
    }
    // bytes elsewhere: the portable loop
    const outside = all.slice(0, 2 * CHECKSUM_BLOCK_BYTES);
    assert.deepEqual([...hasher(outside)], [...hashBlocks(outside)]);
  });
