/**
 * The evolving database's invariants on a real MySQL: unique keys make duplicates impossible, JSON and
 * blobs round-trip, latest_measurements follows the newest run, and health reports the migration.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { db, makeUser } from "../setup/fixtures";
import { insertModel, getModelByHash } from "@/lib/db/models";
import { getAccessibleModel, getStructureBytes } from "@/lib/db/model-access";
import { recordMeasurement, listMeasurementHistory } from "@/lib/db/measurements";
import { insertLedgerRow, setQuota, usageSummary } from "@/lib/db/usage";
import { insertTeamWithOwner, insertMembership } from "@/lib/db/teams";
import { databaseHealth } from "@/lib/db/meta";
import { seed } from "@/lib/services/seed";
import { latestMeasurements, platforms, jobs, predictorVersions, predictions, type Platform } from "@/lib/db/schema";
import type { NewModel } from "@/lib/db/schema";
import { NnlqError } from "@/lib/errors";
import journal from "@/drizzle/meta/_journal.json";

const LATEST_MIGRATION = journal.entries.at(-1)!.tag;

let platform: Platform;
let teamId: number;

const hash = () => randomBytes(32).toString("hex");
const modelRow = (over: Partial<NewModel> = {}): NewModel => ({
  hash: hash(),
  name: "resnet18-test",
  family: "resnet",
  batch: 1,
  inputShapes: { input: [1, 3, 224, 224] },
  flops: 3_600_000_000,
  params: 11_689_512,
  memoryAccess: 120_000_000,
  nodeCount: 49,
  opHistogram: { Conv: 20, Relu: 17, Add: 8 },
  visibility: "public",
  source: "zoo",
  zooSpec: { family: "resnet", seed: 1, depth: 18 },
  ...over,
});
const stats = (median: number) => ({
  medianMs: median,
  meanMs: median * 1.01,
  minMs: median * 0.98,
  p90Ms: median * 1.05,
  p99Ms: median * 1.1,
  stdMs: median * 0.01,
  runs: 50,
  warmups: 5,
  runtimeVersion: "1.30.0",
});

beforeAll(async () => {
  await seed(db(), { demo: false });
  [platform] = await db().select().from(platforms).limit(1);
  const owner = await makeUser("schema-owner");
  teamId = (await insertTeamWithOwner(db(), { name: "schema team", ownerId: owner.id })).id;
});

describe("database invariants", () => {
  it("seeds families and platforms idempotently with readable slugs", async () => {
    const again = await seed(db(), { demo: false });
    expect(again.platforms).toContain(platform.slug);
    expect(platform.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*-\d+c\/ort-(cpu|wasm)-\d+\.\d+\/(fp32|int8)\/t\d+$/);
    expect(platform.config.passes).toContain("materialize-weights");
    const [{ n }] = (await db().execute(sql`SELECT COUNT(*) AS n FROM platforms WHERE slug = ${platform.slug}`))[0] as unknown as {
      n: number;
    }[];
    expect(Number(n)).toBe(1);
  });

  it("a structure hash is stored once; JSON and structure bytes round-trip", async () => {
    const bytes = new Uint8Array([8, 7, 18, 4, 110, 110, 108, 113]);
    const m = await insertModel(db(), { ...modelRow({ visibility: "private", ownerTeamId: teamId }), bytes });
    expect(m.opHistogram).toEqual({ Conv: 20, Relu: 17, Add: 8 });
    expect(m.inputShapes).toEqual({ input: [1, 3, 224, 224] });
    expect(m.flops).toBe(3_600_000_000);
    expect(m.onnxBytes).toBe(bytes.length);
    expect(await getStructureBytes(db(), { modelId: m.id })).toEqual(bytes);
    expect(await getAccessibleModel(db(), { id: m.id, teamIds: [teamId] })).not.toBeNull();
    expect(await getAccessibleModel(db(), { id: m.id, teamIds: [] })).toBeNull(); // private: not for others

    const dup = await insertModel(db(), modelRow({ hash: m.hash, name: "renamed copy" })).catch((e) => e);
    expect(dup).toBeInstanceOf(NnlqError);
    expect(dup.code).toBe("CONFLICT");
    expect(dup.details).toEqual({ modelId: m.id });
    expect((await getModelByHash(db(), { hash: m.hash }))?.name).toBe("resnet18-test");
  });

  it("unknown families are refused by the foreign key", async () => {
    await expect(insertModel(db(), modelRow({ family: "not-a-family" }))).rejects.toThrow();
  });

  it("keeps every measurement and the newest one per model × platform × batch in latest_measurements", async () => {
    const m = await insertModel(db(), modelRow());
    const t0 = new Date("2025-01-01T00:00:00Z");
    const first = await recordMeasurement(db(), { modelId: m.id, platformId: platform.id, batch: 1, ...stats(10), measuredAt: t0 });
    const newer = await recordMeasurement(db(), {
      modelId: m.id,
      platformId: platform.id,
      batch: 1,
      ...stats(12),
      measuredAt: new Date(t0.getTime() + 3600_000),
      profile: { kernels: [{ name: "Conv_0", op: "FusedConv", ms: 1.5 }] },
    });
    // an older run imported later is kept in history but does not replace the newest
    await recordMeasurement(db(), {
      modelId: m.id,
      platformId: platform.id,
      batch: 1,
      ...stats(9),
      measuredAt: new Date(t0.getTime() - 3600_000),
    });

    const history = await listMeasurementHistory(db(), { modelId: m.id, platformId: platform.id, batch: 1 });
    expect(history.map((h) => h.medianMs)).toEqual([12, 10, 9]);
    expect(history[0]!.profile?.kernels[0]?.op).toBe("FusedConv");
    expect(history[1]!.measuredAt.toISOString()).toBe(t0.toISOString()); // UTC round-trip

    const [latest] = await db()
      .select()
      .from(latestMeasurements)
      .where(and(eq(latestMeasurements.modelId, m.id), eq(latestMeasurements.platformId, platform.id)));
    expect(latest).toMatchObject({ measurementId: newer.id, medianMs: 12, measurementCount: 3, family: "resnet", visibility: "public" });
    expect(first.id).toBeLessThan(newer.id);
  });

  it("one ledger row per job and kind; usage = Σ deltas against the quota", async () => {
    const m = await insertModel(db(), modelRow({ ownerTeamId: teamId }));
    const [job] = await db()
      .insert(jobs)
      .values({ modelId: m.id, platformId: platform.id, batch: 1, teamId, idempotencyKey: `${m.hash}:${platform.id}:1` });
    const jobId = job.insertId;
    const month = "2030-01";
    await setQuota(db(), { teamId, platformId: platform.id, month, deviceSeconds: 100 });
    await insertLedgerRow(db(), { teamId, platformId: platform.id, month, jobId, kind: "reserve", deltaSeconds: 30 });
    await insertLedgerRow(db(), { teamId, platformId: platform.id, month, jobId, kind: "settle", deltaSeconds: -12 });
    const dup = await insertLedgerRow(db(), { teamId, platformId: platform.id, month, jobId, kind: "reserve", deltaSeconds: 30 }).catch(
      (e) => e,
    );
    expect(dup.code).toBe("CONFLICT");
    expect(await usageSummary(db(), { teamId, month })).toEqual([
      { platformId: platform.id, platformSlug: platform.slug, month, quotaSeconds: 100, usedSeconds: 18, remainingSeconds: 82 },
    ]);
    // the same work twice in the queue is impossible while the idempotency key is set
    await expect(
      db().insert(jobs).values({ modelId: m.id, platformId: platform.id, batch: 1, teamId, idempotencyKey: `${m.hash}:${platform.id}:1` }),
    ).rejects.toThrow();
  });

  it("predictions are unique per model × platform × batch × predictor version", async () => {
    const m = await insertModel(db(), modelRow());
    const [pv] = await db().insert(predictorVersions).values({
      name: `gnn-test-${hash().slice(0, 8)}`,
      method: "gnn",
      platformIds: [platform.id],
      featureSetVersion: "f1",
      trainingSetSize: 10,
      metrics: { random: { mape: 2.5 } },
    });
    const row = { modelId: m.id, platformId: platform.id, batch: 1, predictorVersionId: pv.insertId, valueMs: 10.5 };
    await db().insert(predictions).values(row);
    await expect(db().insert(predictions).values(row)).rejects.toThrow();
  });

  it("a user joins a team once", async () => {
    const u = await makeUser("dup-member");
    await insertMembership(db(), { teamId, userId: u.id, role: "member" });
    await expect(insertMembership(db(), { teamId, userId: u.id, role: "admin" })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("health reports the applied migration", async () => {
    expect(await databaseHealth(db())).toMatchObject({
      reachable: true,
      pending: [],
      migration: { tag: LATEST_MIGRATION, applied: journal.entries.length },
    });
  });
});
