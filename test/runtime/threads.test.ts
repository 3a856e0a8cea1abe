import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { compileModel } from '../../src/driver/compile.js';
import type { TensorData } from '../../src/ir/dtype.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { load, type Feeds, type Model, type Outputs, type WasmFeature } from '../../src/runtime/index.js';
import { testing } from '../../src/runtime/workers.js';
import { allclose, sharedModels, type SharedModel } from '../helpers/shared-models.js';

/**
 * Real models on several threads: every thread count gives the same bits as one thread of the same
 * code variant; runs queue; a dead or trapping worker is an error (never a hang); the default thread
 * count follows the host and the model.
 */
const MODELS = ['squeezenet1_1', 'mobilenet_v2', 'bert_tiny', 'mobileface_v3_trained'];
const VARIANTS: readonly (readonly WasmFeature[])[] = [
  ['simd128', 'relaxed-simd', 'threads'],
  ['simd128', 'threads'],
];

const models = sharedModels('onnx').filter((m) => MODELS.includes(m.folder));
if (models.length === 0)
  test('threads on real models', { skip: '../shared/models/onnx is not present' }, () => {});

interface Compiled {
  readonly neff: Uint8Array;
  readonly feeds: Feeds;
  readonly expected: ReadonlyMap<string, Tensor>;
  readonly model: SharedModel;
}

const compiled = new Map<string, Compiled>();
function compiledModel(model: SharedModel): Compiled {
  let c = compiled.get(model.folder);
  if (!c) {
    const [first] = model.cases();
    const { neff } = compileModel(model.file, { ioConfig: parseIoConfig(JSON.stringify(first!.ioConfig)) });
    const feeds = Object.fromEntries([...first!.inputs].map(([k, t]) => [k, t.data]));
    c = { neff, feeds, expected: first!.outputs, model };
    compiled.set(model.folder, c);
  }
  return c;
}

function assertSameBits(a: Outputs, b: Outputs, what: string): void {
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const name of Object.keys(a)) {
    const x = new Uint8Array(a[name]!.buffer);
    const y = new Uint8Array(b[name]!.buffer);
    assert.equal(x.length, y.length);
    const first = x.findIndex((v, i) => v !== y[i]);
    assert.equal(first, -1, `${what}: output ${name} differs from byte ${first}`);
  }
}

async function withModel<T>(neff: Uint8Array, options: object, f: (m: Model) => Promise<T>): Promise<T> {
  const m = await load(neff, options);
  try {
    return await f(m);
  } finally {
    m.dispose();
  }
}

for (const model of models) {
  test(`onnx/${model.folder}: 2 and 3 threads give the bits of 1 thread, in every variant`, async () => {
    const c = compiledModel(model);
    for (const features of VARIANTS) {
      const one = await withModel(c.neff, { features, threads: 1 }, async (m) => {
        assert.deepEqual(m.features, features);
        return m.run(c.feeds);
      });
      for (const [name, want] of c.expected) {
        const got = { dtype: want.dtype, shape: [...want.shape], data: one[name] as TensorData };
        const diff = allclose(got, want, model.tolerance!.atol, model.tolerance!.rtol);
        assert.equal(diff, undefined, `${features.join('+')} output ${name}: ${diff}`);
      }
      for (const threads of [2, 3]) {
        const many = await withModel(c.neff, { features, threads }, async (m) => {
          assert.equal(m.threads, threads);
          // three runs on all threads (the barrier state carries over from one to the next)
          await m.run(c.feeds);
          await m.run(c.feeds);
          return m.run(c.feeds);
        });
        assertSameBits(many, one, `${features.join('+')}, ${threads} threads`);
      }
    }
  });
}

const squeezenet = models.find((m) => m.folder === 'squeezenet1_1');
test(
  'concurrent run() calls on one model queue and each gets its own outputs',
  { skip: !squeezenet },
  async () => {
    const c = compiledModel(squeezenet!);
    const x = c.feeds.input as Float32Array;
    const inputs = [1, -1, 0.5, 2].map((s) => ({ input: x.map((v) => v * s) }));
    const sequential: Outputs[] = [];
    await withModel(c.neff, { threads: 1 }, async (m) => {
      for (const feeds of inputs) sequential.push(await m.run(feeds));
    });
    await withModel(c.neff, { threads: 2 }, async (m) => {
      const all = await Promise.all([...inputs, ...inputs].map((feeds) => m.run(feeds)));
      all.forEach((out, i) => assertSameBits(out, sequential[i % inputs.length]!, `concurrent run ${i}`));
    });
  },
);

test('the default thread count is the processors, at most 8 and what the model has work for', async () => {
  if (squeezenet) {
    const c = compiledModel(squeezenet);
    await withModel(c.neff, {}, async (m) => assert.equal(m.threads, Math.min(availableParallelism(), 8)));
  }
  const mlp = sharedModels('onnx').find((m) => m.folder === 'mlp_tiny');
  if (mlp) {
    const c = compiledModel(mlp);
    await withModel(c.neff, {}, async (m) => assert.equal(m.threads, 1));
  }
});

const mlp = sharedModels('onnx').find((m) => m.folder === 'mlp_tiny');
for (const [kind, compile] of [
  ['exit', 'optimized'],
  ['throw', 'optimized'],
  ['throw', 'lazy'],
] as const) {
  test(
    `a worker that fails (${kind}, code compiled ${compile}) makes this run and later ones fail, not hang`,
    { skip: !mlp, timeout: 30_000 },
    async () => {
      const c = compiledModel(mlp!);
      testing.fault = { tid: 1, kind };
      const m = await load(c.neff, { threads: 2, compile });
      try {
        // lazily compiled code runs its first run on thread 0 alone: the worker's first run is the next
        if (compile === 'lazy') await m.run(c.feeds);
        const why = kind === 'exit' ? /it exited with code 70/ : /fault injected by a test/;
        for (let i = 0; i < 2; i++) {
          await assert.rejects(m.run(c.feeds), (e: Error & { code?: string }) => {
            assert.equal(e.code, 'NCC_THREAD_FAILED');
            assert.match(e.message, /compute thread 1 of 2 failed/);
            assert.match(e.message, why);
            return true;
          });
        }
      } finally {
        m.dispose();
      }
    },
  );
}
