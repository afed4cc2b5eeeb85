/**
 * Predictor features: typed arrays for the browser GNN, deterministic, versioned, with a vocabulary covering
 * every op of ../shared/onnx/networks; v2 appends each node's work in absolute units to the v1 columns.
 */
import { describe, expect, it } from "vitest";
import {
  buildGraph,
  decodeModel,
  extractFeatures,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  GRAPH_FEATURE_NAMES,
  inferShapes,
  OP_VOCAB,
} from "@/lib/onnx";
import { computeCost } from "@/lib/onnx/cost";
import { FEATURE_NAMES_V1, READABLE_FEATURE_SETS, V2_EXTRA_NAMES } from "@/lib/onnx/features";
import { DataType, type GraphProto } from "@/lib/onnx/proto";
import { corpusMissing, hasCorpus, listOnnx, model, node, readModel, vi } from "./helpers";

describe("extractFeatures", () => {
  const bytes = model(
    {
      nodes: [
        node("Conv", ["x", "w"], ["c"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Relu", ["c"], ["r"]),
        node("Add", ["r", "c"], ["y"]),
        node("Mystery", ["y"], ["z"], {}, { domain: "com.example" }),
      ],
      inputs: [vi("x", [1, 4, 8, 8]), vi("w", [6, 4, 3, 3])],
      outputs: [vi("z", [1, 6, 8, 8])],
    },
    {
      opset_import: [
        { domain: "", version: 17 },
        { domain: "com.example", version: 1 },
      ],
    },
  );

  it("returns typed arrays with one op one-hot per node, attribute dims and edges", () => {
    const f = extractFeatures(inferShapes(decodeModel(bytes)));
    expect(f.version).toBe(FEATURE_SET_VERSION);
    expect(f.nodeFeatures).toBeInstanceOf(Float32Array);
    expect(f.edgeSrc).toBeInstanceOf(Int32Array);
    expect(f.numNodes).toBe(4);
    expect(f.numFeatures).toBe(FEATURE_NAMES.length);
    expect(f.nodeFeatures.length).toBe(4 * FEATURE_NAMES.length);
    expect(f.nodeOps).toEqual(["Conv", "Relu", "Add", "com.example::Mystery"]);
    const row = (r: number) => Array.from(f.nodeFeatures.subarray(r * f.numFeatures, (r + 1) * f.numFeatures));
    const col = (name: string) => FEATURE_NAMES.indexOf(name);
    for (let r = 0; r < 4; r++) expect(row(r).slice(0, OP_VOCAB.length + 1).reduce((a, b) => a + b, 0)).toBe(1);
    expect(row(3)[col("op:other")]).toBe(1);
    expect(row(0)[col("kernel_h")]).toBe(3);
    expect(row(0)[col("pad_b")]).toBe(1);
    expect(row(0)[col("log_out_channels")]).toBeCloseTo(Math.log1p(6));
    expect(row(0)[col("log_macs")]).toBeCloseTo(Math.log1p(6 * 64 * 4 * 9));
    expect(Array.from(f.edgeSrc)).toEqual([0, 0, 1, 2]);
    expect(Array.from(f.edgeDst)).toEqual([1, 2, 2, 3]);
    expect(f.graphFeatures.length).toBe(GRAPH_FEATURE_NAMES.length);
    expect(f.graph.nodeCount).toBe(4);
    expect(f.graph.batch).toBe(1);
    // the unknown op's output has no shape: its cost is unknown, and the graph says how many such nodes
    expect(row(3)[col("cost_unknown")]).toBe(1);
    expect(row(0)[col("cost_unknown")]).toBe(0);
    const unknown = computeCost(inferShapes(decodeModel(bytes))).unknownNodes;
    expect(unknown).toBeGreaterThan(0);
    expect(f.graph.unknownNodes).toBe(unknown);
    expect(f.graphFeatures[GRAPH_FEATURE_NAMES.indexOf("log_unknown_nodes")]).toBeCloseTo(Math.log1p(unknown));
  });

  it("v2 keeps the v1 columns first, in order, and appends the absolute-work columns", () => {
    expect(FEATURE_SET_VERSION).toBe("nnlq-features-v2");
    expect(READABLE_FEATURE_SETS).toEqual(["nnlq-features-v1", "nnlq-features-v2"]);
    expect(FEATURE_NAMES.slice(0, FEATURE_NAMES_V1.length)).toEqual(FEATURE_NAMES_V1);
    expect(FEATURE_NAMES.slice(FEATURE_NAMES_V1.length)).toEqual(V2_EXTRA_NAMES);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    // the columns the baselines and the GNN decode did not move
    expect(FEATURE_NAMES_V1.slice(-4)).toEqual(["log_flops", "log_macs", "log_params", "log_memory_access"]);
    expect(FEATURE_NAMES_V1.indexOf("kernel_h")).toBe(OP_VOCAB.length + 1);
  });

  it("states each node's work in absolute units: bytes by kind, elements, intensity, reduction, kernel, groups, dtype", () => {
    const init = (name: string, dims: number[], data_type: number = DataType.FLOAT) => ({ name, dims, data_type });
    const m = model({
      nodes: [
        node("Conv", ["x", "dw"], ["d"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }),
        node("Conv", ["d", "pw", "pb"], ["p"], { kernel_shape: [1, 1] }),
        node("Cast", ["p"], ["h"], { to: DataType.FLOAT16 }),
        node("Relu", ["h"], ["y"]),
      ],
      inputs: [vi("x", [1, 8, 16, 16])],
      outputs: [vi("y", [1, 16, 16, 16], DataType.FLOAT16)],
      inits: [init("dw", [8, 1, 3, 3]), init("pw", [16, 8, 1, 1]), init("pb", [16])],
    });
    const ir = inferShapes(decodeModel(m));
    const f = extractFeatures(ir);
    const cost = computeCost(ir).perNode;
    const at = (r: number, name: string) => f.nodeFeatures[r * f.numFeatures + FEATURE_NAMES.indexOf(name)];
    const lg = Math.log1p;
    // depthwise 3×3 conv over [1, 8, 16, 16] (float32): 2,048 elements in and out, 72 weights
    expect(at(0, "log_bytes_in_act")).toBeCloseTo(lg(2048 * 4));
    expect(at(0, "log_bytes_in_weight")).toBeCloseTo(lg(72 * 4));
    expect(at(0, "log_bytes_out")).toBeCloseTo(lg(2048 * 4));
    expect(at(0, "log_out_elements")).toBeCloseTo(lg(2048));
    expect(at(0, "log_in0_elements")).toBeCloseTo(lg(2048));
    expect(cost[0].macs).toBe(2048 * 9);
    expect(at(0, "log_macs_per_out")).toBeCloseTo(lg(9));
    expect(at(0, "log_intensity")).toBeCloseTo(lg(cost[0].flops / cost[0].memoryAccess), 5);
    expect(at(0, "log_kernel_elements")).toBeCloseTo(lg(9));
    expect(at(0, "log_channels_per_group")).toBeCloseTo(lg(1));
    expect(at(0, "depthwise")).toBe(1);
    expect(at(0, "dtype_f32")).toBe(1);
    expect(at(0, "weight_bytes_per_element")).toBe(4);
    expect(at(0, "cost_unknown")).toBe(0);
    // pointwise conv 8 → 16 channels: weights and bias are weight bytes, 8 MACs per output element
    expect(at(1, "log_bytes_in_weight")).toBeCloseTo(lg((128 + 16) * 4));
    expect(at(1, "log_out_elements")).toBeCloseTo(lg(4096));
    expect(at(1, "log_macs_per_out")).toBeCloseTo(lg(8));
    expect(at(1, "log_channels_per_group")).toBeCloseTo(lg(8));
    expect(at(1, "depthwise")).toBe(0);
    // the fp16 Relu reads half the bytes per element of its fp32 producer; no weights
    expect(at(2, "dtype_f32")).toBe(1);
    expect(at(3, "dtype_f16")).toBe(1);
    expect(at(3, "dtype_f32")).toBe(0);
    expect(at(3, "log_bytes_in_act")).toBeCloseTo(lg(4096 * 2));
    expect(at(3, "log_bytes_in_weight")).toBe(0);
    expect(at(3, "weight_bytes_per_element")).toBe(0);
    expect(at(3, "log_kernel_elements")).toBe(0);
    // every row: one dtype class, finite values
    for (let r = 0; r < f.numNodes; r++)
      expect(["f32", "f16", "f64", "int8", "int", "unknown"].reduce((a, d) => a + at(r, `dtype_${d}`), 0)).toBe(1);
    expect(f.nodeFeatures.every(Number.isFinite)).toBe(true);
    expect(f.graph.unknownNodes).toBe(0);
  });

  it("is deterministic and sensitive to the batch", () => {
    const m = decodeModel(bytes);
    const a = extractFeatures(inferShapes(m));
    const b = extractFeatures(inferShapes(decodeModel(bytes)));
    expect(Array.from(a.nodeFeatures)).toEqual(Array.from(b.nodeFeatures));
    expect(Array.from(a.edgeSrc)).toEqual(Array.from(b.edgeSrc));
    const c = extractFeatures(inferShapes(m, { batch: 8 }));
    expect(c.graph.batch).toBe(8);
    expect(c.graph.flops).toBe(8 * a.graph.flops);
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("feature vocabulary", () => {
  it("covers every op seen in ../shared/onnx/networks", () => {
    const seen = new Set<string>();
    const walk = (g?: GraphProto) => {
      for (const n of g?.node ?? []) {
        const d = !n.domain || n.domain === "ai.onnx" ? "" : n.domain;
        seen.add(d ? `${d}::${n.op_type}` : n.op_type!);
        for (const a of n.attribute ?? []) { if (a.g) walk(a.g); for (const s of a.graphs ?? []) walk(s); }
      }
    };
    for (const f of listOnnx("networks")) walk(decodeModel(readModel(f)).proto.graph);
    const missing = [...seen].filter((op) => !OP_VOCAB.includes(op));
    expect(missing).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
  });

  it("extracts features for a transformer without unknown rows", () => {
    const f = extractFeatures(
      inferShapes(buildGraph(decodeModel(readModel("networks/onnxruntime/bert_toy_optimized.onnx"))), { batch: 1, inputs: {} }),
    );
    expect(f.numNodes).toBeGreaterThan(100);
    expect(f.nodeFeatures.every(Number.isFinite)).toBe(true);
    expect(Math.max(...f.edgeSrc, ...f.edgeDst)).toBeLessThan(f.numNodes);
  });
});
