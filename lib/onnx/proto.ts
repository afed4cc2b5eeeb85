/**
 * Low-level ONNX protobuf codec (isomorphic). Decoding uses the hand-written wire decoder in wire.ts
 * (zero-copy raw_data views, precise truncation errors, bounded nesting); encoding uses protobufjs.
 * int64 fields are decoded as JS numbers — ONNX dims and attribute ints fit in 2^53 in every real model.
 */
import protobuf from "protobufjs";
import { ONNX_PROTO } from "./onnx.proto";
import type { ModelProto, TensorProto } from "./messages";
import { decodeModelWire, decodeTensorWire } from "./wire";

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;

export const ModelProtoType = root.lookupType("onnx.ModelProto");
export const TensorProtoType = root.lookupType("onnx.TensorProto");
export const GraphProtoType = root.lookupType("onnx.GraphProto");

/** Plain-object shapes of the messages (snake_case field names, as in onnx.proto), declared in messages.ts. */
export type {
  OperatorSetId, StringStringEntry, Dimension, TensorShape, TypeProto, ValueInfo, TensorProto, SparseTensorProto,
  AttributeProto, NodeProto, GraphProto, FunctionProto, ModelProto,
} from "./messages";

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
