import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import binaryen from 'binaryen';
import { binary, constant, load, loopNest, store } from '../../src/backend/kernel/build.js';
import type { GemmCall, Index, Kernel } from '../../src/backend/kernel/ir.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { renderWasm } from '../../src/backend/wasm/index.js';
import { NccError } from '../../src/errors.js';
import type { WasmFeature } from '../../src/neff/contents.js';
import { build, layoutOf, program, wasm } from './wasm-harness.js';

/** The module as a whole: its ABI, names, validity, feature use, errors and thread splitting. */

const at = (v: string, stride = 1, offset = 0): Index => ({ terms: [{ v, stride }], offset });

function scale(name: string, from: string, to: string, n: number, k: number): Kernel {
  return {
    name,
    node: `${name}_node`,
    reads: [from],
    writes: [to],
    body: loopNest(
      'i',
      [n],
      ([i]) => [
        store(to, 'float32', at(i!), binary('mul', 'f32', load(from, 'float32', at(i!)), constant('f32', k))),
      ],
      { vectorize: true, parallel: true },
    ),
  };
}

function gemm(m: number, n: number, k: number): GemmCall {
  return {
    op: 'gemm',
    m,
    n,
    k,
    a: { buffer: 'a', offset: 0, rowStride: k, colStride: 1 },
    b: { buffer: 'b', offset: 0, rowStride: n, colStride: 1 },
    c: { buffer: 'c', offset: 0, rowStride: n, colStride: 1 },
    accumulate: false,
    bias: { buffer: 'bias', offset: 0, along: 'col' },
  };
}

const GEMM_BUFFERS = {
  a: { dtype: 'float32', elements: 9 * 20 },
  b: { dtype: 'float32', elements: 20 * 16 },
  bias: { dtype: 'float32', elements: 16 },
  c: { dtype: 'float32', elements: 9 * 16 },
} as const;

const gemmKernel: Kernel = {
  name: 'gemm_f32',
  node: 'mm',
  reads: ['a', 'b', 'bias'],
  writes: ['c'],
  body: [gemm(9, 16, 20)],
};

function text(bytes: Uint8Array): string {
  const m = binaryen.readBinary(bytes);
  m.setFeatures(binaryen.Features.All);
  try {
    return m.emitText();
  } finally {
    m.dispose();
  }
}

