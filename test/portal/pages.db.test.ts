/**
 * Services behind the pages a user expects (issue 14, defects 16 and 17), against a real database:
 *   - "Platforms ranked" ranks a platform only when it shares at least MIN_SHARED_MODELS measured models
 *     with the reference (n shown); platforms with fewer come back as unranked with their n, in the
 *     service and over HTTP
 *   - the job page's service authorises exactly as GET /api/v1/jobs/{id} (another team's job, or an
 *     anonymous visitor of a private model's job: NOT_FOUND), and gives the state timeline
 *     (queued → claimed → running → done/failed with times), the device, the measurement and the
 *     error's message only
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as boardRoute from "@/app/api/v1/leaderboards/route";
import * as jobRoute from "@/app/api/v1/jobs/[jobId]/route";
import { recordMeasurement } from "@/lib/db/measurements";
import { getPlatformBySlug, upsertFamilies, upsertPlatform } from "@/lib/db/platforms";
import { ALL_FAMILIES, FAMILY_LABELS } from "@/lib/onnx/families";
import { leaderboards, MIN_SHARED_MODELS } from "@/lib/services/portal";
import { leaderboardQuery, leaderboardResponse } from "@/lib/api/schemas/portal";
import { claim, complete, enqueue, fail, heartbeat } from "@/lib/services/jobs";
import { errorMessageOnly, jobPage, jobTimeline } from "@/lib/services/portal-job";
import type { Platform } from "@/lib/db/schema";
import { call, db, sessionOf } from "../setup/fixtures";
import { qualityColumns } from "./portal-world";
import { giveQuota, makeModelRow, makeTeam, registerHosts, result, seedOnce, type TeamCtx } from "../query/world";

async function measure(modelId: number, platformId: number, medianMs: number) {
  await recordMeasurement(db(), {
    modelId,
    platformId,
    batch: 1,
    runtimeVersion: "1.30.0",
    medianMs,
    meanMs: medianMs,
    minMs: medianMs,
    maxMs: medianMs,
    p90Ms: medianMs,
    p99Ms: medianMs,
    stdMs: 0,
    cv: 0,
    runs: 20,
    warmups: 2,
    deviceSeconds: 1,
    env: null,
    profile: null,
    measuredAt: new Date(),
    ...qualityColumns("clean", 20, medianMs), // rankings are over clean measurements only
  });
}

describe("platforms ranked need a minimum of shared models", () => {
  const tag = randomBytes(3).toString("hex");
  let ref: Platform;
  const others: Record<string, Platform> = {};
  // platform → how many of the reference's models it also measured
  const SHARED = { full: 8, atMin: MIN_SHARED_MODELS, below: MIN_SHARED_MODELS - 1, one: 1 };

  beforeAll(async () => {
    await upsertFamilies(db(), ALL_FAMILIES.map((name) => ({ name, label: FAMILY_LABELS[name] })));
    const plat = (name: string, threads: number) =>
      upsertPlatform(db(), {
        slug: `rank-${tag}-${name}/ort-cpu-1.30/fp32/t${threads}`,
        name: `Rank ${tag} ${name}`,
        hardware: `rank-${tag}-${name}`,
        runtime: "ort-cpu",
        runtimeVersion: "1.30",
        precision: "fp32",
        threads,
        config: { adapter: "ort-node", passes: ["materialize-weights", "set-batch"] },
      });
    ref = await plat("ref", 1);
    for (const [k, threads] of [["full", 2], ["atMin", 3], ["below", 4], ["one", 5]] as const) others[k] = await plat(k, threads);
    for (let i = 0; i < 8; i++) {
      const m = await makeModelRow(`rank-${tag}-${i}`);
      await measure(m.id, ref.id, 10 + i);
      for (const [k, n] of Object.entries(SHARED)) if (i < n) await measure(m.id, others[k]!.id, (10 + i) / 2);
    }
  }, 120_000);

  it(`ranks platforms sharing ≥ ${MIN_SHARED_MODELS} models, with n; lists the others as unranked with their n`, async () => {
    expect(MIN_SHARED_MODELS).toBeGreaterThanOrEqual(5);
    const b = await leaderboards(db(), [], leaderboardQuery.parse({ platform: ref.slug }));
    const mine = (slug: string) => slug.startsWith(`rank-${tag}-`);
    const ranked = b.platforms.filter((p) => mine(p.platform));
    expect(Object.fromEntries(ranked.map((p) => [p.platform, p.models]))).toEqual({
      [ref.slug]: 8,
      [others.full!.slug]: SHARED.full,
      [others.atMin!.slug]: SHARED.atMin,
    });
    for (const p of ranked) expect(p.models).toBeGreaterThanOrEqual(MIN_SHARED_MODELS);
    // twice as fast on the shared models
    expect(ranked.find((p) => p.platform === others.full!.slug)!.relative).toBeCloseTo(0.5, 6);
    expect(b.minSharedModels).toBe(MIN_SHARED_MODELS);
    expect(b.unranked.filter((u) => mine(u.platform))).toEqual([
      { platform: others.below!.slug, models: SHARED.below },
      { platform: others.one!.slug, models: SHARED.one },
    ]);
  });

  it("the API answers the same, every field declared", async () => {
    const r = await call(boardRoute.GET, { path: `/api/v1/leaderboards?platform=${encodeURIComponent(ref.slug)}` });
    expect(r.status, r.text).toBe(200);
    const body = leaderboardResponse.strict().parse(r.body);
    expect(body.platforms.some((p) => p.platform === others.one!.slug)).toBe(false);
    expect(body.unranked).toContainEqual({ platform: others.one!.slug, models: 1 });
    expect(body.minSharedModels).toBe(MIN_SHARED_MODELS);
  });
});

describe("the job page service", () => {
  let team: TeamCtx;
  let other: TeamCtx;
  let reg: Awaited<ReturnType<typeof registerHosts>>;
  let platform: Platform;

  beforeAll(async () => {
    await seedOnce();
    team = await makeTeam("jobpage");
    other = await makeTeam("jobpage-other");
    reg = await registerHosts(`jobpage-${randomBytes(2).toString("hex")}`, 1);
    platform = (await getPlatformBySlug(db(), { slug: reg.slug }))!;
    await giveQuota(team.teamId, platform.id, 10_000);
  }, 120_000);

  it("follows a private model's job from queued to done; only its team sees it, like GET /api/v1/jobs/{id}", async () => {
    const model = await makeModelRow("jobpage-private", { visibility: "private", ownerTeamId: team.teamId });
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: team.teamId });
    const me = sessionOf(team.user);

    let page = await jobPage(db(), me, job.id);
    expect(page.job.id).toBe(job.id);
    expect(page.job.model.id).toBe(model.id);
    expect(page.platformName).toBe(platform.name);
    expect(page.device).toBeNull();
    expect(page.timeline.map((s) => [s.key, s.status])).toEqual([
      ["queued", "current"],
      ["claimed", "pending"],
      ["running", "pending"],
      ["done", "pending"],
    ]);
    expect(page.timeline[0]!.at).toBe(page.job.createdAt);

    // another team, and anonymous visitors: not found — the page and the API agree
    for (const who of [sessionOf(other.user), null]) {
      await expect(jobPage(db(), who, job.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    expect((await call(jobRoute.GET, { params: { jobId: job.id }, as: other.user })).status).toBe(404);
    expect((await call(jobRoute.GET, { params: { jobId: job.id } })).status).toBe(404);
    await expect(jobPage(db(), me, 2_000_000_000)).rejects.toMatchObject({ code: "NOT_FOUND" });

    const d = reg.devices[0]!;
    expect((await claim(db(), d.auth))?.id).toBe(job.id);
    page = await jobPage(db(), me, job.id);
    expect(page.device?.hostName).toMatch(/^host-jobpage-/);
    expect(page.timeline.find((s) => s.key === "claimed")!.status).toBe("current");

    await heartbeat(db(), d.auth, job.id);
    page = await jobPage(db(), me, job.id);
    expect(page.job.state).toBe("running");
    expect(page.timeline.find((s) => s.key === "running")).toMatchObject({ status: "current", at: page.job.startedAt });

    await complete(db(), d.auth, job.id, result({ medianMs: 7.5 }));
    page = await jobPage(db(), me, job.id);
    expect(page.job.state).toBe("done");
    expect(page.job.result?.result.medianMs).toBe(7.5);
    expect(page.device).toEqual({ id: d.deviceId, hostName: expect.stringMatching(/^host-jobpage-/) });
    expect(page.timeline.map((s) => s.status)).toEqual(["done", "done", "done", "done"]);
    const [queued, , running, done] = page.timeline;
    expect(Date.parse(done!.at!)).toBeGreaterThanOrEqual(Date.parse(running!.at!));
    expect(Date.parse(running!.at!)).toBeGreaterThanOrEqual(Date.parse(queued!.at!));
    expect(page.errorMessage).toBeNull();
  });

  it("a failed job shows the error's message only, never a stack or a server path", async () => {
    const model = await makeModelRow("jobpage-public");
    const { job } = await enqueue(db(), { model, platform, batch: 2, teamId: team.teamId });
    const d = reg.devices[0]!;
    expect((await claim(db(), d.auth))?.id).toBe(job.id);
    await fail(db(), d.auth, job.id, {
      code: "MEASUREMENT_FAILED",
      message:
        "Error: the runtime crashed (SIGSEGV)\n    at runModel (/srv/nnlq/workers/measure.ts:120:9)\n    at process (node:internal/x:1:1)",
      retry: false,
    });
    // a public model's job: anyone may read it (as the API allows), without the quota fields
    for (const who of [sessionOf(team.user), sessionOf(other.user), null]) {
      const page = await jobPage(db(), who, job.id);
      expect(page.job.state).toBe("failed");
      expect(page.errorMessage).toBe("Error: the runtime crashed (SIGSEGV)");
      expect(page.timeline.map((s) => [s.key, s.status])).toEqual([
        ["queued", "done"],
        ["claimed", "done"],
        ["running", "skipped"],
        ["failed", "done"],
      ]);
      expect(page.job.own).toBe(who?.user.id === team.user.id);
    }
  });

  it("timeline edge cases: cancelled while queued skips the device steps; a job done without a heartbeat still ran", () => {
    const t = "2026-01-01T00:00:00.000Z";
    const later = "2026-01-01T00:01:00.000Z";
    expect(
      jobTimeline({ state: "cancelled", attempts: 0, createdAt: t, updatedAt: later, startedAt: null, finishedAt: later }).map((s) => [
        s.key,
        s.status,
        s.at,
      ]),
    ).toEqual([
      ["queued", "done", t],
      ["claimed", "skipped", null],
      ["running", "skipped", null],
      ["cancelled", "done", later],
    ]);
    expect(
      jobTimeline({ state: "done", attempts: 1, createdAt: t, updatedAt: later, startedAt: null, finishedAt: later }).map((s) => s.status),
    ).toEqual(["done", "done", "done", "done"]);
    expect(errorMessageOnly("\n  at x (/a/b.ts:1:1)\nboom")).toBe("boom");
  });
});
