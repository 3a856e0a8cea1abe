import type { Command } from 'commander';
import { writeOutput } from './write-output.js';
import { NccError } from '../../errors.js';
import { compileModel, type CompileSummary, type OptLevel, type Stage } from '../../driver/compile.js';
import { parseAutoCast } from '../../options/auto-cast.js';
import { accuracyLines, measureAccuracy, withAccuracy, type FeedSet } from '../../driver/accuracy.js';
import type { NeffAccuracy } from '../../neff/contents.js';
import { readNeff } from '../../neff/reader.js';
import type { TensorInfo } from '../../runtime/index.js';
import { feedsFromFlags } from './feeds.js';
import { formatBytes } from './check.js';
import { parseVerbosity, type Verbosity } from './flags.js';
import { loadOptionsOf, withModelSource, type SourceFlags } from './model-source.js';
import { runPartitionedCompile } from './compile-partitioned.js';
import { compileBuckets } from '../../driver/buckets.js';
import { partitionTfjsModel } from '../../driver/partition-tfjs.js';
import { isSavedModelDir } from '../../frontends/tensorflow/saved-model.js';

interface CompileFlags extends SourceFlags {
  output?: string;
  partition?: boolean;
  buckets: string[];
  minSegmentSize?: string;
  excludeNodes?: string;
  excludeOps?: string;
  optLevel: string;
  verbose?: string | boolean;
  autoCast?: string;
  autoCastType?: string;
  fp32Cast?: string;
  fastMath?: string[];
  accuracyCheck?: boolean;
  tune?: boolean;
  accuracySamples: string;
  accuracyInput: string[];
  server?: string;
  tokenFile?: string;
}

