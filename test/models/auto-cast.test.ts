import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel } from '../../src/driver/compile.js';
import { parseIoConfig } from '../../src/options/io-config.js';
import { load, type Outputs } from '../../src/runtime/index.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { readNpy } from '../../src/io/npy.js';
import { allclose, sharedModels } from '../helpers/shared-models.js';

/**
 * --auto-cast matmult on the trained models of ../shared/models/onnx, judged as their README says:
 * the cosine similarity to the float32 reference must be at least the stored `bf16_check` figure
 * (what rounding the weights alone costs, measured in PyTorch) minus 0.0005, with the same top-1
 * class where the check records one; and the NEFF's weights shrink to about half.
 */
interface Bf16Check {
  readonly cosine: number;
  readonly top1?: number;
  /** The same check with every op's output rounded too (--auto-cast all, emulated op by op). */
  readonly all_activations_bf16?: { readonly cosine: number };
}

const trained = sharedModels('onnx').flatMap((m) => {
  const meta = JSON.parse(readFileSync(join(m.dir, 'meta.json'), 'utf8')) as {
    weights?: string;
    bf16_check?: Bf16Check;
  };
  return meta.weights === 'trained' && meta.bf16_check ? [{ model: m, check: meta.bf16_check }] : [];
});
if (trained.length === 0)
  test('auto-cast on trained models', { skip: '../shared/models/onnx has no trained models' }, () => {});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

async function runCompiled(neff: Uint8Array, inputs: ReadonlyMap<string, Tensor>): Promise<Outputs> {
  const model = await load(neff);
  try {
    return await model.run(Object.fromEntries([...inputs].map(([k, t]) => [k, t.data])));
  } finally {
    model.dispose();
  }
}

for (const { model, check } of trained) {
  test(`auto-cast matmult (bf16) on trained onnx/${model.folder}`, async () => {
    const [c] = model.cases();
    const ioConfig = parseIoConfig(JSON.stringify(c!.ioConfig));
    const fp32 = compileModel(model.file, { ioConfig });
    const cast = compileModel(model.file, { ioConfig, autoCast: { mode: 'matmult', type: 'bfloat16' } });
    assert.ok(cast.summary.autoCast && cast.summary.autoCast.constants > 0, 'some weights are cast');
    const ratio = cast.summary.weightBytes / fp32.summary.weightBytes;
    assert.ok(
      ratio < 0.6,
      `weights ${cast.summary.weightBytes} B against ${fp32.summary.weightBytes} B float32`,
    );
    const outputs = await runCompiled(cast.neff, c!.inputs);
    let worst = 1;
    for (const [name, want] of c!.outputs) {
      const got = outputs[name] as Float32Array;
      worst = Math.min(worst, cosine(got, want.data as Float32Array));
      if (check.top1 !== undefined) assert.equal(argmax(got), check.top1, `top-1 of ${name}`);
    }
    assert.ok(worst >= check.cosine - 0.0005, `cosine ${worst} below ${check.cosine} - 0.0005`);
  });
}

/**
 * --auto-cast all: activations between kernels in bf16 too. The bar is the README's emulation of it
 * (every op's output rounded, which rounds more often than fused kernels do) minus 0.0005; the arena
 * of activations must shrink.
 */
for (const { model, check } of trained) {
  test(
    `auto-cast all (bf16) on trained onnx/${model.folder}`,
    { skip: !check.all_activations_bf16 },
    async () => {
      const [c] = model.cases();
      const ioConfig = parseIoConfig(JSON.stringify(c!.ioConfig));
      const matmult = compileModel(model.file, { ioConfig, autoCast: { mode: 'matmult', type: 'bfloat16' } });
      const all = compileModel(model.file, { ioConfig, autoCast: { mode: 'all', type: 'bfloat16' } });
      assert.ok(all.summary.autoCast!.activations > 0, 'some activations are stored in 16 bits');
      assert.ok(
        all.summary.arenaBytes < matmult.summary.arenaBytes,
        `arena ${all.summary.arenaBytes} B against ${matmult.summary.arenaBytes} B with float32 activations`,
      );
      const outputs = await runCompiled(all.neff, c!.inputs);
      let worst = 1;
      for (const [name, want] of c!.outputs) {
        const got = outputs[name] as Float32Array;
        worst = Math.min(worst, cosine(got, want.data as Float32Array));
        if (check.top1 !== undefined) assert.equal(argmax(got), check.top1, `top-1 of ${name}`);
      }
      const bar = check.all_activations_bf16!.cosine - 0.0005;
      assert.ok(worst >= bar, `cosine ${worst} below ${bar}`);
    },
  );
}

for (const { model, check } of trained.slice(0, 2)) {
  test(`auto-cast matmult (fp16) on trained onnx/${model.folder}: at least as close as bf16`, async () => {
    const [c] = model.cases();
    const ioConfig = parseIoConfig(JSON.stringify(c!.ioConfig));
    const cast = compileModel(model.file, { ioConfig, autoCast: { mode: 'matmult', type: 'float16' } });
    const outputs = await runCompiled(cast.neff, c!.inputs);
    for (const [name, want] of c!.outputs) {
      const cos = cosine(outputs[name] as Float32Array, want.data as Float32Array);
      assert.ok(cos >= check.cosine - 0.0005, `fp16 ${name}: cosine ${cos}`);
    }
  });
}

/**
 * The tight check of the models README: an engine that stores exactly the bf16-rounded weights and
 * accumulates in float32 lands on `outputs_bf16_matmult/` within the folder's float32 tolerance.
 * It applies where nothing is folded into the weights before the cast: mobileface_v1 (its
 * BatchNorms were folded at export) at the default level, mobileface_v3 at -O0 (-O1 and up fold
 * its BatchNormalization into the MatMul, which is just as valid). Models with 3x3 convs store
 * Winograd-transformed weights, rounded once more, and are judged by cosine above.
 */
for (const [folder, optLevel] of [
  ['mobileface_v1_trained', 2],
  ['mobileface_v3_trained', 0],
] as const) {
  const entry = trained.find((t) => t.model.folder === folder);
  test(
    `auto-cast matmult on onnx/${folder} -O${optLevel} matches the bf16 emulation`,
    { skip: !entry },
    async () => {
      const { model } = entry!;
      const [c] = model.cases();
      const ioConfig = parseIoConfig(JSON.stringify(c!.ioConfig));
      const { neff } = compileModel(model.file, {
        ioConfig,
        optLevel,
        autoCast: { mode: 'matmult', type: 'bfloat16' },
      });
      const outputs = await runCompiled(neff, c!.inputs);
      const meta = JSON.parse(readFileSync(join(model.dir, 'meta.json'), 'utf8')) as {
        bf16_check: { outputs: Record<string, string> };
      };
      for (const [name, file] of Object.entries(meta.bf16_check.outputs)) {
        const want = readNpy(readFileSync(join(model.dir, file)), file);
        const got = { dtype: want.dtype, shape: [...want.shape], data: outputs[name] as Float32Array };
        const diff = allclose(got, want, model.tolerance!.atol, model.tolerance!.rtol);
        assert.equal(diff, undefined, `${name}: ${diff}`);
      }
    },
  );
}
