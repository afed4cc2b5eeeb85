/**
 * Structure-only models: stripWeights drops weight bytes but keeps names, dtypes and dims, giving a valid ONNX
 * whose weights can be re-materialized (materializeWeights) with seeded random values of the same shapes.
 * Latency does not depend on weight values, so users' trained weights never need to leave their machine.
 *
 * What is stripped, by role rather than by size:
 * - in the main graph, every floating-point (and int8/uint8 quantized) initializer or Constant tensor of more
 *   than one element, unless shape inference needs its values (Resize/Upsample scales, a float chain that
 *   computes a shape...). Which ones it needs is found by trial (neededValues): strip them all, infer shapes,
 *   and give back the static constants feeding the first nodes whose shape or integer value changed, until
 *   the inferred graph (and so the structure hash) equals the one with them kept;
 * - single-element float tensors stay: they are hyperparameters (epsilons, Pow exponents, Clip bounds,
 *   quantization scales) whose values can pick a kernel (ORT squares for Pow 2), not learned weights;
 * - integer tensors of more than 4096 elements (shape vectors, axes, pads, gather indices are structure);
 * - inside subgraphs and model-local functions (not analysed) float tensors of more than 64 elements;
 * - every external-data reference, and doc strings.
 * The model is marked with metadata "nnlq.structure_only" = "true".
 *
 * Explicit shapes (`inputs`, `batch`: the ShapeOverrides analyze() takes) are written into the copy's graph
 * input types, so a model with symbolic dims keeps the size it is to be analysed and measured at: analysing
 * the copy without overrides gives what analysing the original with them gives. Without shapes the output is
 * byte for byte what it always was (structure hashes of stored models depend on it).
 */
import { NnlqError } from "../errors";
import { floatToHalfTruncated } from "./float16";
import { buildGraph, type GraphIR, type Shape, type TensorIR } from "./graph";
import { hashInferred } from "./hash";
import { decodeModel, fromProto, toModel, type OnnxModel } from "./model";
import {
  DataType, encodeModelProto, type AttributeProto, type Dimension, type FunctionProto, type GraphProto, type ModelProto, type NodeProto,
  type TensorProto, type ValueInfo,
} from "./proto";
import { explicitInputShapes, inferShapes, resolveOverrides, type ShapeOverrides } from "./shapes";
import { hasInlineData, isExternal, isFloatDtype, isIntDtype, numElements } from "./tensor";
import { seededRandom } from "./rng";
import { normDomain, onnxError } from "./util";

export const STRUCTURE_ONLY_KEY = "nnlq.structure_only";
const MAX_KEPT_FLOAT = 64;
const MAX_KEPT_INT = 4096;
/** Trial-strip rounds before giving up and keeping every small float tensor (each round is one inference). */
const MAX_ROUNDS = 8;

function isWeightDtype(dt: number): boolean {
  return isFloatDtype(dt) || dt === DataType.INT8 || dt === DataType.UINT8 || dt === DataType.COMPLEX64 || dt === DataType.COMPLEX128;
}

/** How one tensor is treated: the main graph's small float tensors are decided by `keep` (names). */
interface StripPolicy {
  /** Main-graph small float tensors whose values shape inference needs; null = keep all small ones. */
  keep: Set<string> | null;
}

function shouldStrip(t: TensorProto, policy: StripPolicy | null, name: string | undefined): boolean {
  if (isExternal(t)) return true;
  const n = numElements(t.dims);
  if (!(n > 0)) return false;
  const dt = t.data_type ?? 0;
  if (!isWeightDtype(dt)) return n > MAX_KEPT_INT;
  if (n > MAX_KEPT_FLOAT) return true;
  if (n <= 1 || !policy?.keep || name === undefined) return false;
  return !policy.keep.has(name);
}

function stripTensor(t: TensorProto, policy: StripPolicy | null = null, name: string | undefined = t.name): TensorProto {
  if (!shouldStrip(t, policy, name)) return t;
  const out: TensorProto = { dims: (t.dims ?? []).slice(), data_type: t.data_type };
  if (t.name) out.name = t.name;
  return out;
}

function stripAttr(a: AttributeProto): AttributeProto {
  const out: AttributeProto = { ...a };
  if (a.t) out.t = stripTensor(a.t);
  if (a.tensors) out.tensors = a.tensors.map((t) => stripTensor(t));
  if (a.g) out.g = stripGraph(a.g);
  if (a.graphs) out.graphs = a.graphs.map((sg) => stripGraph(sg));
  if (a.sparse_tensor?.values) out.sparse_tensor = { ...a.sparse_tensor, values: stripTensor(a.sparse_tensor.values) };
  return out;
}

