import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { preview } from './preview.js';
import { feedsFromFlags, readInputFiles } from './feeds.js';
import { writeNpy } from '../../io/npy.js';
import type { TensorData } from '../../ir/dtype.js';
import { toFloat32, type Tensor } from '../../ir/tensor.js';
import { load } from '../../runtime/index.js';
import { BucketedModel } from '../../runtime/bucketed.js';
import type { TypedArray } from '../../runtime/feeds.js';
import { runPartitionedModel } from './run-partitioned.js';

interface RunFlags {
  input: string[];
  outputDir?: string;
  threads: string;
}

/** `neuron-cc run`: a NEFF on .npy inputs through the runtime; one .npy per output plus outputs.json. */
export function runCommand(program: Command): void {
  program
    .command('run')
    .description('run a NEFF (or a partitioned .neuron.onnx) on .npy inputs')
    .argument('<neff>', 'NEFF file, or the ONNX model compile --partition writes')
    .option('--input <name=file.npy...>', 'an input value (repeat for each input)', collect, [])
    .option('--output-dir <dir>', 'write <name>.npy per output and outputs.json here')
    .option('--threads <n>', 'worker threads', '1')
    .action(async (path: string, flags: RunFlags) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch {
        throw new NccError('NCC_FILE_NOT_FOUND', `cannot read ${path}`, { file: path });
      }
      const listing: Listing = [];
      if (path.toLowerCase().endsWith('.onnx')) {
        const r = await runPartitionedModel(bytes, flags.input, Number(flags.threads));
        r.outputs.forEach((t, i) => report(r.names[i]!, t, flags.outputDir, listing));
        if (flags.outputDir) writeListing(flags.outputDir, listing);
        console.log(
          `latency: ${r.ms.toFixed(2)} ms (${r.segments} compiled segments, the rest on the fallback interpreter)`,
        );
        return;
      }
      const model = await load(bytes, { threads: Number(flags.threads) });
      if (model instanceof BucketedModel) {
        try {
          const start = performance.now();
          const out = await model.runShaped(shapedFeeds(flags.input));
          const ms = performance.now() - start;
          for (const [name, t] of Object.entries(out))
            report(
              name,
              { dtype: t.dtype, shape: [...t.shape], data: t.data as TensorData },
              flags.outputDir,
              listing,
            );
          if (flags.outputDir) writeListing(flags.outputDir, listing);
          console.log(
            `latency: ${ms.toFixed(2)} ms (bucketed: inputs padded to the smallest fitting bucket)`,
          );
        } finally {
          model.dispose();
        }
        return;
      }
      try {
        const feeds = feedsFromFlags(model.inputs, flags.input);
        const start = performance.now();
        const outputs = await model.run(feeds);
        const ms = performance.now() - start;
        for (const meta of model.outputs) {
          const data = outputs[meta.name]! as TensorData;
          report(meta.name, { dtype: meta.dtype, shape: [...meta.shape], data }, flags.outputDir, listing);
        }
        if (flags.outputDir) writeListing(flags.outputDir, listing);
        console.log(`latency: ${ms.toFixed(2)} ms`);
      } finally {
        model.dispose();
      }
    });
}

/** --input files with their own shapes (a bucketed model takes any size its buckets fit). */
function shapedFeeds(
  specs: readonly string[],
): Record<string, { data: TypedArray; shape: readonly number[] }> {
  return Object.fromEntries(
    [...readInputFiles(specs)].map(([name, t]) => [name, { data: t.data as TypedArray, shape: t.shape }]),
  );
}

type Listing = { name: string; file: string; dtype: string; shape: number[] }[];

/** Prints an output and, with --output-dir, writes it as .npy. */
function report(name: string, t: Tensor, outputDir: string | undefined, listing: Listing): void {
  console.log(`${name}: ${t.dtype}[${t.shape.join(',')}] ${preview(t)}`);
  if (!outputDir) return;
  mkdirSync(outputDir, { recursive: true });
  const file = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`;
  // bfloat16 has no .npy type: it is written widened to float32 (exact)
  const stored =
    t.dtype === 'bfloat16' ? { dtype: 'float32' as const, shape: t.shape, data: toFloat32(t) } : t;
  atomicWrite(join(outputDir, file), writeNpy(stored));
  listing.push({ name, file, dtype: t.dtype, shape: [...t.shape] });
}

function writeListing(outputDir: string, listing: Listing): void {
  atomicWrite(
    join(outputDir, 'outputs.json'),
    new TextEncoder().encode(`${JSON.stringify(listing, null, 2)}\n`),
  );
}

function atomicWrite(file: string, bytes: Uint8Array): void {
  writeFileSync(`${file}.partial`, bytes);
  renameSync(`${file}.partial`, file);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
