/**
 * The write path of measurement quality on a real MariaDB: a result's quality lands in the measurement's
 * columns (none: protocol 1 / legacy), latest_measurements keeps the newest clean row (both orders of
 * arrival), a result measured on another CPU is refused with a 4xx and nothing stored, and an estimated or
 * contended result queues a free low-priority retake that a later clean result supersedes.
 */
import { beforeAll, describe, expect, it, afterAll } from "vitest";
import { and, eq } from "drizzle-orm";
import * as resultRoute from "@/app/api/v1/worker/jobs/[jobId]/result/route";
import { getJob } from "@/lib/db/jobs";
import { listMeasurementHistory, recordMeasurement } from "@/lib/db/measurements";
import { jobs, latestMeasurements, measurements, type Model, type NewMeasurement } from "@/lib/db/schema";
import { claim, complete, enqueue, RETAKE_PRIORITY } from "@/lib/services/jobs";
import { NnlqError } from "@/lib/errors";
import { call, db } from "../setup/fixtures";
import { giveQuota, makeModelRow, makeTeam, registerHosts, result, seedOnce, type TeamCtx } from "../query/world";
import { EPYC_AVX2_HOST, EPYC_AVX512_HOST, hostPlatform, hostResult, quality, type HostPlatform } from "./quality-world";

// this file is about retakes: queue them (the test configs turn them off elsewhere: NNLQ_RETAKES=0)
const retakesBefore = process.env.NNLQ_RETAKES;
process.env.NNLQ_RETAKES = "3";
afterAll(() => {
  if (retakesBefore === undefined) delete process.env.NNLQ_RETAKES;
  else process.env.NNLQ_RETAKES = retakesBefore;
});

let team: TeamCtx;
beforeAll(async () => {
  await seedOnce();
  team = await makeTeam("quality-write");
});

async function latestOf(model: Model, platformId: number, batch = 1) {
  const L = latestMeasurements;
  const [row] = await db()
    .select()
    .from(L)
    .where(and(eq(L.modelId, model.id), eq(L.platformId, platformId), eq(L.batch, batch)));
  return row;
}

/** Queues, claims and completes one job of `model` on the host platform; returns the completion. */
async function measureOnce(hp: HostPlatform, model: Model, body: ReturnType<typeof hostResult>, teamId: number | null = null) {
  const { job } = await enqueue(db(), { model, platform: hp.platform, batch: 1, teamId });
  const claimed = await claim(db(), hp.auth);
  expect(claimed?.id).toBe(job.id);
  return { job, out: await complete(db(), hp.auth, job.id, body) };
}

describe("quality columns", () => {
  it("a v2 result's quality is stored in the columns; a result without quality is protocol 1 / legacy", async () => {
    const hp = await hostPlatform("cols");
    const model = await makeModelRow("q-cols");
    const { out } = await measureOnce(hp, model, hostResult("clean", { medianMs: 2.5 }));
    const [m] = await db().select().from(measurements).where(eq(measurements.id, out.measurementId));
    expect(m).toMatchObject({
      protocol: 2,
      grade: "clean",
      labelKind: "wall-clean",
      cleanRuns: 38,
      allRuns: 40, // every timed run; `runs` counts the label's samples
      ciRel: 0.008,
      wallCpuRatio: 1.01,
      interferenceShare: 0.004,
      waitMs: 120,
      cpuMedianMs: 2.1,
      runqShare: null,
      medianMs: 2.5,
    });
    expect((await latestOf(model, hp.platform.id))!.grade).toBe("clean");

    const old = await makeModelRow("q-cols-v1");
    const v1 = await measureOnce(hp, old, hostResult(null, { medianMs: 3 }));
    const [l] = await db().select().from(measurements).where(eq(measurements.id, v1.out.measurementId));
    expect(l).toMatchObject({ protocol: 1, grade: "legacy", labelKind: "wall-v1", cleanRuns: null, ciRel: null });
    expect((await latestOf(old, hp.platform.id))!.grade).toBe("legacy");
  });

  it("the result body's quality is validated (400), NaN figures travel as null", async () => {
    const hp = await hostPlatform("val");
    const model = await makeModelRow("q-val");
    const { job } = await enqueue(db(), { model, platform: hp.platform, batch: 1, teamId: null });
    await claim(db(), hp.auth);
    const h = { "x-device-token": hp.token };
    const bad = { ...hostResult("clean"), quality: { ...quality("clean"), grade: "legacy" } };
    const r = await call(resultRoute.POST, { method: "POST", params: { jobId: job.id }, headers: h, body: bad });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error)).toContain("quality");
    const ok = { ...hostResult("contended"), quality: quality("contended", { ciRel: null, wallCpuRatio: null }) };
    const r2 = await call(resultRoute.POST, { method: "POST", params: { jobId: job.id }, headers: h, body: ok });
    expect(r2.status).toBe(200);
    const [m] = await db().select().from(measurements).where(eq(measurements.id, r2.body.measurementId));
    expect(m).toMatchObject({ grade: "contended", labelKind: "wall-contended", ciRel: null, wallCpuRatio: null, interferenceShare: 0.41 });
  });
});

