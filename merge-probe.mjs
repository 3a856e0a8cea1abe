import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { readNeff } from '/work/main/dist/src/neff/reader.js';
const { contents } = readNeff(readFileSync(process.argv[2]));
const wasm = contents.variants[0].wasm;
const m = binaryen.readBinary(wasm);
m.setFeatures(binaryen.Features.All);
binaryen.setOptimizeLevel(2); binaryen.setShrinkLevel(0);
m.runPasses(['merge-similar-functions']);
const out = m.emitBinary();
const md = contents.metadata;
const pages = md.memory.totalBytes / 65536;
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
new Uint8Array(memory.buffer).set(contents.weights, md.memory.weightsOffset);
v8.setFlagsFromString('--no-liftoff'); v8.setFlagsFromString('--no-wasm-lazy-compilation');
const order = process.argv[3] === 'merged' ? [out] : [wasm.slice()];
for (const w of order) {
  let t = performance.now(); const mod = await WebAssembly.compile(w); const c = performance.now() - t;
  const inst = await WebAssembly.instantiate(mod, { env: { memory } });
  const rs = []; for (let i = 0; i < 15; i++) { t = performance.now(); inst.exports.run(0, 1); rs.push(performance.now() - t); }
  rs.sort((a, b) => a - b);
  console.log(process.argv[3], 'size', w.length, 'compile', c.toFixed(0), 'run med', rs[7].toFixed(1));
}
