import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import type { NeffTensor } from '../../src/neff/contents.js';
import { DTYPE_BYTES } from '../../src/neff/format.js';
import { allocateOutput, checkFeeds, storageName } from '../../src/runtime/feeds.js';
import { load, isNccError, type Feeds } from '../../src/runtime/index.js';
import { SIMD, sampleFeeds, sampleNeff } from './sample-model.js';

async function badInput(feeds: unknown, message: RegExp): Promise<void> {
  const model = await load(sampleNeff([SIMD]));
  await assert.rejects(model.run(feeds as Feeds), (e: unknown) => {
    assert.ok(isNccError(e), String(e));
    assert.equal(e.code, 'NCC_BAD_INPUT');
    assert.match(e.message, message);
    assert.equal(e.hint, 'the model takes x: Float32Array[8], ids: BigInt64Array[3]');
    return true;
  });
}

test('missing and unknown inputs are named, all at once', async () => {
  const { x } = sampleFeeds();
  await badInput({ x }, /^missing input 'ids'$/);
  await badInput({ x, ids: sampleFeeds().ids, extra: x }, /^unknown input 'extra'$/);
  await badInput({ X: x }, /unknown input 'X'; missing input 'x'; missing input 'ids'/);
  await badInput({ x, ids: undefined }, /missing input 'ids'/);
});

test('the typed array must match the dtype', async () => {
  const { x, ids } = sampleFeeds();
  await badInput(
    { x: Float64Array.from(x), ids },
    /input 'x' \(float32\) must be a Float32Array, got Float64Array/,
  );
  await badInput(
    { x, ids: Int32Array.from([1, 2, 3]) },
    /input 'ids' \(int64\) must be a BigInt64Array, got Int32Array/,
  );
  await badInput({ x: Array.from(x), ids }, /must be a Float32Array, got an Array/);
  await badInput({ x: new DataView(x.buffer), ids }, /must be a Float32Array, got DataView/);
  await badInput({ x: 3, ids }, /must be a Float32Array, got number/);
});

test('element counts must match the shape', async () => {
  const { ids } = sampleFeeds();
  await badInput({ x: new Float32Array(6), ids }, /input 'x' has 6 elements, shape \[2, 4\] needs 8/);
  await badInput(
    { x: new Float32Array(8), ids: new BigInt64Array(4) },
    /input 'ids' has 4 elements, shape \[3\] needs 3/,
  );
});

test('feeds must be an object', async () => {
  await badInput(null, /run\(\) takes an object of input name -> typed array, got null/);
  await badInput([new Float32Array(8)], /got an Array/);
});

test('typed arrays from another realm are accepted', async () => {
  const model = await load(sampleNeff([SIMD]));
  const x = runInNewContext('new Float32Array([1, 2, 3, 4, 5, 6, 7, 8])') as Float32Array;
  assert.ok(!(x instanceof Float32Array));
  const out = await model.run({ x, ids: sampleFeeds().ids });
  assert.equal(out.y!.length, 8);
});

test('each dtype travels in its storage array', () => {
  const expected = {
    float32: 'Float32Array',
    float16: 'Uint16Array',
    bfloat16: 'Uint16Array',
    float64: 'Float64Array',
    int8: 'Int8Array',
    int16: 'Int16Array',
    int32: 'Int32Array',
    int64: 'BigInt64Array',
    uint8: 'Uint8Array',
    uint16: 'Uint16Array',
    uint32: 'Uint32Array',
    uint64: 'BigUint64Array',
    bool: 'Uint8Array',
  } as const;
  for (const [dtype, name] of Object.entries(expected) as [keyof typeof expected, string][]) {
    assert.equal(storageName(dtype), name);
    const t: NeffTensor = { name: 't', dtype, shape: [2, 3], offset: 0, byteLength: 6 * DTYPE_BYTES[dtype] };
    const out = allocateOutput(t);
    assert.equal(out.constructor.name, name);
    assert.equal(out.byteLength, t.byteLength, dtype);
    assert.equal(checkFeeds({ t: out }, [t]).get('t'), out);
  }
});
