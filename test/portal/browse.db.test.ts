/**
 * Portal reads against a real database, every answer checked against a brute-force computation over the
 * known dataset of portal-world.ts: keyset pages (every sort and direction, each code path) return each
 * visible row exactly once in order; filters and counts; visibility (anonymous, team member, team-only);
 * the platform × family matrix; leaderboards (fastest per family, Pareto front, platform ranking); the
 * /api/v1 handlers' validation, errors and cache headers; measurement quality (clean rows by default,
 * quality=all marks the others and never ranks them, unknown quality values are a 400).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as browseRoute from "@/app/api/v1/browse/route";
import * as matrixRoute from "@/app/api/v1/stats/matrix/route";
import * as boardRoute from "@/app/api/v1/leaderboards/route";
import * as measurementsRoute from "@/app/api/v1/measurements/route";
import { insertTeamWithOwner } from "@/lib/db/teams";
import { browseQuery, leaderboardQuery, type BrowseResponse } from "@/lib/api/schemas/portal";
import { browse, leaderboards, matrix, portalPlatforms } from "@/lib/services/portal";
import { recordMeasurement } from "@/lib/db/measurements";
import { upsertPlatform } from "@/lib/db/platforms";
import { latestResult } from "@/lib/services/results";
import { invalidate } from "@/lib/services/read-cache";
import { call, db, makeUser } from "../setup/fixtures";
import { makePortalWorld, qualityColumns, type PortalWorld, type WorldRow } from "./portal-world";

let world: PortalWorld;
let teamId: number;
let member: Awaited<ReturnType<typeof makeUser>>;
let slugA: string;

beforeAll(async () => {
  member = await makeUser("portal");
  teamId = (await insertTeamWithOwner(db(), { name: "Portal lab", ownerId: member.id })).id;
  world = await makePortalWorld(db(), { teamId, models: 36, unclean: true });
  slugA = world.platforms[0]!.slug;
}, 120_000);

const visible = (teamIds: number[]) => (r: WorldRow) =>
  r.visibility === "public" || (r.ownerTeamId !== null && teamIds.includes(r.ownerTeamId));
const rowsOn = (platformId: number, pred: (r: WorldRow) => boolean) => world.rows.filter((r) => r.platformId === platformId && pred(r));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Follows nextCursor to the end and returns every item. */
async function allPages(teamIds: number[], q: Record<string, string>): Promise<BrowseResponse["items"]> {
  const items: BrowseResponse["items"] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const r = await browse(db(), teamIds, browseQuery.parse({ ...q, limit: "7", ...(cursor ? { cursor } : {}) }));
    items.push(...r.items);
    if (!r.nextCursor) return items;
    cursor = r.nextCursor;
  }
  throw new Error("pagination did not end");
}

describe("browse", () => {
  const cases: [string, Record<string, string>, (r: WorldRow) => boolean][] = [
    ["latency ↑ (ordered index)", {}, () => true],
    ["latency ↓", { dir: "desc" }, () => true],
    ["FLOPs ↑ (index-only keys)", { sort: "flops" }, () => true],
    ["params ↓, source zoo", { sort: "params", dir: "desc", source: "zoo" }, (r) => r.source === "zoo"],
    ["family + batch 8", { family: "resnet", batch: "8" }, (r) => r.family === "resnet" && r.batch === 8],
    ["FLOPs range with SI suffixes", { flopsMin: "100M", flopsMax: "2G" }, (r) => r.flops >= 1e8 && r.flops <= 2e9],
    [
      "latency range, FLOPs ↓",
      { latencyMin: "0.05", latencyMax: "1.5", sort: "flops", dir: "desc" },
      (r) => r.medianMs >= 0.05 && r.medianMs <= 1.5,
    ],
  ];
  for (const [label, q, pred] of cases) {
    it(`pages through every visible row exactly once, in order: ${label}`, async () => {
      for (const teamIds of [[], [teamId]]) {
        const items = await allPages(teamIds, { platform: slugA, ...q });
        const expected = rowsOn(world.platforms[0]!.id, (r) => visible(teamIds)(r) && pred(r));
        expect(items.map((i) => `${i.model.id}|${i.batch}`).sort()).toEqual(expected.map((r) => `${r.modelId}|${r.batch}`).sort());
        const key = (i: (typeof items)[number]) => (q.sort === "flops" ? i.model.flops : q.sort === "params" ? i.model.params : i.medianMs);
        for (let k = 1; k < items.length; k++) {
          if (q.dir === "desc") expect(key(items[k]!)).toBeLessThanOrEqual(key(items[k - 1]!));
          else expect(key(items[k]!)).toBeGreaterThanOrEqual(key(items[k - 1]!));
        }
        const first = await browse(db(), teamIds, browseQuery.parse({ platform: slugA, ...q }));
        expect(first.total).toBe(expected.length);
      }
    });
  }

  it("shows the newest run's median (older runs are history)", async () => {
    const items = await allPages([], { platform: slugA });
    for (const i of items) {
      const r = world.rows.find((x) => x.modelId === i.model.id && x.platformId === world.platforms[0]!.id && x.batch === i.batch)!;
      expect(i.medianMs).toBeCloseTo(r.medianMs, 9);
    }
    expect(items.some((i) => i.measurementCount === 2)).toBe(true);
  });

  it("anonymous visitors never see private models; scope=team shows only the team's", async () => {
    const anon = await allPages([], { platform: slugA });
    expect(anon.every((i) => i.model.visibility === "public")).toBe(true);
    const own = await allPages([teamId], { platform: slugA, scope: "team" });
    expect(own.length).toBe(rowsOn(world.platforms[0]!.id, (r) => r.ownerTeamId === teamId).length);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((i) => i.model.visibility === "private")).toBe(true);
  });
});

