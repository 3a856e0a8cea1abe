#!/usr/bin/env node
// Finds the first kernel whose compiled (wasm) result differs from the kernel-IR interpreter.
// Usage: node scripts/debug-kernels.mjs MODEL.onnx IO_CONFIG_JSON INPUT_NAME=FILE.npy...
// Every buffer gets its own bytes (no reuse), so after one run every value can be compared.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { loadStaticModel } from '../dist/src/driver/load-model.js';
import { parseIoConfig } from '../dist/src/options/io-config.js';
import { lowerGraph } from '../dist/src/backend/schedule/lower-graph.js';
import { planMemory } from '../dist/src/backend/schedule/memory-plan.js';
import { interpretKernels } from '../dist/src/backend/kernel/interpret.js';
import { memoryLayout } from '../dist/src/driver/compile.js';
import { renderWasm } from '../dist/src/backend/wasm/index.js';
import { readNpy } from '../dist/src/io/npy.js';
import { storageCtor } from '../dist/src/ir/dtype.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const [path, io, ...inputs] = process.argv.slice(2);
const model = loadStaticModel(path, { ioConfig: parseIoConfig(io) });
const program = lowerGraph(model.graph, model.name);
const plan = planMemory(program, { reuse: false });
const layout = memoryLayout(plan);
const memory = new WebAssembly.Memory({
  initial: layout.totalBytes / 65536,
  maximum: layout.totalBytes / 65536,
});
const bytes = new Uint8Array(memory.buffer);
const views = new Map();
for (const [name, info] of program.buffers) {
  const w = plan.weights.get(name);
  const a = plan.arena.get(name);
  if (!w && !a) continue;
  const at = w ? layout.weightsOffset + w.offset : layout.arenaOffset + a.offset;
  const Ctor = storageCtor(info.dtype);
  if (info.data) bytes.set(new Uint8Array(info.data.data.buffer, info.data.data.byteOffset, info.bytes), at);
  views.set(name, { at, info, Ctor });
}
for (const spec of inputs) {
  const [name, file] = spec.split('=');
  const t = readNpy(readFileSync(file));
  const v = views.get(`in:${name}`);
  bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), v.at);
}
const snapshot = new Uint8Array(bytes); // inputs and weights, before the run
const wasm = renderWasm(program, { plan, ...layout }, { features: ['simd128'], optimize: 1 });
const { instance } = await WebAssembly.instantiate(wasm, { env: { memory } });
instance.exports.run(0, 1);
const compiled = new Uint8Array(bytes);
const interp = new Uint8Array(snapshot);
const iviews = new Map(
  [...views].map(([n, v]) => [n, new v.Ctor(interp.buffer, v.at, v.info.bytes / v.Ctor.BYTES_PER_ELEMENT)]),
);
for (const [i, k] of program.kernels.entries()) {
  interpretKernels([k], iviews);
  for (const b of k.writes) {
    const v = views.get(b);
    const want = iviews.get(b);
    const got = new v.Ctor(compiled.buffer, v.at, want.length);
    let worst = 0;
    let at = -1;
    for (let j = 0; j < want.length; j++) {
      const d = Math.abs(Number(got[j]) - Number(want[j]));
      if (d > worst || (Number.isNaN(d) && !Number.isNaN(Number(want[j]))))
        [worst, at] = [Number.isNaN(d) ? Infinity : d, j];
    }
    const scale = Math.max(1e-6, ...Array.from(want.subarray(0, 4096), (x) => Math.abs(Number(x))));
    if (worst / scale > 1e-3) {
      console.log(
        `kernel ${i} ${k.name} (node ${k.node}) writes ${b}: element ${at} compiled ${got[at]} vs interpreted ${want[at]}`,
      );
      process.exit(1);
    }
  }
}
console.log(`all ${program.kernels.length} kernels agree`);
