/**
 * load(path): everything but the weights is read first, the weights straight into the model's
 * memory, checked as they arrive. Same outputs as loading the bytes; damage anywhere in the weights
 * is NEFF_CORRUPT naming the file; format 1.0 files (CRC-32 weights) still load; no file stays open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModel } from '../../src/driver/compile.js';
import { canonicalJson } from '../../src/neff/canonical-json.js';
import { CHECKSUM_BLOCK_BYTES } from '../../src/neff/checksum.js';
import { SECTION_TYPES } from '../../src/neff/format.js';
import { metadataJson } from '../../src/neff/metadata.js';
import { readNeff } from '../../src/neff/reader.js';
import { assembleNeff, codePayload } from '../../src/neff/writer.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { isNccError, load, type Feeds, type Outputs } from '../../src/runtime/index.js';
import { sharedModels } from '../helpers/shared-models.js';

const model = sharedModels('onnx').find((m) => m.folder === 'squeezenet1_1');

if (!model) test('loading NEFF files', { skip: '../shared/models/onnx is not present' }, () => {});
else {
  const [first] = model.cases();
  const { neff } = compileModel(model.file, { ioConfig: parseIoConfig(JSON.stringify(first!.ioConfig)) });
  const feeds: Feeds = Object.fromEntries([...first!.inputs].map(([k, t]) => [k, t.data]));
  const weights = readNeff(neff).sections.find((s) => s.kind === 'weights')!;
  const dir = mkdtempSync(join(tmpdir(), 'ncc-load-file-'));
  const write = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  // descriptors on the test's files: other descriptors (worker pipes, epoll) come and go with threads
  const openFiles = (): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;
  const outputsOf = async (source: string | Uint8Array, threads: number): Promise<Outputs> => {
    const m = await load(source, { threads });
    try {
      return await m.run(feeds);
    } finally {
      m.dispose();
    }
  };
  const sameBits = (a: Outputs, b: Outputs): void => {
    assert.deepEqual(Object.keys(a), Object.keys(b));
    for (const k of Object.keys(a))
      assert.deepEqual(new Uint8Array(a[k]!.buffer), new Uint8Array(b[k]!.buffer), `output ${k}`);
  };
  const rejects = async (path: string, message: RegExp): Promise<void> => {
    try {
      await load(path, { threads: 1 });
    } catch (e) {
      assert.ok(isNccError(e), String(e));
      assert.equal(e.code, 'NEFF_CORRUPT', e.message);
      assert.match(e.message, message);
      assert.equal(e.subject.file, path);
      return;
    }
    assert.fail(`${path} loaded`);
  };

  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('a file gives the outputs its bytes give, at 1 and 2 threads, and is closed after', async () => {
    assert.ok(weights.length > 4 * CHECKSUM_BLOCK_BYTES, 'weights of several checksum blocks');
    assert.equal(weights.checksumKind, 'xxh32-blocks');
    const path = write('good.neff', neff);
    await outputsOf(neff, 2); // the first workers open the process's lasting descriptors
    const before = openFiles();
    for (const threads of [1, 2]) sameBits(await outputsOf(path, threads), await outputsOf(neff, threads));
    assert.equal(openFiles(), before);
  });

  test('damage anywhere in the weights of a file is NEFF_CORRUPT naming it; no file stays open', async () => {
    const before = openFiles();
    const at = [0, Math.floor(weights.length / 2) + 3, 5 * CHECKSUM_BLOCK_BYTES + 1, weights.length - 1];
    for (const offset of at) {
      const bad = neff.slice();
      bad[weights.offset + offset]! ^= 0x10;
      await rejects(write(`bad-${offset}.neff`, bad), /checksum mismatch in the weights section/);
    }
    await rejects(write('truncated.neff', neff.subarray(0, neff.length - 100)), /truncated/);
    await rejects(write('header-only.neff', neff.subarray(0, 40)), /shorter than the 64-byte header/);
    assert.equal(openFiles(), before);
  });

  test('a format 1.0 file (CRC-32 over the weights) still loads, from bytes and from a file', async () => {
    const { contents } = readNeff(neff);
    const format = { major: 1, minor: 0 };
    const metadata = new TextEncoder().encode(canonicalJson(metadataJson(contents.metadata, format)));
    const old = assembleNeff(
      [
        { type: SECTION_TYPES.metadata, payload: metadata },
        ...contents.variants.map((v, i) => ({ type: SECTION_TYPES.code, payload: codePayload(v, i) })),
        { type: SECTION_TYPES.weights, payload: contents.weights },
      ],
      format,
    );
    const read = readNeff(old);
    assert.deepEqual(read.version, format);
    assert.equal(read.sections.find((s) => s.kind === 'weights')!.checksumKind, 'crc32');
    const expected = await outputsOf(neff, 1);
    sameBits(await outputsOf(old, 1), expected);
    sameBits(await outputsOf(write('v1.0.neff', old), 1), expected);
    const bad = old.slice();
    bad[read.sections.find((s) => s.kind === 'weights')!.offset + 77]! ^= 1;
    await rejects(write('v1.0-bad.neff', bad), /checksum mismatch in the weights section/);
  });
}