test('the module imports env.memory with min = max pages and exports run(tid, threads) and k<i> per kernel', () => {
  for (const features of [['simd128'], ['simd128', 'threads']] as WasmFeature[][]) {
    const p = program([scale('twice', 'x', 'y', 10, 2)], {
      x: { dtype: 'float32', elements: 10 },
      y: { dtype: 'float32', elements: 10 },
    });
    const plan = planMemory(p);
    const layout = { ...layoutOf(plan), totalBytes: 3 * 65536 };
    const bytes = renderWasm(p, { plan, ...layout }, { features });
    const wat = text(bytes);
    const shared = features.includes('threads') ? ' shared' : '';
    assert.match(wat, new RegExp(`\\(import "env" "memory" \\(memory \\$\\S+ 3 3${shared}\\)\\)`));
    assert.deepEqual([...wat.matchAll(/\(export "([^"]+)"/g)].map((x) => x[1]).sort(), ['k0', 'run']);
    assert.match(wat, /\(func \$run (\(type \$\d+\) )?\(param \$\S+ i32\) \(param \$\S+ i32\)/);
  }
});

test('kernels become functions named after them, made unique', () => {
  const p = program(
    [scale('twice', 'x', 'y', 10, 2), scale('twice', 'y', 'z', 10, 3), scale('run', 'z', 'w', 10, 4)],
    {
      x: { dtype: 'float32', elements: 10 },
      y: { dtype: 'float32', elements: 10, kind: 'activation' },
      z: { dtype: 'float32', elements: 10, kind: 'activation' },
      w: { dtype: 'float32', elements: 10 },
    },
  );
  const wat = text(build(p).bytes);
  for (const name of ['twice', 'twice_2', 'run_2']) assert.match(wat, new RegExp(`\\(func \\$${name}[\\s)]`));
});

test('every variant validates; only the relaxed one has relaxed opcodes; the scalar one has no SIMD', () => {
  const p = program([gemmKernel, scale('exp_like', 'c', 'y', 144, 0.5)], {
    ...GEMM_BUFFERS,
    c: { dtype: 'float32', elements: 144, kind: 'activation' },
    y: { dtype: 'float32', elements: 144 },
  });
  const variants: WasmFeature[][] = [['simd128', 'relaxed-simd'], ['simd128'], [], ['simd128', 'threads']];
  for (const features of variants) {
    for (const optimize of [0, 2] as const) {
      const { bytes } = build(p, features, optimize);
      assert.ok(wasm.validate(bytes), `${features} -O${optimize}`);
      const m = binaryen.readBinary(bytes);
      m.setFeatures(binaryen.Features.All);
      assert.ok(m.validate(), `binaryen validates ${features} -O${optimize}`);
      const wat = m.emitText();
      m.dispose();
      assert.equal(/relaxed/.test(wat), features.includes('relaxed-simd'), `${features} -O${optimize}`);
      assert.equal(
        /v128|f32x4|i32x4/.test(wat),
        features.length > 0 && !(features.length === 1 && features[0] === 'threads'),
      );
    }
  }
});

test('a kernel that breaks the IR rules is an internal error naming it', () => {
  const bad: Kernel = {
    name: 'broken_kernel',
    node: 'broken_node',
    reads: ['x'],
    writes: ['y'],
    body: [store('y', 'float32', at('nowhere'), load('x', 'float32', at('nowhere')))],
  };
  const typed: Kernel = {
    ...bad,
    name: 'mistyped',
    body: [store('y', 'float32', { terms: [], offset: 0 }, constant('f64', 1))],
  };
  for (const [k, why] of [
    [bad, /nowhere/],
    [typed, /f64/],
  ] as const) {
    const p = program([k], { x: { dtype: 'float32', elements: 4 }, y: { dtype: 'float32', elements: 4 } });
    assert.throws(
      () => build(p),
      (e: unknown) =>
        e instanceof NccError &&
        e.code === 'NCC_INTERNAL' &&
        e.message.includes(k.name) &&
        why.test(e.message) &&
        e.subject.node === k.node,
    );
  }
});

test('optimization levels agree', () => {
  const results = ([0, 1, 2, 3] as const).map((level) => {
    const b = build(program([gemmKernel], GEMM_BUFFERS), ['simd128'], level);
    (b.view('a') as Float32Array).forEach((_, i, a) => (a[i] = Math.sin(i)));
    (b.view('b') as Float32Array).forEach((_, i, a) => (a[i] = Math.cos(i)));
    (b.view('bias') as Float32Array).fill(0.5);
    b.run();
    return [...(b.view('c') as Float32Array)];
  });
  for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
});

/**
 * Runs `run(tid, n)` on n workers sharing the memory; resolves when all have returned. A worker that
 * fails, or a run that does not finish in time, terminates every worker (the others would wait at a
 * barrier forever) and rejects with what happened.
 */
async function runThreads(bytes: Uint8Array, memory: object, n: number, timeoutMs = 60_000): Promise<void> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { bytes, memory, tid, n } = workerData;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    instance.exports.run(tid, n);
    parentPort.postMessage('done');`;
  const workers = Array.from(
    { length: n },
    (_, tid) => new Worker(code, { eval: true, workerData: { bytes, memory, tid, n } }),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(
        workers.map(
          (w, tid) =>
            new Promise<void>((resolve, reject) => {
              w.once('message', () => resolve());
              w.once('error', (e) => reject(new Error(`thread ${tid} of ${n} failed: ${e.message}`)));
              w.once(
                'exit',
                (code) => code !== 0 && reject(new Error(`thread ${tid} of ${n} exited with ${code}`)),
              );
            }),
        ),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${n} threads did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

test('threads split parallel loops and gemm rows or columns, and meet at barriers between kernels', async () => {
  const n = 1001;
  const reverse: Kernel = {
    name: 'reverse',
    node: 'rev',
    reads: ['y'],
    writes: ['z'],
    body: loopNest(
      'i',
      [n],
      ([i]) => [store('z', 'float32', at(i!), load('y', 'float32', at(i!, -1, n - 1)))],
      {
        parallel: true,
      },
    ),
  };
  const prefix: Kernel = {
    name: 'prefix_sum',
    node: 'ps',
    reads: ['z'],
    writes: ['s'],
    body: [
      { op: 'set', name: 'acc', type: 'f32', value: constant('f32', 0) },
      {
        op: 'loop',
        v: 'i',
        extent: n,
        body: [
          {
            op: 'set',
            name: 'acc',
            type: 'f32',
            value: binary(
              'add',
              'f32',
              { op: 'local', name: 'acc', type: 'f32' },
              load('z', 'float32', at('i')),
            ),
          },
          store('s', 'float32', at('i'), { op: 'local', name: 'acc', type: 'f32' }),
        ],
      },
    ],
  };
  // a batch-1 layer (columns split) and a transposed B (dot-product tiles)
  const wide: Kernel = {
    name: 'gemm_wide',
    node: 'mm2',
    reads: ['a2', 'b2'],
    writes: ['c2'],
    body: [
      {
        op: 'gemm',
        m: 1,
        n: 101,
        k: 33,
        a: { buffer: 'a2', offset: 0, rowStride: 33, colStride: 1 },
        b: { buffer: 'b2', offset: 0, rowStride: 101, colStride: 1 },
        c: { buffer: 'c2', offset: 0, rowStride: 101, colStride: 1 },
        accumulate: false,
      },
    ],
  };
  const nt: Kernel = {
    name: 'gemm_nt',
    node: 'mm3',
    reads: ['a2', 'b2'],
    writes: ['c3'],
    body: [
      {
        op: 'gemm',
        m: 3,
        n: 21,
        k: 11,
        a: { buffer: 'a2', offset: 0, rowStride: 11, colStride: 1 },
        b: { buffer: 'b2', offset: 0, rowStride: 1, colStride: 11 },
        c: { buffer: 'c3', offset: 0, rowStride: 21, colStride: 1 },
        accumulate: false,
      },
    ],
  };
  const p = program(
    [scale('twice', 'x', 'y', n, 2), reverse, prefix, scale('half', 's', 'h', n, 0.5), gemmKernel, wide, nt],
    {
      a2: { dtype: 'float32', elements: 33 },
      b2: { dtype: 'float32', elements: 33 * 101 },
      c2: { dtype: 'float32', elements: 101 },
      c3: { dtype: 'float32', elements: 63 },
      x: { dtype: 'float32', elements: n },
      y: { dtype: 'float32', elements: n, kind: 'activation' },
      z: { dtype: 'float32', elements: n, kind: 'activation' },
      s: { dtype: 'float32', elements: n, kind: 'activation' },
      h: { dtype: 'float32', elements: n },
      ...GEMM_BUFFERS,
    },
  );
  const serial = build(p, ['simd128']);
  const threaded = build(p, ['simd128', 'threads']);
  // outputs may share bytes with inputs (their lifetimes do not overlap): poison first, then feed
  const feed = (b: typeof serial): void => {
    (b.view('h') as Float32Array).fill(NaN);
    (b.view('c') as Float32Array).fill(NaN);
    (b.view('x') as Float32Array).forEach((_, i, a) => (a[i] = (i % 17) - 8));
    (b.view('a') as Float32Array).forEach((_, i, a) => (a[i] = Math.sin(i)));
    (b.view('b') as Float32Array).forEach((_, i, a) => (a[i] = Math.cos(i)));
    (b.view('bias') as Float32Array).fill(0.25);
    (b.view('c2') as Float32Array).fill(NaN);
    (b.view('c3') as Float32Array).fill(NaN);
    (b.view('a2') as Float32Array).forEach((_, i, a) => (a[i] = Math.sin(i + 1)));
    (b.view('b2') as Float32Array).forEach((_, i, a) => (a[i] = Math.cos(i / 3)));
  };
  feed(serial);
  serial.run();
  for (const threads of [1, 3, 4]) {
    feed(threaded);
    await runThreads(threaded.bytes, threaded.memory, threads);
    assert.deepEqual(
      [...(threaded.view('h') as Float32Array)],
      [...(serial.view('h') as Float32Array)],
      `${threads} threads`,
    );
    for (const out of ['c', 'c2', 'c3']) {
      const want = [...(serial.view(out) as Float32Array)];
      assert.ok(want.every(Number.isFinite), out);
      assert.deepEqual([...(threaded.view(out) as Float32Array)], want, `${out}, ${threads} threads`);
    }
  }
});

test('rendering is deterministic', () => {
  const p = program([gemmKernel, scale('exp_like', 'c', 'y', 144, 0.5)], {
    ...GEMM_BUFFERS,
    c: { dtype: 'float32', elements: 144, kind: 'activation' },
    y: { dtype: 'float32', elements: 144 },
  });
  const plan = planMemory(p);
  const render = (): Uint8Array =>
    renderWasm(p, { plan, ...layoutOf(plan) }, { features: ['simd128', 'relaxed-simd'] });
  assert.deepEqual(render(), render());
});
