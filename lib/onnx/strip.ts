/**
 * Structure-only models: stripWeights drops weight bytes but keeps names, dtypes and dims, giving a valid ONNX
 * whose weights can be re-materialized (materializeWeights) with seeded random values of the same shapes.
 * Latency does not depend on weight values, so users' trained weights never need to leave their machine.
 *
 * What is stripped: floating-point (and int8/uint8 quantized) tensors with more than 64 elements, and
 * integer tensors with more than 4096 elements, in initializers, Constant nodes, subgraphs and functions;
 * every external-data reference. Small tensors (shape vectors, axes, pads, Resize scales) are structure and
 * stay. Doc strings go too. The model is marked with metadata "nnlq.structure_only" = "true".
 */
import { decodeModel, toModel, type OnnxModel } from "./model";
import {
  DataType, encodeModelProto, type AttributeProto, type FunctionProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto,
} from "./proto";
import { hasInlineData, isExternal, isFloatDtype, numElements } from "./tensor";
import { onnxError } from "./util";

export const STRUCTURE_ONLY_KEY = "nnlq.structure_only";
const MAX_KEPT_FLOAT = 64;
const MAX_KEPT_INT = 4096;

function shouldStrip(t: TensorProto): boolean {
  if (isExternal(t)) return true;
  const n = numElements(t.dims);
  if (!(n > 0)) return false;
  const dt = t.data_type ?? 0;
  if (isFloatDtype(dt) || dt === DataType.INT8 || dt === DataType.UINT8 || dt === DataType.COMPLEX64 || dt === DataType.COMPLEX128) return n > MAX_KEPT_FLOAT;
  return n > MAX_KEPT_INT;
}

function stripTensor(t: TensorProto): TensorProto {
  if (!shouldStrip(t)) return t;
  const out: TensorProto = { dims: (t.dims ?? []).slice(), data_type: t.data_type };
  if (t.name) out.name = t.name;
  return out;
}

function stripAttr(a: AttributeProto): AttributeProto {
  const out: AttributeProto = { ...a };
  if (a.t) out.t = stripTensor(a.t);
  if (a.tensors) out.tensors = a.tensors.map(stripTensor);
  if (a.g) out.g = stripGraph(a.g);
  if (a.graphs) out.graphs = a.graphs.map(stripGraph);
  if (a.sparse_tensor?.values) out.sparse_tensor = { ...a.sparse_tensor, values: stripTensor(a.sparse_tensor.values) };
  return out;
}

function stripNode(n: NodeProto): NodeProto {
  const { doc_string: _doc, ...rest } = n;
  return { ...rest, ...(n.attribute ? { attribute: n.attribute.map(stripAttr) } : {}) };
}

function stripGraph(g: GraphProto): GraphProto {
  const { doc_string: _doc, ...rest } = g;
  return {
    ...rest,
    node: (g.node ?? []).map(stripNode),
    initializer: (g.initializer ?? []).map(stripTensor),
    ...(g.sparse_initializer ? { sparse_initializer: g.sparse_initializer.map((s) => ({ ...s, ...(s.values ? { values: stripTensor(s.values) } : {}) })) } : {}),
  };
}

function stripFunction(f: FunctionProto): FunctionProto {
  return { ...f, node: (f.node ?? []).map(stripNode) };
}

/** Structure-only copy of a model as ONNX bytes (well under 1 MB for a ResNet-50). */
export function stripWeights(input: Uint8Array | OnnxModel): Uint8Array {
  const model = toModel(input);
  const p = model.proto;
  const { doc_string: _doc, ...rest } = p;
  const meta = (p.metadata_props ?? []).filter((e) => e.key !== STRUCTURE_ONLY_KEY);
  const out: ModelProto = {
    ...rest,
    graph: stripGraph(p.graph!),
    ...(p.functions ? { functions: p.functions.map(stripFunction) } : {}),
    metadata_props: [...meta, { key: STRUCTURE_ONLY_KEY, value: "true" }],
  };
  return encodeModelProto(out);
}

function graphTensors(g: GraphProto | undefined, visit: (t: TensorProto) => void): void {
  for (const t of g?.initializer ?? []) visit(t);
  for (const n of g?.node ?? []) nodeTensors(n, visit);
}

function nodeTensors(n: NodeProto, visit: (t: TensorProto) => void): void {
  for (const a of n.attribute ?? []) {
    if (a.t) visit(a.t);
    for (const t of a.tensors ?? []) visit(t);
    if (a.g) graphTensors(a.g, visit);
    for (const sg of a.graphs ?? []) graphTensors(sg, visit);
  }
}

function modelTensors(p: ModelProto, visit: (t: TensorProto) => void): void {
  graphTensors(p.graph, visit);
  for (const f of p.functions ?? []) for (const n of f.node ?? []) nodeTensors(n, visit);
}

/** True when some initializer or Constant tensor declares elements but carries no data (weights stripped). */
export function isStructureOnly(model: OnnxModel): boolean {
  let missing = false;
  modelTensors(model.proto, (t) => {
    if (!missing && !isExternal(t) && !hasInlineData(t)) missing = true;
  });
  return missing;
}

// ---------- re-materialization ----------

