/**
 * Writes explicit shapes into a model's graph inputs — any dim, fixed ones included — and drops the inferred
 * value_info and output shapes so they are inferred again at the new size. Used where a model is re-sized on
 * purpose: the campaign's corpus sizes (lib/measure/shape-variants.ts) and reading those sizes back from a
 * release's storage keys (lib/predict/node/io.ts). A user's shapes go through `stripWeights(bytes, {inputs})`
 * instead, which refuses to change a fixed dim (a runtime would refuse that model).
 */
import { NnlqError } from "@/lib/errors";
import { decodeModelProto, encodeModelProto, type ModelProto } from "./proto";

export function withInputShapes(bytes: Uint8Array, shapes: Record<string, number[]>): Uint8Array {
  if (!Object.keys(shapes).length) return bytes;
  let model: ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (e) {
    throw new NnlqError("ONNX_NOT_PROTOBUF", `not an ONNX model: ${(e as Error).message}`);
  }
  const g = model.graph;
  if (!g) throw new NnlqError("ONNX_NO_GRAPH", "model has no graph");
  // graph inputs that are real feeds (not initializers listed as inputs, as IR < 4 models do)
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const feeds = new Map((g.input ?? []).filter((v) => !inits.has(v.name)).map((v) => [v.name ?? "", v]));
  for (const [name, dims] of Object.entries(shapes)) {
    const v = feeds.get(name);
    const tt = v?.type?.tensor_type;
    if (!v || !tt) throw new NnlqError("ONNX_SHAPE", `no tensor input named '${name}' (inputs: ${[...feeds.keys()].join(", ")})`, { input: name });
    const rank = tt.shape?.dim?.length;
    if (rank !== undefined && rank !== dims.length)
      throw new NnlqError("ONNX_SHAPE", `input '${name}' has rank ${rank}, got shape [${dims.join(", ")}]`, { input: name });
    if (!dims.every((d) => Number.isInteger(d) && d > 0))
      throw new NnlqError("ONNX_SHAPE", `input '${name}': every dimension must be a positive integer, got [${dims.join(", ")}]`, { input: name });
    tt.shape = { dim: dims.map((d) => ({ dim_value: d })) };
  }
  g.value_info = [];
  for (const out of g.output ?? []) if (out.type?.tensor_type) delete out.type.tensor_type.shape;
  return encodeModelProto(model);
}
