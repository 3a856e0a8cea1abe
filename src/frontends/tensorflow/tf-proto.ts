import protobuf from 'protobufjs';
import type { Int64 } from '../onnx/onnx-proto.js';

/**
 * The subset of TensorFlow's protos that neuron-cc reads (tensorflow/core/framework/{graph, node_def,
 * attr_value, tensor, tensor_shape, types, function, op_def}.proto, core/protobuf/{saved_model,
 * meta_graph, saved_object_graph, trackable_object_graph}.proto and the checkpoint bundle's
 * tensor_bundle.proto), decoded by protobufjs. Field numbers are TensorFlow's public format; unknown
 * fields are skipped, so files of newer TensorFlow releases still load.
 */
const SCHEMA = `
syntax = "proto3";
package tensorflow;
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2; bool unknown_rank = 3;
}
message TensorProto {
  int32 dtype = 1; TensorShapeProto tensor_shape = 2; int32 version_number = 3; bytes tensor_content = 4;
  repeated int32 half_val = 13; repeated float float_val = 5; repeated double double_val = 6;
  repeated int32 int_val = 7; repeated bytes string_val = 8; repeated float scomplex_val = 9;
  repeated int64 int64_val = 10; repeated bool bool_val = 11; repeated double dcomplex_val = 12;
  repeated uint32 uint32_val = 16; repeated uint64 uint64_val = 17;
}
message AttrValue {
  message ListValue {
    repeated bytes s = 2; repeated int64 i = 3; repeated float f = 4; repeated bool b = 5;
    repeated int32 type = 6; repeated TensorShapeProto shape = 7; repeated TensorProto tensor = 8;
    repeated NameAttrList func = 9;
  }
  oneof value {
    bytes s = 2; int64 i = 3; float f = 4; bool b = 5; int32 type = 6; TensorShapeProto shape = 7;
    TensorProto tensor = 8; ListValue list = 1; NameAttrList func = 10; string placeholder = 9;
  }
}
message NameAttrList { string name = 1; map<string, AttrValue> attr = 2; }
message NodeDef {
  string name = 1; string op = 2; repeated string input = 3; string device = 4; map<string, AttrValue> attr = 5;
}
message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
message OpDef {
  message ArgDef {
    string name = 1; string description = 2; int32 type = 3; string type_attr = 4; string number_attr = 5;
    string type_list_attr = 6; bool is_ref = 16;
  }
  string name = 1; repeated ArgDef input_arg = 2; repeated ArgDef output_arg = 3;
}
message FunctionDef {
  OpDef signature = 1; map<string, AttrValue> attr = 5; repeated NodeDef node_def = 3;
  map<string, string> ret = 4;
}
message FunctionDefLibrary { repeated FunctionDef function = 1; }
message GraphDef {
  repeated NodeDef node = 1; VersionDef versions = 4; FunctionDefLibrary library = 2;
}
message TensorInfo { string name = 1; int32 dtype = 2; TensorShapeProto tensor_shape = 3; }
message SignatureDef {
  map<string, TensorInfo> inputs = 1; map<string, TensorInfo> outputs = 2; string method_name = 3;
}
message MetaGraphDef {
  message MetaInfoDef { string meta_graph_version = 1; repeated string tags = 4; string tensorflow_version = 5; }
  MetaInfoDef meta_info_def = 1; GraphDef graph_def = 2; map<string, SignatureDef> signature_def = 5;
  SavedObjectGraph object_graph_def = 7;
}
message SavedModel { int64 saved_model_schema_version = 1; repeated MetaGraphDef meta_graphs = 2; }
message SavedObjectGraph { repeated SavedObject nodes = 1; }
message SavedObject {
  message ObjectReference { int32 node_id = 1; string local_name = 2; }
  repeated ObjectReference children = 1;
  oneof kind { SavedVariable variable = 7; SavedUserObject user_object = 4; SavedAsset asset = 5;
    SavedFunction function = 6; SavedConstant constant = 9; SavedResource resource = 10; }
}
message SavedUserObject { string identifier = 1; }
message SavedAsset { int32 asset_file_def_index = 1; }
message SavedFunction { repeated string concrete_functions = 1; }
message SavedConstant { string operation = 1; }
message SavedResource { string device = 1; }
message SavedVariable { int32 dtype = 1; TensorShapeProto shape = 2; string name = 6; }
message TrackableObjectGraph {
  message TrackableObject {
    message ObjectReference { int32 node_id = 1; string local_name = 2; }
    message SerializedTensor { string name = 1; string full_name = 2; string checkpoint_key = 3; }
    repeated ObjectReference children = 1; repeated SerializedTensor attributes = 2;
  }
  repeated TrackableObject nodes = 1;
}
message TensorSliceProto { message Extent { int64 start = 1; int64 length = 2; } repeated Extent extent = 1; }
message BundleHeaderProto { int32 num_shards = 1; int32 endianness = 2; VersionDef version = 3; }
message BundleEntryProto {
  int32 dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3; int64 offset = 4; int64 size = 5;
  fixed32 crc32c = 6; repeated TensorSliceProto slices = 7;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;

export interface TensorShapeProto {
  dim: { size: Int64; name: string }[];
  unknown_rank: boolean;
}

export interface TensorProto {
  dtype: number;
  tensor_shape?: TensorShapeProto | null;
  tensor_content: Uint8Array;
  half_val: number[];
  float_val: number[];
  double_val: number[];
  int_val: number[];
  string_val: Uint8Array[];
  scomplex_val: number[];
  int64_val: Int64[];
  bool_val: boolean[];
  dcomplex_val: number[];
  uint32_val: number[];
  uint64_val: Int64[];
}

export interface AttrList {
  s: Uint8Array[];
  i: Int64[];
  f: number[];
  b: boolean[];
  type: number[];
  shape: TensorShapeProto[];
  tensor: TensorProto[];
  func: NameAttrList[];
}

export interface AttrValue {
  value?: 's' | 'i' | 'f' | 'b' | 'type' | 'shape' | 'tensor' | 'list' | 'func' | 'placeholder';
  s?: Uint8Array;
  i?: Int64;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TensorShapeProto | null;
  tensor?: TensorProto | null;
  list?: AttrList | null;
  func?: NameAttrList | null;
  placeholder?: string;
}

export interface NameAttrList {
  name: string;
  attr: Record<string, AttrValue>;
}

export interface NodeDef {
  name: string;
  op: string;
  input: string[];
  device: string;
  attr: Record<string, AttrValue>;
}

export interface ArgDef {
  name: string;
  type: number;
  type_attr: string;
  number_attr: string;
  type_list_attr: string;
}

export interface FunctionDef {
  signature?: { name: string; input_arg: ArgDef[]; output_arg: ArgDef[] } | null;
  attr: Record<string, AttrValue>;
  node_def: NodeDef[];
  ret: Record<string, string>;
}

export interface GraphDef {
  node: NodeDef[];
  versions?: { producer: number } | null;
  library?: { function: FunctionDef[] } | null;
}

export interface TensorInfo {
  name: string;
  dtype: number;
  tensor_shape?: TensorShapeProto | null;
}

export interface SignatureDef {
  inputs: Record<string, TensorInfo>;
  outputs: Record<string, TensorInfo>;
  method_name: string;
}

export interface SavedObject {
  children: { node_id: number; local_name: string }[];
  kind?: string;
  variable?: { dtype: number; shape?: TensorShapeProto | null; name: string } | null;
}

export interface MetaGraphDef {
  meta_info_def?: { tags: string[]; tensorflow_version: string } | null;
  graph_def?: GraphDef | null;
  signature_def: Record<string, SignatureDef>;
  object_graph_def?: { nodes: SavedObject[] } | null;
}

export interface SavedModel {
  meta_graphs: MetaGraphDef[];
}

export interface TrackableObjectGraph {
  nodes: {
    children: { node_id: number; local_name: string }[];
    attributes: { name: string; full_name: string; checkpoint_key: string }[];
  }[];
}

export interface BundleHeader {
  num_shards: number;
  endianness: number;
}

export interface BundleEntry {
  dtype: number;
  shape?: TensorShapeProto | null;
  shard_id: number;
  offset: Int64;
  size: Int64;
  crc32c: number;
  slices: unknown[];
}

function decoder<T>(name: string): (bytes: Uint8Array) => T {
  const type = root.lookupType(`tensorflow.${name}`);
  return (bytes) => type.decode(bytes) as unknown as T;
}

export const decodeGraphDef = decoder<GraphDef>('GraphDef');
export const decodeSavedModel = decoder<SavedModel>('SavedModel');
export const decodeTrackableObjectGraph = decoder<TrackableObjectGraph>('TrackableObjectGraph');
export const decodeBundleHeader = decoder<BundleHeader>('BundleHeaderProto');
export const decodeBundleEntry = decoder<BundleEntry>('BundleEntryProto');

/** protobufjs reflection of a message type, for the text-format reader and tests that write files. */
export function tfType(name: string): protobuf.Type {
  return root.lookupType(`tensorflow.${name}`);
}
