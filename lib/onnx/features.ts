/**
 * Predictor features (one function for training and the browser). Nodes are the non-static nodes of the
 * shape-inferred graph in topological order (weights and shape arithmetic are folded away, as runtimes do).
 *
 * Node row (FEATURE_NAMES, in order). The v1 columns (FEATURE_NAMES_V1, still the first columns of every
 * row, in the same order and meaning): op one-hot over OP_VOCAB (+ "other"); attribute dims (kernel h/w,
 * stride h/w, pads t/l/b/r, dilation h/w, log1p group, log1p in/out channels, axis, perm[0..5] (-1 = none),
 * transA, transB, keepdims); input 0, input 1 and output 0 shapes (rank, then up to 6 dims right-aligned,
 * log1p-scaled, 0 = absent); log1p of the node's FLOPs, MACs, params and memory access.
 * Then the v2 columns (V2_EXTRA_NAMES): the node's work in absolute units, so that an operator mix never seen
 * in training still reads as an amount of arithmetic and traffic the model has seen — log1p bytes read from
 * activations, bytes read from weights, bytes written, output and input-0 elements; log1p arithmetic
 * intensity (FLOPs per byte of memory access); log1p MACs per output element (the reduction length of a
 * GEMM/conv); log1p kernel elements, channels per group, a depthwise flag; the compute dtype (one-hot of
 * input 0's element type: f32, f16/bf16, f64, 8-bit, other integer/bool, unknown) and the weights' bytes
 * per element; a flag for a node whose cost is unknown (unknown shapes).
 * Because v2 only appends, a predictor trained on v1 rows reads the first FEATURE_NAMES_V1.length columns
 * of a v2 row (lib/predict/gnn's `nodeFeatures: "v1"`); the baselines' columns did not move.
 * Graph row (GRAPH_FEATURE_NAMES): log1p FLOPs, MACs, params, memory access, activation memory, then batch
 * and node count as plain numbers, then log1p of the unknown-cost node count. Edges: (src, dst) row indices
 * of data dependencies between kept nodes, deduplicated and sorted. Deterministic for a given graph and
 * overrides.
 */
import { opKey } from "./util";
import { aInt, aInts } from "./attrs";
import { computeCost } from "./cost";
import { allKnown } from "./dims";
import type { GraphIR, NodeIR, Shape, TensorIR } from "./graph";
import { DataType } from "./proto";
import { inferShapes } from "./shapes";
import { bytesPerElement, numElements } from "./tensor";

export const FEATURE_SET_VERSION = "nnlq-features-v2";
/** The previous feature set: its node rows are the first FEATURE_NAMES_V1.length columns of a v2 row. */
export const FEATURE_SET_V1 = "nnlq-features-v1";
/** Feature sets whose predictors this build can still run (their columns are a prefix of the current rows). */
export const READABLE_FEATURE_SETS: readonly string[] = [FEATURE_SET_V1, FEATURE_SET_VERSION];

/** Every op seen in ../shared/onnx/networks, plus common CNN/transformer ops of the zoo; unseen ops → "other". */
export const OP_VOCAB: readonly string[] = [
  "Add", "Affine", "And", "ArgMax", "Attention", "AveragePool", "BatchNormalization", "Cast", "Ceil", "Clip", "Concat",
  "Constant", "ConstantOfShape", "Conv", "ConvInteger", "ConvTranspose", "Crop", "CumSum", "DepthToSpace", "DequantizeLinear",
  "Div", "Dropout", "DynamicQuantizeLinear", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "GRU",
  "Gather", "GatherElements", "Gelu", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater", "GroupNormalization",
  "HardSigmoid", "HardSwish", "Identity", "If", "ImageScaler", "InstanceNormalization", "LRN", "LSTM", "LayerNormalization",
  "LeakyRelu", "Less", "Log", "LogSoftmax", "Loop", "MatMul", "MatMulInteger", "Max", "MaxPool", "Min", "Mish", "Mul", "Neg",
  "NonMaxSuppression", "Not", "OneHot", "Or", "PRelu", "Pad", "Pow", "QLinearConv", "QLinearMatMul", "QuantizeLinear",
  "RMSNormalization", "RNN", "Range", "Reciprocal", "ReduceL2", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
  "ReduceSum", "Relu", "Reshape", "Resize", "Round", "Scan", "ScatterND", "Selu", "Shape", "Sigmoid", "Slice", "Softmax",
  "Softplus", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile", "TopK", "Transpose", "Unsqueeze",
  "Upsample", "Where",
  "ai.onnx.ml::ArrayFeatureExtractor", "ai.onnx.ml::ZipMap", "com.microsoft::Attention", "com.microsoft::BeamSearch",
  "com.microsoft::EmbedLayerNormalization", "com.microsoft::FastGelu", "com.microsoft::GreedySearch",
  "com.microsoft::GroupQueryAttention", "com.microsoft::Sampling", "com.microsoft::SkipLayerNormalization",
];
const OP_INDEX = new Map(OP_VOCAB.map((o, i) => [o, i]));
const MAX_RANK = 6;

