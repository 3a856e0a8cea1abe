import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { skipReason, type IndexEntry } from './classify.js';
import { renderReport, type CaseRecord } from './report.js';
import { SKIPPED_OPS } from './skips.js';
import { lookupOp } from '../../src/ops/all.js';
import { describeAutoCast, parseAutoCast } from '../../src/options/auto-cast.js';

/**
 * `npm run conformance`: the ONNX backend test cases through import -> shape inference -> reference
 * execution. Cases run in worker threads with a per-case time limit, so a hang fails its case only.
 * Passing cases are recorded in test/conformance/passing.txt; a case that passed before and fails
 * now fails the run.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'];
type Mode = 'reference' | 'compiled';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(ROOT, '../shared/onnx-conformance') },
    filter: { type: 'string' },
    jobs: { type: 'string', default: String(Math.max(1, availableParallelism())) },
    'timeout-ms': { type: 'string', default: '60000' },
    'update-baseline': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'reference' },
    'auto-cast': { type: 'string' },
    'auto-cast-type': { type: 'string', default: 'bf16' },
  },
});

interface Job {
  readonly name: string;
  readonly dir: string;
  readonly ops: readonly string[];
}

const MODE = args.mode as Mode;
/** With --auto-cast (compiled mode only): the cast setting, judged by the BF16 tolerance; any failure fails. */
const AUTO_CAST = args['auto-cast']
  ? parseAutoCast({ autoCast: args['auto-cast'], autoCastType: args['auto-cast-type']! })
  : undefined;
/** Cases that passed before in this mode: a case listed here that fails now fails the run. */
const BASELINE = join(
  ROOT,
  MODE === 'reference' ? 'test/conformance/passing.txt' : 'test/conformance/passing-compiled.txt',
);
const REPORT = join(
  ROOT,
  AUTO_CAST
    ? `docs/conformance-auto-cast${AUTO_CAST.mode === 'all' ? '-all' : ''}.md`
    : MODE === 'reference'
      ? 'docs/conformance.md'
      : 'docs/conformance-compiled.md',
);

async function main(): Promise<number> {
  if (MODE !== 'reference' && MODE !== 'compiled') {
    console.log(`--mode must be reference or compiled, not ${MODE}`);
    return 2;
  }
  if (AUTO_CAST && MODE !== 'compiled') {
    console.log('--auto-cast needs --mode compiled');
    return 2;
  }
  const data = resolve(args.data!);
  if (!existsSync(data)) {
    console.log(`ONNX conformance data not found at ${data}: nothing run, nothing claimed.`);
    return 0;
  }
  const stale = Object.keys(SKIPPED_OPS).filter((op) => {
    const [domain, type] = op.includes('::') ? op.split('::') : ['', op];
    return lookupOp(domain!, type!) !== undefined;
  });
  if (stale.length) {
    console.log(`skip list names ops that are now supported: ${stale.join(', ')}; remove them from skips.ts`);
    return 1;
  }
  const index = loadIndex(data);
  const filter = args.filter ? new RegExp(args.filter) : undefined;
  const records: CaseRecord[] = [];
  const jobs: Job[] = [];
  for (const suite of SUITES) {
    if (!existsSync(join(data, suite))) continue;
    for (const dir of readdirSync(join(data, suite)).sort()) {
      const name = `${suite}/${dir}`;
      if (filter && !filter.test(name)) continue;
      const entry = index[name];
      const ops = entry?.op_types ?? [];
      // auto-cast modes compile whole graphs; the others run host ops (compiled: partitioned)
      const skip = entry ? skipReason(name, entry, !AUTO_CAST) : undefined;
      if (skip) records.push({ name, status: 'skip', reason: skip, ops, ms: 0 });
      else jobs.push({ name, dir: join(data, suite, dir), ops });
    }
  }
  const start = performance.now();
  records.push(...(await runAll(jobs, Number(args.jobs), Number(args['timeout-ms']))));
  records.sort((a, b) => a.name.localeCompare(b.name));
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (args.verbose)
    for (const r of records.filter((x) => x.status === 'fail')) console.log(`FAIL ${r.name}: ${r.reason}`);
  const pass = records.filter((r) => r.status === 'pass');
  const fail = records.filter((r) => r.status === 'fail');
  const skip = records.filter((r) => r.status === 'skip');
  const regressions = AUTO_CAST ? [] : checkBaseline(records, !filter);
  if (!filter) {
    writeFileSync(
      REPORT,
      renderReport(records, {
        date: new Date().toISOString().slice(0, 10),
        data: relative(ROOT, data),
        mode: MODE,
        ...(AUTO_CAST ? { autoCast: describeAutoCast(AUTO_CAST) } : {}),
      }),
    );
    if (args['update-baseline'] && !AUTO_CAST)
      writeFileSync(BASELINE, pass.map((r) => r.name).join('\n') + '\n');
  }
  const label = AUTO_CAST ? `${MODE}, --auto-cast ${describeAutoCast(AUTO_CAST)}` : MODE;
  console.log(`conformance (${label}): ${jobs.length} cases attempted in ${seconds}s`);
  for (const r of regressions) console.log(`REGRESSION ${r.name}: ${r.reason ?? r.status}`);
  console.log(
    `${pass.length} ${AUTO_CAST ? 'within the BF16 tolerance' : 'passed'}, ${fail.length} failed, ${skip.length} skipped`,
  );
  if (AUTO_CAST) {
    const cast = pass.filter((r) => r.note?.includes('weights made constant and cast')).length;
    console.log(`${cast} of the passing cases had weight inputs made constant and cast`);
    const halves = pass.filter((r) => r.note?.includes('activations stored in 16 bits')).length;
    if (AUTO_CAST.mode === 'all') console.log(`${halves} of the passing cases stored activations in 16 bits`);
    return fail.length ? 1 : 0;
  }
  // the test command adds these to its closing totals
  writeFileSync(
    join(ROOT, `dist/conformance-summary-${MODE}.json`),
    JSON.stringify({ pass: pass.length, fail: fail.length, skip: skip.length }),
  );
  return regressions.length ? 1 : 0;
}

