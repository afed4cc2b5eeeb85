/** Team quota page and site-admin overview: authorisation, and usage over time computed from the ledger. */
import { beforeAll, describe, expect, it } from "vitest";
import { insertTeamWithOwner } from "@/lib/db/teams";
import { insertLedgerRow, setQuota } from "@/lib/db/usage";
import { monthOf } from "@/lib/db/util";
import { setSiteAdmin } from "@/lib/db/users";
import * as previewRoute from "@/app/api/v1/teams/[teamId]/quota-preview/route";
import { adminOverview, quotaPreview, teamQuotaPage } from "@/lib/services/portal-teams";
import { call, db, makeSiteAdmin, makeUser, sessionOf } from "../setup/fixtures";
import { makePortalWorld, type PortalWorld } from "./portal-world";

let world: PortalWorld;
let teamId: number;
let owner: Awaited<ReturnType<typeof makeUser>>;
const month = monthOf();

beforeAll(async () => {
  owner = await makeUser("quota-owner");
  // the first account of a fresh database is site admin: this owner must not be
  await setSiteAdmin(db(), { userId: owner.id, isSiteAdmin: false });
  owner = { ...owner, isSiteAdmin: false };
  teamId = (await insertTeamWithOwner(db(), { name: "Quota lab", ownerId: owner.id })).id;
  world = await makePortalWorld(db(), { teamId, models: 4 });
  const p = world.platforms[0]!.id;
  await setQuota(db(), { teamId, platformId: p, deviceSeconds: 100 });
  for (const [kind, delta] of [["reserve", 30], ["settle", -10], ["reserve", 15], ["refund", -15]] as const) {
    await insertLedgerRow(db(), { teamId, platformId: p, kind, deltaSeconds: delta, note: `test ${kind}` });
  }
}, 120_000);

describe("team quota page", () => {
  it("shows quota, used, remaining, cumulative usage and the ledger to members", async () => {
    const page = await teamQuotaPage(db(), sessionOf(owner), teamId);
    expect(page.month).toBe(month);
    const line = page.lines.find((l) => l.platform === world.platforms[0]!.slug)!;
    expect(line).toMatchObject({ quotaSeconds: 100, usedSeconds: 20, remainingSeconds: 80 });
    expect(page.lines.find((l) => l.platform === world.platforms[1]!.slug)!.quotaSeconds).toBeNull();
    const daily = page.daily.find((d) => d.platform === world.platforms[0]!.slug)!;
    expect(daily.points.at(-1)!.cumulative).toBeCloseTo(20, 9);
    expect(page.ledger).toHaveLength(4);
    expect(page.ledger[0]!.kind).toBe("refund"); // newest first
    expect(page.monthly).toEqual([{ month, platform: world.platforms[0]!.slug, seconds: 20 }]);
    expect(page.canSetQuotas).toBe(false);
  });

  it("refuses non-members and anonymous callers", async () => {
    const stranger = await makeUser("quota-stranger");
    await expect(teamQuotaPage(db(), sessionOf(stranger), teamId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(teamQuotaPage(db(), null, teamId)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(teamQuotaPage(db(), sessionOf(owner), 99_999_999)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("site-admin overview", () => {
  it("lists every team's quota and spending for site admins only", async () => {
    await expect(adminOverview(db(), sessionOf(owner))).rejects.toMatchObject({ code: "FORBIDDEN" });
    const admin = await makeSiteAdmin();
    const o = await adminOverview(db(), sessionOf(admin));
    const t = o.teams.find((x) => x.id === teamId)!;
    expect(t.members).toBe(1);
    expect(t.lines).toEqual([{ platform: world.platforms[0]!.slug, quotaSeconds: 100, usedSeconds: 20 }]);
    expect(o.platforms.some((p) => p.slug === world.platforms[0]!.slug)).toBe(true);
  });
});

describe("quota preview", () => {
  it("a stored result is free; a new measurement shows its estimate against the remaining budget", async () => {
    const [a, b] = world.platforms;
    const m = world.models.find((x) => x.visibility === "public")!;
    const p = await quotaPreview(db(), sessionOf(owner), teamId, { modelId: m.id, platforms: [a!.slug, b!.slug], batch: 2 });
    // batch 2 was never measured: both need a measurement; only platform A has a quota (100 s, 20 used)
    expect(p.items[0]).toMatchObject({ platform: a!.slug, stored: false, quotaSeconds: 100, remainingSeconds: 80 });
    expect(p.items[0]!.estimateSeconds).toBeGreaterThanOrEqual(5);
    expect(p.items[0]!.affordable).toBe(p.items[0]!.estimateSeconds <= 80);
    expect(p.items[1]).toMatchObject({ platform: b!.slug, stored: false, quotaSeconds: null, affordable: false });
    const stored = await quotaPreview(db(), sessionOf(owner), teamId, { modelId: m.id, platforms: [a!.slug] });
    expect(stored.items[0]).toMatchObject({ stored: true, estimateSeconds: 0, affordable: true });
  });

  it("is for the team's members, over HTTP with validation", async () => {
    const stranger = await makeUser("preview-stranger");
    const m = world.models[0]!;
    await expect(
      quotaPreview(db(), sessionOf(stranger), teamId, { modelId: m.id, platforms: [world.platforms[0]!.slug] }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const ok = await call(previewRoute.GET, {
      path: `/api/v1/teams/${teamId}/quota-preview?modelId=${m.id}&platforms=${encodeURIComponent(world.platforms[0]!.slug)}`,
      params: { teamId },
      as: owner,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.items).toHaveLength(1);
    const bad = await call(previewRoute.GET, {
      path: `/api/v1/teams/${teamId}/quota-preview?modelId=${m.id}&platforms=nope`,
      params: { teamId },
      as: owner,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields["platforms.0"] ?? bad.body.error.details.fields.platforms).toBeTruthy();
    const missing = await call(previewRoute.GET, {
      path: `/api/v1/teams/${teamId}/quota-preview?modelId=99999999&platforms=${encodeURIComponent(world.platforms[0]!.slug)}`,
      params: { teamId },
      as: owner,
    });
    expect(missing.status).toBe(404);
  });
});
