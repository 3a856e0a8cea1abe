/**
 * Shapes in the graph IR. A dim is a known size or a symbol (a name such as "batch" that the user
 * can pin with --io-config). Compiled segments require every dim to be a number.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export interface TensorType {
  readonly dtype: import('./dtype.js').DType;
  /** undefined: rank unknown (some exporters declare inputs without a shape). */
  readonly shape: Shape | undefined;
}

export function isStaticShape(shape: Shape | undefined): shape is readonly number[] {
  return shape !== undefined && shape.every((d) => typeof d === 'number');
}

let freshCounter = 0;
/** A new symbol for a dim whose size depends on data or on other unknown dims. */
export function freshDim(hint = 'unk'): string {
  freshCounter += 1;
  return `${hint}__${freshCounter}`;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

/** numpy broadcasting of any number of shapes; symbols broadcast with 1 and with themselves. */
export function broadcastShapes(shapes: readonly Shape[]): Dim[] | { error: string } {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (dim !== d) {
        if (typeof dim === 'number' && typeof d === 'number') {
          return { error: `shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast` };
        }
        // an unknown symbol against a number: the number wins if the symbol is ever valid
        dim = typeof dim === 'number' ? dim : typeof d === 'number' ? d : dim;
      }
    }
    out.push(dim);
  }
  return out;
}
