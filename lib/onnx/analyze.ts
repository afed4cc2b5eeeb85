/**
 * analyze(): the one-call summary used by `nnlq inspect --json`, the API, workers and zoo tests.
 *
 * Defaults (so every model gets concrete numbers): a symbolic batch dim resolves to `batch` (default 1); any
 * other symbolic input dim resolves to 1 unless `inputs` overrides it — such defaults are listed in
 * `assumedDims`. structureHash() applies the same defaults, so analyze(bytes).hash === structureHash(model).
 */
import { opKey } from "./util";
import { isNnlqError, NnlqError } from "../errors";
import { computeCost } from "./cost";
import { detectFamily } from "./family";
import type { DetectableFamily } from "./families";
import { buildGraph } from "./graph";
import { hashInferred } from "./hash";
import { toModel, type OnnxModel } from "./model";
import { inferShapes, resolveOverrides, type ShapeOverrides } from "./shapes";
import { isStructureOnly } from "./strip";

export interface ModelSummary {
  hash: string;
  flops: number;
  macs: number;
  params: number;
  memoryAccess: number;
  activationMemory: number;
  /** Compute nodes (static weight / shape-arithmetic nodes excluded). */
  nodeCount: number;
  /** All nodes of the main graph, static ones included. */
  totalNodes: number;
  opHistogram: Record<string, number>;
  family: { name: DetectableFamily; confidence: number };
  /** Resolved input shapes (after overrides and defaults). */
  inputs: Record<string, number[]>;
  /** Inferred output shapes: string = unresolved dim ("?"), ["?*"] = unknown rank. */
  outputs: Record<string, (number | string)[]>;
  outputDtypes: Record<string, number>;
  batch: number;
  opset: number;
  irVersion: number;
  structureOnly: boolean;
  /** Symbolic input dims that were defaulted, e.g. "input_ids[1] (seq_len) = 1". */
  assumedDims: string[];
  /** Nodes whose cost is unknown (shapes could not be inferred). */
  unknownCostNodes: number;
  warnings: string[];
}

export function analyze(input: Uint8Array | OnnxModel, o?: ShapeOverrides): ModelSummary {
  const model = toModel(input);
  const base = buildGraph(model);
  const { overrides, assumed } = resolveOverrides(base, o);
  let ir;
  try {
    ir = inferShapes(model, overrides);
  } catch (e) {
    if (isNnlqError(e) && e.code === "ONNX_SHAPE" && assumed.length) {
      throw new NnlqError(
        "ONNX_SHAPE",
        `${e.message} (with symbolic input dims defaulted: ${assumed.join("; ")} — give explicit input shapes)`,
        { ...e.details, assumedDims: assumed },
      );
    }
    throw e;
  }
  const cost = computeCost(ir);
  const fam = detectFamily(ir);
  const opHistogram: Record<string, number> = {};
  let nodeCount = 0;
  for (const i of ir.order) {
    const n = ir.nodes[i];
    if (n.static) continue;
    nodeCount++;
    const k = opKey(n.domain, n.opType);
    opHistogram[k] = (opHistogram[k] ?? 0) + 1;
  }
  const inputs: Record<string, number[]> = {};
  for (const name of ir.inputs) inputs[name] = (ir.tensors.get(name)!.shape ?? []).map((d) => (typeof d === "number" ? d : 1));
  const outputs: Record<string, (number | string)[]> = {};
  const outputDtypes: Record<string, number> = {};
  for (const name of ir.outputs) {
    const t = ir.tensors.get(name);
    outputs[name] = t?.shape ? t.shape.slice() : ["?*"];
    outputDtypes[name] = t?.dtype ?? 0;
  }
  return {
    hash: hashInferred(ir), flops: cost.flops, macs: cost.macs, params: cost.params, memoryAccess: cost.memoryAccess,
    activationMemory: cost.activationMemory, nodeCount, totalNodes: ir.nodes.length,
    opHistogram: Object.fromEntries(Object.entries(opHistogram).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    family: { name: fam.family, confidence: fam.confidence }, inputs, outputs, outputDtypes,
    batch: ir.batch ?? overrides.batch ?? 1, opset: model.opset, irVersion: model.irVersion, structureOnly: isStructureOnly(model),
    assumedDims: assumed, unknownCostNodes: cost.unknownNodes, warnings: ir.warnings,
  };
}
