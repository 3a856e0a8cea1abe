import type { Kernel, Scalar } from '../kernel/ir.js';
import { binaryen, FunctionBuilder, type Local, type Module, type Ref, type WasmType } from './binaryen.js';
import type { MathLibrary } from './math/library.js';

/** What the module may use: SIMD128, relaxed-SIMD FMA, shared memory + atomics. */
export interface Target {
  readonly simd: boolean;
  readonly relaxed: boolean;
  readonly threads: boolean;
}

export function wasmType(t: Scalar): WasmType {
  switch (t) {
    case 'f32':
      return binaryen.f32;
    case 'f64':
      return binaryen.f64;
    case 'i32':
      return binaryen.i32;
    case 'i64':
      return binaryen.i64;
  }
}

/** A renderer-internal error; renderWasm turns it into NCC_INTERNAL naming the kernel. */
export class RenderError extends Error {}

/**
 * State of the wasm function being built for one kernel: its locals (loop variables in scope,
 * scalars set by `set`), the buffer base addresses, and what the target allows.
 */
export class KernelContext {
  readonly m: Module;
  readonly fb: FunctionBuilder;
  /** Function parameters: this thread's id and the thread count. */
  readonly tid: Local;
  readonly threads: Local;
  private readonly bound = new Map<string, Local>();
  private readonly varPool = new Map<string, Local>();
  private readonly scalars = new Map<string, { local: Local; type: Scalar }>();

  constructor(
    m: Module,
    readonly lib: MathLibrary,
    readonly target: Target,
    readonly kernel: Kernel,
    private readonly baseOf: (buffer: string) => number,
  ) {
    this.m = m;
    this.fb = new FunctionBuilder(m, [binaryen.i32, binaryen.i32]);
    this.tid = this.fb.param(0);
    this.threads = this.fb.param(1);
  }

  /** Byte address of element 0 of `buffer`. */
  base(buffer: string): number {
    if (!this.kernel.reads.includes(buffer) && !this.kernel.writes.includes(buffer)) {
      throw new RenderError(`buffer ${buffer} is used but not listed in the kernel's reads or writes`);
    }
    return this.baseOf(buffer);
  }

  /** Brings loop variable `name` into scope (one i32 local per name, reused by sibling loops). */
  bindVar(name: string): Local {
    if (this.bound.has(name))
      throw new RenderError(`loop variable ${name} is already bound by an enclosing loop`);
    let local = this.varPool.get(name);
    if (!local) {
      local = this.fb.local(binaryen.i32);
      this.varPool.set(name, local);
    }
    this.bound.set(name, local);
    return local;
  }

  unbindVar(name: string): void {
    this.bound.delete(name);
  }

  variable(name: string): Local {
    const local = this.bound.get(name);
    if (!local) throw new RenderError(`loop variable ${name} is used outside its loop`);
    return local;
  }

  /** The local of a `set` scalar, declared on first use. */
  scalar(name: string, type: Scalar): Local {
    const known = this.scalars.get(name);
    if (known) {
      if (known.type !== type)
        throw new RenderError(`local ${name} used as ${type} but declared ${known.type}`);
      return known.local;
    }
    const local = this.fb.local(wasmType(type));
    this.scalars.set(name, { local, type });
    return local;
  }

  /** A fresh temporary. */
  temp(type: WasmType): Local {
    return this.fb.local(type);
  }

  private readonly entryCode: Ref[] = [];

  /**
   * A local set once when the kernel starts, for constants its loops reuse (V8 rebuilds a v128
   * constant with several instructions wherever it appears).
   */
  entryLocal(type: WasmType, value: Ref): Local {
    const local = this.temp(type);
    this.entryCode.push(local.set(value));
    return local;
  }

  /** The entry statements requested while rendering the body (put them before it). */
  entry(): Ref[] {
    return [...this.entryCode];
  }
}
