/**
 * Quotas against a real MariaDB: 50 concurrent measurement requests at a small budget never overspend,
 * settle/refund arithmetic in the ledger, the over-quota and no-quota messages, and site-admin quota setting.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import * as queryRoute from "@/app/api/v1/query/route";
import * as quotasRoute from "@/app/api/v1/admin/quotas/route";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { listLedger, usageSummary } from "@/lib/db/usage";
import { ESTIMATE, estimateDeviceSeconds } from "@/lib/services/quotas";
import { claim, complete, enqueue, fail } from "@/lib/services/jobs";
import type { Platform } from "@/lib/db/schema";
import { call, db, makeSiteAdmin } from "../setup/fixtures";
import { giveQuota, makeModelRow, makeTeam, registerHosts, result, seedOnce, type TeamCtx } from "./world";

let admin: Awaited<ReturnType<typeof makeSiteAdmin>>;
beforeAll(async () => {
  await seedOnce();
  admin = await makeSiteAdmin();
});

const usage = async (teamId: number, platformId: number) =>
  (await usageSummary(db(), { teamId })).find((l) => l.platformId === platformId)!;

describe("estimate", () => {
  it("is FLOPs-based with a floor and a cap, and scales with batch and platform throughput", () => {
    const p1 = { threads: 1, config: { adapter: "x", passes: [] } };
    const p4 = { threads: 4, config: { adapter: "x", passes: [] } };
    const fast = { threads: 1, config: { adapter: "x", passes: [], options: { gflops: 800 } } };
    expect(estimateDeviceSeconds({ flops: 1e6, batch: 1 }, p1)).toBe(ESTIMATE.minSeconds);
    const big = { flops: 4e9, batch: 1 };
    const e1 = estimateDeviceSeconds(big, p1);
    expect(e1).toBeCloseTo(ESTIMATE.overheadSeconds + (ESTIMATE.runs * 4e9) / 8e9, 1);
    expect(estimateDeviceSeconds(big, p4)).toBeLessThan(e1);
    expect(estimateDeviceSeconds(big, fast)).toBe(ESTIMATE.minSeconds);
    expect(estimateDeviceSeconds(big, p1, 4)).toBeGreaterThan(e1);
    expect(estimateDeviceSeconds({ flops: 1e13, batch: 1 }, p1)).toBe(ESTIMATE.maxSeconds);
  });
});

describe("reservations", () => {
  let team: TeamCtx;
  let platform: Platform;
  beforeAll(async () => {
    team = await makeTeam("q50");
    const reg = await registerHosts("q50", 1);
    platform = (await getPlatformBySlug(db(), { slug: reg.slug }))!;
  });

  it("50 concurrent requests at a small budget: the ledger never exceeds the quota", async () => {
    const QUOTA = 102; // 20 reservations of 5 s fit, the 21st does not
    await giveQuota(team.teamId, platform.id, QUOTA);
    const model = await makeModelRow("q50-net", { flops: 1000 });
    expect(estimateDeviceSeconds(model, platform)).toBe(5);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(queryRoute.POST, { method: "POST", key: team.key, body: { modelId: model.id, platforms: [platform.slug], batch: i + 1 } }),
      ),
    );
    const ok = responses.filter((r) => r.status === 200);
    const over = responses.filter((r) => r.status === 402);
    expect(ok.length + over.length).toBe(50);
    expect(ok).toHaveLength(20);
    for (const r of ok) expect(r.body.results[0].status).toBe("queued");
    for (const r of over) {
      expect(r.body.error.code).toBe("QUOTA_EXCEEDED");
      expect(r.body.error.message).toMatch(/has 2 device-seconds remaining on .* \(quota 102 s\); this measurement needs an estimated 5 s/);
      expect(r.body.error.details.remainingSeconds).toBeCloseTo(2, 9);
    }
    const [row] = (await db().execute(
      sql`SELECT SUM(delta_seconds) AS s, COUNT(*) AS n FROM usage_ledger WHERE team_id = ${team.teamId} AND platform_id = ${platform.id}`,
    )) as unknown as [{ s: number; n: number }[]];
    expect(Number(row[0]!.s)).toBe(100);
    expect(Number(row[0]!.n)).toBe(20);
    const line = await usage(team.teamId, platform.id);
    expect(line.remainingSeconds).toBeGreaterThanOrEqual(0);
    expect(line.remainingSeconds).toBeCloseTo(2, 9);
  });

  it("settle charges the actual device time, refund gives the estimate back", async () => {
    const t = await makeTeam("settle");
    const reg = await registerHosts("settle", 1);
    const p = (await getPlatformBySlug(db(), { slug: reg.slug }))!;
    await giveQuota(t.teamId, p.id, 100);
    const d = reg.devices[0]!.auth;
    const model = await makeModelRow("settle-net", { flops: 1000 }); // estimate 5 s

    const a = (await enqueue(db(), { model, platform: p, batch: 1, teamId: t.teamId })).job;
    expect(a.reservedSeconds).toBe(5);
    expect((await usage(t.teamId, p.id)).usedSeconds).toBe(5);
    await claim(db(), d);
    expect((await complete(db(), d, a.id, result({ deviceSeconds: 3 }))).chargedSeconds).toBe(3);
    expect((await usage(t.teamId, p.id)).usedSeconds).toBeCloseTo(3, 9);

    const b = (await enqueue(db(), { model, platform: p, batch: 2, teamId: t.teamId })).job;
    await claim(db(), d);
    await complete(db(), d, b.id, result({ deviceSeconds: 9.5 }));
    expect((await usage(t.teamId, p.id)).usedSeconds).toBeCloseTo(12.5, 9);

    const c = (await enqueue(db(), { model, platform: p, batch: 3, teamId: t.teamId })).job;
    await claim(db(), d);
    await fail(db(), d, c.id, { code: "MEASUREMENT_TIMEOUT", message: "timed out after 300 s" });
    expect((await usage(t.teamId, p.id)).usedSeconds).toBeCloseTo(12.5, 9);

    const ledger = (await listLedger(db(), { teamId: t.teamId })).filter((l) => l.platformId === p.id);
    const byJob = (id: number) => ledger.filter((l) => l.jobId === id).map((l) => [l.kind, l.deltaSeconds]).sort();
    expect(byJob(a.id)).toEqual([["reserve", 5], ["settle", -2]]);
    expect(byJob(b.id)).toEqual([["reserve", 5], ["settle", 4.5]]);
    expect(byJob(c.id)).toEqual([["refund", -5], ["reserve", 5]]);
  });

  it("an overrun is capped at the remaining budget: the balance never goes below zero", async () => {
    const t = await makeTeam("cap");
    const reg = await registerHosts("cap", 1);
    const p = (await getPlatformBySlug(db(), { slug: reg.slug }))!;
    await giveQuota(t.teamId, p.id, 6);
    const d = reg.devices[0]!.auth;
    const model = await makeModelRow("cap-net", { flops: 1000 });
    const j = (await enqueue(db(), { model, platform: p, batch: 1, teamId: t.teamId })).job;
    await claim(db(), d);
    expect((await complete(db(), d, j.id, result({ deviceSeconds: 50 }))).chargedSeconds).toBe(6);
    const line = await usage(t.teamId, p.id);
    expect(line).toMatchObject({ quotaSeconds: 6, usedSeconds: 6, remainingSeconds: 0 });
    const settleRow = (await listLedger(db(), { teamId: t.teamId })).find((l) => l.kind === "settle")!;
    expect(settleRow.note).toMatch(/capped/);
  });

  it("no quota row: a clear 402 naming the team, the platform and 0 remaining", async () => {
    const t = await makeTeam("noquota");
    const reg = await registerHosts("noquota", 1);
    const model = await makeModelRow("noquota-net");
    const r = await call(queryRoute.POST, { method: "POST", key: t.key, body: { modelId: model.id, platforms: [reg.slug] } });
    expect(r.status).toBe(402);
    expect(r.body.error.message).toBe(
      `Team "Team noquota" has no quota on platform ${reg.slug} for ${new Date().toISOString().slice(0, 7)} (0 device-seconds remaining); a site admin can set one`,
    );
  });
});

describe("site admins set quotas", () => {
  it("PUT /api/v1/admin/quotas: admin session only; validates input", async () => {
    const t = await makeTeam("setq");
    const reg = await registerHosts("setq", 1);
    expect(admin.isSiteAdmin).toBe(true);
    const body = { teamId: t.teamId, platform: reg.slug, deviceSeconds: 250 };
    const r = await call(quotasRoute.PUT, { method: "PUT", as: admin, body });
    expect(r.status).toBe(200);
    expect(r.body.quota).toMatchObject({ platformSlug: reg.slug, quotaSeconds: 250, usedSeconds: 0, remainingSeconds: 250 });
    // a team owner is not a site admin; an API key never is
    expect((await call(quotasRoute.PUT, { method: "PUT", as: t.user, body })).status).toBe(403);
    expect((await call(quotasRoute.PUT, { method: "PUT", key: t.key, body })).status).toBe(403);
    expect((await call(quotasRoute.PUT, { method: "PUT", body })).status).toBe(401);
    const neg = await call(quotasRoute.PUT, { method: "PUT", as: admin, body: { ...body, deviceSeconds: -1 } });
    expect(neg.status).toBe(400);
    expect(neg.body.error.message).toMatch(/deviceSeconds/);
    const unknown = await call(quotasRoute.PUT, { method: "PUT", as: admin, body: { ...body, platform: "nope-1c/ort-cpu-1.0/fp32/t1" } });
    expect(unknown.status).toBe(404);
  });
});
