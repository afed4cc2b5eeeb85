/**
 * The model graph in Chromium against the production build (its own database and `next start`): a layered
 * DAG laid out in a Web Worker, tensor shapes on the edges, a click opens the side panel with the node's
 * attributes, shapes, costs and measured kernel time; search highlights and centres a node; the zoom
 * buttons and the wheel change the viewport transform, a drag pans it. Also lays out a ResNet-50 and a
 * ~1,000-operator BERT-style encoder in the browser and prints how long the layout took.
 * Screenshots go to test/e2e/screenshots/graph-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createDb, type DbHandle } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { insertModel } from "@/lib/db/models";
import { recordMeasurement } from "@/lib/db/measurements";
import { insertTeamWithOwner } from "@/lib/db/teams";
import { signUp } from "@/lib/services/accounts";
import { analyze, buildGraph, decodeModel } from "@/lib/onnx";
import { generate } from "@/lib/zoo";
import type { Model } from "@/lib/db/schema";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { startApp, type Proc } from "../worker/harness";
import { makePortalWorld, type PortalWorld } from "../portal/portal-world";
import { launch, screenshot } from "./browser";

let testDb: TestDatabase;
let h: DbHandle;
let app: Proc & { url: string };
let browser: Browser;
let page: Page;
let world: PortalWorld;
let resnet50: Model;
let encoder: Model;

/** A zoo model stored by its spec, optionally with a profile whose kernels name its nodes (Convs slowest). */
async function zooModel(spec: Record<string, unknown>, name: string, profiled: boolean): Promise<Model> {
  const bytes = generate(spec);
  const s = analyze(bytes);
  const m = await insertModel(h.db, {
    hash: s.hash,
    name,
    family: String(spec.family),
    familyConfidence: s.family.confidence,
    batch: 1,
    inputShapes: s.inputs,
    opset: s.opset,
    flops: s.flops,
    macs: s.macs,
    params: s.params,
    memoryAccess: s.memoryAccess,
    activationMemory: s.activationMemory,
    nodeCount: s.nodeCount,
    opHistogram: s.opHistogram,
    visibility: "public",
    source: "zoo",
    zooSpec: spec,
    storageKey: "zoo:",
  });
  if (profiled) {
    const ir = buildGraph(decodeModel(bytes));
    const nodes = ir.order.map((i) => ir.nodes[i]!).filter((nd) => !nd.static);
    await recordMeasurement(h.db, {
      modelId: m.id,
      platformId: world.platforms[0]!.id,
      batch: 1,
      runtimeVersion: "1.30.0",
      medianMs: 9.5,
      meanMs: 9.6,
      minMs: 9.3,
      maxMs: 10.4,
      p90Ms: 9.8,
      p99Ms: 10.2,
      stdMs: 0.1,
      cv: 0.01,
      runs: 40,
      warmups: 5,
      deviceSeconds: 4,
      env: { cpuModel: "Test CPU", cores: 2 },
      profile: {
        runs: 3,
        kernels: nodes.map((nd, k) => ({
          name: nd.name,
          opType: nd.opType,
          medianUs: nd.opType === "Conv" ? 20 + 3 * k : 1.5,
          fusedFrom: [nd.name],
        })),
      } as never,
      measuredAt: new Date(),
    });
  }
  return m;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = createDb(testDb.url, { connectionLimit: 2 });
  await seed(h.db, { demo: false });
  const owner = await signUp(h.db, { email: `graph-e2e-${Date.now()}@example.test`, password: "graph-e2e-pass-1", name: "Graph E2E" });
  const teamId = (await insertTeamWithOwner(h.db, { name: "Graph E2E lab", ownerId: owner.id })).id;
  world = await makePortalWorld(h.db, { teamId, models: 4, tag: "graph" });
  resnet50 = await zooModel(
    { family: "resnet", block: "bottleneck", depths: [3, 4, 6, 3], resolution: 224, batch: 1, seed: 1 },
    "graph-e2e-resnet50",
    true,
  );
  encoder = await zooModel({ family: "vit", depth: 32, resolution: 224, batch: 1, seed: 1 }, "graph-e2e-encoder-32-blocks", false);
  app = await startApp({ databaseUrl: testDb.url });
  browser = await launch();
  page = await (await browser.newContext({ baseURL: app.url, viewport: { width: 1400, height: 1000 } })).newPage();
  page.setDefaultTimeout(60_000);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop("SIGTERM");
  await h?.close();
  await testDb?.drop();
});