describe("matrix and leaderboards", () => {
  it("platform × family counts and medians equal the brute-force ones (public, and with a team's private rows)", async () => {
    for (const teamIds of [[], [teamId]]) {
      const m = await matrix(db(), teamIds, { batch: 1 });
      for (const p of world.platforms) {
        for (const family of ["resnet", "mobilenetv2", "vit", "vgg"]) {
          const rs = rowsOn(p.id, (r) => visible(teamIds)(r) && r.batch === 1 && r.family === family);
          const cell = m.cells.find((c) => c.platform === p.slug && c.family === family)!;
          expect(cell.count).toBe(rs.length);
          expect(cell.medianMs).toBeCloseTo(median(rs.map((r) => r.medianMs)), 9);
        }
      }
    }
  });

  it("fastest per family, the Pareto front and the platform ranking equal the brute-force ones", async () => {
    const b = await leaderboards(db(), [], leaderboardQuery.parse({ platform: world.platforms[1]!.slug, perFamily: "3" }));
    const pB = world.platforms[1]!.id;
    for (const family of ["resnet", "mobilenetv2", "vit", "vgg"]) {
      const want = rowsOn(pB, (r) => r.visibility === "public" && r.batch === 1 && r.family === family)
        .sort((x, y) => x.medianMs - y.medianMs)
        .slice(0, 3)
        .map((r) => r.modelId);
      expect(b.fastest.filter((f) => f.family === family).map((f) => f.id)).toEqual(want);
    }
    const pts = rowsOn(pB, (r) => r.visibility === "public" && r.batch === 1).sort((x, y) => x.medianMs - y.medianMs);
    const front = pts.filter((p, i) => pts.slice(0, i).every((q) => q.flops < p.flops)).map((p) => p.modelId);
    expect(b.paretoFront.map((p) => p.id)).toEqual(front);
    expect(front.length).toBeGreaterThan(2);
    // ranking: on models measured on both test platforms, 2 threads is faster (synthetic data halves latency)
    const ranked = b.platforms.filter((p) => world.platforms.some((w) => w.slug === p.platform));
    expect(ranked.map((p) => p.platform)).toEqual([world.platforms[1]!.slug, world.platforms[0]!.slug]);
  });
});

