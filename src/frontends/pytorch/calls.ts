/**
 * What a name, an attribute or a call in TorchScript code refers to: locals, CONSTANTS, module
 * attributes, Python builtins, prim ops, aten ops (`torch.add` is aten::add), other namespaced ops
 * (`ops.prepacked.conv2d_clamp_run`), free functions and methods of the archive's code. Ops are
 * looked up in the mapping table; what is missing is recorded, not thrown, so one run lists all.
 */
import { NccError, isNccError } from '../../errors.js';
import { AtenCall, DataDependentError, LowerError, ShapeError } from './aten/call.js';
import { TORCH_OPS } from './aten/index.js';
import { PRIM_OPS, PY_ATEN, PY_BUILTINS, type BuiltinContext } from './builtins.js';
import { ModelRaised, namesOf, type Frame, type Interpreter } from './interpreter.js';
import { SCALAR_ATEN, binaryOp } from './scalar-ops.js';
import { bindArgs } from './schema.js';
import type { Expr, Stmt } from './torchscript-ast.js';
import { NONE, UNKNOWN, bool, describe, float, str, type Value } from './values.js';

/** Builtins that take a type expression as an argument (it is not evaluated). */
const TYPE_FORMS = new Set(['annotate', 'unchecked_cast', 'uninitialized', 'isinstance']);
const NAMESPACES = new Set(['torch', 'ops', 'CONSTANTS', '__torch__', 'math']);

type Kwargs = readonly (readonly [string, Value])[];

export class CallResolver {
  constructor(private readonly interp: Interpreter) {}

  private get g() {
    return this.interp.g;
  }

  private get problems() {
    return this.interp.problems;
  }

  /** A name that is not a local. */
  global(id: string, frame: Frame): Value {
    // TorchScript writes float('inf') and float('nan') as bare names
    if (id === 'inf') return float(Infinity);
    if (id === 'nan') return float(NaN);
    throw new Error(`name '${id}' is not defined (${this.interp.location(frame)})`);
  }

  attribute(e: Extract<Expr, { kind: 'attr' }>, frame: Frame): Value {
    const dotted = this.dotted(e, frame);
    if (dotted !== undefined) {
      const c = /^CONSTANTS\.c(\d+)$/.exec(dotted);
      if (c) return this.interp.program.constant(Number(c[1]));
      const m = MATH_CONSTANTS[dotted];
      if (m !== undefined) return float(m);
      if (this.interp.program.functions.has(dotted)) return { kind: 'function', name: dotted };
      throw new Error(`'${dotted}' is not supported (${this.interp.location(frame)})`);
    }
    return this.attributeOf(this.interp.eval(e.value, frame), e.attr, frame);
  }

  private attributeOf(base: Value, name: string, frame: Frame): Value {
    if (base.kind === 'unknown') return UNKNOWN;
    if (base.kind === 'object') {
      const v = this.interp.program.attribute(base.object, name);
      if (v !== undefined) return v;
      throw new Error(`${base.object.cls} has no attribute '${name}' (${this.interp.location(frame)})`);
    }
    this.problems.construct(`attribute .${name} of ${describe(base)}`, this.interp.location(frame));
    return UNKNOWN;
  }

  index(container: Value, indexExpr: Expr, frame: Frame): Value {
    if (container.kind === 'unknown') return UNKNOWN;
    if (
      (container.kind === 'list' || container.kind === 'tuple' || container.kind === 'str') &&
      indexExpr.kind === 'slice'
    ) {
      const part = (x: Expr | undefined): Value => (x ? this.interp.eval(x, frame) : NONE);
      return PY_ATEN.slice!(
        [container, part(indexExpr.lower), part(indexExpr.upper), part(indexExpr.step)],
        this.builtinContext(frame),
      )!;
    }
    const index = this.interp.eval(indexExpr, frame);
    if (index.kind === 'unknown') return UNKNOWN;
    if ((container.kind === 'list' || container.kind === 'tuple') && index.kind === 'int') {
      const i = index.value < 0 ? index.value + container.items.length : index.value;
      const item = container.items[i];
      if (item === undefined) throw new ModelRaised(`list index ${index.value} out of range`);
      return item;
    }
    if (container.kind === 'str' && index.kind === 'int') return str(container.value.at(index.value) ?? '');
    this.problems.construct(
      `indexing ${describe(container)} with ${describe(index)}`,
      this.interp.location(frame),
    );
    return UNKNOWN;
  }

