/**
 * analyze(): the one-call summary used by `nnlq inspect --json`, the API, workers and zoo tests.
 *
 * Defaults (so every model gets concrete numbers): a symbolic batch dim resolves to `batch` (default 1); any
 * other symbolic input dim resolves to 1 unless `inputs` overrides it — such defaults are listed in
 * `assumedDims`. structureHash() applies the same defaults, so analyze(bytes).hash === structureHash(model).
 *
 * `warnings` says when the numbers are not to be taken at face value: nodes whose cost is unknown (the totals
 * are then lower bounds), symbolic input dims analysed at a default size instead of the size the model runs
 * at (pass explicit shapes: `inputs`), and what shape inference reported. symbolicInputs() lists the inputs a
 * caller has to ask shapes for.
 */
import { opKey } from "./util";
import { isNnlqError, NnlqError } from "../errors";
import { computeCost, type CostSummary } from "./cost";
import { detectFamily } from "./family";
import type { DetectableFamily } from "./families";
import { buildGraph } from "./graph";
import { hashInferred } from "./hash";
import { toModel, type OnnxModel } from "./model";
import { inferShapes, resolveOverrides, type DefaultedDim, type ShapeOverrides } from "./shapes";
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
  /** Why the figures may be off: unknown-cost nodes, symbolic dims analysed at defaults, shape-inference notes. */
  warnings: string[];
}

/** A graph input with symbolic or unknown dims: dims as declared (numbers, symbol names, "?"). */
export interface SymbolicInput {
  name: string;
  dims: (number | string)[];
}

/**
 * Graph inputs whose declared shape has a symbolic or unknown dim (batch included), in input order: the ones
 * a caller asks explicit shapes for. Inputs of unknown rank and sequence/optional inputs are left out (no
 * dims to ask for).
 */
export function symbolicInputs(input: Uint8Array | OnnxModel): SymbolicInput[] {
  const ir = buildGraph(toModel(input));
  return ir.inputs.flatMap((name) => {
    const t = ir.tensors.get(name)!;
    if (!t.shape || t.seq || t.present !== undefined || t.shape.every((d) => typeof d === "number")) return [];
    return [{ name, dims: t.shape.slice() }];
  });
}

/** How many distinct op types a warning names before "…". */
const WARN_OPS = 5;

function unknownCostWarning(count: number, ops: string[]): string {
  const kinds = [...new Set(ops)];
  const named = kinds.slice(0, WARN_OPS).join(", ") + (kinds.length > WARN_OPS ? ", …" : "");
  return (
    `cost unknown for ${count} node(s) (${named}): shapes could not be inferred or a loop count is not static; ` +
    "FLOPs, MACs and memory are lower bounds"
  );
}

function defaultedWarning(dims: DefaultedDim[], shapes: Record<string, number[]>): string | null {
  const guessed = dims.filter((d) => d.reason !== "batch");
  if (!guessed.length) return null;
  const list = guessed.map((d) => `${d.input}[${d.axis}] (${d.symbol}) = ${d.size}`).join(", ");
  const first = guessed[0].input;
  const asked = (i: number) => guessed.some((d) => d.input === first && d.axis === i);
  const example = `${first}=${(shapes[first] ?? []).map((v, i) => (asked(i) ? "N" : v)).join("x")}`;
  return (
    `symbolic input dims analysed at assumed sizes: ${list}; pass explicit input shapes ` +
    `(nnlq: --input ${example}; API: inputs) for figures at the size the model runs at`
  );
}

export function analyze(input: Uint8Array | OnnxModel, o?: ShapeOverrides): ModelSummary {
  const model = toModel(input);
  const base = buildGraph(model);
  const { overrides, assumed, defaulted } = resolveOverrides(base, o);
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
    assumedDims: assumed, unknownCostNodes: cost.unknownNodes, warnings: summaryWarnings(cost, defaulted, inputs, ir.warnings),
  };
}

function summaryWarnings(cost: CostSummary, defaulted: DefaultedDim[], shapes: Record<string, number[]>, inference: string[]): string[] {
  const out: string[] = [];
  if (cost.unknownNodes > 0) out.push(unknownCostWarning(cost.unknownNodes, cost.unknownOps));
  const d = defaultedWarning(defaulted, shapes);
  if (d) out.push(d);
  return [...out, ...inference];
}