describe("/api/v1 portal handlers", () => {
  it("browse: 200 with a public cache header for anonymous callers, private for members", async () => {
    const anon = await call(browseRoute.GET, { path: `/api/v1/browse?platform=${encodeURIComponent(slugA)}&limit=5` });
    expect(anon.status).toBe(200);
    expect(anon.body.items).toHaveLength(5);
    const res = await browseRoute.GET(new Request(`http://localhost/api/v1/browse?platform=${encodeURIComponent(slugA)}`), {
      params: Promise.resolve({}),
    });
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=60/);
    const mine = await call(browseRoute.GET, { path: `/api/v1/browse?platform=${encodeURIComponent(slugA)}&scope=team`, as: member });
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBeGreaterThan(0);
  });

  it("browse: bad input is a 4xx with the field named", async () => {
    const bad = [
      ["?sort=speed", 400, "sort"],
      ["?flopsMin=lots", 400, "flopsMin"],
      ["?latencyMin=5&latencyMax=1", 400, "latencyMin"],
      ["?limit=0", 400, "limit"],
      ["?family=transformerz", 400, "family"],
      ["?cursor=not*a*cursor", 400, "cursor"],
      ["?platform=nope/ort-cpu-1.30/fp32/t1", 404, null],
    ] as const;
    for (const [qs, status, field] of bad) {
      const r = await call(browseRoute.GET, { path: `/api/v1/browse${qs}` });
      expect(r.status, qs).toBe(status);
      if (field) expect(r.body.error.details.fields[field], qs).toBeTruthy();
    }
    // a cursor made for another sort order is refused, not misapplied
    const page = await call(browseRoute.GET, { path: `/api/v1/browse?platform=${encodeURIComponent(slugA)}&limit=2` });
    const r = await call(browseRoute.GET, {
      path: `/api/v1/browse?platform=${encodeURIComponent(slugA)}&sort=flops&cursor=${page.body.nextCursor}`,
    });
    expect(r.status).toBe(400);
    // scope=team needs a signed-in caller
    expect((await call(browseRoute.GET, { path: `/api/v1/browse?scope=team` })).status).toBe(401);
  });

  it("matrix and leaderboards answer over HTTP", async () => {
    const m = await call(matrixRoute.GET, { path: "/api/v1/stats/matrix?batch=1" });
    expect(m.status).toBe(200);
    expect(m.body.cells.some((c: { platform: string }) => c.platform === slugA)).toBe(true);
    expect((await call(matrixRoute.GET, { path: "/api/v1/stats/matrix?batch=0" })).status).toBe(400);
    const b = await call(boardRoute.GET, { path: `/api/v1/leaderboards?platform=${encodeURIComponent(slugA)}` });
    expect(b.status).toBe(200);
    expect(b.body.fastest.length).toBeGreaterThan(0);
    expect(b.body.sample).toBeUndefined();
  });
});