  call(e: Extract<Expr, { kind: 'call' }>, frame: Frame): Value {
    const callee = this.dotted(e.fn, frame);
    if (callee !== undefined && TYPE_FORMS.has(callee)) return this.typeForm(callee, e, frame);
    if (callee?.endsWith('.__new__')) {
      this.problems.construct(
        `an object of the custom class ${callee.slice(0, -8)}`,
        this.interp.location(frame),
      );
      return UNKNOWN;
    }
    const args = e.args.map((a) => this.interp.eval(a, frame));
    const kwargs: Kwargs = e.kwargs.map(([k, v]) => [k, this.interp.eval(v, frame)] as const);
    if (callee === undefined && e.fn.kind === 'name') {
      const held = this.interp.eval(e.fn, frame);
      if (held.kind === 'unknown') return UNKNOWN;
      if (held.kind !== 'function')
        throw new Error(`cannot call ${describe(held)} (${this.interp.location(frame)})`);
      return this.scriptCall(held.name, args, kwargs, frame);
    }
    if (callee === undefined) {
      if (e.fn.kind !== 'attr')
        throw new Error(`cannot call a ${e.fn.kind} (${this.interp.location(frame)})`);
      const target = this.interp.eval(e.fn.value, frame);
      if (target.kind === 'unknown') return UNKNOWN;
      if (target.kind === 'object') return this.interp.callMethod(target.object, e.fn.attr, args, kwargs);
      this.problems.construct(`calling .${e.fn.attr}() on ${describe(target)}`, this.interp.location(frame));
      return UNKNOWN;
    }
    if (callee === 'getattr') {
      const [obj, name] = args;
      if (name?.kind !== 'str') throw new Error('getattr needs a constant name');
      return this.attributeOf(obj!, name.value, frame);
    }
    if (callee in PY_BUILTINS) {
      if ([...args, ...kwargs.map(([, v]) => v)].some(containsUnknown)) return UNKNOWN;
      const builtin = PY_BUILTINS[callee]!;
      return (
        this.guard(callee, frame, () => builtin(args, this.builtinContext(frame))) ??
        this.unsupported(callee, frame)
      );
    }
    if (callee.startsWith('__torch__.')) return this.scriptCall(callee, args, kwargs, frame);
    const op = opName(callee);
    if (op === undefined) return this.unsupported(callee, frame);
    return this.op(op, args, kwargs, frame);
  }

  /** An op call: Python-level forms first, then the tensor mapping table. */
  private op(name: string, args: readonly Value[], kwargs: Kwargs, frame: Frame): Value {
    const [ns, short] = name.split('::') as [string, string];
    const supported = isSupported(name);
    const all = [...args, ...kwargs.map(([, v]) => v)];
    if (all.some(containsUnknown)) {
      if (!supported) this.problems.op(name, this.interp.location(frame));
      return UNKNOWN;
    }
    const ctx = this.builtinContext(frame);
    if (ns === 'prim') {
      const prim = PRIM_OPS[short];
      const out = prim ? this.guard(name, frame, () => prim(args, ctx)) : undefined;
      return out ?? this.unsupported(name, frame);
    }
    if (ns === 'aten') {
      const py = PY_ATEN[short];
      const out = py ? this.guard(name, frame, () => py(args, ctx)) : undefined;
      if (out !== undefined) return out;
      const symbol = SCALAR_ATEN[short];
      if (symbol && !all.some(containsTensor) && args.length === 2)
        return this.guard(name, frame, () => binaryOp(symbol, args[0]!, args[1]!))!;
    }
    const mapping = TORCH_OPS.get(name);
    if (!mapping) return this.unsupported(name, frame);
    return (
      this.guard(name, frame, () => {
        const bound = bindArgs(mapping.schema, args, kwargs);
        const base = `${frame.scope || 'forward'}/${short}`;
        return mapping.lower(new AtenCall(this.g, name, bound, base));
      }) ?? UNKNOWN
    );
  }

