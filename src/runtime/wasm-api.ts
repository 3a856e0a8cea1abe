/**
 * The part of the WebAssembly JS API the runtime uses, typed here because the project compiles
 * against ES2022 + Node types, which declare no `WebAssembly` global. Node and browsers both have it.
 */
import { NccError } from '../errors.js';

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** Opaque: only passed back to `instantiate`. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  readonly Module: {
    customSections(module: WasmModule, name: string): ArrayBuffer[];
    exports(module: WasmModule): { name: string; kind: string }[];
  };
  readonly CompileError: new (...args: never[]) => Error;
  readonly LinkError: new (...args: never[]) => Error;
  readonly RuntimeError: new (...args: never[]) => Error;
}

export function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (typeof api !== 'object' || api === null)
    throw new NccError('NEFF_UNSUPPORTED_HOST', 'this host has no WebAssembly', {
      hint: 'run the model in Node.js 20+ or a current browser with WebAssembly enabled',
    });
  return api;
}
