/**
 * Node attributes: decoding AttributeProto into plain values and opset-aware defaults.
 * Defaults that depend on tensor ranks (Conv strides, Transpose perm...) are resolved by shape inference,
 * which writes the effective values back into the node's attrs.
 */
import { AttrType, type AttributeProto, type GraphProto, type SparseTensorProto, type TensorProto, type TypeProto } from "./proto";

export type AttrValue =
  | number | string | number[] | string[]
  | TensorProto | TensorProto[] | GraphProto | GraphProto[] | SparseTensorProto | TypeProto;
export type Attrs = Record<string, AttrValue>;

const utf8 = new TextDecoder();

/** Decode one attribute's value (by its declared type, or by the field present in old models without a type). */
export function attrValue(a: AttributeProto): AttrValue | undefined {
  let type = a.type ?? 0;
  if (!type) {
    if (a.f !== undefined) type = AttrType.FLOAT;
    else if (a.i !== undefined) type = AttrType.INT;
    else if (a.s !== undefined) type = AttrType.STRING;
    else if (a.t !== undefined) type = AttrType.TENSOR;
    else if (a.g !== undefined) type = AttrType.GRAPH;
    else if (a.floats?.length) type = AttrType.FLOATS;
    else if (a.ints?.length) type = AttrType.INTS;
    else if (a.strings?.length) type = AttrType.STRINGS;
    else if (a.tensors?.length) type = AttrType.TENSORS;
    else if (a.graphs?.length) type = AttrType.GRAPHS;
    else if (a.sparse_tensor) type = AttrType.SPARSE_TENSOR;
  }
  switch (type) {
    case AttrType.FLOAT: return a.f ?? 0;
    case AttrType.INT: return a.i ?? 0;
    case AttrType.STRING: return a.s ? utf8.decode(a.s) : "";
    case AttrType.TENSOR: return a.t ?? {};
    case AttrType.GRAPH: return a.g ?? {};
    case AttrType.FLOATS: return a.floats ?? [];
    case AttrType.INTS: return a.ints ?? [];
    case AttrType.STRINGS: return (a.strings ?? []).map((s) => utf8.decode(s));
    case AttrType.TENSORS: return a.tensors ?? [];
    case AttrType.GRAPHS: return a.graphs ?? [];
    case AttrType.SPARSE_TENSOR: return a.sparse_tensor ?? {};
    case AttrType.TYPE_PROTO: return a.tp ?? {};
    default: return undefined;
  }
}

type DefaultTable = Record<string, (opset: number) => Attrs>;

const CONV: Attrs = { auto_pad: "NOTSET", group: 1 };
const POOL: Attrs = { auto_pad: "NOTSET", ceil_mode: 0 };
const REDUCE: Attrs = { keepdims: 1, noop_with_empty_axes: 0 };
const c = (a: Attrs) => () => a;

