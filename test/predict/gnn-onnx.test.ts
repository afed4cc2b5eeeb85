/**
 * One set of weights, two runtimes: a small trained GNN's forward pass exported as ONNX and run by
 * onnxruntime-node predicts what its tfjs inference predicts (latency and ensemble uncertainty within 1e-4
 * relative) on a batch of varied graphs, on every platform subset, for both node feature sets; the
 * exported inputs are packed from lib/onnx features alone; loadFromDir serves GNNs from onnxruntime-node.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGraph, decodeModel, extractFeatures, inferShapes, type GraphFeatures } from "@/lib/onnx";
import { DataType, decodeModelProto, encodeModelProto } from "@/lib/onnx/proto";
import type { Sample } from "@/lib/predict/dataset";
import { packGraphs, PackScratch } from "@/lib/predict/gnn/onnx-export";
import { GnnPredictor } from "@/lib/predict/gnn/predictor";
import { makeBatch, prepareGraph } from "@/lib/predict/gnn/prep";
import { trainGnn } from "@/lib/predict/gnn/train";
import { initTfNode } from "@/lib/predict/node/backend";
import { gnnOf, loadFromDir, saveArtifacts } from "@/lib/predict/node/io";
import { OrtGnnInference, ortAvailable, attachOnnxRuntime } from "@/lib/predict/node/onnx-infer";
import type { PlatformPrediction } from "@/lib/predict/predictor";
import { FIXTURE_SPECS, fixtureGraph } from "./fixtures/gnn-v1/graphs";
import { additiveLatency, tinyGraphs } from "./helpers";

const P = "cpu-a", Q = "cpu-b";
const trainGraphs = tinyGraphs(["resnet", "mobilenetv2", "vgg", "squeezenet"], 4);
const samples: Sample[] = trainGraphs.flatMap((s) => [
  { ...s, platform: P, latencyMs: additiveLatency(s) },
  { ...s, platform: Q, latencyMs: additiveLatency(s, 0.4) + 0.1 },
]);
const features = (bytes: Uint8Array) => extractFeatures(inferShapes(buildGraph(decodeModel(bytes))));

/** Varied graphs: zoo families not trained on, at two resolutions, hand-built CNNs, one node, no edges. */
function variedBatch(): GraphFeatures[] {
  const zoo = [
    ...tinyGraphs(["densenet", "shufflenet", "efficientnet", "vit", "detector", "googlenet"], 2),
    ...tinyGraphs(["resnet", "mobilenetv2"], 2, 64),
  ].map((s) => s.features);
  // one Relu: a graph of one node and no edges
  const t = { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 8 }] } } };
  const single = features(
    encodeModelProto({
      ir_version: 8,
      opset_import: [{ domain: "", version: 17 }],
      graph: { name: "g", node: [{ op_type: "Relu", input: ["x"], output: ["y"] }], input: [{ name: "x", type: t }], output: [{ name: "y", type: t }] },
    }),
  );
  return [...zoo, ...FIXTURE_SPECS.slice(0, 6).map((s) => features(fixtureGraph(s))), single];
}

let v2: GnnPredictor, v1: GnnPredictor;
let batch: GraphFeatures[];

beforeAll(async () => {
  await initTfNode();
  const o = { epochs: 3, batchSize: 8, seed: 7 };
  v2 = await trainGnn(samples, o);
  v1 = await trainGnn(samples, { ...o, config: { nodeFeatures: "v1" } });
  batch = variedBatch();
}, 120_000);