describe("measurement quality", () => {
  const uncleanOn = (platformId: number) => world.uncleanRows.filter((r) => r.platformId === platformId);
  const uncleanIds = () => new Set(world.uncleanRows.map((r) => r.modelId));

  it("browse: clean rows only by default, each with its figures; quality=all adds the others marked with their grade", async () => {
    const pA = world.platforms[0]!.id;
    const clean = await allPages([], { platform: slugA });
    expect(clean.length).toBe(rowsOn(pA, visible([])).length);
    expect(clean.some((i) => uncleanIds().has(i.model.id))).toBe(false);
    for (const i of clean) {
      expect(i.quality.grade).toBe("clean");
      expect(i.quality.labelKind).toBe("wall-clean");
      expect(i.quality.cleanRuns).toBe(i.model.id === world.zooModel.id ? 80 : 50);
      expect(i.quality.ciRel).toBeCloseTo(0.004, 9);
      expect(i.quality.wallCpuRatio).toBeCloseTo(1.02, 9);
    }
    const first = await browse(db(), [], browseQuery.parse({ platform: slugA }));
    expect(first.quality).toBe("clean");
    expect(first.total).toBe(rowsOn(pA, visible([])).length);

    const all = await allPages([], { platform: slugA, quality: "all" });
    expect(all.length).toBe(rowsOn(pA, visible([])).length + uncleanOn(pA).length);
    for (const u of uncleanOn(pA)) {
      const item = all.find((i) => i.model.id === u.modelId)!;
      expect(item.quality.grade).toBe(u.grade);
      expect(item.medianMs).toBeCloseTo(u.medianMs, 12);
      if (u.grade === "legacy") expect(item.quality.cleanRuns).toBeNull();
      else expect(item.quality.interferenceShare).toBeCloseTo(0.41, 9);
    }
    // they are the fastest rows: first in latency order, and visibly not clean
    expect(all.slice(0, uncleanOn(pA).length).every((i) => i.quality.grade !== "clean")).toBe(true);
    const firstAll = await browse(db(), [], browseQuery.parse({ platform: slugA, quality: "all", sort: "flops" }));
    expect(firstAll.total).toBe(all.length);
  });

  it("a newer contended run never replaces the clean one a reader sees", async () => {
    const c = world.contendedAfterClean!;
    const items = await allPages([], { platform: slugA, quality: "all" });
    const item = items.find((i) => i.model.id === c.modelId && i.batch === c.batch)!;
    const row = world.rows.find((r) => r.modelId === c.modelId && r.platformId === c.platformId && r.batch === c.batch)!;
    expect(item.medianMs).toBeCloseTo(row.medianMs, 9);
    expect(item.medianMs).not.toBeCloseTo(c.contendedMs, 3);
    expect(item.quality.grade).toBe("clean");
  });

  it("matrix: clean rows only by default; quality=all counts the others too", async () => {
    const pA = world.platforms[0]!;
    const clean = await matrix(db(), [], { batch: 1 });
    const all = await matrix(db(), [], { batch: 1, quality: "all" });
    expect(clean.quality).toBe("clean");
    for (const family of ["resnet", "mobilenetv2", "vit", "vgg"]) {
      const n = rowsOn(pA.id, (r) => visible([])(r) && r.batch === 1 && r.family === family).length;
      const u = uncleanOn(pA.id).filter((r) => r.family === family).length;
      expect(clean.cells.find((c) => c.platform === pA.slug && c.family === family)!.count).toBe(n);
      expect(all.cells.find((c) => c.platform === pA.slug && c.family === family)!.count).toBe(n + u);
    }
  });

  it("leaderboards: ranks and the Pareto front over clean rows only; quality=all lists the others unranked, marked", async () => {
    const pB = world.platforms[1]!;
    for (const quality of ["clean", "all"] as const) {
      const b = await leaderboards(db(), [], leaderboardQuery.parse({ platform: pB.slug, perFamily: "3", quality }));
      expect(b.quality).toBe(quality);
      for (const family of ["resnet", "mobilenetv2", "vit", "vgg"]) {
        const want = rowsOn(pB.id, (r) => r.visibility === "public" && r.batch === 1 && r.family === family)
          .sort((x, y) => x.medianMs - y.medianMs)
          .slice(0, 3)
          .map((r) => r.modelId);
        const got = b.fastest.filter((f) => f.family === family);
        expect(got.map((f) => f.id)).toEqual(want);
        expect(got.map((f) => f.rank)).toEqual(want.map((_, k) => k + 1));
      }
      expect(b.fastest.some((f) => uncleanIds().has(f.id))).toBe(false);
      // the unclean models have the most FLOPs and the lowest latency: on a front over all rows they would be its only points
      expect(b.paretoFront.some((f) => uncleanIds().has(f.id))).toBe(false);
      expect(b.paretoFront.length).toBeGreaterThan(2);
      if (quality === "clean") expect(b.notRanked).toEqual([]);
      else {
        const want = uncleanOn(pB.id).map((r) => `${r.modelId}|${r.grade}`).sort();
        expect(b.notRanked.map((r) => `${r.id}|${r.grade}`).sort()).toEqual(want);
        expect(b.notRanked.every((r) => !("rank" in r))).toBe(true);
        // the chart's sample holds them, marked
        expect(b.sample.filter((p) => uncleanIds().has(p.modelId)).every((p) => p.grade !== "clean")).toBe(true);
        expect(b.sampleTotal).toBe(rowsOn(pB.id, (r) => r.visibility === "public" && r.batch === 1).length + uncleanOn(pB.id).length);
      }
    }
  });

  it("the default platform is one with clean results, never one holding only legacy rows", async () => {
    // a platform whose slug sorts before every other, with one protocol v1 (legacy) row
    const legacy = await upsertPlatform(db(), {
      slug: `0000-legacy-${world.tag}/ort-cpu-1.30/fp32/t1`,
      name: "legacy only",
      hardware: `0000-legacy-${world.tag}`,
      runtime: "ort-cpu",
      runtimeVersion: "1.30",
      precision: "fp32",
      threads: 1,
      config: { adapter: "ort-node", passes: [] },
    });
    const m = world.models.find((x) => x.visibility === "public")!;
    await recordMeasurement(db(), {
      modelId: m.id,
      platformId: legacy.id,
      batch: 1,
      runtimeVersion: "1.30.0",
      medianMs: 1,
      meanMs: 1,
      minMs: 1,
      maxMs: 1,
      p90Ms: 1,
      p99Ms: 1,
      stdMs: 0,
      cv: 0,
      runs: 3,
      warmups: 1,
      deviceSeconds: 1,
      env: null,
      profile: null,
      measuredAt: new Date(),
      ...qualityColumns("legacy", 3, 1),
    });
    const { platforms, fallback } = await portalPlatforms(db());
    expect(platforms.map((p) => p.slug)).toContain(legacy.slug);
    expect(fallback!.slug).not.toBe(legacy.slug);
    const page = await browse(db(), [], browseQuery.parse({}));
    expect(page.platform).not.toBe(legacy.slug);
    expect(page.items.length).toBeGreaterThan(0);
    const all = await browse(db(), [], browseQuery.parse({ platform: legacy.slug, quality: "all" }));
    expect(all.items.map((i) => [i.model.id, i.quality.grade])).toEqual([[m.id, "legacy"]]);
    expect((await browse(db(), [], browseQuery.parse({ platform: legacy.slug }))).items).toEqual([]);
  });

  it("the results read cache keys on the quality filter: an 'all' answer is never served to a clean-only read", async () => {
    invalidate();
    const u = world.uncleanRows[0]!;
    const key = { modelId: u.modelId, platformId: u.platformId, batch: 1 };
    const all = await latestResult(db(), { ...key, quality: "all" });
    expect(all!.quality.grade).toBe(u.grade);
    expect(all!.result.medianMs).toBeCloseTo(u.medianMs, 12);
    expect(await latestResult(db(), { ...key, quality: "clean" })).toBeNull();
    expect((await latestResult(db(), { ...key, quality: "all" }))!.quality.grade).toBe(u.grade);
    const c = world.rows.find((r) => r.visibility === "public" && r.platformId === u.platformId && r.batch === 1)!;
    const clean = await latestResult(db(), { modelId: c.modelId, platformId: c.platformId, batch: 1, quality: "clean" });
    expect(clean!.quality).toMatchObject({ grade: "clean", cleanRuns: 50, runs: 50 });
  });

  it("HTTP: browse, leaderboards, matrix and measurements default to clean rows; quality=all marks; unknown values are a 400", async () => {
    const plat = encodeURIComponent(slugA);
    for (const path of [
      `/api/v1/browse?platform=${plat}&quality=best`,
      `/api/v1/leaderboards?platform=${plat}&quality=dirty`,
      `/api/v1/stats/matrix?quality=CLEAN`,
      `/api/v1/measurements?platform=${plat}&quality=everything`,
    ]) {
      const route = path.includes("browse")
        ? browseRoute
        : path.includes("leaderboards")
          ? boardRoute
          : path.includes("matrix")
            ? matrixRoute
            : measurementsRoute;
      const r = await call(route.GET, { path });
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION");
      expect(r.body.error.details.fields.quality, path).toMatch(/clean or all/);
    }
    const clean = await call(browseRoute.GET, { path: `/api/v1/browse?platform=${plat}&limit=200` });
    expect(clean.status).toBe(200);
    expect(clean.body.quality).toBe("clean");
    expect(clean.body.items.every((i: { quality: { grade: string } }) => i.quality.grade === "clean")).toBe(true);
    const all = await call(browseRoute.GET, { path: `/api/v1/browse?platform=${plat}&limit=200&quality=all` });
    const grades = new Map(all.body.items.map((i: { model: { id: number }; quality: { grade: string } }) => [i.model.id, i.quality.grade]));
    for (const u of uncleanOn(world.platforms[0]!.id)) expect(grades.get(u.modelId)).toBe(u.grade);

    const board = await call(boardRoute.GET, { path: `/api/v1/leaderboards?platform=${plat}&quality=all` });
    expect(board.status).toBe(200);
    expect(board.body.notRanked.length).toBe(uncleanOn(world.platforms[0]!.id).length);
    expect(board.body.fastest.some((f: { id: number }) => uncleanIds().has(f.id))).toBe(false);

    const meas = await call(measurementsRoute.GET, { path: `/api/v1/measurements?platform=${plat}&limit=200` });
    expect(meas.status).toBe(200);
    expect(meas.body.items.length).toBe(rowsOn(world.platforms[0]!.id, visible([])).length);
    expect(meas.body.items.every((i: { quality: { grade: string } }) => i.quality.grade === "clean")).toBe(true);
    const measAll = await call(measurementsRoute.GET, { path: `/api/v1/measurements?platform=${plat}&limit=200&quality=all` });
    const mg = new Map(measAll.body.items.map((i: { model: { id: number }; quality: { grade: string } }) => [i.model.id, i.quality.grade]));
    for (const u of uncleanOn(world.platforms[0]!.id)) expect(mg.get(u.modelId)).toBe(u.grade);
  });
});
