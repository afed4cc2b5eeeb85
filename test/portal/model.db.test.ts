/**
 * Model page data, predicted-vs-measured comparison and side-by-side views against the known dataset of
 * portal-world.ts, plus the /api/v1/models/{id}/overview handler (private models stay private).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as overviewRoute from "@/app/api/v1/models/[modelId]/overview/route";
import { insertTeamWithOwner } from "@/lib/db/teams";
import { compareModels, comparePlatforms, compareView, modelPage } from "@/lib/services/portal-model";
import { call, db, makeUser } from "../setup/fixtures";
import { makePortalWorld, type PortalWorld } from "./portal-world";

let world: PortalWorld;
let teamId: number;
let member: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  member = await makeUser("portal-model");
  teamId = (await insertTeamWithOwner(db(), { name: "Model lab", ownerId: member.id })).id;
  world = await makePortalWorld(db(), { teamId, models: 24 });
}, 120_000);

describe("model page", () => {
  it("has the structure, results with history, the profile-coloured graph, predictions and similar models", async () => {
    const d = (await modelPage(db(), [], world.zooModel.id))!;
    expect(d.model.family).toBe("resnet");
    expect(d.outputs).toEqual({ logits: [1, 1000] });
    const [r] = d.results.filter((x) => x.platform === world.platforms[0]!.slug);
    expect(r!.stats.medianMs).toBe(1.5);
    expect(r!.opShare!.Conv).toBeGreaterThan(0.5);
    const g = d.graph!;
    expect(g.ops).toBe(d.model.nodeCount);
    expect(g.nodes.length).toBe(d.model.nodeCount + 2); // + the graph's input and output
    const times = g.times[world.platforms[0]!.slug]!;
    expect(g.nodes.every((n, i) => (n.kind === "op" ? times[i]! > 0 : times[i] === -1))).toBe(true); // the test profile names every compute node
    expect(g.edges.every((e) => e.shape !== null)).toBe(true); // shapes on every edge
    const conv = g.nodes.findIndex((n) => n.op === "Conv");
    expect(g.nodes[conv]!.attrs.map(([k]) => k)).toContain("kernel_shape");
    expect(g.nodes[conv]!.macs).toBeGreaterThan(0);
    const relu = g.nodes.findIndex((n) => n.op === "Relu");
    expect(times[conv]!).toBeGreaterThan(times[relu]!);
    // (the zoo structure may be shared with other test files' worlds in this database: look at ours)
    const mine = d.predictions.filter((p) => p.predictor === world.predictor.name);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.measuredMs).toBe(1.5);
    expect(mine[0]!.errorPct).toBeCloseTo(((mine[0]!.predictedMs - 1.5) / 1.5) * 100, 6);
    expect(d.similar.length).toBeGreaterThan(0);
    expect(d.similar.every((s) => s.family === "resnet" && s.id !== world.zooModel.id)).toBe(true);
  });

  it("keeps every run as history, oldest first, and shows the newest", async () => {
    const m = world.models[3]!; // i % 3 === 0: two runs
    const d = (await modelPage(db(), [], m.id, { graph: false }))!;
    const r = d.results.find((x) => x.platform === world.platforms[0]!.slug && x.batch === 1)!;
    expect(r.history).toHaveLength(2);
    expect(Date.parse(r.history[0]!.measuredAt)).toBeLessThan(Date.parse(r.history[1]!.measuredAt));
    expect(r.stats.medianMs).toBe(r.history[1]!.medianMs);
    expect(d.graphError).toBeNull();
    expect(d.graph).toBeNull();
  });

  it("a private model is visible to its team only; similar models never leak private ones", async () => {
    const priv = world.models.find((m) => m.visibility === "private")!;
    expect(await modelPage(db(), [], priv.id)).toBeNull();
    expect((await modelPage(db(), [teamId], priv.id, { graph: false }))!.model.name).toBe(priv.name);
    const pub = world.models.find((m) => m.family === priv.family && m.visibility === "public")!;
    const d = (await modelPage(db(), [], pub.id, { graph: false }))!;
    expect(d.similar.some((s) => s.id === priv.id)).toBe(false);
    const anon = await call(overviewRoute.GET, { path: `/api/v1/models/${priv.id}/overview`, params: { modelId: priv.id } });
    expect(anon.status).toBe(404);
    const mine = await call(overviewRoute.GET, { path: `/api/v1/models/${priv.id}/overview`, params: { modelId: priv.id }, as: member });
    expect(mine.status).toBe(200);
    expect(mine.body.model.id).toBe(priv.id);
    expect((await call(overviewRoute.GET, { params: { modelId: "abc" } })).status).toBe(400);
  });
});

describe("compare", () => {
  it("predicted vs measured: every public pair, metrics and residuals by family computed from them", async () => {
    const pA = world.platforms[0]!;
    const c = await compareView(db(), [], { predictor: world.predictor.name, platform: pA.slug });
    const pairs = world.rows.filter((r) => r.platformId === pA.id && r.batch === 1 && r.visibility === "public");
    expect(c.total).toBe(pairs.length);
    expect(c.points).toHaveLength(pairs.length);
    const errs = pairs.map((r) => Math.abs(world.predicted.get(`${r.modelId}|${r.platformId}|1`)! - r.medianMs) / r.medianMs);
    expect(c.accuracy!.mape).toBeCloseTo((100 * errs.reduce((a, b) => a + b, 0)) / errs.length, 6);
    expect(c.accuracy!.acc10).toBeCloseTo((100 * errs.filter((e) => e <= 0.1 + 1e-12).length) / errs.length, 6);
    const vgg = c.residuals.find((r) => r.family === "vgg")!;
    expect(vgg.medianPct).toBeCloseTo(25, 6);
    expect(c.residuals[0]!.family).toBe("vgg"); // worst family first
    await expect(compareView(db(), [], { predictor: "no-such-predictor" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("models and platforms side by side", async () => {
    const [a, b] = world.models.filter((m) => m.visibility === "public");
    const priv = world.models.find((m) => m.visibility === "private")!;
    const s = await compareModels(db(), [], [a!.id, b!.id, priv.id]);
    expect(s.models.map((m) => m.id)).toEqual([a!.id, b!.id]);
    expect(s.missing).toEqual([priv.id]);
    expect(s.latency[world.platforms[1]!.slug]![a!.id]).toBeCloseTo(
      world.rows.find((r) => r.modelId === a!.id && r.platformId === world.platforms[1]!.id && r.batch === 1)!.medianMs,
      9,
    );
    const p = await comparePlatforms(db(), [], { a: world.platforms[0]!.slug, b: world.platforms[1]!.slug });
    expect(p.total).toBe(
      world.rows.filter((r) => r.platformId === world.platforms[1]!.id && r.batch === 1 && r.visibility === "public").length,
    );
    const ratios = world.rows
      .filter((r) => r.platformId === world.platforms[1]!.id && r.batch === 1 && r.visibility === "public")
      .map((r) =>
        Math.log(
          r.medianMs /
            world.rows.find((x) => x.modelId === r.modelId && x.platformId === world.platforms[0]!.id && x.batch === 1)!.medianMs,
        ),
      );
    expect(p.geoMeanRatio!).toBeCloseTo(Math.exp(ratios.reduce((x, y) => x + y, 0) / ratios.length), 9);
    expect(p.geoMeanRatio!).toBeLessThan(0.7); // 2 threads are faster in this dataset
  });
});
