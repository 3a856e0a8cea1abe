/**
 * Python's pickle format (protocols 0-5, the opcodes torch.save and torch.jit.save write) read into
 * plain values: None/bool/int/float/str/bytes, arrays for lists and tuples (tuples frozen), Maps for
 * dicts, and PyObject for instances of classes. What a global names (a class, torch's tensor
 * rebuilders) and what a persistent id means (a tensor storage) is the caller's, through the hooks:
 * the unpickler itself never runs or imports anything. Malformed input is a PickleError naming the
 * offset; nothing is trusted (lengths are checked against the bytes, the stack is checked on pop).
 */

export class PickleError extends Error {}

/** A class or function a pickle names by module and qualified name. */
export interface PyGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** An object built by NEWOBJ/REDUCE of a class the hooks do not construct, with its BUILD state. */
export class PyObject {
  state: unknown = undefined;
  constructor(
    readonly cls: PyGlobal,
    readonly args: readonly unknown[],
  ) {}

  get className(): string {
    return `${this.cls.module}.${this.cls.name}`;
  }
}

/** A Python float (JS numbers cannot tell 1.0 from 1; TorchScript's int/float typing needs it). */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

export interface PickleHooks {
  /** The value a GLOBAL stands for (default: the PyGlobal itself). */
  global?(module: string, name: string): unknown;
  /** Calls `callable(...args)` for REDUCE when it knows the callable; undefined: build a PyObject. */
  call?(callable: unknown, args: readonly unknown[]): unknown;
  /** The object a persistent id stands for (tensor storages). */
  persistentLoad?(pid: unknown): unknown;
}

const MARK = Symbol('mark');

export function unpickle(bytes: Uint8Array, hooks: PickleHooks = {}): unknown {
  return new Unpickler(bytes, hooks).load();
}

