/**
 * A TorchScript archive as a program to run: the classes and free functions of its code files by
 * qualified name, the module tree as script objects, and CONSTANTS. Pickled attributes turn into
 * values when code reads them, so a parameter becomes an IR initializer (named by its attribute
 * path, `features.0.0.weight`) only if forward uses it.
 */
import type { GraphBuilder } from '../graph-builder.js';
import type { TorchArchive, TorchTensor } from './archive.js';
import type { ClassDef, FunctionDef, Stmt } from './torchscript-ast.js';
import { parseModule } from './torchscript-parse.js';
import { PyFloat, PyObject } from './unpickle.js';
import {
  NONE,
  UNKNOWN,
  bool,
  float,
  int,
  list,
  pickledClass,
  str,
  tensor,
  type ScriptObject,
  type Value,
} from './values.js';

export interface ScriptClass {
  readonly name: string;
  readonly methods: ReadonlyMap<string, FunctionDef>;
}

export class Program {
  readonly classes = new Map<string, ScriptClass>();
  readonly functions = new Map<string, FunctionDef>();
  readonly root: ScriptObject;
  private readonly weights = new Map<TorchTensor, Value>();
  private readonly objects = new Map<PyObject, Value>();
  private readonly constantValues: Value[] = [];

  constructor(
    private readonly archive: TorchArchive,
    private readonly g: GraphBuilder,
  ) {
    for (const [qualifier, source] of archive.code) this.index(qualifier, parseModule(source));
    const root = archive.module;
    if (!(root instanceof PyObject)) throw new Error('data.pkl does not hold a module object');
    const value = this.convert(root, '');
    if (value.kind !== 'object') throw new Error(`the root object is a ${pickledClass(root)}, not a module`);
    this.root = value.object;
  }

  /** CONSTANTS.cN */
  constant(index: number): Value {
    if (index < 0 || index >= this.archive.constants.length)
      throw new Error(`CONSTANTS.c${index} does not exist (${this.archive.constants.length} constants)`);
    this.constantValues[index] ??= this.convert(this.archive.constants[index], `CONSTANTS.c${index}`);
    return this.constantValues[index]!;
  }

  /** An object's attribute, converted on first read. */
  attribute(object: ScriptObject, name: string): Value | undefined {
    const a = object.attrs.get(name);
    if (a === undefined) return undefined;
    if (a.kind !== 'pending') return a;
    const value = this.convert(a.raw, object.path ? `${object.path}.${name}` : name);
    object.attrs.set(name, value);
    return value;
  }

  private convert(raw: unknown, path: string): Value {
    if (raw === null || raw === undefined) return NONE;
    if (typeof raw === 'boolean') return bool(raw);
    if (typeof raw === 'number') return int(raw);
    if (typeof raw === 'bigint') return int(Number(raw));
    if (raw instanceof PyFloat) return float(raw.value);
    if (typeof raw === 'string') return str(raw);
    if (Array.isArray(raw)) return list(raw.map((x, i) => this.convert(x, `${path}.${i}`)));
    if (isTorchTensor(raw)) {
      let w = this.weights.get(raw);
      if (!w) {
        w = tensor(this.g.constant(raw.value, path || 'weight'));
        this.weights.set(raw, w);
      }
      return w;
    }
    if (raw instanceof PyObject) {
      let v = this.objects.get(raw);
      if (!v) {
        v = this.objectOf(raw, path);
        this.objects.set(raw, v);
      }
      return v;
    }
    return UNKNOWN;
  }

  private objectOf(raw: PyObject, path: string): Value {
    const cls = pickledClass(raw);
    if (cls.startsWith('__torch__.torch.classes.'))
      return { kind: 'context', cls, state: this.convert(raw.state, path) };
    const attrs = new Map<string, Value | { kind: 'pending'; raw: unknown }>();
    if (raw.state instanceof Map)
      for (const [k, v] of raw.state as Map<unknown, unknown>)
        attrs.set(String(k), { kind: 'pending', raw: v });
    return { kind: 'object', object: { cls, path, attrs } };
  }

  private index(qualifier: string, stmts: readonly Stmt[]): void {
    for (const s of stmts) {
      if (s.kind === 'class') this.classes.set(`${qualifier}.${s.cls.name}`, classOf(s.cls));
      else if (s.kind === 'def') this.functions.set(`${qualifier}.${s.fn.name}`, s.fn);
    }
  }
}

function classOf(cls: ClassDef): ScriptClass {
  const methods = new Map<string, FunctionDef>();
  for (const s of cls.body) if (s.kind === 'def') methods.set(s.fn.name, s.fn);
  return { name: cls.name, methods };
}

function isTorchTensor(v: unknown): v is TorchTensor {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'tensor';
}
