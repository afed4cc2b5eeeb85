/**
 * Campaign → release → fresh database round trip, on real MySQL databases of their own and real
 * onnxruntime measurements: a tiny campaign (2 zoo models on ORT CPU 1 thread) measured through the job
 * queue, a corpus-like model without a zoo spec, export, import into a fresh database, export again →
 * byte-identical files; the campaign resumes with nothing left to do; bad releases are refused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { insertModel } from "@/lib/db/models";
import { recordMeasurement } from "@/lib/db/measurements";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { latestMeasurements, measurements, models, platforms } from "@/lib/db/schema";
import { eq, lt } from "drizzle-orm";
import { insertMeasurementsBulk } from "@/lib/db/release";
import { analyze } from "@/lib/onnx";
import { generate, validateSpec } from "@/lib/zoo";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { closeSharedPool } from "@/lib/measure/pool";
import type { Stage } from "@/lib/services/campaign";
import { runCampaign } from "@/workers/campaign";
import { exportRelease, importRelease, loadReleaseIfEmpty, readRelease } from "@/lib/services/release";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

// this file is about retakes: queue them (the test configs turn them off elsewhere: NNLQ_RETAKES=0)
const retakesBefore = process.env.NNLQ_RETAKES;
process.env.NNLQ_RETAKES = "3";
afterAll(() => {
  if (retakesBefore === undefined) delete process.env.NNLQ_RETAKES;
  else process.env.NNLQ_RETAKES = retakesBefore;
});

const host = detectHost();
const t1 = localPlatforms(host)[0]!;
const stage: Stage = { name: "test", platform: t1.slug, batch: 1, perFamily: 1, families: ["alexnet", "squeezenet"] };
const lock = `nnlq-test-data-${process.pid}`;
let A: TestDatabase, B: TestDatabase;
let a: DbHandle, b: DbHandle;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-release-test-"));

beforeAll(async () => {
  [A, B] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  a = createDb(A.url, { connectionLimit: 3 });
  b = createDb(B.url, { connectionLimit: 3 });
  await seed(a.db, { demo: false });
  await seed(b.db, { demo: false });
}, 120_000);

afterAll(async () => {
  await closeSharedPool();
  await a?.close();
  await b?.close();
  await A?.drop();
  await B?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f));

describe("campaign and data release", () => {
  it("measures a tiny campaign through the job queue, with busy flags, and resumes with nothing to do", { timeout: 300_000 }, async () => {
    const s = await runCampaign(a.db, { stages: [stage], host, lock, budgetMs: 150 });
    expect(s.failed).toBe(0);
    // 2 models; on a busy host a result that is not clean queues retakes (at most 3 each) that the campaign's device takes too
    expect(s.measured).toBeGreaterThanOrEqual(2);
    expect(s.measured).toBeLessThanOrEqual(8);
    const rows = await a.db.select().from(measurements);
    expect(rows).toHaveLength(s.measured);
    expect(new Set(rows.map((r) => r.modelId)).size).toBe(2);
    for (const r of rows) {
      expect(r.protocol).toBe(2);
      expect(["clean", "estimated", "contended"]).toContain(r.grade);
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.jobId).not.toBeNull();
      const c = (r.env as { campaign: { busy: boolean; loadStart: number; loadEnd: number; cores: number } }).campaign;
      expect(typeof c.busy).toBe("boolean");
      expect(c.busy).toBe(Math.max(c.loadStart, c.loadEnd) > c.cores);
      expect((r.profile as { kernels: unknown[] }).kernels.length).toBeGreaterThan(0);
    }
    const zoo = await a.db.select().from(models);
    expect(zoo.map((m) => [m.source, m.visibility, m.ownerTeamId, m.family].join()).sort()).toEqual([
      "zoo,public,,alexnet",
      "zoo,public,,squeezenet",
    ]);

    // nothing missing any more: what it still measures are retakes of pairs without a clean result
    const latest = await a.db.select().from(latestMeasurements);
    const clean = latest.filter((l) => l.grade === "clean").length;
    const again = await runCampaign(a.db, { stages: [stage], host, lock, budgetMs: 150 });
    expect(again).toMatchObject({ failed: 0, alreadyMeasured: clean });
    expect(again.byStage[stage.name]).toMatchObject({ missing: 0, retake: 2 - clean });
  });

  it(
    "bulk-inserts rows whose profiles together exceed the server's packet limit (int8 profiles are long)",
    { timeout: 120_000 },
    async () => {
      const [first] = await a.db.select().from(measurements).limit(1);
      const kernel = {
        name: "Conv_0_token_1",
        op: "QLinearConv",
        kernelType: "QLinearConv",
        ms: 0.2,
        nodes: Array.from({ length: 40 }, (_, i) => `node_${i}_dequantized_DequantizeLinear`),
      };
      const profile = { runs: 5, kernels: Array.from({ length: 30 }, () => kernel) }; // ~50 kB of JSON
      const n = 400; // ~20 MB in all: one 500-row INSERT would exceed max_allowed_packet (16 MiB by default)
      const t0 = first!.measuredAt.getTime() - 10 * 86_400_000;
      const rows = Array.from({ length: n }, (_, i) => ({
        ...first!,
        id: undefined,
        jobId: null,
        profile,
        measuredAt: new Date(t0 + i * 1000),
      }));
      expect(JSON.stringify(rows).length).toBeGreaterThan(16 << 20);
      await insertMeasurementsBulk(a.db, rows);
      const stored = await a.db.select({ id: measurements.id }).from(measurements).where(eq(measurements.modelId, first!.modelId));
      expect(stored.length).toBeGreaterThanOrEqual(n);
      await a.db.delete(measurements).where(lt(measurements.measuredAt, new Date(t0 + n * 1000 + 1)));
    },
  );

  it("round-trips: export → import into a fresh database → export gives identical files", { timeout: 120_000 }, async () => {
    // a second (older) run of one model, and a corpus network that has no zoo spec and ships no bytes
    const plat = (await getPlatformBySlug(a.db, { slug: t1.slug }))!;
    const [first] = await a.db.select().from(measurements).limit(1);
    await recordMeasurement(a.db, {
      ...first!,
      id: undefined,
      jobId: null,
      medianMs: first!.medianMs * 1.01,
      measuredAt: new Date(first!.measuredAt.getTime() - 60_000),
    });
    const bytes = generate(validateSpec({ family: "vgg", resolution: 64, depths: [1, 1, 1, 1, 1] }));
    const sum = analyze(bytes);
    const corpus = await insertModel(a.db, {
      hash: sum.hash,
      name: "corpus/test/vgg.onnx",
      family: sum.family.name,
      familyConfidence: sum.family.confidence,
      batch: sum.batch,
      inputShapes: sum.inputs,
      opset: sum.opset,
      flops: sum.flops,
      macs: sum.macs,
      params: sum.params,
      memoryAccess: sum.memoryAccess,
      activationMemory: sum.activationMemory,
      nodeCount: sum.nodeCount,
      opHistogram: sum.opHistogram,
      visibility: "public",
      source: "upload",
      storageKey: "corpus:networks/test/vgg.onnx",
      bytes,
    });
    await recordMeasurement(a.db, {
      ...first!,
      id: undefined,
      jobId: null,
      modelId: corpus.id,
      platformId: plat.id,
      medianMs: 3.25,
      profile: null,
      env: { host: { cpuModel: "x" } },
    });

    const d1 = path.join(tmp, "one"),
      d2 = path.join(tmp, "two");
    const m1 = await exportRelease(a.db, d1);
    const stored = (await a.db.select({ id: measurements.id }).from(measurements)).length;
    expect(m1.counts).toMatchObject({ models: 3, zooModels: 2, corpusModels: 1, measurements: stored, platforms: 1 });
    expect(m1.matrix[t1.slug]!.b1).toMatchObject({ alexnet: 1, squeezenet: 1 });

    const r = await importRelease(b.db, d1, { verify: 5 });
    expect(r).toMatchObject({ modelsInserted: 3, measurementsInserted: stored, verified: { checked: 2, mismatched: [] } });
    const m2 = await exportRelease(b.db, d2);
    const files = fs.readdirSync(d1).sort();
    expect(files.filter((f) => /^measurements\..+\.jsonl\.gz$/.test(f)).length).toBeGreaterThan(0); // one per platform
    expect(
      files
        .filter((f) => /^measurements\./.test(f))
        .every((f) => /^measurements\.[a-z0-9-]+\.[a-z0-9.-]+\.(fp32|fp16|int8)\.t\d+(\.part\d+)?\.jsonl\.gz$/.test(f)),
    ).toBe(true);
    expect(fs.readdirSync(d2).sort()).toEqual(files);
    for (const f of files) expect(read(d2, f).equals(read(d1, f)), f).toBe(true);
    expect(m2).toEqual(m1);

    // latest_measurements rebuilt the same (newest run, run counts); the corpus model has no bytes
    const latest = async (h: DbHandle) =>
      (
        await h.db
          .select({
            hash: models.hash,
            slug: platforms.slug,
            batch: latestMeasurements.batch,
            median: latestMeasurements.medianMs,
            n: latestMeasurements.measurementCount,
            family: latestMeasurements.family,
          })
          .from(latestMeasurements)
          .innerJoin(models, eq(models.id, latestMeasurements.modelId))
          .innerJoin(platforms, eq(platforms.id, latestMeasurements.platformId))
      ).sort((x, y) => x.hash.localeCompare(y.hash));
    expect(await latest(b)).toEqual(await latest(a));
    expect((await latest(b)).map((x) => x.n).reduce((x, y) => x + y, 0)).toBe(stored);
    expect((await latest(b)).find((x) => x.median === 3.25)?.n).toBe(1); // the corpus network: one run
    const [imported] = await b.db.select().from(models).where(eq(models.hash, sum.hash));
    expect(imported).toMatchObject({ storageKey: "corpus:networks/test/vgg.onnx", zooSpec: null, visibility: "public" });

    // idempotent, and the start hook only loads into a database without measurements
    expect(await importRelease(b.db, d1)).toMatchObject({ modelsInserted: 0, measurementsInserted: 0 });
    expect(await loadReleaseIfEmpty(b.db, d1)).toBeNull();
    expect(readRelease(d1).measurements).toHaveLength(stored);
  });

  it(
    "a campaign measures a corpus network that came from a release without bytes (they are added from the corpus)",
    { timeout: 120_000 },
    async () => {
      // database b imported the vgg "corpus network" above: a row with its hash, no bytes
      const root = path.join(tmp, "corpus");
      fs.mkdirSync(path.join(root, "networks/test"), { recursive: true });
      fs.writeFileSync(
        path.join(root, "networks/test/vgg.onnx"),
        generate(validateSpec({ family: "vgg", resolution: 64, depths: [1, 1, 1, 1, 1] })),
      );
      const other = localPlatforms(host)[1]!; // a platform it has no result on yet
      await b.db
        .insert(platforms)
        .ignore()
        .values({
          slug: other.slug,
          name: other.slug,
          hardware: other.hardware,
          runtime: other.runtime,
          runtimeVersion: other.runtimeVersion,
          precision: other.precision,
          threads: other.threads,
          config: { adapter: other.runtime, passes: other.passes },
        });
      const nets: Stage = { name: "nets", platform: other.slug, batch: 1, perFamily: 0, families: [], networks: true };
      const s = await runCampaign(b.db, { stages: [nets], host, lock, budgetMs: 150, corpusRoot: root });
      expect(s.failed).toBe(0);
      expect(s.measured).toBeGreaterThanOrEqual(1); // 1, plus retakes where it was not clean
    },
  );

  it("refuses a release whose files do not match the manifest, and a missing one", async () => {
    const d = path.join(tmp, "bad");
    fs.cpSync(path.join(tmp, "one"), d, { recursive: true });
    fs.appendFileSync(path.join(d, "platforms.json"), " ");
    await expect(importRelease(b.db, d)).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(importRelease(b.db, path.join(tmp, "nothing-here"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
