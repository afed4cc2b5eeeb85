/**
 * Release format 2: the v1 → v2 history rewrite (re-identified from the recorded host, graded legacy, no
 * profile; deterministic), import of format 2 rows into the quality columns with the newest clean row kept
 * as latest, import of a format 1 release (re-identified and graded legacy on the way in), export → import
 * → export byte for byte with the history merged, and the committed release in a fresh database: legacy
 * rows never reach a clean-only read.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { createDb, type DbHandle } from "@/lib/db/client";
import { latestMeasurements, measurements, models, platforms } from "@/lib/db/schema";
import { seed } from "@/lib/services/seed";
import {
  exportRelease,
  importRelease,
  loadReleaseIfEmpty,
  readRelease,
  rewriteV1Release,
  writeRelease,
  type ReleaseMeasurement,
  type ReleaseModel,
  type ReleasePlatform,
} from "@/lib/services/release";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-release-v2-test-"));
let A: TestDatabase, B: TestDatabase, C: TestDatabase;
let a: DbHandle, b: DbHandle, c: DbHandle;

beforeAll(async () => {
  [A, B, C] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
  a = createDb(A.url, { connectionLimit: 2 });
  b = createDb(B.url, { connectionLimit: 2 });
  c = createDb(C.url, { connectionLimit: 2 });
  // no host platform rows: the fixtures name x86-zen4-avx512-2c, which is this host's identity on a Zen 4 EPYC
  for (const h of [a, b, c]) await seed(h.db, { demo: false, hostPlatforms: false });
}, 120_000);

afterAll(async () => {
  for (const h of [a, b, c]) await h?.close();
  for (const d of [A, B, C]) await d?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const EPYC_V1 = {
  hostname: "vm",
  cpuModel: "AMD EPYC",
  cores: 2,
  arch: "x64",
  cpuFlags: ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"],
};
const XEON_V1 = {
  hostname: "vm",
  cpuModel: "Intel(R) Xeon(R) Processor",
  cores: 2,
  arch: "x64",
  cpuFlags: ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_int8"],
};
const ZEN3 = {
  hostname: "vm",
  cpuModel: "AMD EPYC",
  cores: 2,
  arch: "x64",
  cpuFlags: ["sse4_2", "avx", "avx2", "fma"],
  cpuVendor: "AuthenticAMD",
  cpuFamily: 25,
  cpuModelNumber: 1,
};

const hashOf = (i: number) => createHash("sha256").update(`model-${i}`).digest("hex");
const model = (i: number): ReleaseModel => ({
  hash: hashOf(i),
  name: `zoo/test-${i}`,
  family: i % 2 ? "resnet" : "vgg",
  familyConfidence: 1,
  batch: 1,
  inputShapes: { input: [1, 3, 32, 32] },
  opset: 17,
  flops: 1000 * i,
  macs: 500 * i,
  params: 10 * i,
  memoryAccess: 100,
  activationMemory: 10,
  nodeCount: 3,
  opHistogram: { Conv: 1 },
  source: "zoo",
  zooSpec: { family: i % 2 ? "resnet" : "vgg", i },
  storageKey: null,
  onnxBytes: null,
});
const platform = (hardware: string, threads: number, runtime = "ort-cpu"): ReleasePlatform => ({
  slug: `${hardware}/${runtime}-1.30/fp32/t${threads}`,
  name: `onnxruntime-node CPU, ${threads} thread${threads > 1 ? "s" : ""} (${hardware})`,
  hardware,
  runtime,
  runtimeVersion: "1.30",
  precision: "fp32",
  threads,
  config: { adapter: runtime, passes: ["materialize-weights", "set-shapes", "check-ops"] },
  description: `test platform on ${hardware}`,
  active: true,
});
const stats = (median: number) => ({
  medianMs: median,
  meanMs: median,
  minMs: median * 0.9,
  maxMs: median * 1.2,
  p90Ms: median * 1.1,
  p99Ms: median * 1.15,
  stdMs: median * 0.05,
  cv: 0.05,
  runs: 12,
  warmups: 3,
});
const kernels = { runs: 5, kernels: [["Conv_0", "Conv", null, 0.5, ["Conv_0"]]] as [string, string, null, number, string[]][] };

/** a format 1 release as release v1 wrote it: old slugs, full env, per-kernel profiles, no quality */
function writeV1(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const v1 = (hash: string, slug: string, host: object, at: string, median: number, threads = 1) => ({
    model: hash,
    platform: slug,
    batch: 1,
    measuredAt: at,
    runtimeVersion: "1.30.0",
    stats: stats(median),
    peakMemoryBytes: 1000,
    deviceSeconds: 0.5,
    env: {
      host,
      cpu: { median: median * threads * 0.98, p90: median },
      noisy: false,
      ciRel: 0.03,
      conversion: [{ name: "set-shapes", ms: 1 }],
      memory: { peakRssBytes: 1 },
    },
    profile: kernels,
  });
  const rows = [
    v1(hashOf(1), "x86-epyc-2c/ort-cpu-1.30/fp32/t1", EPYC_V1, "2026-11-21T15:00:00.000Z", 10),
    v1(hashOf(1), "x86-epyc-2c/ort-cpu-1.30/fp32/t1", EPYC_V1, "2026-11-21T16:00:00.000Z", 12),
    v1(hashOf(2), "x86-xeon-2c/ort-cpu-1.30/fp32/t2", XEON_V1, "2026-11-21T22:00:00.000Z", 6, 2),
  ];
  const gz = (lines: object[]) => zlib.gzipSync(Buffer.from(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"));
  const files: Record<string, Buffer> = {
    "platforms.json": Buffer.from(JSON.stringify({ platforms: [platform("x86-epyc-2c", 1), platform("x86-xeon-2c", 2)] })),
    "specs.jsonl.gz": gz([model(1), model(2)]),
    "measurements.x86-epyc-2c.ort-cpu-1.30.fp32.t1.jsonl.gz": gz(rows.slice(0, 2)),
    "measurements.x86-xeon-2c.ort-cpu-1.30.fp32.t2.jsonl.gz": gz(rows.slice(2)),
  };
  for (const [n, buf] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), buf);
  const manifest = {
    format: "nnlq-data-release",
    version: 1,
    zooVersion: "1",
    counts: {},
    matrix: {},
    files: Object.fromEntries(
      Object.entries(files).map(([n, buf]) => [n, { bytes: buf.length, sha256: createHash("sha256").update(buf).digest("hex") }]),
    ),
  };
  fs.writeFileSync(path.join(dir, "MANIFEST.json"), JSON.stringify(manifest));
}

const v1Dir = path.join(tmp, "v1");
const v2Dir = path.join(tmp, "v2");
const files = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f)).toString("base64")]),
  );

