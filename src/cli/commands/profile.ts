import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { load, type KernelTiming } from '../../runtime/index.js';
import { feedsFromFlags } from './feeds.js';

interface ProfileFlags {
  input: string[];
  runs: string;
  top: string;
  json?: boolean;
}

/** One graph node's share of a profile: its kernels' times summed. */
export interface LayerTiming {
  readonly node: string;
  readonly op: string;
  readonly kernels: number;
  readonly ms: number;
  readonly flops: number;
}

export function layersOf(timings: readonly KernelTiming[]): LayerTiming[] {
  const byNode = new Map<string, { node: string; op: string; kernels: number; ms: number; flops: number }>();
  for (const k of timings) {
    const layer = byNode.get(k.node) ?? { node: k.node, op: k.op, kernels: 0, ms: 0, flops: 0 };
    layer.kernels++;
    layer.ms += k.ms;
    layer.flops += k.flops;
    byNode.set(k.node, layer);
  }
  return [...byNode.values()];
}

/**
 * `neuron-cc profile`: times a NEFF kernel by kernel on one thread (inputs from .npy files, or seeded
 * random data) and prints the slowest layers with their GFLOP/s, and the time per op type.
 */
export function profileCommand(program: Command): void {
  program
    .command('profile')
    .description('time a NEFF layer by layer (one thread) and report GFLOP/s per layer')
    .argument('<neff>', 'NEFF file')
    .option('--input <name=file.npy...>', 'an input value (default: seeded random data)', collect, [])
    .option('--runs <n>', 'runs to take the median of', '10')
    .option('--top <n>', 'layers to list', '25')
    .option('--json', 'print every kernel timing as JSON')
    .action(async (path: string, flags: ProfileFlags) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch {
        throw new NccError('NCC_FILE_NOT_FOUND', `cannot read ${path}`, { file: path });
      }
      const model = await load(bytes);
      try {
        const feeds = feedsFromFlags(model.inputs, flags.input, { random: true });
        await model.run(feeds); // warm-up: engines tier up hot code on first use
        const timings = await model.profile(feeds, { runs: positive(flags.runs, '--runs') });
        if (flags.json) {
          console.log(JSON.stringify(timings, null, 2));
          return;
        }
        console.log(renderProfile(timings, positive(flags.top, '--top'), model.features));
      } finally {
        model.dispose();
      }
    });
}

export function renderProfile(
  timings: readonly KernelTiming[],
  top: number,
  features: readonly string[],
): string {
  const total = timings.reduce((a, k) => a + k.ms, 0);
  const flops = timings.reduce((a, k) => a + k.flops, 0);
  const layers = layersOf(timings).sort((a, b) => b.ms - a.ms);
  const gflops = (f: number, ms: number): string => (f > 0 && ms > 0 ? (f / ms / 1e6).toFixed(1) : '');
  const lines = [
    `code variant: ${features.join(', ')}; ${timings.length} kernels, ${layersOf(timings).length} layers`,
    `total ${total.toFixed(2)} ms, ${(flops / 1e9).toFixed(3)} GFLOP (conv/gemm/matmul), ${gflops(flops, total)} GFLOP/s overall`,
    '',
    row(['layer', 'op', 'kernels', 'ms', '%', 'GFLOP', 'GFLOP/s']),
    ...layers
      .slice(0, top)
      .map((l) =>
        row([
          l.node,
          l.op,
          String(l.kernels),
          l.ms.toFixed(3),
          ((100 * l.ms) / total).toFixed(1),
          l.flops ? (l.flops / 1e9).toFixed(3) : '',
          gflops(l.flops, l.ms),
        ]),
      ),
    '',
    row(['op', 'layers', 'ms', '%', 'GFLOP/s']),
  ];
  const byOp = new Map<string, { layers: number; ms: number; flops: number }>();
  for (const l of layersOf(timings)) {
    const o = byOp.get(l.op) ?? { layers: 0, ms: 0, flops: 0 };
    o.layers++;
    o.ms += l.ms;
    o.flops += l.flops;
    byOp.set(l.op, o);
  }
  for (const [op, o] of [...byOp].sort((a, b) => b[1].ms - a[1].ms))
    lines.push(
      row([op, String(o.layers), o.ms.toFixed(3), ((100 * o.ms) / total).toFixed(1), gflops(o.flops, o.ms)]),
    );
  return lines.join('\n');
}

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.slice(0, 48).padEnd(48) : c.padStart(i === 1 ? 22 : 9))).join(' ');
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new NccError('NCC_BAD_OPTION', `${flag} must be a positive integer`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