function stripNode(n: NodeProto, policy: StripPolicy | null = null): NodeProto {
  const { doc_string: _doc, ...rest } = n;
  // A main-graph Constant's tensor is known by the node's output name.
  const constName = policy && n.op_type === "Constant" && (n.domain ?? "") === "" ? n.output?.[0] : undefined;
  const attr = (a: AttributeProto) =>
    constName !== undefined && a.name === "value" && a.t ? { ...a, t: stripTensor(a.t, policy, constName) } : stripAttr(a);
  return { ...rest, ...(n.attribute ? { attribute: n.attribute.map(attr) } : {}) };
}

function stripGraph(g: GraphProto, policy: StripPolicy | null = null): GraphProto {
  const { doc_string: _doc, ...rest } = g;
  return {
    ...rest,
    node: (g.node ?? []).map((n) => stripNode(n, policy)),
    initializer: (g.initializer ?? []).map((t) => stripTensor(t, policy)),
    ...(g.sparse_initializer
      ? { sparse_initializer: g.sparse_initializer.map((s) => ({ ...s, ...(s.values ? { values: stripTensor(s.values) } : {}) })) }
      : {}),
  };
}

function stripFunction(f: FunctionProto): FunctionProto {
  return { ...f, node: (f.node ?? []).map((n) => stripNode(n)) };
}

function strippedProto(p: ModelProto, policy: StripPolicy | null): ModelProto {
  const { doc_string: _doc, ...rest } = p;
  const meta = (p.metadata_props ?? []).filter((e) => e.key !== STRUCTURE_ONLY_KEY);
  return {
    ...rest,
    graph: stripGraph(p.graph!, policy),
    ...(p.functions ? { functions: p.functions.map(stripFunction) } : {}),
    metadata_props: [...meta, { key: STRUCTURE_ONLY_KEY, value: "true" }],
  };
}

/** What shape inference can see of a tensor: its shape, and the values of integer ones (the hash reads those). */
function fingerprint(t: TensorIR | undefined): string {
  if (!t) return "-";
  const shape = t.shape ? t.shape.join("x") : "?*";
  return isIntDtype(t.dtype) && t.value ? `${t.dtype}:${shape}=${t.value.data.join(",")}` : `${t.dtype}:${shape}`;
}

/** Main-graph float tensors of 2..64 elements that carry data: initializers and Constant node values. */
function smallFloatTensors(g: GraphProto): Set<string> {
  const small = (t: TensorProto | undefined) => {
    if (!t || isExternal(t) || !hasInlineData(t) || !isWeightDtype(t.data_type ?? 0)) return false;
    const n = numElements(t.dims);
    return n > 1 && n <= MAX_KEPT_FLOAT;
  };
  const names = new Set<string>();
  for (const t of g.initializer ?? []) if (t.name && small(t)) names.add(t.name);
  for (const n of g.node ?? []) {
    if (n.op_type !== "Constant" || (n.domain ?? "") !== "" || !n.output?.[0]) continue;
    if (small(n.attribute?.find((a) => a.name === "value")?.t)) names.add(n.output[0]);
  }
  return names;
}

/**
 * Candidates whose values may reach a shape: read by a compute node's shape rule (Resize scales), or folded by
 * static nodes into a value that such a rule reads or that is an integer (the hash reads those). A value only
 * carried along a static weight chain (Unsqueeze of BatchNorm scales) does not count.
 */
function valueReaders(ir: GraphIR, candidates: Set<string>, reads: Map<number, Set<string>>): Set<string> {
  const deps = new Map<string, Set<string>>();
  const depsOf = (name: string) => deps.get(name) ?? (candidates.has(name) ? new Set([name]) : undefined);
  const wanted = new Set<string>();
  for (const i of ir.order) {
    const node = ir.nodes[i];
    // outer values read inside If/Loop/Scan bodies are not tracked: count every input as read
    const readNames = Object.keys(node.subgraphs).length
      ? [...node.inputs, ...node.implicitInputs].filter(Boolean)
      : [...(reads.get(i) ?? [])];
    const from = new Set<string>();
    for (const name of readNames) for (const c of depsOf(name) ?? []) from.add(c);
    if (!from.size) continue;
    const intOut = node.outputs.some((o) => {
      const t = o ? ir.tensors.get(o) : undefined;
      return !!t?.value && isIntDtype(t.dtype);
    });
    if (!node.static || intOut) for (const c of from) wanted.add(c);
    else for (const o of node.outputs) if (o) deps.set(o, from);
  }
  return wanted;
}

