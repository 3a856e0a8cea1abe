/**
 * The values a TorchScript program computes with while it is translated: Python scalars and strings
 * known at compile time, IR tensors, lists and tuples of them, module objects (whose parameters
 * become initializers when code reads them), the opaque contexts of mobile-optimized and quantized
 * ops, and `unknown`: the result of something unsupported, which absorbs every use so that one run
 * can list every problem.
 */
import type { PyObject } from './unpickle.js';

export type Value =
  | { readonly kind: 'none' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'device'; readonly value: string }
  /** An IR value; dtype and shape come from the graph builder. In-place ops (relu_) rename it. */
  | TensorValue
  /** TorchScript lists are mutable (`torch.append`); tuples are not. */
  | { readonly kind: 'list'; readonly items: Value[] }
  | { readonly kind: 'tuple'; readonly items: readonly Value[] }
  /** A module or script-class instance: its class's code and its attributes. */
  | { readonly kind: 'object'; readonly object: ScriptObject }
  /** A torch.classes object (prepacked conv/linear contexts, quantized packed parameters). */
  | { readonly kind: 'context'; readonly cls: string; readonly state: Value }
  /** A free function of the archive's code held as a value (`_0 = __torch__...functional.softmax`). */
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'unknown' };

/**
 * A tensor value. One that is a view of another (a select, slice, reshape or transpose of it) knows
 * how to write an updated version of itself back into its base, so that an in-place op on the
 * view (`y[0].mul_(2)`, `y[:, 0] = 0`) changes the base as it does in PyTorch.
 */
export interface TensorValue {
  readonly kind: 'tensor';
  name: string;
  readonly view?: {
    readonly base: TensorValue;
    /** The base's new IR value given the view's new value. */
    readonly writeBack: (updated: string) => string;
  };
}

export interface ScriptObject {
  /** Qualified class name, `__torch__.torch.nn.modules.conv.Conv2d`. */
  readonly cls: string;
  /** Attribute path from the root module ('features.0.0'), for value names and messages. */
  readonly path: string;
  readonly attrs: Map<string, Value | PendingAttr>;
}

/** A pickled attribute not converted yet (weights become initializers only when code reads them). */
export interface PendingAttr {
  readonly kind: 'pending';
  readonly raw: unknown;
}

export const NONE: Value = { kind: 'none' };
export const UNKNOWN: Value = { kind: 'unknown' };

export const int = (value: number): Value => ({ kind: 'int', value });
export const float = (value: number): Value => ({ kind: 'float', value });
export const bool = (value: boolean): Value => ({ kind: 'bool', value });
export const str = (value: string): Value => ({ kind: 'str', value });
export const tensor = (name: string): Value => ({ kind: 'tensor', name });
export const tuple = (items: readonly Value[]): Value => ({ kind: 'tuple', items });
export const list = (items: Value[]): Value => ({ kind: 'list', items });

export type Scalar = Extract<Value, { kind: 'int' | 'float' | 'bool' }>;

export function isScalar(v: Value): v is Scalar {
  return v.kind === 'int' || v.kind === 'float' || v.kind === 'bool';
}

export function isSequence(v: Value): v is Extract<Value, { kind: 'list' | 'tuple' }> {
  return v.kind === 'list' || v.kind === 'tuple';
}

/** How a value reads in messages: `int 3`, `Tensor`, `List[int]`. */
export function describe(v: Value): string {
  switch (v.kind) {
    case 'tensor':
      return 'Tensor';
    case 'list':
    case 'tuple':
      return `${v.kind === 'list' ? 'List' : 'Tuple'}[${[...new Set(v.items.map(describe))].join(', ')}]`;
    case 'object':
      return v.object.cls;
    case 'context':
      return v.cls;
    case 'function':
      return `function ${v.name}`;
    case 'none':
      return 'None';
    case 'unknown':
      return 'an unsupported result';
    default:
      return v.kind;
  }
}

/** The class name a pickled object was saved with. */
export function pickledClass(o: PyObject): string {
  return `${o.cls.module}.${o.cls.name}`;
}