/** `neuron-cc compile`: a model to one .neff file, written whole or not at all. */
export function compileCommand(program: Command): void {
  withModelSource(program.command('compile').description('compile a model to a NEFF file'))
    .option('--output <file>', 'the file to write (default: out.neff, or out.neuron.onnx with --partition)')
    .option(
      '--partition',
      'compile what can be compiled, keep the rest (control flow, NMS, data-dependent shapes) for the fallback interpreter: writes an ONNX model with compiled segments as NeuronOp nodes',
    )
    .option(
      '--buckets <dim=sizes>',
      'compile for several sizes of a named dim into one NEFF sharing the weights, e.g. sequence=16,32,64 (repeat per dim); the runtime pads to the smallest fitting size',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--min-segment-size <n>', 'with --partition: segments with fewer ops stay on the host', '1')
    .option('--exclude-nodes <names>', 'with --partition: comma-separated node names kept on the host')
    .option('--exclude-ops <types>', 'with --partition: comma-separated op types kept on the host')
    .option('-O, --opt-level <level>', 'optimization level 0-3', '2')
    .option(
      '--auto-cast <mode>',
      'store float32 data in 16 bits: none (default), matmult (weights of MatMul/Gemm/Conv and embedding tables), all',
    )
    .option('--auto-cast-type <type>', 'the 16-bit type: bf16 (default) or fp16')
    .option('--fp32-cast <mode>', 'older spelling: matmult, matmult-bf16, matmult-fp16, all, all-fp16, none')
    .option(
      '--fast-math <values...>',
      'older spelling: none, all, fp32-cast-matmult[-bf16|-fp16], fp32-cast-all[-fp16]',
    )
    .option('--tune', 'time candidate GEMM tiles on this machine (slower compile, machine-specific NEFF)')
    .option(
      '--accuracy-check',
      'with --auto-cast: run the float32 and the cast model on the same inputs, report and store the errors',
    )
    .option('--accuracy-samples <n>', 'seeded random input sets when no --accuracy-input is given', '4')
    .option(
      '--accuracy-input <NAME=FILE.npy>',
      'an input for the accuracy check (repeat per input; repeating a name adds an input set)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--verbose [level]', 'progress detail: DEBUG, INFO, WARN, ERROR or 0-3 (default INFO)')
    .option('--server <url>', 'compile on a compile service (neuron-cc serve) instead of here')
    .option('--token-file <file>', "with --server: the service's bearer token (the file's first line)")
    .action(async (path: string, params: string | undefined, flags: CompileFlags) => {
      if (flags.server) return (await import('./remote-compile.js')).remoteCompile(path, params, flags);
      const verbosity = parseVerbosity(flags.verbose);
      const optLevel = Number(flags.optLevel);
      if (![0, 1, 2, 3].includes(optLevel)) {
        throw new NccError('NCC_BAD_OPTION', `-O ${flags.optLevel} is not an optimization level`, {
          hint: 'use 0, 1, 2 or 3',
        });
      }
      const started = performance.now();
      const autoCast = parseAutoCast(flags);
      const source = loadOptionsOf(flags, params);
      const options = {
        ...source,
        ioConfig: source.ioConfig!,
        optLevel: optLevel as OptLevel,
        ...(flags.tune ? { tune: true } : {}),
        onStage: (stage: Stage) => progress(verbosity, `${stage}...`, started),
      };
      // a TF.js graph model or frozen GraphDef partitions into a TF.js graph model (registerNeuronOps runs its NeuronOp)
      const tfjsOut =
        flags.partition &&
        (/\.(json|pb|pbtxt)$/i.test(path) || isSavedModelDir(path)) &&
        !/\.onnx$/i.test(flags.output ?? '');
      if (tfjsOut && (flags.excludeNodes || flags.excludeOps || flags.minSegmentSize !== '1'))
        throw new NccError(
          'NCC_BAD_OPTION',
          '--exclude-nodes, --exclude-ops and --min-segment-size apply to ONNX output',
          {
            hint: 'add --output model.neuron.onnx to partition into ONNX instead',
          },
        );
      if (tfjsOut) {
        const output = flags.output ?? 'out.tfjs';
        const s = partitionTfjsModel(path, output, { ...options, autoCast });
        const ops = [...new Set(s.hostNodes.map((h) => h.op))].join(', ');
        console.log(
          [
            `partitioned ${path} -> ${output}/model.json: ${s.compiledNodes} nodes compiled into one NeuronOp (NEFF ${formatBytes(s.neffBytes)})`,
            `  on TensorFlow.js: ${s.hostNodes.length} nodes${ops ? ` (${ops})` : ''}; run it with registerNeuronOps(tf) from neuron-cc/tfjs`,
          ].join('\n'),
        );
        return;
      }
      if (flags.partition) {
        const list = (v: string | undefined): string[] =>
          (v ?? '')
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
        const min = Number(flags.minSegmentSize ?? '1');
        if (!Number.isInteger(min) || min < 1)
          throw new NccError(
            'NCC_BAD_OPTION',
            `--min-segment-size ${flags.minSegmentSize} is not a positive integer`,
          );
        runPartitionedCompile(path, flags.output ?? 'out.neuron.onnx', {
          ...options,
          autoCast,
          minSegmentSize: min,
          excludeNodes: list(flags.excludeNodes),
          excludeOps: list(flags.excludeOps),
        });
        return;
      }
      if (flags.buckets.length) {
        const output = flags.output ?? 'out.neff';
        const r = compileBuckets(path, { ...options, autoCast, buckets: parseBuckets(flags.buckets) });
        writeOutput(output, r.neff);
        console.log(
          `compiled ${r.buckets} buckets -> ${output} (${formatBytes(r.neff.byteLength)}): weights ${formatBytes(r.poolBytes)} shared by images of ${formatBytes(r.weightsBytes)} in all`,
        );
        return;
      }
      if (flags.excludeNodes || flags.excludeOps || flags.minSegmentSize !== '1')
        throw new NccError(
          'NCC_BAD_OPTION',
          '--exclude-nodes, --exclude-ops and --min-segment-size go with --partition',
          {
            hint: 'add --partition',
          },
        );
      const output = flags.output ?? 'out.neff';
      if (flags.accuracyCheck && autoCast.mode === 'none')
        throw new NccError('NCC_BAD_OPTION', '--accuracy-check compares an auto-cast model with float32', {
          hint: 'add --auto-cast matmult (or another mode)',
        });
      let result = compileModel(path, { ...options, autoCast });
      let report: NeffAccuracy | undefined;
      if (flags.accuracyCheck) {
        progress(verbosity, 'accuracy check: compiling float32...', started);
        const fp32 = compileModel(path, { ...options, onStage: () => undefined });
        const { inputs } = readNeff(result.neff).contents.metadata;
        const { sets, from } = accuracySets(inputs, flags, options.ioConfig?.ranges);
        report = await measureAccuracy(fp32.neff, result.neff, sets, from);
        const neff = withAccuracy(result.neff, report);
        result = { ...result, neff, summary: { ...result.summary, neffBytes: neff.byteLength } };
      }
      writeOutput(output, result.neff);
      const s = result.summary;
      const stages = Object.entries(s.stageMs)
        .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`)
        .join(', ');
      console.log(
        [
          `compiled ${s.model} -> ${output} (${formatBytes(s.neffBytes)})`,
          `  ops ${s.ops}, kernels ${s.kernels}, weights ${formatBytes(s.weightBytes)}, peak arena ${formatBytes(s.arenaBytes)}`,
          `  variants: ${s.variants.map((v) => v.join('+')).join(', ')}`,
          ...(s.autoCast ? [autoCastLine(s.autoCast)] : []),
          ...(s.tuned ? [tunedLine(s.tuned)] : []),
          ...(report ? accuracyLines(report).map((l) => `  ${l}`) : []),
          `  time: ${stages}`,
        ].join('\n'),
      );
    });
}

/** `sequence=16,32,64` flags -> dim name -> sizes. */
function parseBuckets(specs: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const spec of specs) {
    const m = /^([^=\s]+)=(\d+(?:,\d+)*)$/.exec(spec.trim());
    if (!m)
      throw new NccError('NCC_BAD_OPTION', `--buckets ${spec} is not DIM=SIZE,SIZE,...`, {
        hint: 'e.g. --buckets sequence=16,32,64',
      });
    out.set(m[1]!, m[2]!.split(',').map(Number));
  }
  return out;
}

/** Input sets for --accuracy-check: from --accuracy-input files, else seeded random data. */
function accuracySets(
  inputs: readonly TensorInfo[],
  flags: CompileFlags,
  ranges: ReadonlyMap<string, readonly [number, number]> | undefined,
): { sets: FeedSet[]; from: 'files' | 'random' } {
  if (flags.accuracyInput.length) {
    // the k-th file given for a name belongs to set k
    const perSet: string[][] = [];
    const seen = new Map<string, number>();
    for (const spec of flags.accuracyInput) {
      const name = spec.slice(0, Math.max(0, spec.indexOf('=')));
      const k = seen.get(name) ?? 0;
      seen.set(name, k + 1);
      (perSet[k] ??= []).push(spec);
    }
    return { sets: perSet.map((specs) => feedsFromFlags(inputs, specs)), from: 'files' };
  }
  const n = Number(flags.accuracySamples);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new NccError('NCC_BAD_OPTION', `--accuracy-samples ${flags.accuracySamples} is not a count`, {
      hint: 'use an integer from 1 to 1000',
    });
  return {
    sets: Array.from({ length: n }, (_, k) =>
      feedsFromFlags(inputs, [], { random: true, seed: 1 + k * 1000, ...(ranges ? { ranges } : {}) }),
    ),
    from: 'random',
  };
}

export function tunedLine(tuned: NonNullable<CompileSummary['tuned']>): string {
  const changed = tuned.filter((t) => t.tile.mr !== t.model.mr || t.tile.nr !== t.model.nr);
  const gain = changed.reduce((g, t) => Math.max(g, 1 - t.ms / t.modelMs), 0);
  return (
    `  tuned ${tuned.length} GEMM shapes on this machine: ${changed.length} take another tile than the cost model` +
    (changed.length
      ? ` (up to ${(100 * gain).toFixed(0)}% faster: ${changed.map((t) => `${t.shape.m}x${t.shape.n}x${t.shape.k} ${t.tile.mr}x${t.tile.nr}`).join(', ')})`
      : '')
  );
}

export function autoCastLine(a: NonNullable<CompileSummary['autoCast']>): string {
  const kept = a.kept.map((k) => `${k.name} (${k.why})`).join('; ');
  const activations = a.activations ? `, ${a.activations} activations` : '';
  return `  auto-cast ${a.setting}: ${a.constants} weight tensors${activations} stored in 16 bits${kept ? `; kept float32: ${kept}` : ''}`;
}

function progress(verbosity: Verbosity, message: string, started: number): void {
  if (verbosity >= 2)
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}