/** Attribute defaults per ai.onnx op, as functions of the opset (from the ONNX operator docs). */
const DEFAULTS: DefaultTable = {
  Conv: c(CONV),
  ConvInteger: c(CONV),
  QLinearConv: c(CONV),
  ConvTranspose: c(CONV),
  MaxPool: c({ ...POOL, storage_order: 0 }),
  AveragePool: c({ ...POOL, count_include_pad: 0 }),
  LpPool: c({ ...POOL, p: 2 }),
  GlobalLpPool: c({ p: 2 }),
  Gemm: c({ alpha: 1, beta: 1, transA: 0, transB: 0 }),
  Softmax: (o): Attrs => ({ axis: o < 13 ? 1 : -1 }),
  LogSoftmax: (o): Attrs => ({ axis: o < 13 ? 1 : -1 }),
  Hardmax: (o): Attrs => ({ axis: o < 13 ? 1 : -1 }),
  Flatten: c({ axis: 1 }),
  Gather: c({ axis: 0 }),
  GatherElements: c({ axis: 0 }),
  GatherND: c({ batch_dims: 0 }),
  ScatterElements: c({ axis: 0, reduction: "none" }),
  Scatter: c({ axis: 0 }),
  ScatterND: c({ reduction: "none" }),
  Split: c({ axis: 0 }),
  ArgMax: c({ axis: 0, keepdims: 1, select_last_index: 0 }),
  ArgMin: c({ axis: 0, keepdims: 1, select_last_index: 0 }),
  ReduceSum: c(REDUCE),
  ReduceMean: c(REDUCE),
  ReduceMax: c(REDUCE),
  ReduceMin: c(REDUCE),
  ReduceProd: c(REDUCE),
  ReduceL1: c(REDUCE),
  ReduceL2: c(REDUCE),
  ReduceLogSum: c(REDUCE),
  ReduceLogSumExp: c(REDUCE),
  ReduceSumSquare: c(REDUCE),
  BatchNormalization: (o): Attrs =>
    o < 7
      ? { epsilon: 1e-5, momentum: 0.9, spatial: 1, is_test: 0 }
      : o < 9
        ? { epsilon: 1e-5, momentum: 0.9, spatial: 1 }
        : o < 14
          ? { epsilon: 1e-5, momentum: 0.9 }
          : { epsilon: 1e-5, momentum: 0.9, training_mode: 0 },
  InstanceNormalization: c({ epsilon: 1e-5 }),
  LayerNormalization: c({ axis: -1, epsilon: 1e-5, stash_type: 1 }),
  GroupNormalization: c({ epsilon: 1e-5, stash_type: 1 }),
  RMSNormalization: c({ axis: -1, epsilon: 1e-5, stash_type: 1 }),
  LRN: c({ alpha: 1e-4, beta: 0.75, bias: 1 }),
  LeakyRelu: c({ alpha: 0.01 }), Elu: c({ alpha: 1 }), Celu: c({ alpha: 1 }), ThresholdedRelu: c({ alpha: 1 }),
  Selu: c({ alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 }),
  HardSigmoid: c({ alpha: 0.2, beta: 0.5 }), Shrink: c({ bias: 0, lambd: 0.5 }),
  Gelu: c({ approximate: "none" }),
  Clip: (o): Attrs => (o < 11 ? { min: -3.4028234663852886e38, max: 3.4028234663852886e38 } : {}),
  Pad: (o): Attrs => (o < 11 ? { mode: "constant", value: 0 } : { mode: "constant" }),
  Resize: (o): Attrs => (o < 11 ? { mode: "nearest" } : {
    mode: "nearest", coordinate_transformation_mode: "half_pixel", nearest_mode: "round_prefer_floor",
    cubic_coeff_a: -0.75, exclude_outside: 0, extrapolation_value: 0,
    ...(o >= 18 ? { antialias: 0, keep_aspect_ratio_policy: "stretch" } : {}),
  }),
  Upsample: c({ mode: "nearest" }),
  DepthToSpace: c({ mode: "DCR" }),
  Cast: (o): Attrs => (o >= 19 ? { saturate: 1 } : {}),
  Shape: (o): Attrs => (o >= 15 ? { start: 0 } : {}),
  CumSum: c({ exclusive: 0, reverse: 0 }),
  TopK: (o): Attrs => (o >= 11 ? { axis: -1, largest: 1, sorted: 1 } : { axis: -1 }),
  EyeLike: c({ k: 0 }), OneHot: c({ axis: -1 }), Trilu: c({ upper: 1 }),
  DequantizeLinear: c({ axis: 1 }), QuantizeLinear: (o): Attrs => (o >= 19 ? { axis: 1, saturate: 1 } : { axis: 1 }),
  Dropout: (o): Attrs => (o < 12 ? { ratio: 0.5 } : {}),
  LpNormalization: c({ axis: -1, p: 2 }),
  MeanVarianceNormalization: c({ axes: [0, 2, 3] }),
  Mod: c({ fmod: 0 }),
  LSTM: c({ direction: "forward", layout: 0, input_forget: 0 }),
  GRU: c({ direction: "forward", layout: 0, linear_before_reset: 0 }),
  RNN: c({ direction: "forward", layout: 0 }),
  GridSample: (o): Attrs => ({ align_corners: 0, mode: o >= 20 ? "linear" : "bilinear", padding_mode: "zeros" }),
  RoiAlign: c({ mode: "avg", output_height: 1, output_width: 1, sampling_ratio: 0, spatial_scale: 1 }),
  Einsum: c({}),
  Concat: c({}),
  ReverseSequence: c({ batch_axis: 1, time_axis: 0 }),
  Unique: c({ sorted: 1 }),
  NonMaxSuppression: c({ center_point_box: 0 }),
  CenterCropPad: c({}),
  MaxRoiPool: c({ spatial_scale: 1 }),
  Bernoulli: c({}),
  RandomNormal: c({ dtype: 1, mean: 0, scale: 1 }),
  RandomUniform: c({ dtype: 1, high: 1, low: 0 }),
  RandomNormalLike: c({ mean: 0, scale: 1 }),
  RandomUniformLike: c({ high: 1, low: 0 }),
  AffineGrid: c({ align_corners: 0 }),
  DFT: c({ inverse: 0, onesided: 0 }),
  STFT: c({ onesided: 1 }),
  HannWindow: c({ output_datatype: 1, periodic: 1 }),
  HammingWindow: c({ output_datatype: 1, periodic: 1 }),
  BlackmanWindow: c({ output_datatype: 1, periodic: 1 }),
  Attention: c({ is_causal: 0, qk_matmul_output_mode: 0, softcap: 0 }),
};

/** Explicit attributes merged over the op's opset-aware defaults (ai.onnx ops only). */
export function resolveAttrs(domain: string, opType: string, opset: number, explicit: Attrs): Attrs {
  if (domain !== "") return explicit;
  const d = DEFAULTS[opType];
  return d ? { ...d(opset), ...explicit } : explicit;
}

// Typed accessors (shape inference and cost use these; values missing or of another type → fallback).
export function aInt(a: Attrs, name: string, def: number): number;
export function aInt(a: Attrs, name: string): number | undefined;
export function aInt(a: Attrs, name: string, def?: number): number | undefined {
  const v = a[name];
  return typeof v === "number" ? v : def;
}
export function aFloat(a: Attrs, name: string, def: number): number {
  const v = a[name];
  return typeof v === "number" ? v : def;
}
export function aInts(a: Attrs, name: string): number[] | undefined {
  const v = a[name];
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === "number") ? (v as number[]) : undefined;
}
export function aStr(a: Attrs, name: string, def: string): string {
  const v = a[name];
  return typeof v === "string" ? v : def;
}
export function aTensor(a: Attrs, name: string): TensorProto | undefined {
  const v = a[name];
  return v && typeof v === "object" && !Array.isArray(v) && ("data_type" in v || "dims" in v || "raw_data" in v)
    ? (v as TensorProto)
    : undefined;
}