/** max over cells of |a − b| / |b| for latency, and of |σa − σb| / σb (σ compared where σb ≥ 1e-3 · latency). */
function worst(a: PlatformPrediction[][], b: PlatformPrediction[][]): { latency: number; sigma: number } {
  let latency = 0, sigma = 0;
  a.forEach((g, i) =>
    g.forEach((x, p) => {
      const y = b[i][p];
      expect(x.platform).toBe(y.platform);
      latency = Math.max(latency, Math.abs(x.latencyMs - y.latencyMs) / y.latencyMs);
      if (y.uncertaintyMs! >= 1e-3 * y.latencyMs) sigma = Math.max(sigma, Math.abs(x.uncertaintyMs! - y.uncertaintyMs!) / y.uncertaintyMs!);
      else expect(Math.abs(x.uncertaintyMs! - y.uncertaintyMs!)).toBeLessThanOrEqual(1e-7 * y.latencyMs);
    }),
  );
  return { latency, sigma };
}

describe.skipIf(!ortAvailable())("GNN exported to ONNX, run by onnxruntime-node", () => {
  it("the batch is varied: single-node graph, unseen families, sizes from a few to hundreds of nodes", () => {
    const n = batch.map((f) => f.numNodes);
    expect(Math.min(...n)).toBe(1);
    expect(Math.max(...n)).toBeGreaterThan(100);
    expect(batch.find((f) => f.numNodes === 1)!.edgeSrc.length).toBe(0);
    expect(new Set(batch.flatMap((f) => f.nodeOps)).size).toBeGreaterThan(12);
  });

  for (const [name, get] of [["v2", () => v2], ["v1", () => v1]] as const) {
    it(`equals tfjs within 1e-4 (latency and ensemble σ), node features ${name}`, () => {
      const gnn = get();
      expect(gnn.model.config.nodeFeatures).toBe(name);
      const tfjs = gnn.predict(batch);
      gnn.attachInference(OrtGnnInference.create(gnn.toOnnx()));
      expect(gnn.runtime).toBe("onnxruntime-node");
      const ort = gnn.predict(batch);
      const w = worst(ort, tfjs);
      console.log(`node features ${name}: ORT vs tfjs worst relative difference ${w.latency.toExponential(2)} (latency), ${w.sigma.toExponential(2)} (σ)`);
      expect(w.latency).toBeLessThanOrEqual(1e-4);
      expect(w.sigma).toBeLessThanOrEqual(1e-4);
      // the ensemble members themselves, every platform head
      const members = gnn.headPredictions(batch.map((f) => prepareGraph(f, gnn.norm)), gnn.platforms)[0];
      const inf = OrtGnnInference.create(gnn.toOnnx());
      const direct = inf.run(packGraphs(batch, gnn.model.denseDim));
      inf.dispose();
      expect(direct.length).toBe(members.length);
      for (let i = 0; i < members.length; i++) expect(Math.abs(direct[i] - members[i])).toBeLessThanOrEqual(1e-4 * members[i]);
      // platform subsets and orders select the same heads
      const sub = gnn.predict(batch, [Q]);
      sub.forEach((g, i) => expect(g[0].latencyMs).toBe(ort[i][1].latencyMs));
      const rev = gnn.predict(batch.slice(0, 3), [Q, P]);
      rev.forEach((g, i) => expect(g.map((x) => x.latencyMs)).toEqual([ort[i][1].latencyMs, ort[i][0].latencyMs]));
      gnn.attachInference(null);
      expect(gnn.runtime).toBe("tfjs");
      expect(gnn.predict(batch)).toEqual(tfjs);
    });
  }

  it("the export is a standard opset-17 graph of the same weights, independent of batch composition", () => {
    const m = decodeModelProto(v2.toOnnx());
    expect(m.opset_import).toEqual([{ domain: "", version: 17 }]);
    expect(new Set(m.graph!.node!.map((n) => n.domain ?? ""))).toEqual(new Set([""]));
    expect(m.graph!.input!.map((i) => i.name)).toEqual(["x", "op", "cost", "from", "to", "w", "seg", "inv_n", "gvec"]);
    const inf = OrtGnnInference.create(v2.toOnnx());
    const all = inf.run(packGraphs(batch, v2.model.denseDim));
    const PK = v2.platforms.length * v2.model.config.heads;
    batch.forEach((f, g) => {
      const alone = inf.run(packGraphs([f], v2.model.denseDim));
      for (let j = 0; j < PK; j++) expect(Math.abs(alone[j] - all[g * PK + j])).toBeLessThanOrEqual(1e-6 * all[g * PK + j]);
    });
    // reused input buffers (views into larger arrays, left over from a bigger batch) give the same numbers
    const scratch = new PackScratch();
    expect(Array.from(inf.run(packGraphs(batch, v2.model.denseDim, scratch)))).toEqual(Array.from(all));
    const few = batch.slice(2, 5);
    const fresh = inf.run(packGraphs(few, v2.model.denseDim));
    expect(Array.from(inf.run(packGraphs(few, v2.model.denseDim, scratch)))).toEqual(Array.from(fresh));
    inf.dispose();
    expect(() => inf.run(packGraphs(batch, v2.model.denseDim))).toThrow(/disposed/);
  });

  it("is deterministic on large batches: every copy of a graph, every run, the same numbers (one intra-op thread)", () => {
    const big = Array.from({ length: 12 }, () => batch).flat();
    const inf = OrtGnnInference.create(v2.toOnnx());
    const PK = v2.platforms.length * v2.model.config.heads, G = batch.length;
    const first = inf.run(packGraphs(big, v2.model.denseDim));
    for (let run = 0; run < 3; run++) expect(Array.from(inf.run(packGraphs(big, v2.model.denseDim)))).toEqual(Array.from(first));
    for (let copy = 1; copy < 12; copy++)
      expect(Array.from(first.subarray(copy * G * PK, (copy + 1) * G * PK))).toEqual(Array.from(first.subarray(0, G * PK)));
    inf.dispose();
  });

  it("the packed inputs mirror the tfjs batch: ops, cost terms, neighbour means", () => {
    const b = makeBatch(batch.map((f) => prepareGraph(f, v2.norm)));
    const p = packGraphs(batch, v2.model.denseDim);
    expect(p.numNodes).toBe(b.numNodes);
    expect(Array.from(p.op)).toEqual(Array.from(b.opOneHot.indices));
    expect(Array.from(p.cost)).toEqual(Array.from(b.costs));
    // Σ over messages into each node of w equals the row sums of the mean operators (1 per row with neighbours)
    const inSum = new Float64Array(p.numNodes);
    for (let k = 0; k < p.numMessages; k++) inSum[p.to[k]] += p.w[k];
    for (let n = 0; n < p.numNodes; n++) {
      const rows = (b.aggIn.indptr[n + 1] > b.aggIn.indptr[n] ? 1 : 0) + (b.aggOut.indptr[n + 1] > b.aggOut.indptr[n] ? 1 : 0);
      expect(inSum[n]).toBeCloseTo(rows, 5);
    }
  });

  it("loadFromDir serves a GNN from onnxruntime-node (tfjs on request); attachOnnxRuntime reports a refusal", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-gnn-onnx-"));
    try {
      saveArtifacts(dir, v2.save());
      const served = loadFromDir(dir);
      expect(gnnOf(served)!.runtime).toBe("onnxruntime-node");
      const browser = loadFromDir(dir, { runtime: "tfjs" });
      expect(gnnOf(browser)!.runtime).toBe("tfjs");
      const w = worst(served.predict(batch), browser.predict(batch));
      expect(w.latency).toBeLessThanOrEqual(1e-4);
      expect(w.sigma).toBeLessThanOrEqual(1e-4);
      served.dispose();
      browser.dispose();
      // a predictor whose export ORT cannot open stays on tfjs and says why
      const broken = Object.create(v2) as GnnPredictor;
      broken.toOnnx = () => new Uint8Array([1, 2, 3]);
      const r = attachOnnxRuntime(broken);
      expect(r.runtime).toBe("tfjs");
      expect(r.reason).toMatch(/refused/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (!ortAvailable()) it.skip("SKIPPED: onnxruntime-node cannot be loaded in this process", () => {});
