import type { NodeConverter } from '../node-converter.js';

/** Converts one TensorFlow node: reads its inputs, adds IR nodes, binds its outputs. */
export type OpMapping = (c: NodeConverter) => void;

export type MappingTable = Readonly<Record<string, OpMapping>>;
