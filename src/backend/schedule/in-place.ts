import { byteSize } from '../../ir/dtype.js';
import type { Expr, Index, Kernel, Stmt } from '../kernel/ir.js';

/**
 * Which outputs of a kernel may take the bytes of one of its inputs: the elementwise shape of a
 * map, where iteration i reads x[i] and then writes y[i] and touches no other element of either.
 * Then writing y over x destroys only values the kernel has already read, whatever the iteration
 * order, vector width or thread split. Precisely, buffer y may share x's bytes when
 *   - the kernel stores to y exactly once (one store statement), loads y nowhere and never stores x;
 *   - every load of x sits in that store's value or in `set` statements before it in the same
 *     statement list (so in the same iteration, before the store), at the store's index, with no
 *     data-dependent part, and with elements of the same byte size.
 * The memory planner adds the lifetime conditions (x dies here, y is born here, same size).
 */
export function inPlaceCandidates(kernel: Kernel): [output: string, input: string][] {
  const out: [string, string][] = [];
  for (const y of kernel.writes) {
    for (const x of kernel.reads) {
      if (x !== y && canShare(kernel.body, x, y)) out.push([y, x]);
    }
  }
  return out;
}

type StoreStmt = Extract<Stmt, { op: 'store' }>;

function canShare(body: readonly Stmt[], x: string, y: string): boolean {
  const site = soleStore(body, y);
  if (!site || site.store.index.dynamic) return false;
  const { store, list } = site;
  const at = list.indexOf(store);
  // loads of x allowed: in `set`s before the store in its list, and in the store's value. Judged
  // by statement, not by expression object: a kernel may reuse one expression tree after the store
  // (a running sum assigned from the value just stored), which would then read y's bytes.
  const allowedAt = new Set<Stmt>([store]);
  const allowed: Expr[] = [];
  for (let i = 0; i < at; i++) {
    const s = list[i]!;
    if (s.op === 'set') {
      allowedAt.add(s);
      allowed.push(...loadsOf(s.value, x));
    }
  }
  allowed.push(...loadsOf(store.value, x));
  for (const l of allowed) {
    if (l.op !== 'load' || l.index.dynamic || !sameIndex(l.index, store.index)) return false;
    if (byteSize(l.dtype) !== byteSize(store.dtype)) return false;
  }
  // nothing else may touch x (loads elsewhere, stores) or read y
  let ok = true;
  visit(body, (s) => {
    if (s.op === 'store' && s.buffer === x) ok = false;
    if (s.op === 'gemm') {
      const refs = [s.a, s.b, s.c, s.residual, s.bias].map((r) => r?.buffer);
      if (refs.includes(x) || refs.includes(y)) ok = false;
    }
    for (const e of exprsOf(s)) {
      if (!allowedAt.has(s) && loadsOf(e, x).length) ok = false;
      if (loadsOf(e, y).length) ok = false;
    }
  });
  return ok;
}

/** The one store to `buffer` and the statement list holding it, or undefined if there are more or none. */
function soleStore(
  body: readonly Stmt[],
  buffer: string,
): { store: StoreStmt; list: readonly Stmt[] } | undefined {
  let found: { store: StoreStmt; list: readonly Stmt[] } | undefined;
  let count = 0;
  const walk = (list: readonly Stmt[]): void => {
    for (const s of list) {
      if (s.op === 'store' && s.buffer === buffer) {
        count++;
        found = { store: s, list };
      } else if (s.op === 'loop') walk(s.body);
      else if (s.op === 'if') {
        walk(s.then);
        walk(s.else);
      } else if (s.op === 'gemm' && (s.c.buffer === buffer || s.residual?.buffer === buffer)) count += 2;
    }
  };
  walk(body);
  return count === 1 ? found : undefined;
}

function visit(list: readonly Stmt[], f: (s: Stmt) => void): void {
  for (const s of list) {
    f(s);
    if (s.op === 'loop') visit(s.body, f);
    else if (s.op === 'if') {
      visit(s.then, f);
      visit(s.else, f);
    }
  }
}

/** The expressions a statement evaluates. */
function exprsOf(s: Stmt): Expr[] {
  switch (s.op) {
    case 'store':
      return s.index.dynamic ? [s.value, s.index.dynamic] : [s.value];
    case 'set':
      return [s.value];
    case 'if':
      return [s.cond];
    case 'loop':
    case 'gemm':
      return [];
  }
}

function loadsOf(e: Expr, buffer: string): Expr[] {
  const out: Expr[] = [];
  const walk = (x: Expr): void => {
    switch (x.op) {
      case 'load':
        if (x.buffer === buffer) out.push(x);
        if (x.index.dynamic) walk(x.index.dynamic);
        return;
      case 'unary':
      case 'convert':
        walk(x.x);
        return;
      case 'binary':
      case 'compare':
        walk(x.a);
        walk(x.b);
        return;
      case 'select':
        walk(x.cond);
        walk(x.a);
        walk(x.b);
        return;
      default:
        return;
    }
  };
  walk(e);
  return out;
}

function sameIndex(a: Index, b: Index): boolean {
  const key = (i: Index): string =>
    `${i.offset}:${[...i.terms]
      .filter((t) => t.stride !== 0)
      .map((t) => `${t.v}*${t.stride}`)
      .sort()
      .join('+')}`;
  return key(a) === key(b);
}