describe("release v1 → v2 history", () => {
  it("re-identifies v1 EPYC rows as zen4-avx512 and Xeon rows as sapphirerapids-amx, graded legacy, without profiles; idempotent", () => {
    writeV1(v1Dir);
    const m = rewriteV1Release(v1Dir, v2Dir);
    expect(m.version).toBe(2);
    expect(m.counts).toMatchObject({ platforms: 2, models: 2, measurements: 3, byGrade: { legacy: 3 } });
    expect(m.clean).toEqual({ measurements: 0, results: 0, models: 0 });
    expect(Object.keys(m.grades!).sort()).toEqual(["x86-sapphirerapids-amx-2c", "x86-zen4-avx512-2c"]);
    expect(m.grades!["x86-zen4-avx512-2c"]!["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1"]!.b1).toEqual({ resnet: { legacy: 2 } });
    const r = readRelease(v2Dir);
    expect(r.platforms.map((p) => [p.slug, p.hardware, p.name])).toEqual([
      [
        "x86-sapphirerapids-amx-2c/ort-cpu-1.30/fp32/t2",
        "x86-sapphirerapids-amx-2c",
        "onnxruntime-node CPU, 2 threads (x86-sapphirerapids-amx-2c)",
      ],
      ["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1", "x86-zen4-avx512-2c", "onnxruntime-node CPU, 1 thread (x86-zen4-avx512-2c)"],
    ]);
    const byPlatform: Record<string, ReleaseMeasurement[]> = {};
    for (const x of r.measurements) (byPlatform[x.platform] ??= []).push(x);
    expect(byPlatform["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1"]!.map((x) => x.stats.medianMs)).toEqual([10, 12]);
    expect(byPlatform["x86-sapphirerapids-amx-2c/ort-cpu-1.30/fp32/t2"]!.map((x) => x.model)).toEqual([hashOf(2)]);
    for (const x of r.measurements) {
      expect(x.quality).toMatchObject({ protocol: 1, grade: "legacy", labelKind: "wall-v1", cleanRuns: null, ciRel: 0.03, runs: 12 });
      expect(x.profile).toBeNull();
      expect(Object.keys(x.env!).sort()).toEqual(["ciRel", "cpu", "formerPlatform", "host", "noisy"]);
      expect(x.deviceSeconds).toBe(0.5);
    }
    // CPU time is one thread's only at t1: the estimate is kept there, not on the t2 row
    expect(byPlatform["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1"]![0]!.quality).toMatchObject({ cpuMedianMs: 9.8, wallCpuRatio: 1.0204 });
    expect(byPlatform["x86-sapphirerapids-amx-2c/ort-cpu-1.30/fp32/t2"]![0]!.quality).toMatchObject({
      cpuMedianMs: null,
      wallCpuRatio: null,
    });
    expect(byPlatform["x86-sapphirerapids-amx-2c/ort-cpu-1.30/fp32/t2"]![0]!.env!.formerPlatform).toBe("x86-xeon-2c/ort-cpu-1.30/fp32/t2");

    const before = files(v2Dir);
    rewriteV1Release(v1Dir, v2Dir);
    expect(files(v2Dir)).toEqual(before);
    expect(() => rewriteV1Release(v2Dir, path.join(tmp, "x"))).toThrow(/not release v1/);
  });
});

