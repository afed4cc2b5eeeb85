/**
 * Predictor features: typed arrays for the browser GNN, deterministic, versioned, with a vocabulary covering
 * every op of ../shared/onnx/networks.
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
import type { GraphProto } from "@/lib/onnx/proto";
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
