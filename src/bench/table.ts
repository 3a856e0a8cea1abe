/**
 * Tables as text (the console, aligned columns) and as Markdown (docs/benchmarks.md), from the same
 * rows; plus the number formats both use, so a figure reads the same in both.
 */

export type Row = readonly string[];

/** A figure: a number, maybe with a unit suffix ('2.31x', '45%'), or '-' for none. */
const FIGURE = /^(-|[-+]?\d[\d.,]*(x|%| ms| s)?)$/;

/** Columns of figures are right-aligned, so digits line up; any other column is text, left-aligned. */
function numericColumns(header: Row, rows: readonly Row[]): boolean[] {
  return header.map((_, i) => rows.length > 0 && rows.every((r) => FIGURE.test(r[i] ?? '-')));
}

/** Columns padded to their widest cell, two spaces apart. */
export function textTable(header: Row, rows: readonly Row[]): string {
  const numeric = numericColumns(header, rows);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: Row): string =>
    widths
      .map((w, i) => (numeric[i] ? (r[i] ?? '').padStart(w) : (r[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table, with the same alignment as textTable. */
export function markdownTable(header: Row, rows: readonly Row[]): string {
  const numeric = numericColumns(header, rows);
  const line = (r: Row): string =>
    `| ${header.map((_, i) => (r[i] ?? '').replace(/\|/g, '\\|')).join(' | ')} |`;
  const align = numeric.map((n) => (n ? '---:' : '---'));
  return [line(header), `|${align.join('|')}|`, ...rows.map(line)].join('\n');
}

/** Milliseconds with three significant digits at most (two decimals below 10 ms). */
export function ms(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

/** A ratio as '2.31x'. */
export function ratio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`;
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '-' : (bytes / 2 ** 20).toFixed(1);
}

export function fixed(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

/** Two significant digits ('0.0026', '1.5', '12'): for error ratios spanning orders of magnitude. */
export function sig(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return 'inf';
  return x === 0 ? '0' : String(Number(x.toPrecision(2)));
}
