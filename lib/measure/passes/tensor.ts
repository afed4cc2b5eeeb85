/**
 * Small tensor helpers shared by the conversion passes: reading float data out of a
 * TensorProto whatever its storage, building initializers, per-tensor seeds and normal samples.
 */
import { DataType, decodeModelProto, type TensorProto, type ModelProto, type GraphProto, type ValueInfo } from "@/lib/onnx/proto";
import { NnlqError } from "@/lib/errors";
import { halfToFloat } from "@/lib/onnx/float16";

export function numel(dims: readonly number[] | undefined): number {
  return (dims ?? []).reduce((a, b) => a * Number(b), 1);
}

/**
 * Copy a byte view into a fresh, aligned ArrayBuffer of exactly its length (raw_data views can be unaligned,
 * and in Node they are Buffers whose slice() shares the whole pool instead of copying).
 */
function aligned(raw: Uint8Array): ArrayBuffer {
  return new Uint8Array(raw).buffer as ArrayBuffer;
}

/** Read a float tensor (FLOAT/DOUBLE/FLOAT16 in any storage) as Float32Array. */
export function readFloats(t: TensorProto): Float32Array {
  const n = numel(t.dims);
  const dt = t.data_type ?? DataType.FLOAT;
  if (t.raw_data && t.raw_data.length > 0) {
    const buf = aligned(t.raw_data);
    if (dt === DataType.FLOAT) return new Float32Array(buf, 0, n);
    if (dt === DataType.DOUBLE) return Float32Array.from(new Float64Array(buf, 0, n));
    if (dt === DataType.FLOAT16) return Float32Array.from(new Uint16Array(buf, 0, n), halfToFloat);
  } else {
    if (dt === DataType.FLOAT && t.float_data) return Float32Array.from(t.float_data);
    if (dt === DataType.DOUBLE && t.double_data) return Float32Array.from(t.double_data);
    if (dt === DataType.FLOAT16 && t.int32_data) return Float32Array.from(t.int32_data, halfToFloat);
  }
  throw new NnlqError("ONNX_INVALID", `tensor '${t.name}' has no readable float data`, { tensor: t.name, dataType: dt });
}

export function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function typedTensor(name: string, dims: number[], dataType: number, data: ArrayBufferView): TensorProto {
  return { name, dims, data_type: dataType, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/* ---------- deterministic randomness ---------- */

/** FNV-1a hash of a string mixed with a seed: per-tensor seeds independent of tensor order. */
export function seedFor(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Standard normal samples (Box–Muller). */
export function normals(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12), v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/* ---------- graph helpers ---------- */

/** Decode model bytes, turning codec failures into a typed error. */
export function decodeProto(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (e) {
    throw new NnlqError("ONNX_NOT_PROTOBUF", `not an ONNX model: ${(e as Error).message}`);
  }
  graphOf(model);
  return model;
}

export function graphOf(model: ModelProto): GraphProto {
  if (!model.graph) throw new NnlqError("ONNX_NO_GRAPH", "model has no graph");
  return model.graph;
}

/** Graph inputs that are real feeds (not initializers listed as inputs, as IR < 4 models do). */
export function feedInputs(g: GraphProto): ValueInfo[] {
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((v) => !inits.has(v.name));
}

/** Opset version of the default ONNX domain. */
export function defaultOpset(model: ModelProto): number {
  const o = (model.opset_import ?? []).find((x) => !x.domain || x.domain === "ai.onnx");
  return Number(o?.version ?? 1);
}

/** Fresh tensor names that do not collide with existing ones. */
export function nameAllocator(g: GraphProto): (base: string) => string {
  const used = new Set<string>();
  for (const n of g.node ?? []) {
    for (const x of [...(n.input ?? []), ...(n.output ?? [])]) used.add(x);
    if (n.name) used.add(n.name);
  }
  for (const t of g.initializer ?? []) used.add(t.name ?? "");
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.value_info ?? [])]) used.add(v.name ?? "");
  return (base: string) => {
    let name = base, i = 1;
    while (used.has(name)) name = `${base}_${i++}`;
    used.add(name);
    return name;
  };
}
