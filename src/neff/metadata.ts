/**
 * The metadata section's JSON: its shape, checked field by field before anything trusts it. Every
 * number that later becomes an offset, a length or an allocation is proven a safe integer inside the
 * module's memory, and the memory itself inside wasm32's 4 GiB, so no file can make the runtime read
 * out of bounds or reserve more than the format allows.
 */
import type {
  NeffAccuracy,
  NeffDType,
  NeffMemory,
  NeffMetadata,
  NeffTensor,
  NeffChecks,
  NeffKernel,
} from './contents.js';
import {
  DTYPE_BYTES,
  MAX_MEMORY_BYTES,
  MAX_RANK,
  REGION_ALIGN,
  TENSOR_ALIGN,
  WASM_PAGE,
  alignUp,
  isNeffDType,
} from './format.js';
import { violation } from './violation.js';

export interface FormatVersion {
  readonly major: number;
  readonly minor: number;
}

type Json = Record<string, unknown>;

/** The JSON object the metadata section holds: NeffMetadata plus the format version. */
export function metadataJson(metadata: NeffMetadata, format: FormatVersion): Json {
  return { ...metadata, format: { major: format.major, minor: format.minor } };
}

/** Checks `json` (parsed from the metadata section) and returns it as NeffMetadata. */
export function parseMetadata(json: unknown, format: FormatVersion): NeffMetadata {
  const m = object(json, 'metadata');
  const f = object(m.format, 'metadata.format');
  if (f.major !== format.major || f.minor !== format.minor)
    violation(
      `metadata.format ${String(f.major)}.${String(f.minor)} differs from the header's ${format.major}.${format.minor}`,
    );
  const model = object(m.model, 'metadata.model');
  const compiler = object(m.compiler, 'metadata.compiler');
  const memory = parseMemory(m.memory);
  const inputs = tensors(m.inputs, 'metadata.inputs', memory);
  const outputs = tensors(m.outputs, 'metadata.outputs', memory);
  if (outputs.length === 0) violation('metadata.outputs is empty: a model has at least one output');
  checkInputPlacement(inputs, memory);
  checkOutputPlacement(outputs, memory);
  return {
    model: { name: string(model.name, 'metadata.model.name') },
    compiler: {
      name: string(compiler.name, 'metadata.compiler.name'),
      version: string(compiler.version, 'metadata.compiler.version'),
    },
    options: object(m.options, 'metadata.options'),
    memory,
    inputs,
    outputs,
    ...(m.checks === undefined ? {} : { checks: parseChecks(m.checks, memory) }),
    ...(m.kernels === undefined ? {} : { kernels: parseKernels(m.kernels) }),
    ...(m.accuracy === undefined ? {} : { accuracy: parseAccuracy(m.accuracy) }),
    summary: summary(m.summary),
  };
}

function parseAccuracy(json: unknown): NeffAccuracy {
  const a = object(json, 'metadata.accuracy');
  const samples = size(a.samples, 'metadata.accuracy.samples');
  if (a.inputs !== 'files' && a.inputs !== 'random')
    violation("metadata.accuracy.inputs must be 'files' or 'random'");
  if (!Array.isArray(a.outputs) || a.outputs.length > 1 << 16)
    violation('metadata.accuracy.outputs must be a list');
  const figure = (o: Json, key: string, i: number): number => {
    const v = o[key];
    // NaN is a legitimate figure (an output that went NaN), stored as null by JSON
    if (v === null) return NaN;
    if (typeof v !== 'number') violation(`metadata.accuracy.outputs[${i}].${key} must be a number`);
    return v;
  };
  return {
    samples,
    inputs: a.inputs,
    outputs: a.outputs.map((x: unknown, i: number) => {
      const o = object(x, `metadata.accuracy.outputs[${i}]`);
      return {
        name: string(o.name, `metadata.accuracy.outputs[${i}].name`),
        maxAbsError: figure(o, 'maxAbsError', i),
        maxRelError: figure(o, 'maxRelError', i),
        cosine: figure(o, 'cosine', i),
      };
    }),
  };
}

