/** The NEFF format: what a NEFF holds (contents.ts), and its bytes (writer, reader; docs/neff.md). */
export type {
  CodeVariant,
  NeffContents,
  NeffDType,
  NeffMemory,
  NeffMetadata,
  NeffTensor,
  WasmFeature,
} from './contents.js';
export { DTYPE_BYTES, FEATURES, FORMAT_MAJOR, FORMAT_MINOR, WASM_PAGE } from './format.js';
export type { FormatVersion } from './metadata.js';
export { readNeff, type NeffFile, type NeffSection } from './reader.js';
export { writeNeff } from './writer.js';