describe("import", () => {
  it("loads format 2 rows into the quality columns and keeps the newest clean row as latest", async () => {
    const hw = "x86-testcpu-avx2-2c"; // not this host's: the seed has no platform row of it
    const q = (grade: "clean" | "contended" | "estimated", over: object = {}) =>
      ({
        protocol: 2,
        grade,
        labelKind: grade === "clean" ? "wall-clean" : grade === "estimated" ? "cpu-estimate" : "wall-contended",
        cleanRuns: grade === "clean" ? 14 : 0,
        runs: 30,
        ciRel: 0.008,
        wallCpuRatio: 1.01,
        interferenceShare: grade === "clean" ? 0.01 : 0.4,
        runqShare: 0.002,
        waitMs: 1500,
        cpuMedianMs: 4.9,
        ...over,
      }) as ReleaseMeasurement["quality"];
    const row = (i: number, at: string, median: number, quality: ReleaseMeasurement["quality"]): ReleaseMeasurement => ({
      model: hashOf(i),
      platform: `${hw}/ort-cpu-1.30/fp32/t1`,
      batch: 1,
      measuredAt: at,
      runtimeVersion: "1.30.0",
      stats: stats(median),
      peakMemoryBytes: 2000,
      deviceSeconds: 1.5,
      quality,
      env: { host: ZEN3, quality: { ...quality, nivcsw: 3, windows: 4, cleanWindows: 3, wallMedianAllMs: median } },
      profile: kernels,
    });
    const dir = path.join(tmp, "q");
    fs.cpSync(v2Dir, dir, { recursive: true });
    const hist = readRelease(dir);
    writeRelease(dir, {
      platforms: [platform(hw, 1), ...hist.platforms],
      models: [model(3), model(4), ...hist.models],
      measurements: [
        row(3, "2026-12-07T10:00:00.000Z", 5, q("clean")), // older clean
        row(3, "2026-12-07T11:00:00.000Z", 9, q("contended")), // newer contended: not the label
        row(4, "2026-12-07T10:30:00.000Z", 7, q("estimated", { ciRel: null, runqShare: null })),
        ...hist.measurements,
      ],
    });
    const r = await importRelease(a.db, dir, { verify: 0 });
    expect(r).toMatchObject({ measurements: 6, measurementsInserted: 6 });

    const rows = await a.db
      .select({ hash: models.hash, slug: platforms.slug, m: measurements })
      .from(measurements)
      .innerJoin(models, eq(models.id, measurements.modelId))
      .innerJoin(platforms, eq(platforms.id, measurements.platformId));
    const of = (i: number, grade: string) => rows.find((x) => x.hash === hashOf(i) && x.m.grade === grade)!.m;
    expect(of(3, "clean")).toMatchObject({
      protocol: 2,
      labelKind: "wall-clean",
      cleanRuns: 14,
      ciRel: 0.008,
      wallCpuRatio: 1.01,
      interferenceShare: 0.01,
      runqShare: 0.002,
      waitMs: 1500,
      cpuMedianMs: 4.9,
      medianMs: 5,
    });
    expect(of(3, "contended")).toMatchObject({
      protocol: 2,
      labelKind: "wall-contended",
      cleanRuns: 0,
      interferenceShare: 0.4,
      medianMs: 9,
    });
    expect(of(4, "estimated")).toMatchObject({ protocol: 2, labelKind: "cpu-estimate", ciRel: null, runqShare: null });
    expect(
      rows
        .filter((x) => x.m.grade === "legacy")
        .map((x) => [x.slug, x.m.protocol, x.m.labelKind, x.m.profile])
        .sort(),
    ).toEqual([
      ["x86-sapphirerapids-amx-2c/ort-cpu-1.30/fp32/t2", 1, "wall-v1", null],
      ["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1", 1, "wall-v1", null],
      ["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1", 1, "wall-v1", null],
    ]);

    const latest = await a.db
      .select({
        hash: models.hash,
        slug: platforms.slug,
        grade: latestMeasurements.grade,
        median: latestMeasurements.medianMs,
        n: latestMeasurements.measurementCount,
        mid: latestMeasurements.measurementId,
      })
      .from(latestMeasurements)
      .innerJoin(models, eq(models.id, latestMeasurements.modelId))
      .innerJoin(platforms, eq(platforms.id, latestMeasurements.platformId));
    const l3 = latest.find((x) => x.hash === hashOf(3))!;
    expect(l3).toMatchObject({ grade: "clean", median: 5, n: 2, mid: of(3, "clean").id });
    expect(latest.find((x) => x.hash === hashOf(4))).toMatchObject({ grade: "estimated", median: 7 });
    // legacy pairs: the newest row is kept, graded legacy
    expect(latest.find((x) => x.hash === hashOf(1))).toMatchObject({
      grade: "legacy",
      median: 12,
      n: 2,
      slug: "x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1",
    });

    // export → import into a fresh database → export: the same bytes (history and v2 rows alike)
    const e1 = path.join(tmp, "e1"),
      e2 = path.join(tmp, "e2");
    const m1 = await exportRelease(a.db, e1, { history: null });
    expect(m1.counts.byGrade).toEqual({ clean: 1, estimated: 1, contended: 1, legacy: 3 });
    expect(m1.clean).toEqual({ measurements: 1, results: 1, models: 1 });
    expect(m1.matrixClean).toEqual({ "x86-testcpu-avx2-2c/ort-cpu-1.30/fp32/t1": { b1: { resnet: 1 } } });
    expect(m1.matrix["x86-testcpu-avx2-2c/ort-cpu-1.30/fp32/t1"]).toEqual({ b1: { resnet: 1, vgg: 1 } });
    expect(files(e1)).toEqual(files(dir));
    await importRelease(b.db, e1, { verify: 0 });
    await exportRelease(b.db, e2, { history: null });
    expect(files(e2)).toEqual(files(e1));
  });

  it("exports a database without the history, merging the history rows of the release already there", async () => {
    // database c holds only v2 rows; the target directory holds the history: both end up in the export
    const only = path.join(tmp, "only");
    const full = readRelease(path.join(tmp, "q"));
    writeRelease(only, { ...full, measurements: full.measurements.filter((m) => m.quality.grade !== "legacy") });
    await importRelease(c.db, only, { verify: 0 });
    const out = path.join(tmp, "merged");
    fs.cpSync(v2Dir, out, { recursive: true }); // the history only
    const m = await exportRelease(c.db, out);
    expect(m.counts.byGrade).toEqual({ clean: 1, estimated: 1, contended: 1, legacy: 3 });
    expect(files(out)).toEqual(files(path.join(tmp, "q")));
    const again = await exportRelease(c.db, out); // idempotent: the history is not doubled
    expect(again).toEqual(m);
  });

  it("still imports a format 1 release: rows re-identified and graded legacy on the way in", async () => {
    // database c holds the v2 rows only (previous test)
    const r = await importRelease(c.db, v1Dir, { verify: 0 });
    expect(r).toMatchObject({ measurements: 3, measurementsInserted: 3, platformsCreated: 2 });
    const got = await c.db
      .select({
        slug: platforms.slug,
        grade: measurements.grade,
        protocol: measurements.protocol,
        labelKind: measurements.labelKind,
        profile: measurements.profile,
      })
      .from(measurements)
      .innerJoin(platforms, eq(platforms.id, measurements.platformId))
      .where(eq(measurements.grade, "legacy"));
    expect(got.map((x) => [x.slug, x.grade, x.protocol, x.labelKind, x.profile]).sort()).toEqual([
      ["x86-sapphirerapids-amx-2c/ort-cpu-1.30/fp32/t2", "legacy", 1, "wall-v1", null],
      ["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1", "legacy", 1, "wall-v1", null],
      ["x86-zen4-avx512-2c/ort-cpu-1.30/fp32/t1", "legacy", 1, "wall-v1", null],
    ]);
    expect(
      await c.db
        .select()
        .from(platforms)
        .where(sql`${platforms.hardware} IN ('x86-epyc-2c', 'x86-xeon-2c')`),
    ).toEqual([]);
    // the same rows as the rewritten history: importing that adds nothing, exporting gives the same files
    expect(await importRelease(c.db, v2Dir, { verify: 0 })).toMatchObject({ measurementsInserted: 0 });
    const out = path.join(tmp, "from-v1");
    await exportRelease(c.db, out, { history: null });
    expect(files(out)).toEqual(files(path.join(tmp, "q")));
  });
});