  /** Runs a lowering; what it refuses becomes a recorded problem and `unknown`. */
  private guard(name: string, frame: Frame, run: () => Value | undefined): Value | undefined {
    const where = this.interp.location(frame);
    try {
      return run();
    } catch (e) {
      if (e instanceof ModelRaised || isNccError(e)) throw e;
      if (e instanceof DataDependentError) {
        this.problems.construct(e.message, where);
        return UNKNOWN;
      }
      if (e instanceof LowerError && e.unsupported) {
        this.problems.op(name, where, e.message);
        return UNKNOWN;
      }
      if (e instanceof ShapeError)
        throw new NccError('NCC_SHAPE_MISMATCH', `${name} at ${where}: ${e.message}`, {
          op: name,
          hint: "the input shapes in --io-config do not fit what the model's code does with them; check them",
        });
      throw new Error(`${name} at ${where}: ${(e as Error).message}`, { cause: e });
    }
  }

  private unsupported(name: string, frame: Frame): Value {
    this.problems.op(name, this.interp.location(frame));
    return UNKNOWN;
  }

  private scriptCall(callee: string, args: readonly Value[], kwargs: Kwargs, frame: Frame): Value {
    const fn = this.interp.program.functions.get(callee);
    if (fn) return this.interp.callFunction(fn, args, kwargs, `${callee.slice(10)}()`, frame.scope);
    return this.unsupported(callee, frame);
  }

  private typeForm(callee: string, e: Extract<Expr, { kind: 'call' }>, frame: Frame): Value {
    const value = e.args[1];
    if (callee === 'uninitialized') return NONE;
    if (callee === 'isinstance') {
      const v = this.interp.eval(e.args[0]!, frame);
      const t = typeText(e.args[1]!);
      if (v.kind === 'unknown') return UNKNOWN;
      return bool(
        describe(v) === t ||
          (t.startsWith('List') && v.kind === 'list') ||
          (t.startsWith('Tuple') && v.kind === 'tuple'),
      );
    }
    // annotate(T, v) and unchecked_cast(T, v): the value, whatever the written type
    return this.interp.eval(value!, frame);
  }

  builtinContext(frame: Frame): BuiltinContext {
    return {
      g: this.g,
      dataDependent: (what) => this.problems.construct(what, this.interp.location(frame)),
    };
  }

  /** `torch.add` -> 'torch.add' when the chain's root is not a local; undefined otherwise. */
  dotted(e: Expr, frame: Frame): string | undefined {
    if (e.kind === 'name') return frame.vars.has(e.id) ? undefined : e.id;
    if (e.kind !== 'attr') return undefined;
    const base = this.dotted(e.value, frame);
    if (base === undefined) return undefined;
    const root = base.split('.')[0]!;
    return NAMESPACES.has(root) ? `${base}.${e.attr}` : undefined;
  }

