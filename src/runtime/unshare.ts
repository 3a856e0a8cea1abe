/**
 * A threads module in its single-thread form: the same bytes with the memory import declared
 * unshared, so it runs where SharedArrayBuffer is missing (a browser page without cross-origin
 * isolation) or threads are not wanted. The shared flag is one bit of the import's limits byte; the
 * code, atomics included, is valid on unshared memory, and with one thread no barrier ever waits.
 * One NEFF variant thus serves both forms, and the compiler renders no extra one.
 */
import { NccError } from '../errors.js';

const IMPORT_SECTION = 2;
const KIND_FUNC = 0;
const KIND_MEMORY = 2;
const SHARED_BIT = 0x02;

export function unsharedModule(wasm: Uint8Array): Uint8Array {
  const out = new Uint8Array(wasm);
  const r = new Reader(out, 8);
  while (r.at < out.length) {
    const id = out[r.at++]!;
    const size = r.u32();
    const end = r.at + size;
    if (id !== IMPORT_SECTION) {
      r.at = end;
      continue;
    }
    for (let n = r.u32(); n > 0; n--) {
      const module = r.name();
      const field = r.name();
      const kind = out[r.at++];
      if (kind === KIND_FUNC) r.u32();
      else if (kind === KIND_MEMORY) {
        if (module === 'env' && field === 'memory') {
          out[r.at] = out[r.at]! & ~SHARED_BIT;
          return out;
        }
        r.limits();
      } else throw bad(`an entry of kind ${String(kind)} among its imports`);
    }
    r.at = end;
  }
  throw bad('no env.memory among its imports');
}

function bad(what: string): NccError {
  return new NccError('NEFF_CORRUPT', `the threads code variant has ${what}`, {
    hint: 'the code in this NEFF does not match the runtime ABI: compile the model again with this neuron-cc',
  });
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
  ) {}

  u32(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.bytes[this.at++];
      if (b === undefined) throw bad('a truncated section');
      value += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return value;
    }
    throw bad('an overlong integer');
  }

  name(): string {
    const n = this.u32();
    const text = String.fromCharCode(...this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return text;
  }

  limits(): void {
    const flags = this.bytes[this.at++]!;
    this.u32();
    if (flags & 1) this.u32();
  }
}
