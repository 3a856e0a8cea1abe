/**
 * Protocol buffer text format (what TensorFlow writes as `.pbtxt`) -> a message of the same type
 * the binary decoder gives. The parser produces name/value pairs; the message type's reflection
 * says what each field is (repeated, map, message, bytes, enum-as-int32), so one reader serves every
 * TF proto. Errors name the line and column.
 */
import protobuf from 'protobufjs';
import { tfTypeCode } from './dtypes.js';

export class TextFormatError extends Error {}

type Scalar =
  { readonly kind: 'string'; readonly bytes: Uint8Array } | { readonly kind: 'word'; readonly text: string };
type Value = Scalar | { readonly kind: 'message'; readonly fields: readonly Field[] };
interface Field {
  readonly name: string;
  readonly values: readonly Value[];
}

export function parseTextMessage<T>(text: string, type: protobuf.Type): T {
  const fields = new Parser(text).message(undefined);
  return type.fromObject(toPlain(fields, type)) as unknown as T;
}

class Parser {
  private at = 0;

  constructor(private readonly text: string) {}

  message(close: string | undefined): Field[] {
    const fields: Field[] = [];
    for (;;) {
      this.skip();
      if (this.at >= this.text.length) {
        if (close) this.fail(`expected '${close}' before the end of the text`);
        return fields;
      }
      if (close && this.text[this.at] === close) {
        this.at++;
        return fields;
      }
      fields.push(this.field());
    }
  }

  private field(): Field {
    const name = this.identifier();
    this.skip();
    const colon = this.text[this.at] === ':';
    if (colon) {
      this.at++;
      this.skip();
    }
    const c = this.text[this.at];
    if (c === '{' || c === '<') {
      this.at++;
      return { name, values: [{ kind: 'message', fields: this.message(c === '{' ? '}' : '>') }] };
    }
    if (!colon) this.fail(`expected ':' after '${name}'`);
    if (c === '[') {
      this.at++;
      const values: Value[] = [];
      for (;;) {
        this.skip();
        if (this.text[this.at] === ']') {
          this.at++;
          return { name, values };
        }
        if (values.length) {
          if (this.text[this.at] !== ',') this.fail("expected ',' or ']'");
          this.at++;
          this.skip();
        }
        const d = this.text[this.at];
        if (d === '{' || d === '<') {
          this.at++;
          values.push({ kind: 'message', fields: this.message(d === '{' ? '}' : '>') });
        } else values.push(this.scalar());
      }
    }
    return { name, values: [this.scalar()] };
  }

  private scalar(): Scalar {
    const c = this.text[this.at];
    if (c === '"' || c === "'") {
      const parts: Uint8Array[] = [];
      // adjacent string literals concatenate
      while (this.text[this.at] === '"' || this.text[this.at] === "'") {
        parts.push(this.quoted());
        this.skip();
      }
      return { kind: 'string', bytes: parts.length === 1 ? parts[0]! : concat(parts) };
    }
    const m = /^[-+]?(?:\.?\d[\d.]*(?:[eE][-+]?\d+)?[fF]?|[\w.]+)/.exec(
      this.text.slice(this.at, this.at + 400),
    );
    if (!m) this.fail('expected a value');
    this.at += m[0].length;
    return { kind: 'word', text: m[0] };
  }

