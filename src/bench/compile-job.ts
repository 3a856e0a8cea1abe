/**
 * The child's side of a compile job: neuron-cc's compile() with default options in a fresh process
 * (so the time includes what a first compile pays, JIT warm-up of the compiler included), the NEFF
 * written for the runtimes to load.
 */
import { writeFileSync } from 'node:fs';
import { compile } from '../index.js';
import { importOnnxFile } from '../frontends/onnx/import.js';
import type { ValueInfo } from '../ir/graph.js';
import { readNeff } from '../neff/reader.js';
import type { CompileJob, CompileResult } from './protocol.js';

export async function runCompile(job: CompileJob): Promise<CompileResult> {
  const t0 = performance.now();
  const { neff, summary } = await compile(job.model, {
    ...(job.framework ? { framework: job.framework } : {}),
    ...(job.ioConfig ? { ioConfig: job.ioConfig } : {}),
    ...(job.autoCast ? { autoCast: job.autoCast } : {}),
  });
  const ms = performance.now() - t0;
  writeFileSync(job.neffOut, neff);
  const kernels = readNeff(neff).contents.metadata.kernels ?? [];
  return {
    ms,
    neffBytes: neff.byteLength,
    kernels: summary.kernels,
    variants: summary.variants.map((v) => [...v]),
    flops: kernels.reduce((a, k) => a + k.flops, 0),
    batch: job.model.toLowerCase().endsWith('.onnx')
      ? batchOf(importOnnxFile(job.model).graph.inputs)
      : 'unknown',
  };
}

/**
 * How the model file declares its batch (the inputs' first dim): a number fixes it, a symbol leaves
 * it to the compile's io-config. Read after the timed compile, so it costs the compile time nothing.
 */
export function batchOf(inputs: readonly ValueInfo[]): string {
  const first = inputs.map((i) => i.type.shape?.[0]);
  if (first.some((d) => typeof d === 'string')) return 'dynamic';
  if (first.length > 0 && first.every((d) => d === first[0] && typeof d === 'number'))
    return `fixed at ${first[0]}`;
  return 'unknown';
}