function loadIndex(data: string): Record<string, IndexEntry> {
  const path = join(data, 'index.json');
  if (!existsSync(path)) return {};
  return (JSON.parse(readFileSync(path, 'utf8')) as { tests: Record<string, IndexEntry> }).tests;
}

/** Cases that passed before (passing.txt) and do not pass now. */
function checkBaseline(records: readonly CaseRecord[], complete: boolean): CaseRecord[] {
  if (!existsSync(BASELINE)) return [];
  const before = new Set(readFileSync(BASELINE, 'utf8').split('\n').filter(Boolean));
  const seen = new Set(records.map((r) => r.name));
  const out = records.filter((r) => before.has(r.name) && r.status !== 'pass');
  if (complete)
    for (const name of before)
      if (!seen.has(name)) out.push({ name, status: 'fail', reason: 'case missing', ops: [], ms: 0 });
  return out;
}

function runAll(jobs: readonly Job[], parallel: number, timeoutMs: number): Promise<CaseRecord[]> {
  const results: CaseRecord[] = [];
  let next = 0;
  const workerUrl = new URL('./worker.js', import.meta.url);
  return new Promise((resolveAll) => {
    let active = 0;
    const startWorker = (): void => {
      if (next >= jobs.length) {
        if (active === 0) resolveAll(results);
        return;
      }
      active++;
      const worker = new Worker(workerUrl);
      let current: Job | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (record: CaseRecord): void => {
        clearTimeout(timer);
        results.push(record);
        current = undefined;
      };
      const feed = (): void => {
        if (next >= jobs.length) {
          void worker.terminate();
          return;
        }
        current = jobs[next++]!;
        const job = current;
        timer = setTimeout(() => {
          finish({
            name: job.name,
            status: 'fail',
            reason: `timeout after ${timeoutMs} ms`,
            ops: job.ops,
            ms: timeoutMs,
          });
          void worker.terminate(); // the exit handler starts a fresh worker
        }, timeoutMs);
        worker.postMessage({ id: next, dir: job.dir, name: job.name, mode: MODE, autoCast: AUTO_CAST });
      };
      worker.on(
        'message',
        (m: { status: 'pass' | 'fail' | 'skip'; reason?: string; note?: string; ms: number }) => {
          if (!current) return;
          finish({
            name: current.name,
            status: m.status,
            ...(m.reason ? { reason: m.reason } : {}),
            ...(m.note ? { note: m.note } : {}),
            ops: current.ops,
            ms: m.ms,
          });
          feed();
        },
      );
      worker.on('error', (e) => {
        if (current)
          finish({
            name: current.name,
            status: 'fail',
            reason: `worker crashed: ${e.message}`,
            ops: current.ops,
            ms: 0,
          });
      });
      worker.on('exit', () => {
        active--;
        startWorker();
      });
      feed();
    };
    const n = Math.min(parallel, Math.max(1, jobs.length));
    for (let i = 0; i < n; i++) startWorker();
  });
}

process.exitCode = await main();
