import { byteSize } from '../../ir/dtype.js';
import { spanOf } from '../kernel/gemm-call.js';
import type { Expr, GemmCall, Index, Kernel, MatrixRef, Stmt } from '../kernel/ir.js';

/**
 * The bytes a kernel may read and write, as absolute address ranges in linear memory. Threads need a
 * barrier between two kernels only when one writes bytes the other touches; addresses (not buffer
 * names) decide, because the memory plan lets buffers with disjoint lifetimes share bytes. Each
 * buffer's accesses are widened to one interval per kind (the hull of every index's range over its
 * loops), which keeps disjoint slices of one buffer (attention heads, Winograd tile positions,
 * Concat's inputs) independent.
 */

export interface Access {
  /** [lo, hi) in bytes of linear memory. */
  readonly lo: number;
  readonly hi: number;
  readonly write: boolean;
}

export type Footprint = readonly Access[];

/** Where buffers live: byte address of element 0 and size in bytes. */
export interface BufferPlace {
  readonly base: number;
  readonly bytes: number;
}

export function footprint(kernel: Kernel, place: (buffer: string) => BufferPlace): Footprint {
  const walk = new Walk(place);
  walk.stmts(kernel.body);
  // a buffer the kernel lists but whose accesses the walk did not see is taken whole
  for (const b of kernel.reads) if (!walk.seen(b, false)) walk.whole(b, false);
  for (const b of kernel.writes) if (!walk.seen(b, true)) walk.whole(b, true);
  return walk.accesses();
}

export function conflicts(a: Footprint, b: Footprint): boolean {
  for (const x of a) {
    for (const y of b) if ((x.write || y.write) && x.lo < y.hi && y.lo < x.hi) return true;
  }
  return false;
}

class Walk {
  private readonly hulls = new Map<string, { lo: number; hi: number; write: boolean }>();
  private readonly extents = new Map<string, number>();

  constructor(private readonly place: (buffer: string) => BufferPlace) {}

  stmts(list: readonly Stmt[]): void {
    for (const s of list) this.stmt(s);
  }

  seen(buffer: string, write: boolean): boolean {
    return this.hulls.has(key(buffer, write));
  }

  whole(buffer: string, write: boolean): void {
    const p = this.place(buffer);
    this.add(buffer, write, p.base, p.base + p.bytes);
  }

  accesses(): Access[] {
    return [...this.hulls.values()].filter((h) => h.hi > h.lo);
  }

  private stmt(s: Stmt): void {
    switch (s.op) {
      case 'loop': {
        const outer = this.extents.get(s.v);
        this.extents.set(s.v, s.extent);
        this.stmts(s.body);
        if (outer === undefined) this.extents.delete(s.v);
        else this.extents.set(s.v, outer);
        return;
      }
      case 'store':
        this.index(s.buffer, byteSize(s.dtype), s.index, true);
        this.expr(s.value);
        return;
      case 'set':
        this.expr(s.value);
        return;
      case 'if':
        this.expr(s.cond);
        this.stmts(s.then);
        this.stmts(s.else);
        return;
      case 'gemm':
        this.gemm(s);
        return;
    }
  }

  private expr(e: Expr): void {
    switch (e.op) {
      case 'load':
        this.index(e.buffer, byteSize(e.dtype), e.index, false);
        return;
      case 'unary':
      case 'convert':
        this.expr(e.x);
        return;
      case 'binary':
      case 'compare':
        this.expr(e.a);
        this.expr(e.b);
        return;
      case 'select':
        this.expr(e.cond);
        this.expr(e.a);
        this.expr(e.b);
        return;
      default:
        return;
    }
  }

  private index(buffer: string, size: number, ix: Index, write: boolean): void {
    if (ix.dynamic) {
      this.expr(ix.dynamic);
      this.whole(buffer, write);
      return;
    }
    let lo = ix.offset;
    let hi = ix.offset;
    for (const t of ix.terms) {
      const extent = this.extents.get(t.v);
      if (extent === undefined) {
        this.whole(buffer, write);
        return;
      }
      const span = t.stride * Math.max(0, extent - 1);
      lo += Math.min(0, span);
      hi += Math.max(0, span);
    }
    this.elements(buffer, size, lo, hi, write);
  }

  private gemm(g: GemmCall): void {
    if (g.m <= 0 || g.n <= 0) return;
    if (g.k > 0) {
      this.matrix(g.a, g.m, g.k, false);
      this.matrix(g.b, g.k, g.n, false);
    }
    this.matrix(g.c, g.m, g.n, true);
    if (g.accumulate) this.matrix(g.c, g.m, g.n, false);
    if (g.residual) this.matrix(g.residual, g.m, g.n, false);
    if (g.bias) {
      const count = g.bias.along === 'row' ? g.m : g.n;
      this.elements(g.bias.buffer, 4, g.bias.offset, g.bias.offset + count - 1, false);
    }
  }

  private matrix(r: MatrixRef, rows: number, cols: number, write: boolean): void {
    const { lo, hi } = spanOf(r, rows, cols);
    this.elements(r.buffer, r.half ? 2 : 4, lo, hi, write);
  }

  /** Elements [first, last] of `size` bytes each. */
  private elements(buffer: string, size: number, first: number, last: number, write: boolean): void {
    const base = this.place(buffer).base;
    this.add(buffer, write, base + first * size, base + (last + 1) * size);
  }

  private add(buffer: string, write: boolean, lo: number, hi: number): void {
    const k = key(buffer, write);
    const h = this.hulls.get(k);
    if (!h) this.hulls.set(k, { lo, hi, write });
    else {
      h.lo = Math.min(h.lo, lo);
      h.hi = Math.max(h.hi, hi);
    }
  }
}

function key(buffer: string, write: boolean): string {
  return `${write ? 'w' : 'r'}:${buffer}`;
}