describe("latest_measurements keeps the newest clean measurement, else the newest", () => {
  const t = (min: number) => new Date(Date.UTC(2026, 10, 1, 12, min));
  let seq = 0;
  async function store(model: Model, platformId: number, grade: "clean" | "contended" | "estimated" | "legacy", min: number, medianMs: number) {
    const row: NewMeasurement = {
      modelId: model.id,
      platformId,
      batch: 1,
      runtimeVersion: "1.0.0",
      medianMs,
      meanMs: medianMs,
      minMs: medianMs,
      p90Ms: medianMs,
      p99Ms: medianMs,
      stdMs: 0,
      runs: 10,
      warmups: 1,
      env: { seq: ++seq },
      protocol: grade === "legacy" ? 1 : 2,
      grade,
      labelKind: grade === "clean" ? "wall-clean" : grade === "estimated" ? "cpu-estimate" : grade === "contended" ? "wall-contended" : "wall-v1",
      measuredAt: t(min),
    };
    return recordMeasurement(db(), row);
  }
  type Kept = { id: number; medianMs: number; measuredAt: Date };
  async function expectKept(model: Model, platformId: number, kept: Kept, grade: string, n: number) {
    expect(await latestOf(model, platformId)).toMatchObject({
      measurementId: kept.id,
      medianMs: kept.medianMs,
      measuredAt: kept.measuredAt,
      grade,
      measurementCount: n,
    });
  }

  it("contended, then a later clean one (supersedes), then a later contended one (does not)", async () => {
    const hp = await hostPlatform("sup1");
    const model = await makeModelRow("q-sup1");
    const pid = hp.platform.id;
    const a = await store(model, pid, "contended", 1, 9);
    await expectKept(model, pid, a, "contended", 1);
    const b = await store(model, pid, "clean", 2, 5);
    await expectKept(model, pid, b, "clean", 2);
    await store(model, pid, "contended", 3, 11);
    await expectKept(model, pid, b, "clean", 3);
    await store(model, pid, "estimated", 4, 6);
    await expectKept(model, pid, b, "clean", 4);
  });

  it("clean first, then an older contended one, then an older clean one: the newest clean stays", async () => {
    const hp = await hostPlatform("sup2");
    const model = await makeModelRow("q-sup2");
    const pid = hp.platform.id;
    const clean = await store(model, pid, "clean", 10, 5);
    await store(model, pid, "contended", 5, 9); // arrives later, measured earlier
    await expectKept(model, pid, clean, "clean", 2);
    await store(model, pid, "clean", 8, 4.9); // an older clean one (an import) does not replace the newer clean one
    await expectKept(model, pid, clean, "clean", 3);
  });

  it("a clean one that arrives after a newer contended one still wins; among unclean rows the newest wins", async () => {
    const hp = await hostPlatform("sup3");
    const model = await makeModelRow("q-sup3");
    const pid = hp.platform.id;
    const newer = await store(model, pid, "contended", 20, 9);
    const est = await store(model, pid, "estimated", 15, 6); // older unclean: not kept
    await expectKept(model, pid, newer, "contended", 2);
    const older = await store(model, pid, "clean", 12, 5);
    await expectKept(model, pid, older, "clean", 3);
    expect(est.id).toBeGreaterThan(newer.id);
  });

  it("legacy v1 rows follow the newest-run rule among themselves and give way to a v2 clean one", async () => {
    const hp = await hostPlatform("sup4");
    const model = await makeModelRow("q-sup4");
    const pid = hp.platform.id;
    await store(model, pid, "legacy", 1, 7);
    const l2 = await store(model, pid, "legacy", 2, 8);
    await expectKept(model, pid, l2, "legacy", 2);
    const c = await store(model, pid, "clean", 0, 5);
    await expectKept(model, pid, c, "clean", 3);
  });
});

