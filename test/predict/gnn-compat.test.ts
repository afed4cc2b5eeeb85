/**
 * Feature set v2 and predictors of v1: a GNN trained and saved by the code before v2 (fixtures/gnn-v1,
 * written by its make.mts on commit 73745f8: feature set nnlq-features-v1, no GnnConfig.nodeFeatures) still
 * loads, reads the v1 prefix of today's v2 rows, and predicts the numbers it predicted then — on tfjs and on
 * onnxruntime-node; the option `nodeFeatures` is recorded and travels through save → load.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGraph, decodeModel, extractFeatures, inferShapes } from "@/lib/onnx";
import { FEATURE_NAMES_V1, FEATURE_SET_VERSION } from "@/lib/onnx/features";
import { isNnlqError } from "@/lib/errors";
import { GnnPredictor } from "@/lib/predict/gnn/predictor";
import { fromArtifacts } from "@/lib/predict/load";
import { initTfNode } from "@/lib/predict/node/backend";
import { gnnOf, loadFromDir, readArtifacts } from "@/lib/predict/node/io";
import type { PlatformPrediction, PredictorArtifacts } from "@/lib/predict/predictor";
import { denseDim, NUM_OPS } from "@/lib/predict/numeric";
import { FIXTURE_SPECS, fixtureGraph } from "./fixtures/gnn-v1/graphs";

const DIR = path.join(import.meta.dirname, "fixtures/gnn-v1");
const expected = JSON.parse(fs.readFileSync(path.join(DIR, "expected.json"), "utf8")) as {
  featureSetVersion: string;
  predictions: PlatformPrediction[][];
};
const features = FIXTURE_SPECS.map((s) => extractFeatures(inferShapes(buildGraph(decodeModel(fixtureGraph(s))))));

function expectSame(got: PlatformPrediction[][], tol: number): void {
  expect(got.length).toBe(expected.predictions.length);
  got.forEach((g, i) =>
    g.forEach((x, p) => {
      const want = expected.predictions[i][p];
      expect(x.platform).toBe(want.platform);
      expect(Math.abs(x.latencyMs - want.latencyMs)).toBeLessThanOrEqual(tol * want.latencyMs);
      expect(Math.abs(x.uncertaintyMs! - want.uncertaintyMs!)).toBeLessThanOrEqual(tol * want.latencyMs);
    }),
  );
}

/** The fixture's artifacts as written then (no manifest upgrade). */
function rawArtifacts(): PredictorArtifacts {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIR, "artifacts/model.json"), "utf8"));
  const b = fs.readFileSync(path.join(DIR, "artifacts/weights.bin"));
  return { manifest, weights: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
}

beforeAll(async () => {
  await initTfNode();
});

describe("a GNN saved with feature set v1", () => {
  it("is a fixture of the old code: v1 manifest, no nodeFeatures, v1-wide weights", () => {
    const { manifest } = rawArtifacts();
    expect(expected.featureSetVersion).toBe("nnlq-features-v1");
    expect(manifest.featureSetVersion).toBe("nnlq-features-v1");
    expect((manifest.state as { config: object }).config).not.toHaveProperty("nodeFeatures");
    const w0 = manifest.weightSpecs!.find((s) => s.name === "w0")!;
    expect(w0.shape[0]).toBe(FEATURE_NAMES_V1.length - NUM_OPS);
    expect(w0.shape[0]).toBeLessThan(features[0].numFeatures - NUM_OPS);
  });

  it("loads from its directory and predicts what it predicted then (tfjs and onnxruntime-node)", () => {
    const tfjs = loadFromDir(path.join(DIR, "artifacts"), { runtime: "tfjs" });
    expect(gnnOf(tfjs)!.runtime).toBe("tfjs");
    expect(gnnOf(tfjs)!.model.config.nodeFeatures).toBe("v1");
    expectSame(tfjs.predict(features), 1e-5);
    tfjs.dispose();
    const ort = loadFromDir(path.join(DIR, "artifacts"));
    expect(gnnOf(ort)!.runtime).toBe("onnxruntime-node");
    expectSame(ort.predict(features), 1e-4);
    ort.dispose();
  });

  it("GnnPredictor.fromArtifacts reads the old manifest as it is", () => {
    const a = rawArtifacts();
    const p = GnnPredictor.fromArtifacts(a.manifest, a.weights!);
    expect(p.model.denseDim).toBe(denseDim("v1"));
    expectSame(p.predict(features), 1e-5);
    p.dispose();
  });

  it("saved again, it records feature set v2 with node features v1, and loads anywhere", () => {
    const p = loadFromDir(path.join(DIR, "artifacts"), { runtime: "tfjs" });
    const again = p.save();
    p.dispose();
    expect(again.manifest.featureSetVersion).toBe(FEATURE_SET_VERSION);
    expect((again.manifest.state as { config: { nodeFeatures: string } }).config.nodeFeatures).toBe("v1");
    const q = fromArtifacts(again);
    expectSame(q.predict(features), 1e-5);
    q.dispose();
    expect(readArtifacts(path.join(DIR, "artifacts")).manifest.featureSetVersion).toBe(FEATURE_SET_VERSION);
  });

  it("refuses an unreadable feature set, and v2 node features claimed by a v1 manifest", () => {
    const refuse = (mutate: (m: PredictorArtifacts["manifest"]) => void, pattern: RegExp) => {
      const a = rawArtifacts();
      mutate(a.manifest);
      const e = (() => {
        try {
          GnnPredictor.fromArtifacts(a.manifest, a.weights!);
        } catch (err) {
          return err;
        }
      })();
      expect(isNnlqError(e) && e.code).toBe("VALIDATION");
      expect((e as Error).message).toMatch(pattern);
    };
    refuse((m) => (m.featureSetVersion = "nnlq-features-v0"), /trained on features nnlq-features-v0/);
    refuse((m) => ((m.state as { config: { nodeFeatures?: string } }).config.nodeFeatures = "v2"), /node features v2/);
    refuse((m) => (m.weightSpecs = undefined), /weights missing/);
  });

  it("refuses feature rows narrower than the columns it reads", () => {
    const a = rawArtifacts();
    const p = GnnPredictor.fromArtifacts(a.manifest, a.weights!);
    const f = features[0];
    const F = NUM_OPS + 10;
    const narrow = { ...f, numFeatures: F, nodeFeatures: new Float32Array(f.numNodes * F) };
    const e = (() => {
      try {
        p.predict(narrow);
      } catch (err) {
        return err;
      }
    })();
    expect(isNnlqError(e) && e.code).toBe("VALIDATION");
    p.dispose();
  });
});
