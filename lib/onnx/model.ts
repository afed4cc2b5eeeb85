/**
 * decodeModel: bytes → validated OnnxModel. Every malformed input becomes an NnlqError with an ONNX_* code.
 * External data is recorded by name only; the library never opens a path named inside a model, and it refuses
 * locations that are absolute, climb out of the model's folder, or point into process memory.
 */
import { isNnlqError } from "../errors";
import { validateStructure } from "./graph";
import { onnxError, normDomain } from "./util";
import { decodeModelProto, type FunctionProto, type GraphProto, type ModelProto, type TensorProto } from "./proto";
import { plausibleModelStart, WireError } from "./wire";
import type { ExternalRef, OnnxModel } from "./onnx-model";

export type { ExternalRef, OnnxModel } from "./onnx-model";

/** Highest ai.onnx opset this library knows (the ONNX backend test suite in ../shared/onnx/conformance). */
export const MAX_OPSET = 28;
export const MAX_ML_OPSET = 5;

/**
 * Domains accepted even when a model forgets to import them (onnxruntime accepts these too). Any other domain
 * must be imported in opset_import or be the domain of a model-local function, else ONNX_UNKNOWN_DOMAIN.
 */
const BUILTIN_DOMAINS = new Set([
  "", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training", "ai.onnx.preview",
  "com.microsoft", "com.microsoft.nchwc", "com.microsoft.experimental", "com.ms.internal.nhwc",
]);

/** Wrap protobuf decoding failures in typed errors. */
function decodeProto(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw onnxError("ONNX_NOT_PROTOBUF", "expected the model as a Uint8Array of bytes");
  if (bytes.length === 0) throw onnxError("ONNX_NOT_PROTOBUF", "the file is empty, not an ONNX model");
  if (!plausibleModelStart(bytes)) {
    throw onnxError("ONNX_NOT_PROTOBUF", "not an ONNX model: the data does not start like a protobuf ModelProto", { firstByte: bytes[0] });
  }
  try {
    return decodeModelProto(bytes);
  } catch (e) {
    if (e instanceof WireError) {
      if (e.kind === "eof") {
        throw onnxError("ONNX_TRUNCATED", `the ONNX file is truncated: ${e.message} (file has ${bytes.length} bytes)`, {
          offset: e.offset,
          size: bytes.length,
        });
      }
      throw onnxError("ONNX_NOT_PROTOBUF", `not a valid ONNX protobuf: ${e.message}`, { offset: e.offset });
    }
    if (e instanceof RangeError) throw onnxError("ONNX_NOT_PROTOBUF", `not a valid ONNX protobuf: ${e.message}`);
    throw e;
  }
}

/** Safe external-data location: a plain relative path inside the model's folder. */
function unsafeLocation(loc: string): string | undefined {
  if (loc.length === 0) return "empty location";
  if (loc.includes("\0")) return "NUL byte in location";
  if (loc.includes("*") || loc.toUpperCase().includes("_ORT_MEM_ADDR_")) return "location points into process memory";
  if (loc.startsWith("/") || loc.startsWith("\\") || loc.startsWith("~") || /^[A-Za-z]:/.test(loc) || loc.includes("://")) {
    return "absolute location";
  }
  if (loc.split(/[\\/]+/).some((p) => p === "..")) return "location climbs out of the model folder (path traversal)";
  return undefined;
}

