/**
 * Runs TorchScript code at compile time, turning tensor operations into IR nodes: submodule calls
 * are inlined, Python-level values (sizes, flags, lists) are computed on the spot, `if`s are decided
 * by what static shapes make known, and loops with a known trip count are unrolled. What cannot be
 * decided at compile time, or is not supported, is recorded in Problems and yields `unknown`, which
 * flows on silently so that the rest of the program is still checked.
 */
import type { GraphBuilder } from '../graph-builder.js';
import { CallResolver } from './calls.js';
import type { Problems } from './problems.js';
import type { Program } from './program.js';
import type { Expr, FunctionDef, Stmt } from './torchscript-ast.js';
import { truthy, binaryOp, unaryOp } from './scalar-ops.js';
import {
  NONE,
  UNKNOWN,
  bool,
  describe,
  float,
  int,
  list,
  str,
  tuple,
  type ScriptObject,
  type Value,
} from './values.js';

/** The model raised an exception for the pinned shapes (an assert in its code failed). */
export class ModelRaised extends Error {}

type Flow =
  | { readonly kind: 'next' }
  | { readonly kind: 'return'; readonly value: Value }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' };

const NEXT: Flow = { kind: 'next' };
/** Unrolling stops here: a loop this long is a data loop, not a layer stack. */
const MAX_UNROLL = 10_000;
const MAX_DEPTH = 200;

export interface Frame {
  readonly vars: Map<string, Value>;
  /** Where the code runs, for messages: `features.3.conv (InvertedResidual.forward)`. */
  readonly where: string;
  /** The module's attribute path, which names the IR values its code makes. */
  readonly scope: string;
  line: number;
}

export class Interpreter {
  private depth = 0;
  private readonly calls: CallResolver;

  constructor(
    readonly program: Program,
    readonly g: GraphBuilder,
    readonly problems: Problems,
  ) {
    this.calls = new CallResolver(this);
  }

  /** `obj.method(args)` with the method's code inlined. */
  callMethod(
    object: ScriptObject,
    method: string,
    args: readonly Value[],
    kwargs: readonly (readonly [string, Value])[],
  ): Value {
    const cls = this.program.classes.get(object.cls);
    const fn = cls?.methods.get(method);
    if (!fn) throw new Error(`${object.cls} has no method '${method}'`);
    const where = `${object.path || 'self'} (${cls!.name}.${method})`;
    return this.callFunction(fn, [{ kind: 'object', object }, ...args], kwargs, where, object.path);
  }

  callFunction(
    fn: FunctionDef,
    args: readonly Value[],
    kwargs: readonly (readonly [string, Value])[],
    where: string,
    scope: string,
  ): Value {
    if (++this.depth > MAX_DEPTH) throw new Error(`calls nest deeper than ${MAX_DEPTH} (recursion?)`);
    try {
      const vars = new Map<string, Value>();
      const empty: Frame = { vars: new Map(), where, scope, line: 0 };
      fn.params.forEach((p, i) => {
        const kw = kwargs.find(([k]) => k === p.name);
        const v =
          i < args.length ? args[i] : kw ? kw[1] : p.default ? this.eval(p.default, empty) : undefined;
        if (v === undefined) throw new Error(`${fn.name} is called without its argument '${p.name}'`);
        vars.set(p.name, v);
      });
      const flow = this.exec(fn.body, { vars, where, scope, line: 0 });
      return flow.kind === 'return' ? flow.value : NONE;
    } finally {
      this.depth--;
    }
  }

  location(frame: Frame): string {
    return `${frame.where} line ${frame.line}`;
  }

  exec(stmts: readonly Stmt[], frame: Frame): Flow {
    for (const s of stmts) {
      frame.line = s.line;
      const flow = this.stmt(s, frame);
      if (flow.kind !== 'next') return flow;
    }
    return NEXT;
  }