/**
 * The main-graph small float tensors whose values shape inference needs (see the header). One inference
 * finds the candidates whose values can reach a shape at all; only when there are some does it strip by
 * trial. null when the model cannot be analysed (then every small float tensor is kept, as before).
 */
export function neededValues(input: Uint8Array | OnnxModel): Set<string> | null {
  const model = toModel(input);
  const p = model.proto;
  const candidates = smallFloatTensors(p.graph!);
  const keep = new Set<string>();
  if (!candidates.size) return keep;
  try {
    const reads = new Map<number, Set<string>>();
    const base = buildGraph(model);
    const overrides = resolveOverrides(base).overrides;
    // Named symbolic input dims are resolved by a symbolic inference pass (not tracked): the stripped model
    // must resolve them the same way, or its hash would differ.
    const symbolic = base.inputs.some((n) => base.tensors.get(n)!.shape?.some((d) => typeof d === "string"));
    const stripped = (k: Set<string>) => decodeModel(encodeModelProto(strippedProto(p, { keep: k })));
    const resolvesAlike = (m: OnnxModel) =>
      !symbolic || JSON.stringify(resolveOverrides(buildGraph(m)).overrides) === JSON.stringify(overrides);
    const ref = inferShapes(model, {
      ...overrides,
      onValueRead: (name, node) => (reads.get(node) ?? reads.set(node, new Set()).get(node)!).add(name),
    });
    const wanted = valueReaders(ref, candidates, reads);
    if (!wanted.size) return !symbolic || resolvesAlike(stripped(keep)) ? keep : null;
    const refHash = hashInferred(ref);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const candidate = stripped(keep);
      const trial = inferShapes(candidate, overrides);
      if (hashInferred(trial) === refHash) return resolvesAlike(candidate) ? keep : null;
      const changed = (name: string) => fingerprint(ref.tensors.get(name)) !== fingerprint(trial.tensors.get(name));
      const before = keep.size;
      for (const i of ref.order) {
        const node = ref.nodes[i];
        // the first nodes that see the same inputs and give other outputs: a value they read is missing
        if (node.inputs.some((x) => x && changed(x)) || !node.outputs.some((o) => o && changed(o))) continue;
        const stack = [...node.inputs, ...node.implicitInputs].filter(Boolean);
        const seen = new Set<string>();
        while (stack.length) {
          const name = stack.pop()!;
          const t = ref.tensors.get(name);
          if (seen.has(name) || !t || !(t.static || t.value)) continue;
          seen.add(name);
          if (wanted.has(name)) keep.add(name);
          if (t.producer >= 0) stack.push(...ref.nodes[t.producer].inputs.filter(Boolean));
        }
      }
      if (keep.size === before) break;
    }
  } catch (e) {
    if (e instanceof NnlqError) return null;
    throw e;
  }
  return null;
}

/** The graph input type with `shape` written in (dims already equal to the declared ones keep their entry). */
function shapedInput(vi: ValueInfo, shape: Shape, dtype: number): ValueInfo {
  const tt = vi.type?.tensor_type ?? { elem_type: dtype };
  const old = tt.shape?.dim ?? [];
  const dim: Dimension[] = shape.map((d, k) =>
    typeof d === "number" ? (old[k]?.dim_value === d ? old[k] : { dim_value: d }) : (old[k] ?? { dim_param: d }),
  );
  return { ...vi, type: { ...vi.type, tensor_type: { ...tt, shape: { ...tt.shape, dim } } } };
}

/** The model with explicit input shapes declared (the model itself when none are given). Throws VALIDATION. */
function withInputShapes(model: OnnxModel, o: ShapeOverrides | undefined): OnnxModel {
  if (!o || (o.batch === undefined && !Object.keys(o.inputs ?? {}).length)) return model;
  const base = buildGraph(model);
  const shapes = explicitInputShapes(base, o);
  if (!Object.keys(shapes).length) return model;
  const g = model.proto.graph!;
  const input = (g.input ?? []).map((vi) => {
    const s = vi.name !== undefined ? shapes[vi.name] : undefined;
    return s ? shapedInput(vi, s, base.tensors.get(vi.name!)!.dtype) : vi;
  });
  return fromProto({ ...model.proto, graph: { ...g, input } }, model.bytes);
}

