import protobuf from 'protobufjs';

/**
 * The subset of onnx.proto (IR version 10) that neuron-cc reads, decoded by protobufjs. Field numbers
 * are the public ONNX format; unknown fields are skipped by the decoder, so newer files still load.
 */
const SCHEMA = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1; optional string ref_attr_name = 21; optional int32 type = 20;
  optional float f = 2; optional int64 i = 3; optional bytes s = 4; optional TensorProto t = 5;
  optional GraphProto g = 6; optional SparseTensorProto sparse_tensor = 22; optional TypeProto tp = 14;
  repeated float floats = 7; repeated int64 ints = 8; repeated bytes strings = 9;
  repeated TensorProto tensors = 10; repeated GraphProto graphs = 11;
  repeated SparseTensorProto sparse_tensors = 23; repeated TypeProto type_protos = 15;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3;
  optional string op_type = 4; optional string domain = 7; optional string overload = 8;
  repeated AttributeProto attribute = 5;
}
message ModelProto {
  optional int64 ir_version = 1; repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2; optional string producer_version = 3; optional string domain = 4;
  optional int64 model_version = 5; optional GraphProto graph = 7; repeated FunctionProto functions = 25;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  repeated SparseTensorProto sparse_initializer = 15; repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12; repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1; optional int32 data_type = 2;
  message Segment { optional int64 begin = 1; optional int64 end = 2; }
  optional Segment segment = 3;
  repeated float float_data = 4 [packed = true]; repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6; repeated int64 int64_data = 7 [packed = true]; optional string name = 8;
  optional bytes raw_data = 9; repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14; repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}
message SparseTensorProto { optional TensorProto values = 1; optional TensorProto indices = 2; repeated int64 dims = 3; }
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; optional string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  message Sequence { optional TypeProto elem_type = 1; }
  message Map { optional int32 key_type = 1; optional TypeProto value_type = 2; }
  message Optional { optional TypeProto elem_type = 1; }
  message SparseTensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1; optional Sequence sequence_type = 4; optional Map map_type = 5;
  optional Optional optional_type = 9; optional SparseTensor sparse_tensor_type = 8;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message FunctionProto {
  optional string name = 1; repeated string input = 4; repeated string output = 5;
  repeated string attribute = 6; repeated AttributeProto attribute_proto = 11; repeated NodeProto node = 7;
  repeated OperatorSetIdProto opset_import = 9; optional string domain = 10; optional string overload = 13;
}
message SequenceProto {
  optional string name = 1; optional int32 elem_type = 2; repeated TensorProto tensor_values = 3;
  repeated SparseTensorProto sparse_tensor_values = 4; repeated SequenceProto sequence_values = 5;
  repeated OptionalProto optional_values = 7;
}
message OptionalProto {
  optional string name = 1; optional int32 elem_type = 2; optional TensorProto tensor_value = 3;
  optional SparseTensorProto sparse_tensor_value = 4; optional SequenceProto sequence_value = 5;
  optional OptionalProto optional_value = 7;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;

/** int64 fields arrive as numbers or as Long objects (when the value exceeds 2^53). */
export type Int64 = number | { low: number; high: number; unsigned: boolean };

export interface TensorProto {
  dims: Int64[];
  data_type?: number;
  segment?: unknown;
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: Int64[];
  name?: string;
  raw_data?: Uint8Array;
  external_data: { key?: string; value?: string }[];
  data_location?: number;
  double_data: number[];
  uint64_data: Int64[];
}

export interface TensorShapeProto {
  dim: { dim_value?: Int64; dim_param?: string }[];
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: unknown;
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: unknown;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
}

export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparse_tensor?: unknown;
  tp?: TypeProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  sparse_tensors: unknown[];
  type_protos: TypeProto[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute: AttributeProto[];
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  sparse_initializer: unknown[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: Int64;
}

export interface FunctionProto {
  name?: string;
  input: string[];
  output: string[];
  attribute: string[];
  attribute_proto: AttributeProto[];
  node: NodeProto[];
  opset_import: OperatorSetIdProto[];
  domain?: string;
}

export interface ModelProto {
  ir_version?: Int64;
  opset_import: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto;
  functions: FunctionProto[];
}

export interface SequenceProto {
  elem_type?: number;
  tensor_values: TensorProto[];
}

function decoder<T>(name: string): (bytes: Uint8Array) => T {
  const type = root.lookupType(`onnx.${name}`);
  return (bytes) => type.decode(bytes) as unknown as T;
}

export const decodeModel = decoder<ModelProto>('ModelProto');
export const decodeTensor = decoder<TensorProto>('TensorProto');
export const decodeSequence = decoder<SequenceProto>('SequenceProto');

export function int64ToBigInt(v: Int64 | undefined): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  const lo = BigInt(v.low >>> 0);
  const hi = BigInt(v.high >>> 0);
  const u = (hi << 32n) | lo;
  return v.unsigned ? u : BigInt.asIntN(64, u);
}

export function int64ToNumber(v: Int64 | undefined): number {
  return typeof v === 'number' ? v : Number(int64ToBigInt(v));
}

/** Encodes a ModelProto-shaped object (field names as in onnx.proto); used to write ONNX files. */
export function encodeModel(model: Partial<ModelProto> | Record<string, unknown>): Uint8Array {
  const type = root.lookupType('onnx.ModelProto');
  return type.encode(type.fromObject(model)).finish();
}

export function encodeTensor(t: Partial<TensorProto> | Record<string, unknown>): Uint8Array {
  const type = root.lookupType('onnx.TensorProto');
  return type.encode(type.fromObject(t)).finish();
}
