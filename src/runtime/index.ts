/**
 * neuron-cc/runtime: load a NEFF and run it, in Node.js or a browser. No dependencies, and nothing
 * of the compiler (test/runtime/no-compiler-imports.test.ts keeps it so).
 */
export { load, type LoadOptions } from './load.js';
export { BucketedModel, type ShapedFeeds, type ShapedTensor } from './bucketed.js';
export type { Feeds, KernelTiming, Model, Outputs, TensorInfo } from './model.js';
export type { StorageOf, TypedArray } from './feeds.js';
export type { NeffSource } from './source.js';
export type { NeffDType, NeffKernel, NeffMetadata, WasmFeature } from '../neff/contents.js';
export { NccError, isNccError, type ErrorCode } from '../errors.js';
