/**
 * Low-level ONNX protobuf codec (isomorphic). Decoding uses the hand-written wire decoder in wire.ts
 * (zero-copy raw_data views, precise truncation errors, bounded nesting); encoding uses protobufjs.
 * int64 fields are decoded as JS numbers — ONNX dims and attribute ints fit in 2^53 in every real model.
 */
import protobuf from "protobufjs";
import { ONNX_PROTO } from "./onnx.proto";
import { decodeModelWire, decodeTensorWire } from "./wire";

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;

export const ModelProtoType = root.lookupType("onnx.ModelProto");
export const TensorProtoType = root.lookupType("onnx.TensorProto");
export const GraphProtoType = root.lookupType("onnx.GraphProto");

/** Plain-object shapes of the messages (snake_case field names, as in onnx.proto). */
export interface OperatorSetId { domain?: string; version?: number }
export interface StringStringEntry { key?: string; value?: string }
export interface Dimension { dim_value?: number; dim_param?: string; denotation?: string }
export interface TensorShape { dim?: Dimension[] }
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShape };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShape };
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
}
export interface ValueInfo { name?: string; type?: TypeProto; doc_string?: string }
export interface TensorProto {
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntry[];
  data_location?: number;
}
export interface SparseTensorProto { values?: TensorProto; indices?: TensorProto; dims?: number[] }
export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparse_tensor?: SparseTensorProto;
  tp?: TypeProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
}
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: SparseTensorProto[];
  doc_string?: string;
  input?: ValueInfo[];
  output?: ValueInfo[];
  value_info?: ValueInfo[];
}
export interface FunctionProto {
  name?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attribute_proto?: AttributeProto[];
  node?: NodeProto[];
  opset_import?: OperatorSetId[];
}
export interface ModelProto {
  ir_version?: number;
  opset_import?: OperatorSetId[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntry[];
  functions?: FunctionProto[];
}

/** AttributeProto.AttributeType and TensorProto.DataType numeric values. */
export const AttrType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
  TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22,
  FLOAT4E2M1: 23, FLOAT8E8M0: 24, UINT2: 25, INT2: 26,
} as const;

/**
 * Decode bytes into a plain ModelProto object with the hand-written wire decoder (wire.ts): raw_data and
 * packed float_data/double_data of FLOAT/DOUBLE tensors come back as zero-copy raw_data views.
 * Throws WireError (kind "eof" | "invalid"): callers (decodeModel) wrap it in NnlqError.
 */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  return decodeModelWire(bytes);
}

/** Encode a plain ModelProto object (deterministic field order: by field number as protobufjs writes). */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const msg = ModelProtoType.fromObject(model as Record<string, unknown>);
  return ModelProtoType.encode(msg).finish();
}

export function encodeTensorProto(t: TensorProto): Uint8Array {
  return TensorProtoType.encode(TensorProtoType.fromObject(t as Record<string, unknown>)).finish();
}

export function decodeTensorProto(bytes: Uint8Array): TensorProto {
  return decodeTensorWire(bytes);
}