describe("the committed release (data/release-v2)", () => {
  it("loads into a fresh database in seconds; legacy rows never reach a clean-only read", { timeout: 120_000 }, async () => {
    const fresh = await createTestDatabase();
    const h = createDb(fresh.url, { connectionLimit: 2 });
    try {
      await seed(h.db, { demo: false });
      const release = readRelease();
      expect(release.manifest.version).toBe(2);
      const t0 = performance.now();
      const r = await loadReleaseIfEmpty(h.db);
      const seconds = (performance.now() - t0) / 1000;
      expect(r!.measurementsInserted).toBe(release.measurements.length);
      expect(seconds).toBeLessThan(30);

      const byGrade = await h.db
        .select({ grade: measurements.grade, n: sql<number>`COUNT(*)`.mapWith(Number) })
        .from(measurements)
        .groupBy(measurements.grade);
      expect(Object.fromEntries(byGrade.map((x) => [x.grade, x.n]))).toEqual(release.manifest.counts.byGrade);
      expect(release.manifest.counts.byGrade!.legacy).toBeGreaterThanOrEqual(9496); // release v1, kept as history

      // a clean-only read of latest results: exactly the release's clean results, none on a history identity
      const clean = await h.db
        .select({ slug: platforms.slug, n: sql<number>`COUNT(*)`.mapWith(Number) })
        .from(latestMeasurements)
        .innerJoin(platforms, eq(platforms.id, latestMeasurements.platformId))
        .where(eq(latestMeasurements.grade, "clean"))
        .groupBy(platforms.slug);
      expect(clean.reduce((s, x) => s + x.n, 0)).toBe(release.manifest.clean!.results);
      // per platform, exactly its clean results in the manifest (a history identity re-measured with protocol v2
      // has clean rows of its own; its legacy rows never count)
      const cleanResults = (slug: string) =>
        Object.values(release.manifest.matrixClean?.[slug] ?? {}).reduce(
          (a, fams) => a + Object.values(fams).reduce((x, n) => x + n, 0),
          0,
        );
      for (const x of clean) expect(x.n, x.slug).toBe(cleanResults(x.slug));
      const legacyLabels = await h.db
        .select({ n: sql<number>`COUNT(*)`.mapWith(Number) })
        .from(latestMeasurements)
        .innerJoin(measurements, eq(measurements.id, latestMeasurements.measurementId))
        .where(and(eq(latestMeasurements.grade, "clean"), eq(measurements.grade, "legacy")));
      expect(legacyLabels[0]!.n).toBe(0);
      // no platform of the old, ambiguous slugs
      const old = await h.db
        .select()
        .from(platforms)
        .where(sql`${platforms.hardware} IN ('x86-epyc-2c', 'x86-xeon-2c')`);
      expect(old).toEqual([]);
    } finally {
      await h.close();
      await fresh.drop();
    }
  });
});
