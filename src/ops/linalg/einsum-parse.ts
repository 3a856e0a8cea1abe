import type { Dim, Shape } from '../../ir/shape.js';
import { OpError } from '../op.js';

/**
 * Einsum equations resolved to integer labels: a letter is its char code, and the k-th of the E
 * dims covered by an ellipsis is -(E - k) (ellipsis dims right-align across operands, as numpy
 * broadcasts them).
 */
export interface EinsumSpec {
  readonly inputs: readonly (readonly number[])[];
  readonly output: readonly number[];
}

interface Term {
  readonly before: string;
  readonly after: string;
  readonly ellipsis: boolean;
}

function term(t: string): Term {
  const i = t.indexOf('...');
  const before = i < 0 ? t : t.slice(0, i);
  const after = i < 0 ? '' : t.slice(i + 3);
  for (const ch of before + after) {
    if (!/[A-Za-z]/.test(ch)) throw new OpError(`Einsum subscript '${t}' has an invalid character '${ch}'`);
  }
  return { before, after, ellipsis: i >= 0 };
}

const code = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The last n of the ellipsis labels: -n .. -1. */
function ellipsisLabels(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k - n);
}

export function parseEinsum(equation: string, ranks: readonly number[]): EinsumSpec {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.includes('->') ? eq.split('->') : [eq, undefined];
  const terms = lhs!.split(',').map(term);
  if (terms.length !== ranks.length)
    throw new OpError(`Einsum '${equation}' names ${terms.length} operands, got ${ranks.length}`);
  let E = 0;
  const counts = terms.map((t, i) => {
    const letters = t.before.length + t.after.length;
    const e = ranks[i]! - letters;
    if (e < 0 || (!t.ellipsis && e !== 0)) {
      throw new OpError(
        `Einsum operand ${i} has rank ${ranks[i]} but subscript '${t.before}${t.ellipsis ? '...' : ''}${t.after}'`,
      );
    }
    E = Math.max(E, e);
    return e;
  });
  const inputs = terms.map((t, i) => [...code(t.before), ...ellipsisLabels(counts[i]!), ...code(t.after)]);
  let output: number[];
  if (rhs !== undefined) {
    const o = term(rhs);
    output = [...code(o.before), ...(o.ellipsis ? ellipsisLabels(E) : []), ...code(o.after)];
    if (new Set(output).size !== output.length)
      throw new OpError(`Einsum output '${rhs}' repeats a subscript`);
    const known = new Set(inputs.flat());
    for (const l of output)
      if (!known.has(l))
        throw new OpError(`Einsum output subscript '${String.fromCharCode(l)}' is not in any input`);
  } else {
    // implicit mode: broadcast dims, then letters seen exactly once, alphabetically
    const seen = new Map<number, number>();
    for (const l of inputs.flat()) if (l > 0) seen.set(l, (seen.get(l) ?? 0) + 1);
    const once = [...seen].filter(([, n]) => n === 1).map(([l]) => l);
    output = [...ellipsisLabels(E), ...once.sort((a, b) => a - b)];
  }
  return { inputs, output };
}

/** Size of every label; ellipsis dims broadcast (1 against n), letters must agree. */
export function labelSizes(spec: EinsumSpec, shapes: readonly Shape[]): Map<number, Dim> {
  const sizes = new Map<number, Dim>();
  spec.inputs.forEach((labels, i) => {
    labels.forEach((l, k) => {
      const d = shapes[i]![k]!;
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, d);
      else if (d !== 1 && typeof d === 'number' && typeof prev === 'number' && d !== prev) {
        throw new OpError(
          `Einsum dim '${l > 0 ? String.fromCharCode(l) : '...'}' has sizes ${prev} and ${d}`,
        );
      }
    });
  });
  return sizes;
}