  private stmt(s: Stmt, frame: Frame): Flow {
    switch (s.kind) {
      case 'assign': {
        const value = this.eval(s.value, frame);
        for (const t of s.targets) this.assign(t, value, frame);
        return NEXT;
      }
      case 'annotated':
        if (s.value) frame.vars.set(s.target, this.eval(s.value, frame));
        return NEXT;
      case 'expr':
        this.eval(s.value, frame);
        return NEXT;
      case 'return':
        return { kind: 'return', value: s.value ? this.eval(s.value, frame) : NONE };
      case 'pass':
        return NEXT;
      case 'break':
      case 'continue':
        return { kind: s.kind };
      case 'if': {
        const test = this.decide(this.eval(s.test, frame), 'an `if`', frame);
        if (test === undefined) return this.undecided([s.body, s.orelse], frame);
        return this.exec(test ? s.body : s.orelse, frame);
      }
      case 'for':
        return this.forLoop(s, frame);
      case 'while':
        return this.whileLoop(s, frame);
      case 'assert': {
        const ok = this.decide(this.eval(s.test, frame), 'an assert', frame);
        if (ok === false) {
          const msg = s.message ? this.eval(s.message, frame) : NONE;
          throw new ModelRaised(`an assert fails${msg.kind === 'str' ? `: ${msg.value}` : ''}`);
        }
        return NEXT;
      }
      case 'raise':
        throw new ModelRaised('the code raises an exception');
      case 'def':
      case 'class':
        this.problems.construct(`a nested ${s.kind}`, this.location(frame));
        return NEXT;
    }
  }

  private forLoop(s: Extract<Stmt, { kind: 'for' }>, frame: Frame): Flow {
    const iter = this.eval(s.iter, frame);
    let items: readonly Value[];
    if (iter.kind === 'list' || iter.kind === 'tuple') items = iter.items;
    else {
      if (iter.kind !== 'unknown')
        this.problems.construct(
          `a loop over ${describe(iter)} (only lists, tuples and ranges unroll)`,
          this.location(frame),
        );
      return this.undecided([s.body], frame, [s.target]);
    }
    if (items.length > MAX_UNROLL) {
      this.problems.construct(
        `a loop of ${items.length} iterations (too long to unroll)`,
        this.location(frame),
      );
      return this.undecided([s.body], frame, [s.target]);
    }
    for (const item of [...items]) {
      this.assign(s.target, item, frame);
      const flow = this.exec(s.body, frame);
      if (flow.kind === 'break') break;
      if (flow.kind === 'return') return flow;
    }
    return NEXT;
  }

  private whileLoop(s: Extract<Stmt, { kind: 'while' }>, frame: Frame): Flow {
    for (let i = 0; ; i++) {
      const test = this.decide(this.eval(s.test, frame), 'a `while` loop', frame);
      if (test === undefined) return this.undecided([s.body], frame);
      if (!test) return NEXT;
      if (i >= MAX_UNROLL) {
        this.problems.construct(
          `a while loop running over ${MAX_UNROLL} times (too long to unroll)`,
          this.location(frame),
        );
        return this.undecided([s.body], frame);
      }
      const flow = this.exec(s.body, frame);
      if (flow.kind === 'break') return NEXT;
      if (flow.kind === 'return') return flow;
    }
  }

  /**
   * Code whose running depends on something unknown: its unsupported calls are still listed, and
   * every name it assigns becomes unknown.
   */
  private undecided(blocks: readonly (readonly Stmt[])[], frame: Frame, extra: readonly Expr[] = []): Flow {
    const assigned = new Set<string>();
    for (const t of extra) namesOf(t, assigned);
    for (const b of blocks) this.calls.scan(b, frame, assigned);
    for (const n of assigned) frame.vars.set(n, UNKNOWN);
    return NEXT;
  }