  /**
   * The calls of code that will not run at compile time (its branch or trip count is unknown):
   * unsupported ops in it are still listed; names it assigns are collected.
   */
  scan(stmts: readonly Stmt[], frame: Frame, assigned: Set<string>): void {
    const where = this.interp.location(frame);
    const visit = (e: Expr | undefined): void => {
      if (!e) return;
      switch (e.kind) {
        case 'call': {
          const callee = this.dotted(e.fn, frame);
          const op = callee === undefined ? undefined : opName(callee);
          if (op && !isSupported(op)) this.problems.op(op, where);
          visit(e.fn);
          e.args.forEach(visit);
          e.kwargs.forEach(([, v]) => visit(v));
          return;
        }
        case 'attr':
          return visit(e.value);
        case 'index':
          visit(e.value);
          return visit(e.index);
        case 'list':
        case 'tuple':
          return e.items.forEach(visit);
        case 'unary':
          return visit(e.operand);
        case 'binary':
          visit(e.left);
          return visit(e.right);
        case 'ifexp':
          visit(e.test);
          visit(e.then);
          return visit(e.else);
        default:
          return;
      }
    };
    const walk = (ss: readonly Stmt[]): void => {
      for (const s of ss) {
        if (s.kind === 'assign') {
          s.targets.forEach((t) => namesOf(t, assigned));
          visit(s.value);
        } else if (s.kind === 'annotated') {
          assigned.add(s.target);
          visit(s.value);
        } else if (s.kind === 'expr' || s.kind === 'return') visit(s.value);
        else if (s.kind === 'if') {
          visit(s.test);
          walk(s.body);
          walk(s.orelse);
        } else if (s.kind === 'for') {
          namesOf(s.target, assigned);
          visit(s.iter);
          walk(s.body);
        } else if (s.kind === 'while') {
          visit(s.test);
          walk(s.body);
        }
      }
    };
    walk(stmts);
  }
}

const MATH_CONSTANTS: Readonly<Record<string, number>> = {
  'math.pi': Math.PI,
  'math.e': Math.E,
  'math.inf': Infinity,
  'math.nan': NaN,
};

/** 'torch.add' -> 'aten::add'; 'ops.prepacked.linear_clamp_run' -> 'prepacked::linear_clamp_run'. */
function opName(callee: string): string | undefined {
  const parts = callee.split('.');
  if (parts[0] === 'torch' && parts.length === 2) return `aten::${parts[1]}`;
  if (parts[0] === 'ops' && parts.length === 3) return `${parts[1]}::${parts[2]}`;
  return undefined;
}

export function isSupported(op: string): boolean {
  const [ns, short] = op.split('::') as [string, string];
  if (ns === 'prim') return short in PRIM_OPS;
  return TORCH_OPS.has(op) || (ns === 'aten' && (short in PY_ATEN || short in SCALAR_ATEN));
}

/** Every op name TorchScript code may call that the frontend handles, with its mapped schema when it has one. */
export function supportedTorchOps(): string[] {
  const schemaText = (name: string): string => {
    const m = TORCH_OPS.get(name)!;
    const params = m.schema.params.map((p) => (p.default === undefined ? p.name : `${p.name}=…`));
    return `${name}(${params.join(', ')})`;
  };
  const names = new Map<string, string>();
  for (const name of TORCH_OPS.keys()) names.set(name, schemaText(name));
  for (const short of Object.keys(PY_ATEN))
    if (!names.has(`aten::${short}`)) names.set(`aten::${short}`, `aten::${short} (sizes, lists, scalars)`);
  for (const short of Object.keys(SCALAR_ATEN))
    if (!names.has(`aten::${short}`)) names.set(`aten::${short}`, `aten::${short} (scalars)`);
  for (const short of Object.keys(PRIM_OPS)) names.set(`prim::${short}`, `prim::${short}`);
  return [...names.keys()].sort().map((k) => names.get(k)!);
}

function containsUnknown(v: Value): boolean {
  return v.kind === 'unknown' || ((v.kind === 'list' || v.kind === 'tuple') && v.items.some(containsUnknown));
}

function containsTensor(v: Value): boolean {
  return v.kind === 'tensor' || ((v.kind === 'list' || v.kind === 'tuple') && v.items.some(containsTensor));
}

/** A type expression as TorchScript writes it: `List[int]`, `Tensor`. */
export function typeText(e: Expr): string {
  switch (e.kind) {
    case 'name':
      return e.id;
    case 'attr':
      return `${typeText(e.value)}.${e.attr}`;
    case 'index':
      return `${typeText(e.value)}[${e.index.kind === 'tuple' ? e.index.items.map(typeText).join(', ') : typeText(e.index)}]`;
    case 'const':
      return String(e.value);
    case 'tuple':
      return `(${e.items.map(typeText).join(', ')})`;
    default:
      return e.kind;
  }
}