const ATTR_NAMES = [
  "kernel_h", "kernel_w", "stride_h", "stride_w", "pad_t", "pad_l", "pad_b", "pad_r", "dilation_h", "dilation_w",
  "log_group", "log_in_channels", "log_out_channels", "axis", "perm0", "perm1", "perm2", "perm3", "perm4", "perm5",
  "transA", "transB", "keepdims",
];
const shapeNames = (p: string) => [`${p}_rank`, ...Array.from({ length: MAX_RANK }, (_, i) => `${p}_log_d${i}`)];

export const FEATURE_NAMES_V1: readonly string[] = [
  ...OP_VOCAB.map((o) => `op:${o}`), "op:other", ...ATTR_NAMES, ...shapeNames("in0"), ...shapeNames("in1"), ...shapeNames("out0"),
  "log_flops", "log_macs", "log_params", "log_memory_access",
];
const DTYPE_CLASSES = ["f32", "f16", "f64", "int8", "int", "unknown"] as const;
/** Columns v2 appends to every v1 row. */
export const V2_EXTRA_NAMES: readonly string[] = [
  "log_bytes_in_act", "log_bytes_in_weight", "log_bytes_out", "log_out_elements", "log_in0_elements",
  "log_intensity", "log_macs_per_out", "log_kernel_elements", "log_channels_per_group", "depthwise",
  ...DTYPE_CLASSES.map((d) => `dtype_${d}`), "weight_bytes_per_element", "cost_unknown",
];
export const FEATURE_NAMES: readonly string[] = [...FEATURE_NAMES_V1, ...V2_EXTRA_NAMES];
export const GRAPH_FEATURE_NAMES: readonly string[] = [
  "log_flops", "log_macs", "log_params", "log_memory_access", "log_activation_memory", "batch", "node_count", "log_unknown_nodes",
];

export interface GraphFeatures {
  version: string;
  featureNames: readonly string[];
  numNodes: number;
  numFeatures: number;
  /** Row-major [numNodes × numFeatures]. */
  nodeFeatures: Float32Array;
  /** Op key of each row ("Conv", "com.microsoft::Attention"...). */
  nodeOps: string[];
  edgeSrc: Int32Array;
  edgeDst: Int32Array;
  graphFeatureNames: readonly string[];
  graphFeatures: Float32Array;
  graph: {
    flops: number; macs: number; params: number; memoryAccess: number; activationMemory: number; batch: number; nodeCount: number;
    /** nodes whose cost could not be computed (unknown shapes; lib/onnx/cost's unknownNodes) */
    unknownNodes: number;
  };
}

const lg = (x: number) => Math.log1p(Math.max(0, Number.isFinite(x) ? x : 0));

function writeShape(row: Float32Array, off: number, s: Shape | null | undefined): void {
  if (!s) return;
  row[off] = s.length;
  const k = Math.min(s.length, MAX_RANK);
  for (let i = 0; i < k; i++) {
    const d = s[s.length - k + i];
    row[off + 1 + MAX_RANK - k + i] = typeof d === "number" ? lg(d) : 0;
  }
}