function parseKernels(json: unknown): NeffKernel[] {
  if (!Array.isArray(json) || json.length > 1 << 20) violation('metadata.kernels must be a list');
  return json.map((k, i) => {
    const o = object(k, `metadata.kernels[${i}]`);
    const flops = o.flops;
    if (typeof flops !== 'number' || !(flops >= 0) || !Number.isFinite(flops))
      violation(`metadata.kernels[${i}].flops must be a non-negative number`);
    return {
      name: string(o.name, `metadata.kernels[${i}].name`),
      node: string(o.node, `metadata.kernels[${i}].node`),
      op: string(o.op, `metadata.kernels[${i}].op`),
      flops,
    };
  });
}

/** The check word must be an aligned int32 inside the arena; messages are plain strings. */
function parseChecks(json: unknown, memory: NeffMemory): NeffChecks {
  const c = object(json, 'metadata.checks');
  const offset = size(c.offset, 'metadata.checks.offset');
  if (
    offset % 4 !== 0 ||
    offset < memory.arenaOffset ||
    offset + 4 > memory.arenaOffset + memory.arenaBytes
  ) {
    violation(`metadata.checks.offset ${offset} is not an aligned int32 inside the arena`);
  }
  if (!Array.isArray(c.messages) || c.messages.length === 0 || c.messages.length > 4096) {
    violation('metadata.checks.messages must be a list of 1 to 4096 strings');
  }
  const messages = (c.messages as unknown[]).map((m, i) => string(m, `metadata.checks.messages[${i}]`));
  return { offset, messages };
}

function parseMemory(json: unknown): NeffMemory {
  const m = object(json, 'metadata.memory');
  const field = (key: keyof NeffMemory): number => size(m[key], `metadata.memory.${key}`);
  const memory: NeffMemory = {
    weightsOffset: field('weightsOffset'),
    weightsBytes: field('weightsBytes'),
    arenaOffset: field('arenaOffset'),
    arenaBytes: field('arenaBytes'),
    totalBytes: field('totalBytes'),
  };
  const { weightsOffset, weightsBytes, arenaOffset, arenaBytes, totalBytes } = memory;
  if (weightsOffset % REGION_ALIGN !== 0 || arenaOffset % REGION_ALIGN !== 0)
    violation(
      `metadata.memory offsets must be multiples of ${REGION_ALIGN} (weightsOffset ${weightsOffset}, arenaOffset ${arenaOffset})`,
    );
  if (arenaOffset < weightsOffset + weightsBytes)
    violation(
      `metadata.memory: the arena (at ${arenaOffset}) overlaps the weights (${weightsBytes} bytes at ${weightsOffset})`,
    );
  const used = arenaOffset + arenaBytes;
  if (used > MAX_MEMORY_BYTES)
    violation(`metadata.memory needs ${used} bytes, more than wasm32's ${MAX_MEMORY_BYTES}`);
  if (totalBytes !== alignUp(used, WASM_PAGE))
    violation(
      `metadata.memory.totalBytes is ${totalBytes}, but arenaOffset + arenaBytes = ${used} rounds up to ${alignUp(used, WASM_PAGE)}`,
    );
  return memory;
}

function tensors(json: unknown, path: string, memory: NeffMemory): NeffTensor[] {
  if (!Array.isArray(json)) violation(`${path} must be an array, got ${describe(json)}`);
  const seen = new Set<string>();
  return json.map((t, i) => {
    const tensor = parseTensor(t, `${path}[${i}]`, memory);
    if (seen.has(tensor.name)) violation(`${path} names '${tensor.name}' twice`);
    seen.add(tensor.name);
    return tensor;
  });
}