describe("hardware identity on completion", () => {
  it("a result measured on another CPU is refused with 422 HARDWARE_MISMATCH, the job fails and nothing is stored", async () => {
    const hp = await hostPlatform("mismatch");
    const model = await makeModelRow("q-mismatch");
    await giveQuota(team.teamId, hp.platform.id, 1000);
    const { job } = await enqueue(db(), { model, platform: hp.platform, batch: 1, teamId: team.teamId });
    await claim(db(), hp.auth);
    const r = await call(resultRoute.POST, {
      method: "POST",
      params: { jobId: job.id },
      headers: { "x-device-token": hp.token },
      body: hostResult("clean", { host: EPYC_AVX2_HOST }),
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("HARDWARE_MISMATCH");
    expect(r.body.error.message).toContain("x86-zen3-avx2-2c");
    expect(r.body.error.message).toContain("x86-zen4-avx512-2c");
    expect(await listMeasurementHistory(db(), { modelId: model.id, platformId: hp.platform.id, batch: 1 })).toHaveLength(0);
    expect(await latestOf(model, hp.platform.id)).toBeUndefined();
    const j = (await getJob(db(), { id: job.id }))!;
    expect(j).toMatchObject({ state: "failed", errorCode: "HARDWARE_MISMATCH", measurementId: null });
    expect(j.error).toContain("x86-zen3-avx2-2c");
  });

  it("a host-style platform needs env.host (422 without it); a matching host is accepted", async () => {
    const hp = await hostPlatform("nohost");
    const model = await makeModelRow("q-nohost");
    const { job } = await enqueue(db(), { model, platform: hp.platform, batch: 1, teamId: null });
    await claim(db(), hp.auth);
    await expect(complete(db(), hp.auth, job.id, hostResult("clean", { host: null }))).rejects.toSatisfy(
      (e) => e instanceof NnlqError && e.code === "HARDWARE_MISMATCH" && /env\.host/.test(e.message),
    );
    expect(await listMeasurementHistory(db(), { modelId: model.id, platformId: hp.platform.id, batch: 1 })).toHaveLength(0);

    const ok = await measureOnce(hp, model, hostResult("clean", { host: EPYC_AVX512_HOST }));
    expect(ok.out.job.state).toBe("done");
    expect(await listMeasurementHistory(db(), { modelId: model.id, platformId: hp.platform.id, batch: 1 })).toHaveLength(1);
  });

  it("platforms named by hand (not a host's hardware slug) accept results without env.host", async () => {
    const reg = await registerHosts("q-byhand", 1);
    const model = await makeModelRow("q-byhand");
    const platform = (await db().query.platforms.findFirst({ where: (p, { eq: e }) => e(p.id, reg.platformId) }))!;
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    await claim(db(), reg.devices[0]!.auth);
    const out = await complete(db(), reg.devices[0]!.auth, job.id, result());
    expect(out.job.state).toBe("done");
  });
});

describe("retakes", () => {
  const activeJobs = async (model: Model, platformId: number) =>
    db()
      .select()
      .from(jobs)
      .where(and(eq(jobs.modelId, model.id), eq(jobs.platformId, platformId), eq(jobs.state, "queued")));

  it("a contended result queues a free retake at low priority; the clean retake supersedes it and queues nothing", async () => {
    const hp = await hostPlatform("retake");
    const model = await makeModelRow("q-retake");
    await giveQuota(team.teamId, hp.platform.id, 1000);
    const { job, out } = await measureOnce(hp, model, hostResult("contended", { medianMs: 9 }), team.teamId);
    expect(out.retakeJobId).toBeTypeOf("number");
    const queued = await activeJobs(model, hp.platform.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ id: out.retakeJobId, priority: RETAKE_PRIORITY, teamId: null, reservedSeconds: null, batch: 1 });
    expect(RETAKE_PRIORITY).toBeLessThan(-10);
    expect((await getJob(db(), { id: job.id }))!.usedSeconds).toBe(3);

    const retake = await claim(db(), hp.auth);
    expect(retake?.id).toBe(out.retakeJobId);
    const again = await complete(db(), hp.auth, retake!.id, hostResult("clean", { medianMs: 5 }));
    expect(again.retakeJobId).toBeNull();
    expect(await activeJobs(model, hp.platform.id)).toHaveLength(0);
    const kept = (await latestOf(model, hp.platform.id))!;
    expect(kept).toMatchObject({ measurementId: again.measurementId, grade: "clean", medianMs: 5, measurementCount: 2 });
    const [m] = await db().select().from(measurements).where(eq(measurements.id, again.measurementId));
    expect((m!.env as { retake?: boolean }).retake).toBe(true);
    // the retake charged nobody: its job has no team and nothing reserved
    expect((await getJob(db(), { id: retake!.id }))!).toMatchObject({ teamId: null, reservedSeconds: null, state: "done" });
  });

  it("an estimated result queues a retake; a clean one does not", async () => {
    const hp = await hostPlatform("retake2");
    const est = await makeModelRow("q-retake-est");
    const clean = await makeModelRow("q-retake-clean");
    const e = await measureOnce(hp, est, hostResult("estimated"));
    expect(e.out.retakeJobId).toBeTypeOf("number");
    expect(await activeJobs(est, hp.platform.id)).toHaveLength(1);
    // the retake waits below every other job of the platform
    const c = await enqueue(db(), { model: clean, platform: hp.platform, batch: 1, teamId: null, priority: -10 });
    expect((await claim(db(), hp.auth))!.id).toBe(c.job.id);
    const done = await complete(db(), hp.auth, c.job.id, hostResult("clean"));
    expect(done.retakeJobId).toBeNull();
    expect(await activeJobs(clean, hp.platform.id)).toHaveLength(0);
  });

  it("a request for work a retake covers runs the retake at the request's priority (still free)", async () => {
    const hp = await hostPlatform("adopt");
    const model = await makeModelRow("q-adopt");
    const first = await measureOnce(hp, model, hostResult("contended"));
    await giveQuota(team.teamId, hp.platform.id, 1000);
    const again = await enqueue(db(), { model, platform: hp.platform, batch: 1, teamId: team.teamId, priority: 0 });
    expect(again.created).toBe(false);
    expect(again.job).toMatchObject({ id: first.out.retakeJobId, priority: 0, teamId: null });
    expect((await getJob(db(), { id: first.out.retakeJobId! }))!.priority).toBe(0);
  });

  it("a pair gets at most RETAKE_LIMIT retakes without a clean result", async () => {
    const hp = await hostPlatform("limit");
    const model = await makeModelRow("q-limit");
    let out = (await measureOnce(hp, model, hostResult("contended"))).out;
    const retakes: (number | null)[] = [out.retakeJobId];
    for (let i = 0; i < 4 && out.retakeJobId; i++) {
      const j = await claim(db(), hp.auth);
      out = await complete(db(), hp.auth, j!.id, hostResult("contended"));
      retakes.push(out.retakeJobId);
    }
    expect(retakes.filter((x) => x !== null)).toHaveLength(3);
    expect(retakes.at(-1)).toBeNull();
  });
});
