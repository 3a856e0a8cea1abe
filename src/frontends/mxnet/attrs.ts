/**
 * MXNet writes every op attribute as a string in Python syntax: "(3, 3)", "[0, -1]", "True", "1",
 * "0.001", "None", "'max'". Typed readers with MXNet's defaults, which fail naming the attribute.
 */
export class AttrError extends Error {}

export class MxAttrs {
  constructor(
    private readonly attrs: Readonly<Record<string, string>>,
    private readonly what: string,
  ) {}

  has(name: string): boolean {
    const v = this.attrs[name];
    return v !== undefined && v.trim() !== 'None' && v.trim() !== '';
  }

  str(name: string, dflt: string): string {
    return this.has(name) ? unquote(this.attrs[name]!.trim()) : dflt;
  }

  bool(name: string, dflt: boolean): boolean {
    if (!this.has(name)) return dflt;
    const v = unquote(this.attrs[name]!.trim()).toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw this.bad(name, 'a bool');
  }

  float(name: string, dflt: number): number {
    if (!this.has(name)) return dflt;
    const v = unquote(this.attrs[name]!.trim());
    const n = Number(v === 'inf' ? 'Infinity' : v === '-inf' ? '-Infinity' : v);
    if (Number.isNaN(n) && v.toLowerCase() !== 'nan') throw this.bad(name, 'a number');
    return n;
  }

  int(name: string, dflt: number): number {
    const n = this.float(name, dflt);
    if (!Number.isInteger(n)) throw this.bad(name, 'an integer');
    return n;
  }

  /** An optional integer: undefined when absent or None. */
  optInt(name: string): number | undefined {
    return this.has(name) ? this.int(name, 0) : undefined;
  }

  /** A tuple of integers; `dflt` when absent or empty "()". */
  ints(name: string, dflt: readonly number[]): number[] {
    const t = this.tuple(name);
    if (t === undefined || t.length === 0) return [...dflt];
    return t.map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw this.bad(name, 'a tuple of integers');
      return n;
    });
  }

  /** A tuple whose entries may be None (slice bounds). */
  optInts(name: string): (number | undefined)[] | undefined {
    const t = this.tuple(name);
    return t?.map((v) => {
      if (v === 'None') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) throw this.bad(name, 'a tuple of integers or None');
      return n;
    });
  }

  /** A tuple of floats (pad values, scales). */
  floats(name: string, dflt: readonly number[]): number[] {
    const t = this.tuple(name);
    if (t === undefined || t.length === 0) return [...dflt];
    return t.map((v) => {
      const n = Number(v);
      if (Number.isNaN(n)) throw this.bad(name, 'a tuple of numbers');
      return n;
    });
  }

  private tuple(name: string): string[] | undefined {
    if (!this.has(name)) return undefined;
    const v = this.attrs[name]!.trim();
    const inner = /^[([](.*)[)\]]$/s.exec(v)?.[1] ?? v;
    return inner
      .split(',')
      .map((s) => unquote(s.trim()))
      .filter((s) => s !== '')
      .map((s) => (s.endsWith('L') ? s.slice(0, -1) : s));
  }

  private bad(name: string, expected: string): AttrError {
    return new AttrError(`${this.what}: attribute ${name}="${this.attrs[name]}" is not ${expected}`);
  }
}

function unquote(s: string): string {
  return /^(['"]).*\1$/.test(s) ? s.slice(1, -1) : s;
}
