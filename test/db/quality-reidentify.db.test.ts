/**
 * The hardware-identity data migration (lib/db/reidentify.ts) on a database of its own: measurements stored
 * under the old slug x86-epyc-2c by two different EPYCs (AVX-512 and AVX2 only, told apart by the env.host
 * they recorded) end up on two platforms of exact identity; latest_measurements is rebuilt (a clean v2 row
 * already on the target platform stays the kept one); the old platform goes when nothing references it,
 * else it is retired; running the migrations again changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { createDb, type DbHandle } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { recordMeasurement } from "@/lib/db/measurements";
import { insertModel } from "@/lib/db/models";
import { reidentifyPlatforms, identityOfEnv } from "@/lib/db/reidentify";
import { architectureFamilies, latestMeasurements, measurements, platforms, type Model, type NewMeasurement, type Platform } from "@/lib/db/schema";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { EPYC_AVX2_HOST, EPYC_AVX512_HOST, ZEN3, ZEN4 } from "./quality-world";

let tdb: TestDatabase;
let h: DbHandle;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createDb(tdb.url, { connectionLimit: 2 });
  await h.db.insert(architectureFamilies).values({ name: "resnet", label: "ResNet" });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await tdb?.drop();
});

const SUFFIX = "/ort-cpu-1.30/fp32/t1";

async function platformRow(hardware: string, suffix = SUFFIX): Promise<Platform> {
  const slug = `${hardware}${suffix}`;
  await h.db.insert(platforms).values({
    slug,
    name: `onnxruntime CPU, 1 thread (${hardware})`,
    hardware,
    runtime: "ort-cpu",
    runtimeVersion: "1.30",
    precision: "fp32",
    threads: Number(suffix.split("/t").at(-1)),
    config: { adapter: "ort-node", passes: ["materialize-weights"] },
    description: `${hardware} host`,
  });
  return (await h.db.select().from(platforms).where(eq(platforms.slug, slug)))[0]!;
}

let n = 0;
async function model(): Promise<Model> {
  n++;
  return insertModel(h.db, {
    hash: n.toString(16).padStart(64, "0"),
    name: `net-${n}`,
    family: "resnet",
    batch: 1,
    inputShapes: { input: [1, 3, 32, 32] },
    flops: 1000 * n,
    params: 10,
    memoryAccess: 100,
    nodeCount: 3,
    opHistogram: { Conv: 1 },
    visibility: "public",
    source: "zoo",
  });
}

function row(m: Model, platformId: number, medianMs: number, min: number, env: Record<string, unknown>, clean = false): NewMeasurement {
  return {
    modelId: m.id,
    platformId,
    batch: 1,
    runtimeVersion: "1.30.0",
    medianMs,
    meanMs: medianMs,
    minMs: medianMs,
    p90Ms: medianMs,
    p99Ms: medianMs,
    stdMs: 0,
    runs: 5,
    warmups: 1,
    env,
    ...(clean ? { protocol: 2, grade: "clean" as const, labelKind: "wall-clean" as const } : {}),
    measuredAt: new Date(Date.UTC(2026, 10, 20, 10, min)),
  };
}

describe("reidentify", () => {
  it("identityOfEnv maps the recorded hosts", () => {
    expect(identityOfEnv({ host: EPYC_AVX512_HOST })).toBe(ZEN4);
    expect(identityOfEnv({ host: EPYC_AVX2_HOST })).toBe(ZEN3);
    expect(identityOfEnv({ cpu: "test" })).toBeNull();
    expect(identityOfEnv(null)).toBeNull();
  });

  it("splits x86-epyc-2c by recorded identity into two platforms, rebuilds latest rows, removes or retires the old ones", async () => {
    const old = await platformRow("x86-epyc-2c");
    const oldT2 = await platformRow("x86-epyc-2c", "/ort-cpu-1.30/fp32/t2");
    // the AVX-512 identity already has a platform with a clean v2 measurement of model a
    const zen4 = await platformRow(ZEN4);
    const [a, b, c] = [await model(), await model(), await model()];
    const clean = await recordMeasurement(h.db, row(a, zen4.id, 1.0, 30, { host: EPYC_AVX512_HOST }, true));
    await recordMeasurement(h.db, row(a, old.id, 1.5, 1, { host: EPYC_AVX512_HOST }));
    await recordMeasurement(h.db, row(a, old.id, 1.6, 2, { host: EPYC_AVX512_HOST }));
    const bAvx2 = await recordMeasurement(h.db, row(b, old.id, 3.0, 3, { host: EPYC_AVX2_HOST }));
    const bAvx512 = await recordMeasurement(h.db, row(b, old.id, 2.0, 4, { host: EPYC_AVX512_HOST }));
    const cAvx2 = await recordMeasurement(h.db, row(c, old.id, 7.0, 5, { host: EPYC_AVX2_HOST }));
    // a host-less row on the t2 platform: its identity is unknown, it stays (and keeps the platform alive)
    const hostless = await recordMeasurement(h.db, row(c, oldT2.id, 4.0, 6, { cpu: "unknown" }));
    await recordMeasurement(h.db, row(b, oldT2.id, 4.5, 7, { host: EPYC_AVX2_HOST }));
    // the old rows share one latest row per model: a, b, c on x86-epyc-2c
    expect(await h.db.select().from(latestMeasurements).where(eq(latestMeasurements.platformId, old.id))).toHaveLength(3);

    await runMigrations(tdb.url); // the SQL migrations are applied already: this runs the data migration

    const all = await h.db.select().from(platforms).orderBy(asc(platforms.slug));
    const bySlug = new Map(all.map((p) => [p.slug, p]));
    expect(bySlug.has(old.slug)).toBe(false); // nothing references it any more: deleted
    expect(bySlug.get(oldT2.slug)).toMatchObject({ active: false }); // the host-less row keeps it: retired
    const zen3 = bySlug.get(`${ZEN3}${SUFFIX}`)!;
    const zen3t2 = bySlug.get(`${ZEN3}/ort-cpu-1.30/fp32/t2`)!;
    expect(zen3).toMatchObject({
      hardware: ZEN3,
      runtime: "ort-cpu",
      runtimeVersion: "1.30",
      precision: "fp32",
      threads: 1,
      active: true,
      name: `onnxruntime CPU, 1 thread (${ZEN3})`,
      config: { adapter: "ort-node", passes: ["materialize-weights"] },
    });
    expect(zen3t2).toMatchObject({ hardware: ZEN3, threads: 2 });
    expect(bySlug.get(zen4.slug)!.id).toBe(zen4.id);

    const platformOf = async (id: number) => (await h.db.select().from(measurements).where(eq(measurements.id, id)))[0]!.platformId;
    expect(await platformOf(bAvx2.id)).toBe(zen3.id);
    expect(await platformOf(cAvx2.id)).toBe(zen3.id);
    expect(await platformOf(bAvx512.id)).toBe(zen4.id);
    expect(await platformOf(hostless.id)).toBe(oldT2.id);

    const latest = async (pid: number) =>
      (await h.db.select().from(latestMeasurements).where(eq(latestMeasurements.platformId, pid))).sort((x, y) => x.modelId - y.modelId);
    // zen4: a keeps its clean row (3 runs now), b its AVX-512 legacy row
    expect(await latest(zen4.id)).toMatchObject([
      { modelId: a.id, measurementId: clean.id, grade: "clean", medianMs: 1.0, measurementCount: 3 },
      { modelId: b.id, measurementId: bAvx512.id, grade: "legacy", medianMs: 2.0, measurementCount: 1 },
    ]);
    expect(await latest(zen3.id)).toMatchObject([
      { modelId: b.id, measurementId: bAvx2.id, medianMs: 3.0, measurementCount: 1 },
      { modelId: c.id, measurementId: cAvx2.id, medianMs: 7.0, measurementCount: 1 },
    ]);
    expect(await latest(oldT2.id)).toMatchObject([{ modelId: c.id, measurementId: hostless.id, measurementCount: 1 }]);
    expect(await latest(zen3t2.id)).toMatchObject([{ modelId: b.id, medianMs: 4.5, measurementCount: 1 }]);

    // idempotent: a second run moves, creates and removes nothing
    const before = {
      platforms: await h.db.select().from(platforms).orderBy(asc(platforms.id)),
      measurements: await h.db.select({ id: measurements.id, p: measurements.platformId }).from(measurements).orderBy(asc(measurements.id)),
      latest: await h.db.select().from(latestMeasurements),
    };
    expect(await reidentifyPlatforms(h.db)).toEqual({ moved: {}, created: [], deleted: [], deactivated: [] });
    await runMigrations(tdb.url);
    expect(await h.db.select().from(platforms).orderBy(asc(platforms.id))).toEqual(before.platforms);
    expect(
      await h.db.select({ id: measurements.id, p: measurements.platformId }).from(measurements).orderBy(asc(measurements.id)),
    ).toEqual(before.measurements);
    expect((await h.db.select().from(latestMeasurements)).length).toBe(before.latest.length);
  });
});