/**
 * Structure-only copy of a model as a model whose `bytes` are its ONNX encoding, built from the stripped proto
 * without decoding those bytes again: same opsets and IR version, the stripped functions, no external data
 * (stripping drops every external reference). `shapes` are declared in its graph inputs (see the header).
 */
export function stripModel(input: Uint8Array | OnnxModel, shapes?: ShapeOverrides): OnnxModel {
  const model = withInputShapes(toModel(input), shapes);
  const proto = strippedProto(model.proto, { keep: neededValues(model) });
  const functions = new Map<string, FunctionProto>();
  for (const f of proto.functions ?? []) functions.set(`${normDomain(f.domain)}::${f.name ?? ""}`, f);
  return { ...model, proto, bytes: encodeModelProto(proto), functions, externalData: [] };
}

/**
 * Structure-only copy of a model as ONNX bytes (well under 1 MB for a ResNet-50), declaring `shapes` (e.g.
 * `{ inputs: { images: [1, 3, 640, 640] } }`) in its graph inputs. Bad shapes throw NnlqError VALIDATION.
 */
export function stripWeights(input: Uint8Array | OnnxModel, shapes?: ShapeOverrides): Uint8Array {
  return stripModel(input, shapes).bytes;
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

function seedFor(seed: number, name: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Values: rank >= 2 tensors get He-scaled uniform values (variance 2 / fan_in); vectors and scalars get
 * [0.5, 1.5) (safe for BatchNorm variances, LayerNorm scales, divisors); integers small non-negative; bools false.
 */
function fillTensor(t: TensorProto, seed: number): TensorProto {
  const dims = (t.dims ?? []).slice();
  const n = numElements(dims);
  const dt = t.data_type ?? DataType.FLOAT;
  const rand = seededRandom(seedFor(seed, t.name ?? ""));
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
    case DataType.FLOAT:
      out.raw_data = new Uint8Array(values.buffer);
      break;
    case DataType.DOUBLE:
      out.raw_data = new Uint8Array(Float64Array.from(values).buffer);
      break;
    case DataType.FLOAT16:
      out.raw_data = new Uint8Array(Uint16Array.from(values, floatToHalfTruncated).buffer);
      break;
    case DataType.BFLOAT16:
      out.raw_data = new Uint8Array(Uint16Array.from(new Uint32Array(values.buffer), (b) => b >>> 16).buffer);
      break;
    case DataType.INT8:
      out.raw_data = new Uint8Array(Int8Array.from(values, (v) => Math.max(-127, Math.min(127, Math.round(v * 64)))).buffer);
      break;
    case DataType.UINT8:
      out.raw_data = Uint8Array.from(values, (v) => Math.round(v * 100) & 0xff);
      break;
    case DataType.BOOL:
      out.raw_data = new Uint8Array(n);
      break;
    case DataType.INT64:
    case DataType.UINT64: {
      const b = new Uint8Array(n * 8);
      for (let i = 0; i < n; i++) b[i * 8] = Math.floor(rand() * 2);
      out.raw_data = b;
      break;
    }
    case DataType.INT32:
    case DataType.UINT32: {
      const b = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) b[i * 4] = Math.floor(rand() * 2);
      out.raw_data = b;
      break;
    }
    case DataType.INT16:
    case DataType.UINT16: {
      const b = new Uint8Array(n * 2);
      for (let i = 0; i < n; i++) b[i * 2] = Math.floor(rand() * 2);
      out.raw_data = b;
      break;
    }
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
      if (a.tensors)
        out.tensors = a.tensors.map((t, i) => (needsFill(t) ? fillTensor({ ...t, name: t.name || `${n.output?.[0]}:${i}` }, seed) : t));
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
  const out = materializedProto(model, seed);
  return out === model.proto ? bytes : encodeModelProto(out);
}

/** materializeWeights on a decoded model: the proto of the runnable copy, or the model's own proto when it has all its data. */
export function materializedProto(model: OnnxModel, seed = 20220829): ModelProto {
  if (!isStructureOnly(model)) return model.proto;
  const p = model.proto;
  return {
    ...p,
    graph: fillGraph(p.graph!, seed),
    ...(p.functions ? { functions: p.functions.map((f) => ({ ...f, node: (f.node ?? []).map((n) => fillNode(n, seed)) })) } : {}),
    metadata_props: (p.metadata_props ?? []).filter((e) => e.key !== STRUCTURE_ONLY_KEY),
  };
}
