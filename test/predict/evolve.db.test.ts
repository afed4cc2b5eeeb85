/**
 * The evolving predictor against a real database loaded with the data release: train and register
 * versions with their validation metrics, promote only what beats the current version, store a prediction
 * for every measured model, skip retraining until the database has grown by 10%; then /api/v1/predict
 * serves the promoted predictor for specs, ONNX models and stored models, with per-item errors.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { generate, sampleSpecs } from "@/lib/zoo";
import { stripWeights } from "@/lib/onnx";
import { DEFAULT_RELEASE_DIR, importRelease } from "@/lib/services/release";
import { seed } from "@/lib/services/seed";
import { evolvePredictors } from "@/lib/services/predictors";
import { listPredictorVersions } from "@/lib/db/browse";
import { predictions, predictorVersions } from "@/lib/db/schema";
import * as predictRoute from "@/app/api/v1/predict/route";
import { call } from "../setup/fixtures";
import { createDb, type DbHandle } from "@/lib/db/client";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-evolve-"));
// a database of this file alone: the training set and the growth check must not see other files' models
let testDb: TestDatabase;
let h: DbHandle;
const db = () => h.db;
beforeAll(async () => {
  testDb = await createTestDatabase();
  process.env.DATABASE_URL = testDb.url; // the route handlers (getDb) serve it
  h = createDb(testDb.url, { connectionLimit: 2 });
  process.env.NNLQ_PREDICTORS_DIR = dir;
  await seed(db(), { demo: false });
  await importRelease(db(), undefined, { verify: 0, predictors: false });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await testDb?.drop();
  delete process.env.NNLQ_PREDICTORS_DIR;
  fs.rmSync(dir, { recursive: true, force: true });
});

const methods = ["flops-linear", "lookup-table"] as const;

describe("the evolving predictor", () => {
  it("registers, promotes and stores predictions; retrains only on growth; keeps the current version when not beaten", async () => {
    const lines: string[] = [];
    // a version a stopped trainer left in "training"
    await db()
      .insert(predictorVersions)
      .values({ name: "gnn-interrupted", method: "gnn", platformIds: [], featureSetVersion: "x", trainingSetSize: 1, status: "training" });
    const first = await evolvePredictors(db(), { methods, log: (l) => lines.push(l) });
    expect((await listPredictorVersions(db())).find((v) => v.name === "gnn-interrupted")!.status).toBe("failed");
    // the training set is the release's clean measurements only, and says so
    const cleanCount = (
      JSON.parse(fs.readFileSync(path.join(DEFAULT_RELEASE_DIR, "MANIFEST.json"), "utf8")) as {
        grades: Record<string, Record<string, Record<string, Record<string, Record<string, number>>>>>;
      }
    ).grades;
    // clean graphs per platform (grades: hardware → platform → batch → family → grade → count)
    const cleanOn = new Map<string, number>();
    for (const byPlatform of Object.values(cleanCount))
      for (const [p, byBatch] of Object.entries(byPlatform))
        for (const byFamily of Object.values(byBatch))
          for (const g of Object.values(byFamily)) cleanOn.set(p, (cleanOn.get(p) ?? 0) + (g.clean ?? 0));
    const trainedLine = lines.find((l) => l.startsWith("training set: trained on ")) ?? "";
    expect(trainedLine).toMatch(/^training set: trained on \d+ clean measurements/);
    // platforms with a handful of clean graphs in the release get no head (and are named); none without any
    const sparse = [...cleanOn].filter(([, n]) => n > 0 && n < 30).map(([p]) => p);
    const leftOut = lines.find((l) => l.includes("left out (fewer than 30 graphs)")) ?? "";
    for (const p of sparse) expect(leftOut).toContain(p);
    if (!sparse.length) expect(leftOut).toBe("");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, first[0]!.version!, "model.json"), "utf8")) as {
      platforms: string[];
      trainingSet: { quality: string; measurements: number; description: string };
    };
    expect(manifest.platforms.length).toBeGreaterThan(0);
    for (const p of manifest.platforms) expect(cleanOn.get(p) ?? 0).toBeGreaterThanOrEqual(30);
    expect(manifest.trainingSet.quality).toBe("clean");
    expect(manifest.trainingSet.description.startsWith(`trained on ${manifest.trainingSet.measurements} clean measurements`)).toBe(true);
    expect(trainedLine).toContain(manifest.trainingSet.description);
    expect(first.map((o) => o.action)).toEqual(["promoted", "promoted"]);
    expect(lines.find((l) => l.startsWith("training set"))).toMatch(/training set: trained on \d+ clean measurements[^;]*; \d+ measured/);
    const versions = await listPredictorVersions(db());
    for (const o of first) {
      const v = versions.find((x) => x.name === o.version)!;
      expect(v).toMatchObject({ method: o.method, status: "promoted", weightsUri: `/predictors/${o.version}/model.json` });
      expect(v.trainingSetSize).toBe(o.samples);
      const m = v.metrics as { validation: Record<string, { mape: number; acc10: number }>; validationMape: number };
      expect(Object.keys(m.validation).length).toBeGreaterThan(0);
      expect(m.validationMape).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(dir, o.version!, "model.json"))).toBe(true);
      // one prediction per measured graph × modelled platform, tied to this version
      const [{ n }] = await db()
        .select({ n: sql<number>`COUNT(*)`.mapWith(Number) })
        .from(predictions)
        .where(sql`${predictions.predictorVersionId} = ${v.id}`);
      expect(n).toBe(o.predictionsStored);
      // at least every clean graph of each modelled platform (the release's clean rows grow with the campaign)
      expect(n).toBeGreaterThanOrEqual(Math.max(...manifest.platforms.map((p) => cleanOn.get(p) ?? 0)));
      expect(n).toBeGreaterThanOrEqual(30);
    }

    // nothing new: no retraining
    const again = await evolvePredictors(db(), { methods });
    expect(again.map((o) => o.action)).toEqual(["skipped", "skipped"]);
    expect(again[0]!.reason).toMatch(/grew 0\.0% since flops-linear-.* \(retrains at 10%; --force to train now\)/);

    // forced, same data and seed: the candidate does not beat the current version, which stays promoted
    const forced = await evolvePredictors(db(), { methods: ["flops-linear"], force: true });
    expect(forced[0]!.action).toBe("kept-current");
    const after = await listPredictorVersions(db());
    expect(after.find((x) => x.name === forced[0]!.version)!.status).toBe("evaluated");
    expect(after.find((x) => x.name === first[0]!.version)!.status).toBe("promoted");
  }, 300_000);
});

describe("POST /api/v1/predict", () => {
  it("predicts specs, structure-only ONNX and stored models in one batch, with per-item errors", async () => {
    const spec = sampleSpecs("resnet", 1, 7)[0]!;
    const onnx = stripWeights(generate(sampleSpecs("vgg", 1, 3)[0]!));
    const [stored] = (await db().execute(sql`SELECT id FROM models WHERE source = 'zoo' AND visibility = 'public' LIMIT 1`)) as unknown as [
      { id: number }[],
    ];
    const r = await call(predictRoute.POST, {
      method: "POST",
      body: {
        models: [
          { spec },
          { onnx: Buffer.from(onnx).toString("base64") },
          { modelId: stored[0]!.id },
          { onnx: Buffer.from("not onnx").toString("base64") },
          { spec: { family: "nope" } },
        ],
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.predictor.method).toMatch(/flops-linear|lookup-table/);
    const [a, b, c, bad, badSpec] = r.body.results;
    for (const x of [a, b, c]) {
      expect(x.error).toBeUndefined();
      expect(x.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(x.predictions.length).toBe(r.body.predictor.platforms.length);
      for (const p of x.predictions) expect(p.latencyMs).toBeGreaterThan(0);
    }
    expect(a.family).toBe("resnet");
    expect(bad.error.code).toMatch(/^ONNX_/);
    expect(badSpec.error.code).toBe("VALIDATION");

    // one platform only
    const one = r.body.predictor.platforms[0];
    const r1 = await call(predictRoute.POST, { method: "POST", body: { models: [{ spec }], platforms: [one] } });
    expect(r1.body.results[0].predictions.map((p: { platform: string }) => p.platform)).toEqual([one]);
    // bad requests are 400 with a message
    const unknown = await call(predictRoute.POST, {
      method: "POST",
      body: { models: [{ spec }], platforms: ["mars-1c/ort-cpu-1.30/fp32/t1"] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/does not model mars-1c/);
    expect((await call(predictRoute.POST, { method: "POST", body: { models: [] } })).status).toBe(400);
    expect((await call(predictRoute.POST, { method: "POST", body: { models: [{ foo: 1 }] } })).status).toBe(400);
    expect(
      (await call(predictRoute.POST, { method: "POST", body: { models: [{ modelId: 99_999_999 }] } })).body.results[0].error.code,
    ).toBe("NOT_FOUND");
  }, 120_000);
});
