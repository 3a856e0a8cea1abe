import { FunctionBuilder, type Module, type Ref, type WasmType } from '../binaryen.js';
import { expLogRoutines } from './f64-exp-log.js';
import { trigRoutines } from './f64-trig.js';
import { remPio2Routines } from './rem-pio2.js';
import { inverseTrigRoutines } from './f64-inverse-trig.js';
import { hyperbolicRoutines } from './f64-hyperbolic.js';
import { erfRoutines } from './f64-erf.js';
import { powRoutines } from './f64-pow.js';
import { f32Routines } from './f32.js';
import { vectorRoutines } from './f32x4.js';
import { halfRoutines } from './half.js';
import { intRoutines } from './int.js';
import { fmodRoutines } from './fmod.js';

/**
 * Support routines (math functions, float16 conversions) emitted into a module once, on first use.
 * Each is a wasm function; binaryen inlines the small ones.
 */
export interface Routine {
  readonly params: readonly WasmType[];
  readonly result: WasmType;
  build(fb: RoutineBuilder, lib: MathLibrary): Ref;
  /** Its body may be spliced into a caller (see MathLibrary.inline): no `return`, no recursion. */
  readonly inlinable?: boolean;
}

/** What a routine's builder uses of its function: the module, parameters, locals and labels. */
export type RoutineBuilder = Pick<FunctionBuilder, 'm' | 'param' | 'local' | 'locals' | 'label'>;

export interface GlobalSpec {
  readonly type: WasmType;
  readonly init: (m: Module) => Ref;
}

const ROUTINES: ReadonlyMap<string, Routine> = new Map(
  Object.entries({
    ...expLogRoutines,
    ...trigRoutines,
    ...remPio2Routines,
    ...inverseTrigRoutines,
    ...hyperbolicRoutines,
    ...erfRoutines,
    ...powRoutines,
    ...f32Routines,
    ...vectorRoutines,
    ...halfRoutines,
    ...intRoutines,
    ...fmodRoutines,
  }),
);

export function hasRoutine(name: string): boolean {
  return ROUTINES.has(name);
}

export class MathLibrary {
  private readonly emitted = new Set<string>();
  private readonly globals = new Set<string>();

  constructor(readonly m: Module) {}

  /** A call of routine `name`, emitting it (and what it calls) into the module first if needed. */
  call(name: string, args: readonly Ref[]): Ref {
    const routine = ROUTINES.get(name);
    if (!routine) throw new Error(`no math routine ${name}`);
    if (!this.emitted.has(name)) {
      this.emitted.add(name);
      const fb = new FunctionBuilder(this.m, routine.params);
      fb.finish(name, routine.result, routine.build(fb, this));
    }
    return this.m.call(name, [...args], routine.result);
  }

  /**
   * Routine `name` expanded in place inside `host`'s function, its parameters and locals becoming
   * fresh locals there. The four-lane routines are called once per vector in hot loops: a call costs
   * spills around it, and V8 rematerializes every v128 constant of a function on each entry, while
   * in the loop's own function it hoists them out of the loop.
   */
  inline(name: string, args: readonly Ref[], host: RoutineBuilder): Ref {
    const routine = ROUTINES.get(name);
    if (!routine?.inlinable) return this.call(name, args);
    const params = routine.params.map((t) => host.local(t));
    const fb: RoutineBuilder = {
      m: this.m,
      param: (i) => {
        const p = params[i];
        if (!p) throw new Error(`routine ${name} has no parameter ${i}`);
        return p;
      },
      local: (t) => host.local(t),
      locals: (t, n) => host.locals(t, n),
      label: (prefix) => host.label(prefix),
    };
    const body = routine.build(fb, this);
    return this.m.block(null, [...params.map((p, i) => p.set(args[i]!)), body], routine.result);
  }

  /** A module global for routines that return a second value (e.g. the quadrant of a reduction). */
  global(name: string, spec: GlobalSpec): string {
    if (!this.globals.has(name)) {
      this.globals.add(name);
      this.m.addGlobal(name, spec.type, true, spec.init(this.m));
    }
    return name;
  }

  /** Routines emitted so far, for reports and tests. */
  used(): string[] {
    return [...this.emitted].sort();
  }
}
