/**
 * fromArtifacts / load(url) — the browser's path, where no Node loader upgrades an old manifest — reads
 * every feature set this build can still read: the v1 GNN fixture (written by the code before feature set
 * v2) loads as it was written and predicts what it predicted then, guarded or not; a baseline's v1
 * manifest too; an unknown feature set is refused.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGraph, decodeModel, extractFeatures, inferShapes } from "@/lib/onnx";
import { isNnlqError } from "@/lib/errors";
import { LinearPredictor } from "@/lib/predict/baselines/linear";
import { fitGuard, GuardedPredictor } from "@/lib/predict/guard";
import { fromArtifacts, load } from "@/lib/predict/load";
import { initTfNode } from "@/lib/predict/node/backend";
import type { PlatformPrediction, PredictorArtifacts } from "@/lib/predict/predictor";
import { FIXTURE_SPECS, fixtureGraph } from "./fixtures/gnn-v1/graphs";
import { additiveLatency, tinyGraphs } from "./helpers";

const DIR = path.join(import.meta.dirname, "fixtures/gnn-v1");
const expected = JSON.parse(fs.readFileSync(path.join(DIR, "expected.json"), "utf8")) as { predictions: PlatformPrediction[][] };
const features = FIXTURE_SPECS.map((s) => extractFeatures(inferShapes(buildGraph(decodeModel(fixtureGraph(s))))));
const raw = (): PredictorArtifacts => {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIR, "artifacts/model.json"), "utf8"));
  const b = fs.readFileSync(path.join(DIR, "artifacts/weights.bin"));
  return { manifest, weights: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
};
const refused = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
};

beforeAll(async () => {
  await initTfNode();
});

describe("old feature sets through fromArtifacts / load(url)", () => {
  it("the v1 GNN fixture loads as written and predicts what it predicted then", async () => {
    const a = raw();
    expect(a.manifest.featureSetVersion).toBe("nnlq-features-v1");
    const p = fromArtifacts(a);
    const got = p.predict(features);
    got.forEach((g, i) => g.forEach((x, j) => expect(x.latencyMs).toBeCloseTo(expected.predictions[i][j].latencyMs, 4)));
    p.dispose();
    // by URL, as the browser loads it (fetch answered from the fixture directory)
    const fetchFile = (async (u: URL | RequestInfo) => {
      const file = path.join(DIR, "artifacts", path.basename(new URL(String(u)).pathname));
      return new Response(fs.readFileSync(file));
    }) as typeof fetch;
    const q = await load("http://x/predictors/v1/model.json", { fetch: fetchFile });
    expect(q.predict(features)).toEqual(got);
    q.dispose();
  });

  it("a v1 manifest with a guard loads guarded; a baseline's v1 manifest loads; an unknown feature set is refused", () => {
    const P = raw().manifest.platforms[0];
    const samples = tinyGraphs(["resnet", "vgg"], 6).map((s) => ({ ...s, platform: P, latencyMs: additiveLatency(s) }));
    const a = raw();
    const g = fromArtifacts({ ...a, manifest: { ...a.manifest, guard: fitGuard(samples) } });
    expect(g).toBeInstanceOf(GuardedPredictor);
    expect((g.predict(features[0]) as PlatformPrediction[])[0].regime).toBeDefined();
    g.dispose();
    const lin = LinearPredictor.train(samples, { method: "flops-mem-linear" }).save();
    const old = fromArtifacts({ manifest: { ...lin.manifest, featureSetVersion: "nnlq-features-v1" } });
    expect(old.predict(features[0])).toEqual(fromArtifacts(lin).predict(features[0]));
    const e = refused(() => fromArtifacts({ manifest: { ...lin.manifest, featureSetVersion: "nnlq-features-v0" } }));
    expect(isNnlqError(e) && e.code === "VALIDATION" && /trained on features nnlq-features-v0/.test(e.message)).toBe(true);
  });
});