  private quoted(): Uint8Array {
    const quote = this.text[this.at++]!;
    const out = new ByteSink();
    const encoder = new TextEncoder();
    while (this.at < this.text.length && this.text[this.at] !== quote) {
      const c = this.text[this.at++]!;
      if (c === '\n') this.fail('a string runs past the end of its line');
      if (c !== '\\') {
        const code = c.charCodeAt(0);
        if (code < 0x80) out.push(code);
        else out.pushAll(encoder.encode(c));
        continue;
      }
      const e = this.text[this.at++];
      const simple: Record<string, number> = {
        n: 10,
        t: 9,
        r: 13,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
        '\\': 92,
        "'": 39,
        '"': 34,
        '?': 63,
      };
      if (e !== undefined && simple[e] !== undefined) out.push(simple[e]);
      else if (e !== undefined && /[0-7]/.test(e)) {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(this.text[this.at] ?? '')) digits += this.text[this.at++];
        out.push(parseInt(digits, 8) & 0xff);
      } else if (e === 'x' || e === 'X') {
        let digits = '';
        while (digits.length < 2 && /[0-9a-fA-F]/.test(this.text[this.at] ?? ''))
          digits += this.text[this.at++];
        if (!digits) this.fail('\\x without hex digits');
        out.push(parseInt(digits, 16));
      } else this.fail(`unknown escape '\\${e ?? ''}'`);
    }
    if (this.text[this.at] !== quote) this.fail('a string is not closed');
    this.at++;
    return out.bytes();
  }

  private identifier(): string {
    const m = /^[A-Za-z_][\w]*/.exec(this.text.slice(this.at, this.at + 200));
    if (!m) this.fail('expected a field name');
    this.at += m[0].length;
    return m[0];
  }

  private skip(): void {
    for (;;) {
      while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
      if (this.text[this.at] !== '#') return;
      while (this.at < this.text.length && this.text[this.at] !== '\n') this.at++;
    }
  }

  private fail(why: string): never {
    const before = this.text.slice(0, this.at);
    const line = before.split('\n').length;
    const column = this.at - before.lastIndexOf('\n');
    throw new TextFormatError(`line ${line}, column ${column}: ${why}`);
  }
}

/** A growing byte buffer (tensor contents in text run to megabytes). */
class ByteSink {
  private buf = new Uint8Array(64);
  private length = 0;

  push(b: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
  }

  pushAll(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) this.grow(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private grow(more: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + more));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parsed fields -> the plain object protobufjs's fromObject takes for `type`. */
function toPlain(fields: readonly Field[], type: protobuf.Type): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const field = type.fields[f.name];
    if (!field) continue; // a field this reader does not need (or a newer one)
    field.resolve();
    for (const v of f.values) {
      if (field instanceof protobuf.MapField) {
        if (v.kind !== 'message')
          throw new TextFormatError(`map field '${f.name}' needs { key: ... value: ... }`);
        const key = v.fields.find((e) => e.name === 'key')?.values[0];
        const value = v.fields.find((e) => e.name === 'value')?.values[0];
        const map = (out[f.name] ??= {}) as Record<string, unknown>;
        const keyText = key && key.kind !== 'message' ? scalarText(key) : '';
        map[keyText] = value === undefined ? {} : convert(value, field);
      } else if (field.repeated) ((out[f.name] ??= []) as unknown[]).push(convert(v, field));
      else out[f.name] = convert(v, field);
    }
  }
  return out;
}

function convert(v: Value, field: protobuf.Field): unknown {
  if (v.kind === 'message') {
    if (!(field.resolvedType instanceof protobuf.Type))
      throw new TextFormatError(`field '${field.name}' is not a message`);
    return toPlain(v.fields, field.resolvedType);
  }
  if (field.resolvedType instanceof protobuf.Enum) {
    const text = scalarText(v);
    return field.resolvedType.values[text] ?? Number(text);
  }
  switch (field.type) {
    case 'string':
      return scalarText(v);
    case 'bytes':
      return v.kind === 'string' ? v.bytes : new TextEncoder().encode(v.text);
    case 'bool':
      return scalarText(v) === 'true' || scalarText(v) === '1';
    case 'float':
    case 'double':
      return parseFloatText(scalarText(v));
    default: {
      // integers; DataType fields are int32 here, written by name in text (DT_FLOAT)
      const text = scalarText(v);
      const code = tfTypeCode(text);
      if (code !== undefined) return code;
      if (!/^[-+]?(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new TextFormatError(`'${text}' is not an integer`);
      return field.type.includes('64') ? text : Number(text);
    }
  }
}

function scalarText(v: Scalar): string {
  return v.kind === 'string' ? new TextDecoder().decode(v.bytes) : v.text;
}

function parseFloatText(text: string): number {
  const t = text.toLowerCase().replace(/f$/, '');
  if (/^[-+]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(t)) return NaN;
  const n = Number(t);
  if (Number.isNaN(n)) throw new TextFormatError(`'${text}' is not a number`);
  return n;
}
