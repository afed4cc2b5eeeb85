/**
 * The GNN on tiny real zoo graphs: learns an additive synthetic latency on two platforms (better than a
 * FLOPs regression can), leaks no tensors, round-trips through its artifacts bit for bit, and adapts to a
 * new platform without touching the pretrained heads.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import { LinearPredictor } from "@/lib/predict/baselines/linear";
import type { Sample } from "@/lib/predict/dataset";
import { GnnPredictor } from "@/lib/predict/gnn/predictor";
import { trainGnn, type EpochLog } from "@/lib/predict/gnn/train";
import { fromArtifacts, load } from "@/lib/predict/load";
import { mape } from "@/lib/predict/metrics";
import { initTfNode } from "@/lib/predict/node/backend";
import { loadFromDir, saveArtifacts } from "@/lib/predict/node/io";
import { nodeCosts, opIndex } from "@/lib/predict/numeric";
import { makeBatch, prepareGraph } from "@/lib/predict/gnn/prep";
import { inferenceMode } from "@/lib/predict/sparse";
import { generate, sampleSpecs } from "@/lib/zoo";
import { additiveLatency, opCost, syntheticKernels, tinyGraphs } from "./helpers";

const graphs = tinyGraphs(["resnet", "mobilenetv2", "vgg", "squeezenet", "nasbench201"], 10);
const P = "cpu-a",
  Q = "cpu-b";
const both = (list: Sample[]) =>
  list.flatMap((s) => [
    { ...s, platform: P, latencyMs: additiveLatency(s) },
    { ...s, platform: Q, latencyMs: additiveLatency(s, 0.4) + 0.1 },
  ]);
const train = both(graphs.filter((_, i) => i % 5 !== 0));
const test = both(graphs.filter((_, i) => i % 5 === 0));
const err = (p: { predictSamples(s: Sample[]): Float64Array }, s: Sample[]) =>
  mape(
    p.predictSamples(s),
    s.map((x) => x.latencyMs),
  );

let model: GnnPredictor;
const logs: EpochLog[] = [];

beforeAll(async () => {
  await initTfNode();
  model = await trainGnn(train, {
    epochs: 12,
    batchSize: 8,
    lr: 3e-3,
    seed: 3,
    val: test.slice(0, 10),
    patience: 100,
    onEpoch: (e) => logs.push(e),
  });
}, 120_000);

describe("GNN training", () => {
  it("learns an additive latency on two platforms, better than FLOPs regression", () => {
    const gnn = err(model, test);
    const lin = err(LinearPredictor.train(train, { method: "flops-linear" }), test);
    console.log(
      `GNN held-out MAPE ${gnn.toFixed(1)}% vs flops-linear ${lin.toFixed(1)}% (${(logs.at(-1)!.elapsedMs / 1000).toFixed(1)} s)`,
    );
    expect(gnn).toBeLessThan(5);
    expect(gnn).toBeLessThan(lin);
    expect(logs.at(-1)!.loss).toBeLessThan(logs[0].loss / 5);
    expect(logs.every((l) => Number.isFinite(l.etaMs) && l.valMape !== null)).toBe(true);
  });

  it("uses kernel times as auxiliary node-level supervision", async () => {
    const withKernels = train.slice(0, 24).map((s) => {
      const c = nodeCosts(s.features), ops = opIndex(s.features);
      const kernels = syntheticKernels(s, (r) => (c.flops[r] * opCost(ops[r]) + c.mem[r] * 0.2) * 1e-3);
      return { ...s, kernels, kernelSumUs: kernels.reduce((a, k) => a + k.us, 0) };
    });
    const aux: number[] = [];
    const m = await trainGnn(withKernels, { epochs: 8, batchSize: 8, seed: 2, auxWeight: 1, onEpoch: (e) => aux.push(e.auxLoss) });
    expect(aux[0]).toBeGreaterThan(0);
    expect(aux.at(-1)!).toBeLessThan(aux[0]);
    m.dispose();
  });

  it("a deviation penalty keeps node rates closer to the head's base rates", async () => {
    const batch = makeBatch(graphs.map((g) => prepareGraph(g.features, model.norm)));
    const rms = (m: GnnPredictor) =>
      tf.tidy(() => Math.sqrt(tf.mean(tf.square(inferenceMode(() => m.model.forward(batch, [P, Q]).deviation))).dataSync()[0]));
    const opts = { epochs: 6, batchSize: 8, lr: 3e-3, seed: 3 };
    const free = await trainGnn(train, opts);
    const tied = await trainGnn(train, { ...opts, deviationWeight: 10 });
    const [a, b] = [rms(free), rms(tied)];
    console.log(`rms log-rate deviation: ${a.toFixed(3)} free, ${b.toFixed(3)} with the penalty`);
    expect(b).toBeLessThan(a * 0.7);
    free.dispose();
    tied.dispose();
  });

  it("fits its epochs to a time budget", async () => {
    const seen: EpochLog[] = [];
    const m = await trainGnn(train.slice(0, 8), { epochs: 50, timeBudgetMs: 1, onEpoch: (e) => seen.push(e) });
    expect(seen).toHaveLength(1);
    expect(seen[0].epochs).toBe(1);
    m.dispose();
  });
});

describe("GNN inference interface", () => {
  it("predicts every platform for one graph, a batch, a subset, and from ONNX bytes", () => {
    const one = model.predict(graphs[0].features);
    expect(one.map((x) => x.platform)).toEqual([P, Q]);
    for (const x of one) {
      expect(x.latencyMs).toBeGreaterThan(0);
      expect(x.uncertaintyMs).toBeGreaterThanOrEqual(0);
    }
    const many = model.predict([graphs[0].features, graphs[1].graph], [Q]);
    expect(many).toHaveLength(2);
    expect(many[0]).toEqual([one[1]]);
    const spec = sampleSpecs("resnet", 1, 11, { batch: 1, resolution: 32 })[0];
    const fromBytes = model.predict(generate(spec));
    expect(fromBytes[0].latencyMs).toBeGreaterThan(0);
  });

  it("refuses unknown platforms and bad models with typed errors", () => {
    const e1 = (() => { try { model.predict(graphs[0].features, ["nope"]); } catch (e) { return e; } })();
    expect(isNnlqError(e1) && e1.code).toBe("NOT_FOUND");
    const e2 = (() => { try { model.predict(new Uint8Array([1, 2, 3, 4])); } catch (e) { return e; } })();
    expect(isNnlqError(e2) && e2.code.startsWith("ONNX_")).toBe(true);
  });

  it("the fused inference path equals the training forward pass", () => {
    const batch = makeBatch(graphs.map((g) => prepareGraph(g.features, model.norm)));
    const fast = model.model.predictLatency(batch, [Q, P]);
    const slow = tf.tidy(() => inferenceMode(() => model.model.forward(batch, [Q, P]).latency));
    const ref = slow.dataSync();
    slow.dispose();
    expect(fast.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) expect(Math.abs(fast[i] - ref[i])).toBeLessThanOrEqual(1e-4 * Math.abs(ref[i]));
  });

  it("leaks no tensors in predict, and dispose frees the weights", async () => {
    const artifacts = model.save();
    const before = tf.memory().numTensors;
    const p = fromArtifacts(artifacts) as GnnPredictor;
    const loaded = tf.memory().numTensors;
    expect(loaded).toBe(before + p.model.vars.size);
    p.predict(graphs.map((g) => g.features));
    p.predict(graphs[0].features, [P]);
    expect(tf.memory().numTensors).toBe(loaded);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("save → load gives identical predictions (in memory, files, URL)", async () => {
    const want = model.predictSamples(test);
    const a = fromArtifacts(model.save());
    expect(Array.from(a.predictSamples(test))).toEqual(Array.from(want));
    a.dispose();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-gnn-"));
    try {
      saveArtifacts(dir, model.save());
      // the browser's runtime, bit for bit (Node serves onnxruntime-node by default: test/predict/gnn-onnx.test.ts)
      const b = loadFromDir(dir, { runtime: "tfjs" });
      expect(Array.from(b.predictSamples(test))).toEqual(Array.from(want));
      b.dispose();
      // load(url) through fetch, as the browser does
      const files: Record<string, Uint8Array> = {
        "model.json": fs.readFileSync(path.join(dir, "model.json")),
        "weights.bin": fs.readFileSync(path.join(dir, "weights.bin")),
      };
      const fakeFetch = (async (u: URL | string) => {
        const name = String(u).split("/").pop()!;
        const body = files[name];
        return body ? new Response(new Uint8Array(body)) : new Response("missing", { status: 404 });
      }) as typeof fetch;
      const c = await load("https://nnlq.test/predictors/v1/model.json", { fetch: fakeFetch });
      expect(Array.from(c.predictSamples(test))).toEqual(Array.from(want));
      c.dispose();
      await expect(load("https://nnlq.test/predictors/none/nothing.json", { fetch: fakeFetch })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("few-shot transfer", () => {
  it("adds a head for a new platform; heads-only fine-tuning leaves the old platforms untouched", async () => {
    const shots = graphs.slice(0, 16).map((s) => ({ ...s, platform: "new", latencyMs: additiveLatency(s, 2) }));
    const before = model.predictSamples(test);
    const ft = await trainGnn(shots, { init: model, trainable: "heads", epochs: 10, batchSize: 8, seed: 4 });
    expect(ft.platforms).toEqual([P, Q, "new"]);
    expect(Array.from(ft.predictSamples(test))).toEqual(Array.from(before));
    expect(Array.from(model.predictSamples(test))).toEqual(Array.from(before)); // the pretrained model is not modified
    ft.dispose();
  });

  it("starts a new platform's head from the pretrained head that fits its shots best, rescaled", async () => {
    const twice = (list: Sample[]) => list.map((s) => ({ ...s, platform: "twice-a", latencyMs: additiveLatency(s, 2) }));
    const shots = twice(graphs.slice(0, 16));
    const held = twice(test.filter((s) => s.platform === P));
    let info: { from: string; scale: number; mape: number } | undefined;
    const near = await trainGnn(shots, { init: model, trainable: "heads", epochs: 0, onHeadInit: (i) => (info = i) });
    // the chosen head is the one whose rescaled predictions fit the shots best
    const fitted = (q: string) => {
      const yq = model.predictSamples(shots.map((s) => ({ ...s, platform: q })));
      const logs = shots.map((s, i) => Math.log(s.latencyMs / yq[i])).sort((x, y) => x - y);
      const k = logs.length >> 1, scale = Math.exp(logs.length % 2 ? logs[k] : (logs[k - 1] + logs[k]) / 2);
      return mape(Array.from(yq, (v) => v * scale), shots.map((s) => s.latencyMs));
    };
    expect(info?.mape).toBeCloseTo(Math.min(fitted(P), fitted(Q)), 4);
    expect(info?.from).toBe(fitted(P) <= fitted(Q) ? P : Q);
    // before any training step its latencies are exactly scale × those of the head it copied
    const a = near.predictSamples(held), b = model.predictSamples(held.map((s) => ({ ...s, platform: info!.from })));
    for (let i = 0; i < a.length; i++) expect(a[i] / b[i]).toBeCloseTo(info!.scale, 3);
    const reg = await trainGnn(shots, { init: model, trainable: "heads", epochs: 0, headInit: "regression" });
    expect(err(near, held)).toBeLessThan(err(reg, held));
    near.dispose();
    reg.dispose();
  });

  it("in transfer with validation shots, keeps the starting point when training only makes it worse", async () => {
    const shots = graphs.slice(0, 12).map((s) => ({ ...s, platform: "new", latencyMs: additiveLatency(s, 2) }));
    const val = graphs.slice(12, 16).map((s) => ({ ...s, platform: "new", latencyMs: additiveLatency(s, 2) }));
    const start = await trainGnn(shots, { init: model, trainable: "heads", epochs: 0 });
    const wrecked = await trainGnn(shots, { init: model, trainable: "heads", epochs: 3, lr: 30, val, patience: 100 });
    expect(Array.from(wrecked.predictSamples(val))).toEqual(Array.from(start.predictSamples(val)));
    const noVal = await trainGnn(shots, { init: model, trainable: "heads", epochs: 3, lr: 30 });
    expect(Array.from(noVal.predictSamples(val))).not.toEqual(Array.from(start.predictSamples(val)));
    for (const p of [start, wrecked, noVal]) p.dispose();
  });
});
