/** The command line of `npm run bench -- [DIR] [--models a,b] [--threads 1,2] [--runs N] [--quick] [--out FILE]`. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NccError } from '../errors.js';
import { BENCH_MODELS } from './models.js';
import type { SuiteOptions } from './suite.js';

export const USAGE =
  'usage: npm run bench -- [DIR] [--models a,b] [--threads 1,2] [--runs N] [--quick] [--out FILE]\n' +
  '  DIR      benchmark models (default ../benchmodels; make them with ../shared/scripts/make-bench-models.sh DIR)\n' +
  `  --models which models (default ${BENCH_MODELS.join(',')})\n` +
  '  --threads thread counts (default 1,2)\n' +
  '  --runs   at most N interleaved rounds per model and thread count\n' +
  '  --quick  fewer runs: a few minutes for the whole set\n' +
  '  --out    the Markdown report (default docs/benchmarks.md)';

/** `root` is the project directory: DIR and --out are relative to it unless absolute. */
export function parseSuiteArgs(argv: readonly string[], root: string): SuiteOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        models: { type: 'string' },
        threads: { type: 'string' },
        runs: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
      },
    });
  } catch (e) {
    throw new NccError('NCC_BAD_OPTION', (e as Error).message, { hint: USAGE });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new NccError('NCC_BAD_OPTION', `one model folder at most, got ${positionals.join(' ')}`, {
      hint: USAGE,
    });
  const runs = values.runs === undefined ? undefined : positiveInts(values.runs, '--runs');
  if (runs && runs.length !== 1)
    throw new NccError('NCC_BAD_OPTION', '--runs takes one number', { hint: USAGE });
  return {
    dir: resolve(root, positionals[0] ?? '../benchmodels'),
    models: values.models ? list(values.models) : [...BENCH_MODELS],
    threads: values.threads ? positiveInts(values.threads, '--threads') : [1, 2],
    ...(runs ? { runs: runs[0]! } : {}),
    quick: values.quick === true,
    out: resolve(root, values.out ?? 'docs/benchmarks.md'),
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** '1,2' -> [1, 2]; anything but positive integers is refused. */
export function positiveInts(text: string, flag: string): number[] {
  const xs = list(text).map(Number);
  if (xs.length === 0 || !xs.every((x) => Number.isInteger(x) && x >= 1))
    throw new NccError(
      'NCC_BAD_OPTION',
      `${flag} takes positive integers separated by commas, got '${text}'`,
    );
  return xs;
}
