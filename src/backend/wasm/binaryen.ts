import binaryen from 'binaryen';

/**
 * The slice of binaryen the renderer uses, and a function builder that hands out typed locals so
 * code generators never juggle raw local indices.
 */
export { binaryen };
export type Module = binaryen.Module;
export type Ref = binaryen.ExpressionRef;
export type WasmType = binaryen.Type;

export interface Local {
  readonly index: number;
  readonly type: WasmType;
  get(): Ref;
  set(value: Ref): Ref;
  tee(value: Ref): Ref;
}

export class FunctionBuilder {
  private readonly vars: WasmType[] = [];
  private labels = 0;

  constructor(
    readonly m: Module,
    private readonly params: readonly WasmType[],
  ) {}

  param(i: number): Local {
    const type = this.params[i];
    if (type === undefined) throw new Error(`function has no parameter ${i}`);
    return this.make(i, type);
  }

  local(type: WasmType): Local {
    const index = this.params.length + this.vars.length;
    this.vars.push(type);
    return this.make(index, type);
  }

  locals(type: WasmType, n: number): Local[] {
    return Array.from({ length: n }, () => this.local(type));
  }

  /** A label unique within this function. */
  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  finish(name: string, result: WasmType, body: Ref): void {
    this.m.addFunction(name, binaryen.createType([...this.params]), result, this.vars, body);
  }

  private make(index: number, type: WasmType): Local {
    const m = this.m;
    return {
      index,
      type,
      get: () => m.local.get(index, type),
      set: (value) => m.local.set(index, value),
      tee: (value) => m.local.tee(index, value, type),
    };
  }
}

/** A statement list as one expression (binaryen wants a single body). */
export function seq(m: Module, stmts: readonly Ref[]): Ref {
  if (stmts.length === 0) return m.nop();
  if (stmts.length === 1) return stmts[0]!;
  return m.block(null, [...stmts], binaryen.none);
}

/** c0 + t*(c1 + t*(c2 + ...)): Horner's scheme over constants, lowest degree first. */
export function horner(
  ops: { add(a: Ref, b: Ref): Ref; mul(a: Ref, b: Ref): Ref },
  constant: (v: number) => Ref,
  t: () => Ref,
  coefficients: readonly number[],
): Ref {
  let acc = constant(coefficients[coefficients.length - 1]!);
  for (let i = coefficients.length - 2; i >= 0; i--)
    acc = ops.add(ops.mul(acc, t()), constant(coefficients[i]!));
  return acc;
}
