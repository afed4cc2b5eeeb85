/**
 * A fresh install predicts at once (issue 17, deliver 7): a database's promoted predictor versions travel in
 * the data release (predictors/<version>/ + MANIFEST.json), and importing the release into a fresh database
 * with a fresh predictor store registers them, so predictModels answers with them straight away. Trained
 * here in seconds on tiny zoo graphs (a FLOPs-linear version and a GNN with weights.bin); nothing real ships.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "@/lib/db/client";
import { listPredictorVersions } from "@/lib/db/browse";
import { getPlatformBySlug } from "@/lib/db/platforms";
import * as predDb from "@/lib/db/predictors";
import { ComputePool, setComputePool } from "@/lib/compute/pool";
import { FEATURE_SET_VERSION } from "@/lib/onnx";
import { fromArtifacts, trainVersion, type Method } from "@/lib/predict";
import { buildSamples } from "@/lib/predict/dataset";
import { readArtifacts, saveArtifacts } from "@/lib/predict/node/io";
import { initTfNode } from "@/lib/predict/node/backend";
import { predictorUrl } from "@/lib/predict/node/store";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { seed } from "@/lib/services/seed";
import { predictModels } from "@/lib/services/predictors";
import { exportRelease, importRelease, readRelease, registerReleasePredictors, type Manifest } from "@/lib/services/release";
import { validateSpec } from "@/lib/zoo";
import { additiveLatency, tinyGraphs } from "../predict/helpers";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-release-predictors-"));
const storeA = path.join(tmp, "store-a");
const storeB = path.join(tmp, "store-b");
const slug = localPlatforms(detectHost())[0]!.slug;
let A: TestDatabase, B: TestDatabase;
let a: DbHandle, b: DbHandle;

/** Trains `method` on tiny graphs of this host's t1 platform, saves it in store A and registers it in database A. */
async function trainInA(method: Method, name: string, promote: boolean) {
  const samples = tinyGraphs(["resnet", "vgg"], 5).map((s) => ({ ...s, platform: slug, latencyMs: additiveLatency(s) }));
  const r = await trainVersion(method, samples, { version: name, seed: 1, gnn: { epochs: 2 } });
  saveArtifacts(path.join(storeA, name), r.predictor.save(), { metrics: { validation: r.val } });
  r.predictor.dispose();
  const platform = (await getPlatformBySlug(a.db, { slug }))!;
  const row = await predDb.insertPredictorVersion(a.db, {
    name, method, platformIds: [platform.id], featureSetVersion: FEATURE_SET_VERSION, trainingSetSize: samples.length, status: "evaluated",
  });
  await predDb.updatePredictorVersion(a.db, row.id, { weightsUri: predictorUrl(name), metrics: { validationMape: r.valMape } });
  if (promote) await predDb.promoteVersion(a.db, { id: row.id, method });
}

const spec = validateSpec({ family: "resnet", resolution: 64, depths: [1, 1, 1, 1] });

beforeAll(async () => {
  process.env.NNLQ_PREDICTORS_DIR = storeB; // what the app of database B serves
  await setComputePool(new ComputePool({ size: 0 })); // in-process analysis and inference
  await initTfNode(); // the GNN trained here
  [A, B] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  a = createDb(A.url, { connectionLimit: 2 });
  b = createDb(B.url, { connectionLimit: 2 });
  await seed(a.db, { demo: false });
  await seed(b.db, { demo: false });
  await trainInA("flops-linear", "flops-linear-shipped-1", true);
  await trainInA("gnn", "gnn-shipped-1", true);
  await trainInA("flops-mem-linear", "flops-mem-linear-not-promoted", false);
}, 180_000);

afterAll(async () => {
  await setComputePool(null);
  await a?.close();
  await b?.close();
  await A?.drop();
  await B?.drop();
  delete process.env.NNLQ_PREDICTORS_DIR;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const rel = path.join(tmp, "release");
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "MANIFEST.json"), "utf8")) as Manifest;