const transform = () => page.getByTestId("graph-viewport").getAttribute("transform");
const parse = (t: string | null) => {
  const m = /translate\(([-\d.]+),([-\d.]+)\) scale\(([-\d.]+)\)/.exec(t ?? "");
  if (!m) throw new Error(`no transform in ${t}`);
  return { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) };
};

async function openGraph(id: number) {
  const r = await page.goto(`/models/${id}`);
  const view = page.getByTestId("graph-view");
  await view.waitFor({ timeout: 120_000 }).catch(async (e) => {
    throw new Error(
      `/models/${id}: HTTP ${r?.status()} "${await page.title()}" without a graph view; app log:\n${app.lines.slice(-30).join("\n")}\n${(e as Error).message}`,
    );
  });
  await page.locator('[data-testid="graph-view"][data-layout="ready"]').waitFor({ timeout: 120_000 });
  await view.scrollIntoViewIfNeeded();
  return view;
}

describe("model graph", () => {
  it("lays out a layered DAG with shapes on the edges; a click shows the node's attributes, shapes, costs and kernel time", async () => {
    const view = await openGraph(world.zooModel.id);
    const nodes = page.locator('[data-testid="graph-svg"] g[data-node]');
    const n = await nodes.count();
    expect(n).toBe(Number(await view.getAttribute("data-nodes")) + 2); // operators + graph input + output
    // layered: not one column — several nodes share a row somewhere, and the graph is taller than wide
    const boxes = await nodes.evaluateAll((els) => els.map((e) => (e as SVGGElement).getBBox && e.getAttribute("transform")!));
    const xs = new Set(boxes.map((t) => /translate\(([-\d.]+),/.exec(t)![1]));
    expect(xs.size).toBeGreaterThan(1);
    const labels = await page
      .getByTestId("graph-edge-labels")
      .locator("text")
      .evaluateAll((els) => els.map((e) => e.firstChild?.nodeValue ?? "")); // without the <title>
    expect(labels.length).toBeGreaterThan(n - 2);
    const res = (world.zooModel.zooSpec as { resolution: number }).resolution;
    expect(labels).toContain(`1×3×${res}×${res}`); // the input's shape on its edge to the stem

    // colour by share of time: a legend, and the slowest operators listed
    expect(await page.getByTestId("graph-legend").getAttribute("data-mode")).toBe("time");
    expect(await page.getByTestId("graph-legend").textContent()).toContain("Share of measured kernel time");

    const conv = page.locator('[data-testid="graph-svg"] g[data-op="Conv"]').first();
    const convName = (await conv.getAttribute("data-name"))!;
    expect(await conv.locator("title").textContent()).toContain(convName); // the full name is always readable
    await conv.click();
    const panel = page.getByTestId("graph-panel");
    await panel.waitFor();
    expect(await page.getByTestId("panel-op").textContent()).toContain("Conv");
    expect(await page.getByTestId("panel-name").textContent()).toBe(convName);
    const attrs = page.getByTestId("panel-attrs");
    expect(await attrs.locator('tr[data-attr="kernel_shape"] td').textContent()).toMatch(/^\[\d+, \d+\]$/);
    expect(await attrs.locator('tr[data-attr="strides"]').count()).toBe(1);
    expect(await page.getByTestId("panel-inputs").textContent()).toMatch(/weight/);
    expect(await page.getByTestId("panel-outputs").locator("[data-shape]").first().textContent()).toMatch(/float32 1×\d+×\d+×\d+/);
    expect(await page.getByTestId("panel-cost").textContent()).toMatch(/MACs[\d.]+ [kMG]?/);
    expect(await page.getByTestId("panel-time").textContent()).toMatch(/µs · [\d.]+% of the kernel time/);
    expect(await conv.getAttribute("data-selected")).toBe("yes");
    await screenshot(page, "graph-01-resnet18-panel");
    // the panel's links walk the graph: the producer of the first input
    await page.getByTestId("panel-inputs").locator("button").first().click();
    await page.waitForFunction((name) => document.querySelector('[data-testid="panel-name"]')?.textContent !== name, convName);
  });

  it("search by node name highlights the match and centres it", async () => {
    await openGraph(world.zooModel.id);
    const all = await page
      .locator('[data-testid="graph-svg"] g[data-op="Relu"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-name")!));
    const target = all[Math.floor(all.length * 0.8)]!; // far down: the first screen does not show it
    const before = await transform();
    await page.getByTestId("graph-search").fill(target);
    const hit = page.locator(`[data-testid="graph-svg"] g[data-match="current"]`);
    await hit.waitFor();
    expect(await hit.getAttribute("data-name")).toBe(target);
    expect(await page.getByTestId("graph-search-count").textContent()).toBe("1 of 1");
    await page.waitForFunction((b) => document.querySelector('[data-testid="graph-viewport"]')?.getAttribute("transform") !== b, before);
    const box = (await hit.boundingBox())!;
    const canvas = (await page.getByTestId("graph-canvas").boundingBox())!;
    expect(Math.abs(box.x + box.width / 2 - (canvas.x + canvas.width / 2))).toBeLessThan(40);
    expect(Math.abs(box.y + box.height / 2 - (canvas.y + canvas.height / 2))).toBeLessThan(40);
    await screenshot(page, "graph-02-search");
    // a partial name matches several nodes; Enter steps through them
    await page.getByTestId("graph-search").fill("relu");
    await page.getByTestId("graph-search").press("Enter");
    expect(await page.getByTestId("graph-search-count").textContent()).toMatch(/^2 of \d+$/);
    expect(await page.locator('[data-testid="graph-svg"] g[data-match]').count()).toBe(all.length);
  });

  it("zoom buttons, the wheel and dragging change the viewport transform", async () => {
    await openGraph(world.zooModel.id);
    const t0 = parse(await transform());
    await page.getByRole("button", { name: "Zoom in" }).click();
    const t1 = parse(await transform());
    expect(t1.k).toBeCloseTo(Math.min(4, t0.k * 1.25), 3);
    const canvas = (await page.getByTestId("graph-canvas").boundingBox())!;
    await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
    await page.mouse.wheel(0, 400);
    await page.waitForFunction(
      (k) => !document.querySelector('[data-testid="graph-viewport"]')?.getAttribute("transform")?.endsWith(`scale(${k})`),
      t1.k.toFixed(4),
    );
    const t2 = parse(await transform());
    expect(t2.k).toBeLessThan(t1.k);
    await page.mouse.move(canvas.x + 200, canvas.y + 300);
    await page.mouse.down();
    await page.mouse.move(canvas.x + 260, canvas.y + 180, { steps: 4 });
    await page.mouse.up();
    const t3 = parse(await transform());
    expect(t3.x - t2.x).toBeCloseTo(60, 0);
    expect(t3.y - t2.y).toBeCloseTo(-120, 0);
    expect(t3.k).toBe(t2.k);
    expect(await page.getByTestId("graph-panel").count()).toBe(0); // a drag is not a click
    await page.getByRole("button", { name: "Fit the whole graph" }).click();
    const t4 = parse(await transform());
    expect(t4.k).toBeLessThan(t3.k + 1e-9);
  });

  it("lays out a ResNet-50 and a ~1,000-operator BERT-style encoder in the browser's worker", async () => {
    for (const [label, m, shot] of [
      ["ResNet-50", resnet50, "graph-03-resnet50"],
      ["encoder, 32 blocks", encoder, "graph-04-encoder"],
    ] as const) {
      const t = Date.now();
      const view = await openGraph(m.id);
      const ops = Number(await view.getAttribute("data-nodes"));
      console.log(
        `[graph e2e] ${label}: ${ops} operators laid out in ${await view.getAttribute("data-layout-ms")} ms (${await view.getAttribute("data-layout-where")}), page to ready ${Date.now() - t} ms`,
      );
      expect(await view.getAttribute("data-layout-where")).toBe("worker");
      if (m === encoder) {
        expect(ops).toBeGreaterThan(1000);
        expect(await page.getByTestId("graph-legend").getAttribute("data-mode")).toBe("op");
      }
      // the page stays responsive: the layout ran off the main thread, so a click is handled at once
      await page.locator('[data-testid="graph-svg"] g[data-op="MatMul"], [data-testid="graph-svg"] g[data-op="Conv"]').first().click();
      await page.getByTestId("graph-panel").waitFor();
      await screenshot(page, shot);
    }
  });
});