function checkExternal(t: TensorProto, where: string, refs: ExternalRef[]): void {
  if (t.data_location !== 1 && !(t.external_data?.length)) return;
  const kv = Object.fromEntries((t.external_data ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = kv.location;
  const name = t.name ?? "";
  if (location === undefined) {
    throw onnxError("ONNX_EXTERNAL_DATA", `tensor '${name}' (${where}) declares external data without a location`, { tensor: name });
  }
  const bad = unsafeLocation(location);
  if (bad) {
    throw onnxError("ONNX_EXTERNAL_DATA", `refused external data of tensor '${name}' (${where}): ${bad}: '${location}'`, {
      tensor: name,
      location,
    });
  }
  const ref: ExternalRef = { tensor: name, location };
  for (const k of ["offset", "length"] as const) {
    if (kv[k] === undefined) continue;
    const v = Number(kv[k]);
    if (!Number.isSafeInteger(v) || v < 0) {
      throw onnxError("ONNX_EXTERNAL_DATA", `tensor '${name}' has an invalid external-data ${k} '${kv[k]}'`, { tensor: name });
    }
    ref[k] = v;
  }
  refs.push(ref);
}

interface Walk {
  opsets: Record<string, number>;
  functionDomains: Set<string>;
  refs: ExternalRef[];
}

function walkGraph(g: GraphProto, where: string, w: Walk, extraDomains?: Set<string>): void {
  for (const t of g.initializer ?? []) checkExternal(t, where, w.refs);
  for (const s of g.sparse_initializer ?? []) {
    if (s.values) checkExternal(s.values, where, w.refs);
    if (s.indices) checkExternal(s.indices, where, w.refs);
  }
  for (const n of g.node ?? []) walkNode(n, where, w, extraDomains);
}

function walkNode(n: NonNullable<GraphProto["node"]>[number], where: string, w: Walk, extraDomains?: Set<string>): void {
  const d = normDomain(n.domain);
  if (!n.op_type) throw onnxError("ONNX_INVALID", `a node in ${where} has no op_type`, { node: n.name ?? "" });
  if (!(d in w.opsets) && !BUILTIN_DOMAINS.has(d) && !w.functionDomains.has(d) && !extraDomains?.has(d)) {
    throw onnxError(
      "ONNX_UNKNOWN_DOMAIN",
      `node '${n.name ?? n.op_type}' uses op ${d}::${n.op_type} from domain '${d}', which the model does not import`,
      { domain: d, op: n.op_type },
    );
  }
  for (const a of n.attribute ?? []) {
    if (a.t) checkExternal(a.t, `${where} / attribute ${a.name}`, w.refs);
    for (const t of a.tensors ?? []) checkExternal(t, `${where} / attribute ${a.name}`, w.refs);
    if (a.g) walkGraph(a.g, `${where} / ${n.op_type} ${a.name}`, w, extraDomains);
    for (const sg of a.graphs ?? []) walkGraph(sg, `${where} / ${n.op_type} ${a.name}`, w, extraDomains);
  }
}

function readOpsets(list: ModelProto["opset_import"], irVersion: number): Record<string, number> {
  const opsets: Record<string, number> = {};
  for (const o of list ?? []) {
    const d = normDomain(o.domain);
    const v = o.version ?? 0;
    if (!Number.isSafeInteger(v) || v < 1)
      throw onnxError("ONNX_UNSUPPORTED_OPSET", `invalid opset version ${v} for domain '${d || "ai.onnx"}'`, { domain: d, version: v });
    opsets[d] = Math.max(opsets[d] ?? 0, v);
  }
  if (!("" in opsets)) {
    // IR v1/v2 predate opset_import: their operators are opset 1. Newer models must import ai.onnx only if they use it.
    if (irVersion < 3) opsets[""] = 1;
  }
  const ai = opsets[""];
  if (ai !== undefined && ai > MAX_OPSET) {
    throw onnxError("ONNX_UNSUPPORTED_OPSET", `ai.onnx opset ${ai} is not supported (this library knows opsets 1..${MAX_OPSET})`, {
      domain: "ai.onnx",
      version: ai,
    });
  }
  const ml = opsets["ai.onnx.ml"];
  if (ml !== undefined && ml > MAX_ML_OPSET) {
    throw onnxError("ONNX_UNSUPPORTED_OPSET", `ai.onnx.ml opset ${ml} is not supported (max ${MAX_ML_OPSET})`, {
      domain: "ai.onnx.ml",
      version: ml,
    });
  }
  return opsets;
}

/**
 * Decode and validate an ONNX model. Throws NnlqError: ONNX_NOT_PROTOBUF, ONNX_TRUNCATED, ONNX_NO_GRAPH,
 * ONNX_UNSUPPORTED_OPSET, ONNX_UNKNOWN_DOMAIN, ONNX_EXTERNAL_DATA, ONNX_DANGLING_INPUT, ONNX_CYCLE, ONNX_INVALID.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  return fromProto(decodeProto(bytes), bytes);
}

/**
 * Validate an already decoded (or built, or rewritten) ModelProto into an OnnxModel without encoding and
 * decoding it again; `bytes` are its encoding where the caller has one. Throws as decodeModel does.
 */
export function fromProto(proto: ModelProto, bytes: Uint8Array = new Uint8Array(0)): OnnxModel {
  try {
    if (!proto.graph) throw onnxError("ONNX_NO_GRAPH", "the ONNX model has no graph (not an ONNX model, or an empty one)");
    if (!proto.graph.node?.length && !proto.graph.output?.length) {
      throw onnxError("ONNX_NO_GRAPH", "the ONNX graph is empty: no nodes and no outputs");
    }
    const irVersion = proto.ir_version ?? 0;
    const opsets = readOpsets(proto.opset_import, irVersion);
    const functions = new Map<string, FunctionProto>();
    const functionDomains = new Set<string>();
    for (const f of proto.functions ?? []) {
      const key = `${normDomain(f.domain)}::${f.name ?? ""}`;
      functions.set(key, f);
      functionDomains.add(normDomain(f.domain));
    }
    const w: Walk = { opsets, functionDomains, refs: [] };
    walkGraph(proto.graph, "main graph", w);
    for (const f of proto.functions ?? []) {
      const fd = new Set((f.opset_import ?? []).map((o) => normDomain(o.domain)));
      for (const n of f.node ?? []) walkNode(n, `function ${f.name}`, w, fd);
    }
    const model: OnnxModel = { proto, bytes, opset: opsets[""] ?? 0, opsets, irVersion, functions, externalData: w.refs };
    validateStructure(model); // builds (and caches) the graph IR: dangling inputs, cycles, duplicate outputs
    return model;
  } catch (e) {
    if (isNnlqError(e)) throw e;
    // Anything unexpected while validating a decoded-but-odd model is still the input's fault.
    throw onnxError("ONNX_INVALID", `invalid ONNX model: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function isOnnxModel(x: unknown): x is OnnxModel {
  return typeof x === "object" && x !== null && "proto" in x && "opsets" in x && !(x instanceof Uint8Array);
}

/** Accept bytes or an already decoded model. */
export function toModel(input: Uint8Array | OnnxModel): OnnxModel {
  return input instanceof Uint8Array ? decodeModel(input) : input;
}