/** mulberry32: small, fast, deterministic PRNG (isomorphic). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedFor(seed: number, name: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function toHalf(v: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = v;
  const x = u[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  if (e <= 0) return sign;
  if (e >= 31) return sign | 0x7c00;
  return sign | (e << 10) | ((x >>> 13) & 0x3ff);
}

/**
 * Values: rank >= 2 tensors get He-scaled uniform values (variance 2 / fan_in); vectors and scalars get
 * [0.5, 1.5) (safe for BatchNorm variances, LayerNorm scales, divisors); integers small non-negative; bools false.
 */
function fillTensor(t: TensorProto, seed: number): TensorProto {
  const dims = (t.dims ?? []).slice();
  const n = numElements(dims);
  const dt = t.data_type ?? DataType.FLOAT;
  const rand = prng(seedFor(seed, t.name ?? ""));
  const values = new Float32Array(n);
  if (dims.length >= 2) {
    // He-uniform: U(-a, a) with a = sqrt(3) · sqrt(2 / fan_in) has the He-normal variance, at one draw per value.
    const a = Math.sqrt(3) * Math.sqrt(2 / Math.max(1, n / dims[0]));
    for (let i = 0; i < n; i++) values[i] = (2 * rand() - 1) * a;
  } else {
    for (let i = 0; i < n; i++) values[i] = 0.5 + rand();
  }
  const out: TensorProto = { dims, data_type: dt };
  if (t.name) out.name = t.name;
  switch (dt) {
    case DataType.FLOAT: out.raw_data = new Uint8Array(values.buffer); break;
    case DataType.DOUBLE: out.raw_data = new Uint8Array(Float64Array.from(values).buffer); break;
    case DataType.FLOAT16: out.raw_data = new Uint8Array(Uint16Array.from(values, toHalf).buffer); break;
    case DataType.BFLOAT16: out.raw_data = new Uint8Array(Uint16Array.from(new Uint32Array(values.buffer), (b) => b >>> 16).buffer); break;
    case DataType.INT8: out.raw_data = new Uint8Array(Int8Array.from(values, (v) => Math.max(-127, Math.min(127, Math.round(v * 64)))).buffer); break;
    case DataType.UINT8: out.raw_data = Uint8Array.from(values, (v) => Math.round(v * 100) & 0xff); break;
    case DataType.BOOL: out.raw_data = new Uint8Array(n); break;
    case DataType.INT64: case DataType.UINT64: { const b = new Uint8Array(n * 8); for (let i = 0; i < n; i++) b[i * 8] = Math.floor(rand() * 2); out.raw_data = b; break; }
    case DataType.INT32: case DataType.UINT32: { const b = new Uint8Array(n * 4); for (let i = 0; i < n; i++) b[i * 4] = Math.floor(rand() * 2); out.raw_data = b; break; }
    case DataType.INT16: case DataType.UINT16: { const b = new Uint8Array(n * 2); for (let i = 0; i < n; i++) b[i * 2] = Math.floor(rand() * 2); out.raw_data = b; break; }
    default:
      throw onnxError("ONNX_INVALID", `cannot materialize tensor '${t.name ?? ""}' of data type ${dt}`, { tensor: t.name, dataType: dt });
  }
  return out;
}

function needsFill(t: TensorProto): boolean {
  return !isExternal(t) && !hasInlineData(t);
}

function fillGraph(g: GraphProto, seed: number): GraphProto {
  return {
    ...g,
    initializer: (g.initializer ?? []).map((t) => (needsFill(t) ? fillTensor(t, seed) : t)),
    node: (g.node ?? []).map((n) => fillNode(n, seed)),
  };
}

function fillNode(n: NodeProto, seed: number): NodeProto {
  if (!n.attribute?.some((a) => a.t || a.g || a.graphs || a.tensors)) return n;
  return {
    ...n,
    attribute: n.attribute.map((a) => {
      const out: AttributeProto = { ...a };
      if (a.t && needsFill(a.t)) out.t = fillTensor({ ...a.t, name: a.t.name || n.output?.[0] }, seed);
      if (a.tensors) out.tensors = a.tensors.map((t, i) => (needsFill(t) ? fillTensor({ ...t, name: t.name || `${n.output?.[0]}:${i}` }, seed) : t));
      if (a.g) out.g = fillGraph(a.g, seed);
      if (a.graphs) out.graphs = a.graphs.map((sg) => fillGraph(sg, seed));
      return out;
    }),
  };
}

/**
 * bytes → bytes: a runnable model with deterministic random weights (depending only on seed and tensor name)
 * wherever the input declares a tensor without data. A model that already has all its data is returned as is.
 */
export function materializeWeights(bytes: Uint8Array, seed = 20220829): Uint8Array {
  const model = decodeModel(bytes);
  if (!isStructureOnly(model)) return bytes;
  const p = model.proto;
  const out: ModelProto = {
    ...p,
    graph: fillGraph(p.graph!, seed),
    ...(p.functions ? { functions: p.functions.map((f) => ({ ...f, node: (f.node ?? []).map((n) => fillNode(n, seed)) })) } : {}),
    metadata_props: (p.metadata_props ?? []).filter((e) => e.key !== STRUCTURE_ONLY_KEY),
  };
  return encodeModelProto(out);
}
