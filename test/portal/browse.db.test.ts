/**
 * Portal reads against a real database, every answer checked against a brute-force computation over the
 * known dataset of portal-world.ts: keyset pages (every sort and direction, each code path) return each
 * visible row exactly once in order; filters and counts; visibility (anonymous, team member, team-only);
 * the platform × family matrix; leaderboards (fastest per family, Pareto front, platform ranking); the
 * /api/v1 handlers' validation, errors and cache headers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as browseRoute from "@/app/api/v1/browse/route";
import * as matrixRoute from "@/app/api/v1/stats/matrix/route";
import * as boardRoute from "@/app/api/v1/leaderboards/route";
import { insertTeamWithOwner } from "@/lib/db/teams";
import { browseQuery, leaderboardQuery, type BrowseResponse } from "@/lib/api/schemas/portal";
import { browse, leaderboards, matrix } from "@/lib/services/portal";
import { call, db, makeUser } from "../setup/fixtures";
import { makePortalWorld, type PortalWorld, type WorldRow } from "./portal-world";

let world: PortalWorld;
let teamId: number;
let member: Awaited<ReturnType<typeof makeUser>>;
let slugA: string;

beforeAll(async () => {
  member = await makeUser("portal");
  teamId = (await insertTeamWithOwner(db(), { name: "Portal lab", ownerId: member.id })).id;
  world = await makePortalWorld(db(), { teamId, models: 36 });
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