function attrRow(n: NodeIR, t: (name: string) => TensorIR | undefined): number[] {
  const a = n.attrs;
  const k = aInts(a, "kernel_shape") ?? [];
  const st = aInts(a, "strides") ?? [];
  const p = aInts(a, "pads") ?? [];
  const d = aInts(a, "dilations") ?? [];
  const half = p.length / 2;
  const conv = n.opType.includes("Conv");
  const x = t(n.inputs[0])?.shape;
  const y = n.outputs[0] ? t(n.outputs[0])?.shape : undefined;
  const cin = conv && x ? x[1] : undefined;
  const cout = conv && y ? y[1] : n.opType === "Gemm" || n.opType === "MatMul" ? y?.[y.length - 1] : undefined;
  const perm = aInts(a, "perm") ?? [];
  return [
    k[0] ?? 0, k[1] ?? k[0] ?? 0, st[0] ?? 0, st[1] ?? st[0] ?? 0,
    p[0] ?? 0, half > 1 ? p[1] : 0, p[half] ?? 0, half > 1 ? p[half + 1] : 0,
    d[0] ?? 0, d[1] ?? d[0] ?? 0,
    lg(aInt(a, "group", conv ? 1 : 0)), typeof cin === "number" ? lg(cin) : 0, typeof cout === "number" ? lg(cout) : 0,
    aInt(a, "axis", 0),
    ...Array.from({ length: 6 }, (_, i) => perm[i] ?? -1),
    aInt(a, "transA", 0), aInt(a, "transB", 0), aInt(a, "keepdims", 0),
  ];
}

function dtypeClass(dt: number | undefined): (typeof DTYPE_CLASSES)[number] {
  switch (dt) {
    case DataType.FLOAT: return "f32";
    case DataType.FLOAT16: case DataType.BFLOAT16: return "f16";
    case DataType.DOUBLE: return "f64";
    case DataType.INT8: case DataType.UINT8: return "int8";
    case undefined: case DataType.UNDEFINED: return "unknown";
    default: return "int";
  }
}

/** Elements of a tensor, NaN when its shape is not fully known. */
function elementsOf(t: TensorIR | undefined): number {
  return t?.shape && allKnown(t.shape) ? numElements(t.shape) : NaN;
}

/**
 * The v2 columns of one node (V2_EXTRA_NAMES order). `flops`, `macs` and `memoryAccess` are the cost
 * model's (0 where unknown); byte counts sum the node's own inputs and outputs, split by whether the input
 * is static (weights) or computed (activations).
 */
function workRow(n: NodeIR, t: (name: string) => TensorIR | undefined, c: { flops: number; macs: number; memoryAccess: number }): number[] {
  let actIn = 0, wIn = 0, out = 0, outEl = 0, wElems = 0, unknown = 0;
  for (const name of n.inputs) {
    if (!name) continue;
    const x = t(name);
    const e = elementsOf(x);
    if (!Number.isFinite(e)) { unknown = 1; continue; }
    const b = e * bytesPerElement(x!.dtype);
    if (x!.static) { wIn += b; wElems += e; } else actIn += b;
  }
  for (const name of n.outputs) {
    if (!name) continue;
    const x = t(name);
    const e = elementsOf(x);
    if (!Number.isFinite(e)) { unknown = 1; continue; }
    out += e * bytesPerElement(x!.dtype);
    outEl += e;
  }
  const in0 = n.inputs[0] ? t(n.inputs[0]) : undefined;
  const in0El = elementsOf(in0);
  const k = aInts(n.attrs, "kernel_shape") ?? [];
  const conv = n.opType.includes("Conv");
  const group = conv ? aInt(n.attrs, "group", 1) : 1;
  const cin = conv ? in0?.shape?.[1] : undefined;
  const cpg = typeof cin === "number" ? cin / Math.max(1, group) : 0;
  const dtypes = DTYPE_CLASSES.map(() => 0);
  dtypes[DTYPE_CLASSES.indexOf(dtypeClass(in0?.dtype ?? (n.outputs[0] ? t(n.outputs[0])?.dtype : undefined)))] = 1;
  return [
    lg(actIn), lg(wIn), lg(out), lg(outEl), lg(in0El),
    c.memoryAccess > 0 ? lg(c.flops / c.memoryAccess) : 0,
    outEl > 0 ? lg(c.macs / outEl) : 0,
    lg(k.reduce((a, b) => a * b, k.length ? 1 : 0)),
    lg(cpg),
    conv && group > 1 && typeof cin === "number" && group === cin ? 1 : 0,
    ...dtypes,
    wElems > 0 ? wIn / wElems : 0,
    unknown,
  ];
}