describe("shipped predictor weights", () => {
  it("the export ships the promoted versions (not the others) with their files and sha256 in MANIFEST.json", async () => {
    const m = await exportRelease(a.db, rel, { history: null, predictorDirs: [storeA] });
    expect(m.predictors!.map((p) => [p.version, p.method, p.platforms])).toEqual([
      ["flops-linear-shipped-1", "flops-linear", [slug]],
      ["gnn-shipped-1", "gnn", [slug]],
    ]);
    const gnn = m.predictors!.find((p) => p.method === "gnn")!;
    expect(Object.keys(gnn.files)).toEqual(["model.json", "weights.bin"]);
    for (const p of m.predictors!)
      for (const [f, meta] of Object.entries(p.files)) {
        const bytes = fs.readFileSync(path.join(rel, "predictors", p.version, f));
        expect(bytes.length).toBe(meta.bytes);
        expect(bytes.equals(fs.readFileSync(path.join(storeA, p.version, f)))).toBe(true);
      }
    expect(fs.readdirSync(path.join(rel, "predictors")).sort()).toEqual(["flops-linear-shipped-1", "gnn-shipped-1"]);
    expect(manifestOf(rel).predictors).toEqual(m.predictors);
    // the data half still reads as before
    expect(readRelease(rel).manifest.counts.measurements).toBe(0);
  });

  it("importing into a fresh database registers and promotes them, and predictModels answers with them at once", async () => {
    const r = await importRelease(b.db, rel, { verify: 0 });
    expect(r.predictors.map((p) => [p.version, p.action])).toEqual([
      ["flops-linear-shipped-1", "promoted"],
      ["gnn-shipped-1", "promoted"],
    ]);
    const rows = await listPredictorVersions(b.db);
    const gnnRow = rows.find((v) => v.name === "gnn-shipped-1")!;
    expect(gnnRow).toMatchObject({ method: "gnn", status: "promoted", weightsUri: "/predictors/gnn-shipped-1/model.json" });
    expect(gnnRow.platformIds).toEqual([(await getPlatformBySlug(b.db, { slug }))!.id]);
    expect(fs.existsSync(path.join(storeB, "gnn-shipped-1", "weights.bin"))).toBe(true);

    const out = await predictModels(b.db, null, [{ spec }]);
    expect(out.predictor.version).toBe("gnn-shipped-1");
    const served = out.results[0]!.predictions!.find((p) => p.platform === slug)!.latencyMs;
    // the same number the trained version gives in database A's store
    const original = fromArtifacts(readArtifacts(path.join(storeA, "gnn-shipped-1")));
    const [graph] = buildSamples([{ key: "x", model: { spec }, family: "resnet", platform: slug, batch: 1, latencyMs: 1 }]);
    const expected = original.predict([graph!.graph])[0]!.find((p) => p.platform === slug)!.latencyMs;
    original.dispose();
    expect(served).toBeGreaterThan(0);
    expect(Math.abs(served / expected - 1)).toBeLessThan(1e-5); // float32 inference, served in a batch
  }, 120_000);

  it("is idempotent, restores lost files, and exports the same bytes again from the importing database", async () => {
    fs.rmSync(path.join(storeB, "flops-linear-shipped-1"), { recursive: true });
    const again = await registerReleasePredictors(b.db, rel, { store: storeB });
    expect(again.map((p) => p.action)).toEqual(["present", "present"]);
    expect(fs.existsSync(path.join(storeB, "flops-linear-shipped-1", "model.json"))).toBe(true);
    expect((await listPredictorVersions(b.db)).filter((v) => v.name.endsWith("-shipped-1"))).toHaveLength(2);

    const rel2 = path.join(tmp, "release-2");
    const m2 = await exportRelease(b.db, rel2, { history: null, predictorDirs: [storeB] });
    expect(m2.predictors).toEqual(manifestOf(rel).predictors);
    // a database without a promoted version keeps what the release ships; --no-predictors ships none
    const C = await createTestDatabase();
    const c = createDb(C.url, { connectionLimit: 2 });
    try {
      await seed(c.db, { demo: false });
      expect((await exportRelease(c.db, rel2, { history: null })).predictors).toEqual(m2.predictors);
      expect((await exportRelease(c.db, rel2, { history: null, predictors: false })).predictors).toBeUndefined();
      expect(fs.existsSync(path.join(rel2, "predictors"))).toBe(false);
    } finally {
      await c.close();
      await C.drop();
    }
  }, 120_000);

  it("a newer version of a method that already serves is registered beside it, not promoted", async () => {
    await trainInA("flops-linear", "flops-linear-shipped-2", true);
    const rel3 = path.join(tmp, "release-3");
    await exportRelease(a.db, rel3, { history: null, predictorDirs: [storeA] });
    const r = await registerReleasePredictors(b.db, rel3, { store: storeB });
    expect(r.map((p) => [p.version, p.action])).toEqual([
      ["flops-linear-shipped-2", "registered"],
      ["gnn-shipped-1", "present"],
    ]);
    const rows = await listPredictorVersions(b.db);
    expect(rows.find((v) => v.name === "flops-linear-shipped-2")!.status).toBe("evaluated");
    expect(rows.find((v) => v.name === "flops-linear-shipped-1")!.status).toBe("promoted");
  }, 120_000);

  it("skips a shipped version whose files do not match the manifest, or that this build cannot load", async () => {
    const bad = path.join(tmp, "release-bad");
    fs.cpSync(rel, bad, { recursive: true });
    const m = manifestOf(bad);
    // 1: damaged weights; 2: another feature set (manifest sha256 updated, so only the loader can refuse it)
    fs.appendFileSync(path.join(bad, "predictors/gnn-shipped-1/weights.bin"), "x");
    const flops = path.join(bad, "predictors/flops-linear-shipped-1/model.json");
    const json = JSON.parse(fs.readFileSync(flops, "utf8"));
    fs.writeFileSync(flops, JSON.stringify({ ...json, featureSetVersion: "v0-gone" }));
    const renamed = m.predictors!.map((p) => ({ ...p, version: `${p.version}-bad` }));
    for (const p of m.predictors!) fs.renameSync(path.join(bad, "predictors", p.version), path.join(bad, "predictors", `${p.version}-bad`));
    const { createHash } = await import("node:crypto");
    const flopsBytes = fs.readFileSync(path.join(bad, "predictors/flops-linear-shipped-1-bad/model.json"));
    renamed[0]!.files["model.json"] = { bytes: flopsBytes.length, sha256: createHash("sha256").update(flopsBytes).digest("hex") };
    fs.writeFileSync(path.join(bad, "MANIFEST.json"), JSON.stringify({ ...m, predictors: renamed }));

    const r = await registerReleasePredictors(b.db, bad, { store: storeB });
    expect(r.map((p) => [p.version, p.action])).toEqual([
      ["flops-linear-shipped-1-bad", "skipped"],
      ["gnn-shipped-1-bad", "skipped"],
    ]);
    expect(r[0]!.reason).toMatch(/features/);
    expect(r[1]!.reason).toMatch(/sha256/);
    expect((await listPredictorVersions(b.db)).some((v) => v.name.endsWith("-bad"))).toBe(false);
    expect(fs.existsSync(path.join(storeB, "flops-linear-shipped-1-bad"))).toBe(false);
  }, 120_000);
});
