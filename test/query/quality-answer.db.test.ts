/**
 * The query answer and measurement quality (POST /api/v1/query on a real MariaDB): a platform is answered
 * only from its own hardware identity's protocol v2 rows; a clean row answers as before, with its quality;
 * an estimated / contended one answers marked (grade, message) with the retake queued for it, until a clean
 * result supersedes it; protocol v1 (legacy) rows and rows measured on another CPU never answer.
 */
import { beforeAll, describe, expect, it, afterAll } from "vitest";
import * as queryRoute from "@/app/api/v1/query/route";
import { recordMeasurement } from "@/lib/db/measurements";
import type { Model, NewMeasurement } from "@/lib/db/schema";
import { claim, complete, RETAKE_PRIORITY } from "@/lib/services/jobs";
import { getJob } from "@/lib/db/jobs";
import { call, db } from "../setup/fixtures";
import { giveQuota, makeModelRow, makeTeam, seedOnce, type TeamCtx } from "./world";
import { EPYC_AVX2_HOST, EPYC_AVX512_HOST, hostPlatform, hostResult, type HostPlatform } from "../db/quality-world";

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
  team = await makeTeam("quality-answer");
});

async function ask(model: Model, hp: HostPlatform, as: "team" | "anonymous" = "team") {
  const r = await call(queryRoute.POST, {
    method: "POST",
    ...(as === "team" ? { key: team.key } : {}),
    body: { modelId: model.id, platforms: [hp.platform.slug] },
  });
  expect(r.status).toBe(200);
  return r.body.results[0];
}

function stored(model: Model, hp: HostPlatform, o: { host: object; grade: "clean" | "legacy"; medianMs: number }): NewMeasurement {
  const m = o.medianMs;
  return {
    modelId: model.id,
    platformId: hp.platform.id,
    batch: 1,
    runtimeVersion: "1.0.0",
    medianMs: m,
    meanMs: m,
    minMs: m,
    p90Ms: m,
    p99Ms: m,
    stdMs: 0,
    runs: 20,
    warmups: 2,
    env: { host: o.host },
    ...(o.grade === "clean" ? { protocol: 2, grade: "clean" as const, labelKind: "wall-clean" as const, cleanRuns: 20 } : {}),
    measuredAt: new Date(),
  };
}

describe("query answers and quality", () => {
  it("legacy → not an answer; contended → marked, retake pending; clean retake → the answer", async () => {
    const hp = await hostPlatform("answer");
    await giveQuota(team.teamId, hp.platform.id, 1000);
    const model = await makeModelRow("qa-net", { visibility: "public" });
    // a protocol v1 row of the right CPU: history, not an answer
    await recordMeasurement(db(), stored(model, hp, { host: EPYC_AVX512_HOST, grade: "legacy", medianMs: 0.5 }));
    expect(await ask(model, hp, "anonymous")).toMatchObject({ status: "not_measured" });
    const queued = await ask(model, hp);
    expect(queued).toMatchObject({ status: "queued", jobId: expect.any(Number) });

    // the measurement comes back contended: answered, marked, with the retake
    expect((await claim(db(), hp.auth))!.id).toBe(queued.jobId);
    const done = await complete(db(), hp.auth, queued.jobId, hostResult("contended", { medianMs: 9 }));
    const marked = await ask(model, hp);
    expect(marked).toMatchObject({
      status: "measured",
      result: { medianMs: 9 },
      quality: {
        grade: "contended",
        labelKind: "wall-contended",
        cleanRuns: 0,
        runs: 40,
        ciRel: null,
        wallCpuRatio: 1.9,
        interferenceShare: 0.41,
        waitMs: 30_000,
      },
      retake: { jobId: done.retakeJobId, state: "queued", queuePosition: 0 },
    });
    expect(marked.message).toMatch(/^contended: .*queued/);
    expect((await getJob(db(), { id: done.retakeJobId! }))!.priority).toBe(RETAKE_PRIORITY);
    // anonymous callers read the same marked answer
    expect(await ask(model, hp, "anonymous")).toMatchObject({ status: "measured", quality: { grade: "contended" } });

    // the retake comes back clean: that is the answer from now on
    expect((await claim(db(), hp.auth))!.id).toBe(done.retakeJobId);
    await complete(db(), hp.auth, done.retakeJobId!, hostResult("clean", { medianMs: 5 }));
    const clean = await ask(model, hp);
    expect(clean).toMatchObject({ status: "measured", result: { medianMs: 5 }, quality: { grade: "clean", cleanRuns: 38, ciRel: 0.008 } });
    expect(clean.retake).toBeUndefined();
    expect(clean.message).toBeUndefined();
  });

  it("a clean row measured on another CPU never answers for this platform's identity", async () => {
    const hp = await hostPlatform("identity");
    await giveQuota(team.teamId, hp.platform.id, 1000);
    const model = await makeModelRow("qa-identity", { visibility: "public" });
    // stored before identities were exact: an AVX2-only EPYC's clean row on the AVX-512 platform
    await recordMeasurement(db(), stored(model, hp, { host: EPYC_AVX2_HOST, grade: "clean", medianMs: 0.054 }));
    expect(await ask(model, hp, "anonymous")).toMatchObject({ status: "not_measured" });
    expect(await ask(model, hp)).toMatchObject({ status: "queued" });

    const other = await makeModelRow("qa-identity-ok", { visibility: "public" });
    await recordMeasurement(db(), stored(other, hp, { host: EPYC_AVX512_HOST, grade: "clean", medianMs: 0.038 }));
    expect(await ask(other, hp, "anonymous")).toMatchObject({ status: "measured", result: { medianMs: 0.038 }, quality: { grade: "clean" } });
  });

  it("remeasure of a pair with a queued retake runs the retake at the request's priority", async () => {
    const hp = await hostPlatform("remeasure");
    await giveQuota(team.teamId, hp.platform.id, 1000);
    const model = await makeModelRow("qa-remeasure", { visibility: "public" });
    const first = await ask(model, hp);
    await claim(db(), hp.auth);
    const done = await complete(db(), hp.auth, first.jobId, hostResult("estimated", { medianMs: 3 }));
    const r = await call(queryRoute.POST, {
      method: "POST",
      key: team.key,
      body: { modelId: model.id, platforms: [hp.platform.slug], remeasure: true, priority: 3 },
    });
    expect(r.body.results[0]).toMatchObject({ status: "queued", jobId: done.retakeJobId });
    expect((await getJob(db(), { id: done.retakeJobId! }))!.priority).toBe(3);
  });
});
