import { TOLERANCE_OVERRIDES } from './tolerances.js';

export interface CaseRecord {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly reason?: string;
  readonly note?: string;
  readonly ops: readonly string[];
  readonly ms: number;
}

interface Counts {
  pass: number;
  fail: number;
  skip: number;
}

function count(records: readonly CaseRecord[]): Counts {
  const c = { pass: 0, fail: 0, skip: 0 };
  for (const r of records) c[r.status]++;
  return c;
}

/** docs/conformance.md: totals, per-suite and per-op tables, every skip and failure with its reason. */
export function renderReport(
  records: readonly CaseRecord[],
  meta: { date: string; data: string; mode: 'reference' | 'compiled'; autoCast?: string },
): string {
  const total = count(records);
  const attempted = total.pass + total.fail;
  const lines: string[] = [];
  const how =
    meta.mode === 'reference'
      ? 'shape inference with constant folding and the reference interpreter'
      : `shape inference, compilation to a NEFF (wasm SIMD, -O1${meta.autoCast ? `, --auto-cast ${meta.autoCast}` : ''}) and the runtime`;
  lines.push(`# ONNX conformance (${meta.mode}${meta.autoCast ? `, --auto-cast ${meta.autoCast}` : ''})`, '');
  if (meta.autoCast)
    lines.push(
      'Inputs that an op reads as weights (its registry auto-cast policy) are made constants first, as in an',
      'exported model, so the cast applies to them. A case passes when every float output is within the',
      'BF16 tolerance |actual - expected| <= 1e-2 * (max|expected| + |expected|): auto-cast results are not',
      "held to float32's tolerance. Any failing case fails the test run. Cases whose weights",
      'were cast say so in their note (the others have no weight an auto-cast policy names).',
      ...(meta.autoCast.startsWith('all')
        ? [
            '',
            'With `all`, each float32 input passes through a one-input Sum and each float32 output comes out',
            'of one, so the op under test reads and writes activations that auto-cast may store in 16 bits',
            '(the note counts them). The expected values are the reference interpreter run on the inputs',
            'rounded to the 16-bit type, which the compiled model reads too: ops with discrete results',
            '(Floor, comparisons, ArgMax) then see the same values.',
          ]
        : []),
      '',
    );
  lines.push(
    `The ONNX backend test cases (\`${meta.data}\`, ONNX v1.22.0) run through neuron-cc's ONNX import, input pinning,`,
    `${how}; each output is compared with the`,
    "expected one (float: numpy allclose with ONNX's rtol 1e-3 / atol 1e-7; float16 4e-3 / 1e-3;",
    'bfloat16 2e-2 / 1e-2; integers and bool exactly). Inferred output shapes must match too.',
    '',
    `Regenerate with \`npm run conformance${meta.mode === 'compiled' ? ' -- --mode compiled' : ''}${meta.autoCast ? ` --auto-cast ${meta.autoCast.split(' ')[0]}` : ''}\` (written ${meta.date}).`,
    '',
    `**${total.pass} passed, ${total.fail} failed, ${total.skip} skipped** — ${((100 * total.pass) / Math.max(1, attempted)).toFixed(1)}% of the ${attempted} attempted cases pass.`,
    '',
    '| suite | passed | failed | skipped |',
    '|---|---|---|---|',
  );
  const suites = [...new Set(records.map((r) => r.name.split('/')[0]!))];
  for (const s of suites) {
    const c = count(records.filter((r) => r.name.startsWith(`${s}/`)));
    lines.push(`| ${s} | ${c.pass} | ${c.fail} | ${c.skip} |`);
  }
  lines.push('', '## By op type', '', 'A case counts under every op type its model uses.', '');
  lines.push('| op | passed | failed | skipped |', '|---|---|---|---|');
  const ops = [...new Set(records.flatMap((r) => r.ops))].sort();
  for (const op of ops) {
    const c = count(records.filter((r) => r.ops.includes(op)));
    lines.push(`| ${op} | ${c.pass} | ${c.fail} | ${c.skip} |`);
  }
  lines.push(
    '',
    '## Tolerance overrides',
    '',
    'From `test/conformance/tolerances.ts`; all other cases use the rule above.',
    '',
  );
  lines.push('| case | atol | reason |', '|---|---|---|');
  for (const [name, o] of Object.entries(TOLERANCE_OVERRIDES))
    lines.push(`| ${name} | ${o.atol} | ${escape(o.reason)} |`);
  const noted = records.filter((r) => r.status === 'pass' && r.note);
  if (noted.length) {
    lines.push(
      '',
      '## Passed with frozen shape inputs',
      '',
      'These cases feed a shape, size or length as a graph input; compiled code needs it constant, so',
      "the case's value was made an initializer (as exporters do) and the graph compiled again.",
      '',
      '| case | frozen inputs |',
      '|---|---|',
    );
    for (const r of noted)
      lines.push(`| ${r.name} | ${escape(r.note!.replace('shape inputs frozen: ', ''))} |`);
  }
  lines.push('', '## Skipped cases', '', 'From the explicit skip list in `test/conformance/skips.ts`.', '');
  lines.push('| case | reason |', '|---|---|');
  for (const r of records.filter((x) => x.status === 'skip'))
    lines.push(`| ${r.name} | ${escape(r.reason ?? '')} |`);
  lines.push('', '## Failed cases', '');
  const failed = records.filter((x) => x.status === 'fail');
  if (failed.length === 0) lines.push('None.');
  else {
    lines.push('| case | failure |', '|---|---|');
    for (const r of failed) lines.push(`| ${r.name} | ${escape((r.reason ?? '').slice(0, 300))} |`);
  }
  lines.push('', `${total.pass} passed, ${total.fail} failed, ${total.skip} skipped`, '');
  return lines.join('\n');
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