function parseTensor(json: unknown, path: string, memory: NeffMemory): NeffTensor {
  const t = object(json, path);
  const name = string(t.name, `${path}.name`);
  if (name === '') violation(`${path}.name is empty`);
  const dtype = t.dtype;
  if (!isNeffDType(dtype)) violation(`${path}.dtype is ${describe(dtype)}, not a known element type`);
  if (!Array.isArray(t.shape)) violation(`${path}.shape must be an array, got ${describe(t.shape)}`);
  if (t.shape.length > MAX_RANK) violation(`${path}.shape has rank ${t.shape.length}, above ${MAX_RANK}`);
  const shape = t.shape.map((d, k) => size(d, `${path}.shape[${k}]`));
  const offset = size(t.offset, `${path}.offset`);
  const byteLength = size(t.byteLength, `${path}.byteLength`);
  const expected = tensorBytes(shape, dtype, path);
  if (byteLength !== expected)
    violation(
      `${path}.byteLength is ${byteLength}, but shape [${shape.join(',')}] of ${dtype} holds ${expected}`,
    );
  if (offset % TENSOR_ALIGN !== 0) violation(`${path}.offset ${offset} is not a multiple of ${TENSOR_ALIGN}`);
  if (offset + byteLength > memory.totalBytes)
    violation(`${path} (${byteLength} bytes at ${offset}) lies outside the ${memory.totalBytes}-byte memory`);
  return { name, dtype, shape, offset, byteLength };
}

/** Byte size of a tensor, refusing sizes past wasm32's memory before they lose precision. */
function tensorBytes(shape: readonly number[], dtype: NeffDType, path: string): number {
  if (shape.includes(0)) return 0;
  let bytes = DTYPE_BYTES[dtype];
  for (const d of shape) {
    bytes *= d;
    if (bytes > MAX_MEMORY_BYTES)
      violation(`${path}.shape [${shape.join(',')}] of ${dtype} exceeds wasm32's ${MAX_MEMORY_BYTES} bytes`);
  }
  return bytes;
}

/** The runtime writes inputs before each run: they must sit in the arena and not on each other. */
function checkInputPlacement(inputs: readonly NeffTensor[], memory: NeffMemory): void {
  const arenaEnd = memory.arenaOffset + memory.arenaBytes;
  for (const t of inputs) {
    if (t.byteLength > 0 && (t.offset < memory.arenaOffset || t.offset + t.byteLength > arenaEnd))
      violation(`input '${t.name}' (${t.byteLength} bytes at ${t.offset}) lies outside the arena`);
  }
  const placed = inputs.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < placed.length; i++) {
    const [a, b] = [placed[i - 1]!, placed[i]!];
    if (a.offset + a.byteLength > b.offset) violation(`inputs '${a.name}' and '${b.name}' overlap in memory`);
  }
}

/** An output may be a constant (in the weights) or computed (in the arena), nothing else. */
function checkOutputPlacement(outputs: readonly NeffTensor[], memory: NeffMemory): void {
  const end = memory.arenaOffset + memory.arenaBytes;
  for (const t of outputs) {
    if (t.byteLength > 0 && (t.offset < memory.weightsOffset || t.offset + t.byteLength > end))
      violation(
        `output '${t.name}' (${t.byteLength} bytes at ${t.offset}) lies outside the weights and arena`,
      );
  }
}

function summary(json: unknown): Record<string, number | string> {
  const s = object(json, 'metadata.summary');
  for (const [key, value] of Object.entries(s)) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value)))
      violation(`metadata.summary.${key} must be a number or a string, got ${describe(value)}`);
  }
  return s as Record<string, number | string>;
}

function object(json: unknown, path: string): Json {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    violation(`${path} must be an object, got ${describe(json)}`);
  return json as Json;
}

function string(json: unknown, path: string): string {
  if (typeof json !== 'string') violation(`${path} must be a string, got ${describe(json)}`);
  return json;
}

/** A byte count, offset or dim: a non-negative integer a double holds exactly. */
function size(json: unknown, path: string): number {
  if (typeof json !== 'number' || !Number.isSafeInteger(json) || json < 0)
    violation(`${path} must be a non-negative integer, got ${describe(json)}`);
  return json;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