  /** A test's truth known at compile time; undefined (and a problem noted) otherwise. */
  decide(v: Value, what: string, frame: Frame): boolean | undefined {
    if (v.kind === 'unknown') return undefined;
    if (v.kind === 'tensor') {
      const c = this.g.constantValue(v.name);
      if (c && c.data.length === 1) return Number(c.data[0]) !== 0;
      this.problems.construct(`${what} on a value computed from the input data`, this.location(frame));
      return undefined;
    }
    return truthy(v);
  }

  assign(target: Expr, value: Value, frame: Frame): void {
    switch (target.kind) {
      case 'name':
        frame.vars.set(target.id, value);
        return;
      case 'tuple':
      case 'list': {
        const items = value.kind === 'list' || value.kind === 'tuple' ? value.items : undefined;
        if (value.kind !== 'unknown' && (!items || items.length !== target.items.length))
          throw new Error(`cannot unpack ${describe(value)} into ${target.items.length} names`);
        target.items.forEach((t, i) => this.assign(t, items ? items[i]! : UNKNOWN, frame));
        return;
      }
      case 'attr': {
        const obj = this.eval(target.value, frame);
        if (obj.kind === 'object') obj.object.attrs.set(target.attr, value);
        else if (obj.kind !== 'unknown')
          throw new Error(`cannot set attribute ${target.attr} of ${describe(obj)}`);
        return;
      }
      case 'index': {
        const container = this.eval(target.value, frame);
        const index = this.eval(target.index, frame);
        if (container.kind === 'list' && index.kind === 'int') {
          const i = index.value < 0 ? index.value + container.items.length : index.value;
          container.items[i] = value;
        } else if (container.kind !== 'unknown') {
          this.problems.construct(`assigning into ${describe(container)}[...]`, this.location(frame));
        }
        return;
      }
      default:
        throw new Error(`cannot assign to a ${target.kind}`);
    }
  }

  eval(e: Expr, frame: Frame): Value {
    switch (e.kind) {
      case 'const':
        if (e.value === null) return NONE;
        if (typeof e.value === 'boolean') return bool(e.value);
        if (typeof e.value === 'string') return str(e.value);
        return e.float ? float(e.value) : int(e.value);
      case 'name': {
        const v = frame.vars.get(e.id);
        if (v !== undefined) return v;
        return this.calls.global(e.id, frame);
      }
      case 'attr':
        return this.calls.attribute(e, frame);
      case 'call':
        return this.calls.call(e, frame);
      case 'index':
        return this.calls.index(this.eval(e.value, frame), e.index, frame);
      case 'list':
        return list(e.items.map((x) => this.eval(x, frame)));
      case 'tuple':
        return tuple(e.items.map((x) => this.eval(x, frame)));
      case 'unary':
        return unaryOp(e.op, this.eval(e.operand, frame));
      case 'binary':
        return this.binary(e, frame);
      case 'ifexp': {
        const test = this.decide(this.eval(e.test, frame), 'an `if` expression', frame);
        if (test === undefined) return UNKNOWN;
        return this.eval(test ? e.then : e.else, frame);
      }
      case 'dict':
        this.problems.construct('a dict', this.location(frame));
        return UNKNOWN;
      case 'slice':
        throw new Error('a slice outside of an index');
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, frame: Frame): Value {
    const left = this.eval(e.left, frame);
    // `and`/`or` short-circuit: the right side may only be valid when the left allows it
    if (e.op === 'and' || e.op === 'or') {
      const l = this.decide(left, `an \`${e.op}\``, frame);
      if (l === undefined) return UNKNOWN;
      if (e.op === 'and' ? !l : l) return left;
      return this.eval(e.right, frame);
    }
    return binaryOp(e.op, left, this.eval(e.right, frame));
  }
}

/** Names a target expression binds. */
export function namesOf(target: Expr, into: Set<string>): void {
  if (target.kind === 'name') into.add(target.id);
  else if (target.kind === 'tuple' || target.kind === 'list') for (const t of target.items) namesOf(t, into);
}