/** Features of a graph (shape inference runs first when the IR has none). */
export function extractFeatures(input: GraphIR): GraphFeatures {
  const ir = input.shapesInferred ? input : inferShapes(input);
  const cost = computeCost(ir);
  const t = (name: string) => ir.tensors.get(name);
  const kept = ir.order.filter((i) => !ir.nodes[i].static);
  const row = new Map(kept.map((i, r) => [i, r]));
  const byNode = new Map(cost.perNode.map((p) => [p.node, p]));
  const F = FEATURE_NAMES.length;
  const V = OP_VOCAB.length;
  const X = new Float32Array(kept.length * F);
  const nodeOps: string[] = [];
  const edges = new Set<number>();
  const src: number[] = [];
  const dst: number[] = [];
  kept.forEach((i, r) => {
    const n = ir.nodes[i];
    const key = opKey(n.domain, n.opType);
    nodeOps.push(key);
    const rowv = X.subarray(r * F, (r + 1) * F);
    rowv[OP_INDEX.get(key) ?? V] = 1;
    let off = V + 1;
    for (const v of attrRow(n, t)) rowv[off++] = v;
    writeShape(rowv, off, n.inputs[0] ? t(n.inputs[0])?.shape : null); off += MAX_RANK + 1;
    writeShape(rowv, off, n.inputs[1] ? t(n.inputs[1])?.shape : null); off += MAX_RANK + 1;
    writeShape(rowv, off, n.outputs[0] ? t(n.outputs[0])?.shape : null); off += MAX_RANK + 1;
    const c = byNode.get(i);
    rowv[off++] = lg(c?.flops ?? 0);
    rowv[off++] = lg(c?.macs ?? 0);
    rowv[off++] = lg(c?.params ?? 0);
    rowv[off++] = lg(c?.memoryAccess ?? 0);
    for (const v of workRow(n, t, { flops: c?.flops ?? 0, macs: c?.macs ?? 0, memoryAccess: c?.memoryAccess ?? 0 })) rowv[off++] = v;
    for (const inp of [...n.inputs, ...n.implicitInputs]) {
      const p = inp ? t(inp)?.producer ?? -1 : -1;
      const s = p >= 0 ? row.get(p) : undefined;
      if (s === undefined) continue;
      const k = s * kept.length + r;
      if (!edges.has(k)) { edges.add(k); src.push(s); dst.push(r); }
    }
  });
  const order = src.map((_, k) => k).sort((a, b) => src[a] - src[b] || dst[a] - dst[b]);
  const batch = ir.batch ?? 1;
  const graph = {
    flops: cost.flops,
    macs: cost.macs,
    params: cost.params,
    memoryAccess: cost.memoryAccess,
    activationMemory: cost.activationMemory,
    batch,
    nodeCount: kept.length,
    unknownNodes: cost.unknownNodes,
  };
  return {
    version: FEATURE_SET_VERSION,
    featureNames: FEATURE_NAMES,
    numNodes: kept.length,
    numFeatures: F,
    nodeFeatures: X,
    nodeOps,
    edgeSrc: Int32Array.from(order.map((k) => src[k])),
    edgeDst: Int32Array.from(order.map((k) => dst[k])),
    graphFeatureNames: GRAPH_FEATURE_NAMES,
    graphFeatures: Float32Array.from([
      lg(graph.flops),
      lg(graph.macs),
      lg(graph.params),
      lg(graph.memoryAccess),
      lg(graph.activationMemory),
      batch,
      kept.length,
      lg(cost.unknownNodes),
    ]),
    graph,
  };
}