class Unpickler {
  private at = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: PickleHooks,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  load(): unknown {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          this.u8();
          break;
        case 0x95: // FRAME
          this.take(8);
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          this.stack.push(MARK);
          break;
        case 0x4e: // NONE
          this.stack.push(null);
          break;
        case 0x88: // NEWTRUE
          this.stack.push(true);
          break;
        case 0x89: // NEWFALSE
          this.stack.push(false);
          break;
        case 0x4a: // BININT
          this.stack.push(this.view.getInt32(this.skip(4), true));
          break;
        case 0x4b: // BININT1
          this.stack.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.stack.push(this.view.getUint16(this.skip(2), true));
          break;
        case 0x8a: // LONG1
          this.stack.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          this.stack.push(this.long(this.u32()));
          break;
        case 0x47: // BINFLOAT (big-endian)
          this.stack.push(new PyFloat(this.view.getFloat64(this.skip(8), false)));
          break;
        case 0x49: // INT (text)
          this.stack.push(this.textInt(this.line()));
          break;
        case 0x4c: // LONG (text)
          this.stack.push(this.textInt(this.line().replace(/L$/, '')));
          break;
        case 0x46: // FLOAT (text)
          this.stack.push(new PyFloat(Number(this.line())));
          break;
        case 0x58: // BINUNICODE
          this.stack.push(this.utf8(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.stack.push(this.utf8(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.stack.push(this.utf8(this.u64()));
          break;
        case 0x56: // UNICODE (raw-unicode-escape line)
          this.stack.push(this.line());
          break;
        case 0x55: // SHORT_BINSTRING
          this.stack.push(this.latin1(this.u8()));
          break;
        case 0x54: // BINSTRING
          this.stack.push(this.latin1(this.u32()));
          break;
        case 0x42: // BINBYTES
          this.stack.push(this.take(this.u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.stack.push(this.take(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
          this.stack.push(this.take(this.u64()).slice());
          break;
        case 0x96: // BYTEARRAY8
          this.stack.push(this.take(this.u64()).slice());
          break;
        case 0x29: // EMPTY_TUPLE
          this.stack.push(Object.freeze([]));
          break;
        case 0x85: // TUPLE1
          this.stack.push(Object.freeze([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          this.stack.push(Object.freeze([this.pop(), b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          this.stack.push(Object.freeze([this.pop(), b, c]));
          break;
        }
        case 0x74: // TUPLE
          this.stack.push(Object.freeze(this.popMark()));
          break;
        case 0x5d: // EMPTY_LIST
          this.stack.push([]);
          break;
        case 0x6c: // LIST
          this.stack.push(this.popMark());
          break;
        case 0x7d: // EMPTY_DICT
          this.stack.push(new Map());
          break;
        case 0x64: {
          // DICT
          const items = this.popMark();
          const dict = new Map<unknown, unknown>();
          for (let i = 0; i + 1 < items.length; i += 2) dict.set(key(items[i]), items[i + 1]);
          this.stack.push(dict);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.stack.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set)) this.fail('ADDITEMS on a non-set');
          for (const i of items) set.add(i);
          break;
        }
        case 0x91: // FROZENSET
          this.stack.push(new Set(this.popMark()));
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.list().push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.list().push(...items);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.dict().set(key(k), v);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          const dict = this.dict();
          for (let i = 0; i + 1 < items.length; i += 2) dict.set(key(items[i]), items[i + 1]);
          break;
        }
        case 0x63: {
          // GLOBAL
          const module = this.line();
          const name = this.line();
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('STACK_GLOBAL of non-strings');
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callable = this.pop();
          this.stack.push(this.construct(callable, args));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.construct(cls, args));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          this.pop(); // kwargs
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.construct(cls, args));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const obj = this.top();
          if (obj instanceof PyObject) obj.state = state;
          else if (obj instanceof Map && state instanceof Map) for (const [k, v] of state) obj.set(k, v);
          // other targets (tensors rebuilt by hooks) keep no state
          break;
        }
        case 0x51: // BINPERSID
          this.stack.push(this.persistent(this.pop()));
          break;
        case 0x50: // PERSID (text)
          this.stack.push(this.persistent(this.line()));
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x70: // PUT (text)
          this.memo.set(Number(this.line()), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
          this.stack.push(this.recall(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.stack.push(this.recall(this.u32()));
          break;
        case 0x67: // GET (text)
          this.stack.push(this.recall(Number(this.line())));
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.stack.push(this.top());
          break;
        default:
          this.fail(`unknown opcode 0x${op.toString(16)}`);
      }
    }
  }

  private global(module: string, name: string): unknown {
    return this.hooks.global ? this.hooks.global(module, name) : { kind: 'global', module, name };
  }

  private construct(callable: unknown, args: unknown): unknown {
    if (!Array.isArray(args)) this.fail('arguments of a call are not a tuple');
    const made = this.hooks.call?.(callable, args);
    if (made !== undefined) return made;
    if (!isGlobal(callable)) this.fail('call of something that is not a class or function');
    return new PyObject(callable, args);
  }

  private persistent(pid: unknown): unknown {
    if (!this.hooks.persistentLoad) this.fail('a persistent id, and no way to load it');
    return this.hooks.persistentLoad(pid);
  }

  private recall(i: number): unknown {
    if (!this.memo.has(i)) this.fail(`memo ${i} was never stored`);
    return this.memo.get(i);
  }

  private list(): unknown[] {
    const l = this.top();
    if (!Array.isArray(l) || Object.isFrozen(l)) this.fail('append to something that is not a list');
    return l;
  }

  private dict(): Map<unknown, unknown> {
    const d = this.top();
    if (!(d instanceof Map)) this.fail('setitem on something that is not a dict');
    return d;
  }

  private top(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private pop(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    const v = this.stack.pop();
    if (v === MARK) this.fail('a mark where a value was expected');
    return v;
  }

  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('no mark to pop to');
    const items = this.stack.splice(m);
    items.shift(); // the mark
    return items;
  }

  private long(n: number): number | bigint {
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private textInt(text: string): number | bigint | boolean {
    if (text === '01') return true;
    if (text === '00') return false;
    const v = BigInt(text);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private u8(): number {
    return this.bytes[this.skip(1)]!;
  }

  private u32(): number {
    return this.view.getUint32(this.skip(4), true);
  }

  private u64(): number {
    const v = this.view.getBigUint64(this.skip(8), true);
    if (v > BigInt(this.bytes.length)) this.fail('a length beyond the data');
    return Number(v);
  }

  private skip(n: number): number {
    if (this.at + n > this.bytes.length) this.fail('the data ends inside an opcode');
    const at = this.at;
    this.at += n;
    return at;
  }

  private take(n: number): Uint8Array {
    const at = this.skip(n);
    return this.bytes.subarray(at, at + n);
  }

  private utf8(n: number): string {
    return new TextDecoder().decode(this.take(n));
  }

  private latin1(n: number): string {
    return String.fromCharCode(...this.take(n));
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.at);
    if (end < 0) this.fail('a text argument without its newline');
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, end));
    this.at = end + 1;
    return text;
  }

  private fail(why: string): never {
    throw new PickleError(`pickle byte ${this.at}: ${why}`);
  }
}

export function isGlobal(v: unknown): v is PyGlobal {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'global';
}

/** Dict keys: strings and numbers as they are; tuples by their text (Map keys compare by identity). */
function key(k: unknown): unknown {
  return Array.isArray(k) ? JSON.stringify(k) : k;
}
