/**
 * A newcomer's first hour, against the running production server of test/setup/global-e2e.ts (`next start`,
 * started before anything is trained):
 *   - a small public zoo database (36 real zoo structures measured on two platforms of this file);
 *   - nothing trained: /predictors/current answers null; unknown versions and traversal attempts → 404 JSON;
 *   - the real trainer (`npm run worker:train`: workers/train.ts, a tiny GNN of 2 epochs) runs AFTER start
 *     and promotes a version into the server's predictor store (NNLQ_PREDICTORS_DIR);
 *   - the server serves it at once (/predictors/<version>/model.json + weights.bin, immutable caching) —
 *     no rebuild, no restart — and Chromium's home page loads it and predicts a dropped model;
 *   - the preview (home page and /query) lists every active platform: measured with provenance where the
 *     database has a result, "predicted" with the predictor's σ and interval where the predictor models the
 *     platform, and says so where neither exists.
 * Screenshots: test/e2e/screenshots/first-hour-*.png.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createDb, type DbHandle } from "@/lib/db/client";
import { insertModel, modelFieldsOf } from "@/lib/db/models";
import { recordMeasurement } from "@/lib/db/measurements";
import { listPlatforms, upsertPlatform } from "@/lib/db/platforms";
import type { Platform } from "@/lib/db/schema";
import { analyze } from "@/lib/onnx";
import { generate, sampleSpecs } from "@/lib/zoo";
import { launch, screenshot } from "./browser";

const ROOT = path.resolve(import.meta.dirname, "../..");
const baseUrl = inject("baseUrl");
const store = inject("predictorsDir");
const tag = `fh${process.pid}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-first-hour-"));

let h: DbHandle;
let browser: Browser;
let page: Page;
let A: Platform, B: Platform;
/** the structure the visitor drops: measured on A only (B is predicted) */
let dropped: { spec: Record<string, unknown>; hash: string; medianMs: number };
let version = "";

/** the page's millisecond format (components/latency/format.tsx fmtMs) */
const fmtMs = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(1));
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 250 });
const get = (p: string) => fetch(new URL(p, baseUrl));

beforeAll(async () => {
  h = createDb(inject("e2eDatabaseUrl"), { connectionLimit: 2 });
  const plat = (threads: number) =>
    upsertPlatform(h.db, {
      slug: `${tag}/ort-cpu-1.30/fp32/t${threads}`,
      name: `First hour ${tag} t${threads}`,
      hardware: tag,
      runtime: "ort-cpu",
      runtimeVersion: "1.30",
      precision: "fp32",
      threads,
      config: { adapter: "ort-node", passes: ["materialize-weights", "set-batch"] },
    });
  [A, B] = [await plat(1), await plat(2)];
  // 36 public zoo models (stored as their spec, as the zoo campaign does) measured on A and B; the first
  // one only on A. Latency ∝ FLOPs: what the trainer learns is irrelevant, that it runs is the point.
  const specs = (["resnet", "mobilenetv2", "vgg", "squeezenet"] as const).flatMap((f, i) =>
    sampleSpecs(f, 9, 7 + i, { batch: 1, resolution: 64 + 32 * (i % 2) }),
  );
  const now = Date.now();
  for (const [i, spec] of specs.entries()) {
    const s = analyze(generate(spec));
    const m = await insertModel(h.db, {
      ...modelFieldsOf(s),
      name: `${tag}-${s.family.name}-${i}`,
      visibility: "public",
      source: "zoo",
      zooSpec: spec as Record<string, unknown>,
    });
    for (const p of i === 0 ? [A] : [A, B]) {
      const v = ((s.flops / 1e9) * (1.5 + (i % 5) / 10)) / p.threads + 0.05;
      await recordMeasurement(h.db, {
        modelId: m.id,
        platformId: p.id,
        batch: s.batch,
        runtimeVersion: "1.30.0",
        medianMs: v,
        meanMs: v * 1.01,
        minMs: v * 0.98,
        maxMs: v * 1.2,
        p90Ms: v * 1.05,
        p99Ms: v * 1.1,
        stdMs: v * 0.01,
        cv: 0.01,
        runs: 40,
        warmups: 5,
        deviceSeconds: 2,
        env: { cpuModel: "Test CPU" },
        profile: null,
        // clean labels (protocol v2): what the trainer and the portal read by default
        protocol: 2,
        grade: "clean",
        labelKind: "wall-clean",
        cleanRuns: 40,
        measuredAt: new Date(now - i * 60_000),
      });
      if (i === 0) dropped = { spec: spec as Record<string, unknown>, hash: s.hash, medianMs: v };
    }
  }
  browser = await launch();
  page = await (await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 1000 } })).newPage();
  page.setDefaultTimeout(30_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** `npm run worker:train` as `npm run up` starts it, made tiny: a GNN of 2 epochs, on this database. */
function runTrainer(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "workers/train.ts",
        "--force",
        "--method",
        "gnn",
        "--epochs",
        "2",
        "--budget-min",
        "2",
        "--seed",
        String(process.pid % 1000),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: inject("e2eDatabaseUrl"), NNLQ_PREDICTORS_DIR: store },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

async function waitForPredictions(p: Page): Promise<void> {
  await p.getByTestId("preview").waitFor();
  await p.waitForFunction(
    () =>
      !!document.querySelector('[data-testid="preview"]')?.getAttribute("data-predictions-ms") ||
      !!document.querySelector('[data-testid="predictor-missing"], [data-testid="predictor-unavailable"]'),
    undefined,
    { timeout: 60_000 },
  );
  const unavailable = await p.getByTestId("predictor-unavailable").or(p.getByTestId("predictor-missing")).allTextContents();
  expect(unavailable).toEqual([]);
}

describe("the first hour: a predictor trained after next start loads in the browser", () => {
  it("serves nothing before training; unknown versions and traversal attempts are 404 JSON", async () => {
    expect(fs.readdirSync(store)).toEqual([]);
    const current = await get("/predictors/current");
    expect(current.status).toBe(200);
    expect(current.headers.get("cache-control")).toContain("no-store");
    expect(await current.json()).toEqual({ predictor: null });
    // what reaches the route: unknown, badly named or traversing version/file → 404 JSON
    for (const bad of [
      "/predictors/gnn-nope/model.json",
      "/predictors/gnn-nope/weights.bin",
      "/predictors/..%2F..%2Fpackage.json/model.json",
      "/predictors/x/..%2F..%2F..%2Fpackage.json",
      "/predictors/.hidden/model.json",
      "/predictors/x/model.js",
    ]) {
      const r = await get(bad);
      expect(r.status, bad).toBe(404);
      expect(r.headers.get("content-type"), bad).toContain("application/json");
      expect(((await r.json()) as { error: { code: string } }).error.code, bad).toBe("NOT_FOUND");
    }
    // dot segments are resolved by the server before routing (→ /package.json): a 404 page, never the file
    for (const bad of ["/predictors/%2E%2E/package.json", "/predictors/%2e%2e/%2e%2e/package.json"]) {
      const r = await get(bad);
      expect(r.status, bad).toBe(404);
      expect(await r.text(), bad).not.toContain('"name": "nnlq"');
    }
  });

  it("trains with the real trainer after start; the version is served at once with immutable caching", { timeout: 300_000 }, async () => {
    const t0 = Date.now();
    const r = await runTrainer();
    expect(r.code, r.out.slice(-3000)).toBe(0);
    version = /gnn: promoted (\S+)/.exec(r.out)?.[1] ?? "";
    expect(version, r.out.slice(-3000)).toMatch(/^gnn-/);
    console.log(`[first-hour e2e] trainer promoted ${version} in ${((Date.now() - t0) / 1000).toFixed(1)} s (into ${store})`);
    expect(fs.existsSync(path.join(store, version, "model.json"))).toBe(true);

    const manifest = await get(`/predictors/${version}/model.json`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("content-type")).toContain("application/json");
    expect(manifest.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const m = (await manifest.json()) as { version: string; method: string; platforms: string[]; weightsFile: string };
    expect(m).toMatchObject({ version, method: "gnn" });
    expect([...m.platforms].sort()).toEqual([A.slug, B.slug].sort());
    const weights = await get(`/predictors/${version}/${m.weightsFile}`);
    expect(weights.status).toBe(200);
    expect(weights.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await weights.arrayBuffer()).byteLength).toBe(fs.statSync(path.join(store, version, m.weightsFile)).size);
    expect(await (await get("/predictors/current")).json()).toMatchObject({
      predictor: { version, method: "gnn", url: `/predictors/${version}/model.json` },
    });
  });

  it(
    "the home page loads it in Chromium and shows every active platform: measured, predicted ± σ, or neither",
    { timeout: 180_000 },
    async () => {
      expect(version).not.toBe("");
      const served: string[] = [];
      page.on("response", (r) => r.url().includes("/predictors/") && served.push(`${r.status()} ${new URL(r.url()).pathname}`));
      await page.goto("/");
      const file = path.join(tmp, "dropped-with-weights.onnx");
      fs.writeFileSync(file, generate(dropped.spec as never, { weights: true }));
      await page.setInputFiles("#preview-file", file);
      await waitForPredictions(page);
      expect(served).toContain(`200 /predictors/${version}/model.json`);
      expect(served).toContain(`200 /predictors/${version}/weights.bin`);
      await page.getByTestId("lookup-result").getByRole("link", { name: "model page" }).waitFor();

      const active = (await listPlatforms(h.db)).map((p) => p.slug);
      expect(active.length).toBeGreaterThan(2); // the seeded local platforms too, measured nowhere
      await poll(() => page.locator('[data-testid^="preview-row-"]').count()).toBe(active.length);
      for (const slug of active) await page.getByTestId(`preview-row-${slug}`).waitFor();

      // A: measured (value and provenance); B: predicted by the new version with its uncertainty
      const rowA = page.getByTestId(`preview-row-${A.slug}`);
      await poll(() => rowA.getAttribute("data-source")).toBe("measured");
      expect(await rowA.getByTestId("measured-ms").textContent()).toContain(`measured ${fmtMs(dropped.medianMs)} ms`);
      expect(await rowA.getByTestId("measured-provenance").textContent()).toMatch(/^\d{4}-\d\d-\d\d · 1 measurement stored$/);
      const rowB = page.getByTestId(`preview-row-${B.slug}`);
      expect(await rowB.getAttribute("data-source")).toBe("predicted");
      expect(await rowB.getByTestId("predicted-ms").textContent()).toMatch(/^predicted [\d.]+ ± [\d.]+ ms/);
      expect(await rowB.getByTestId("measured-ms").textContent()).toBe("not measured");
      // a seeded platform nobody measured: the predictor does not model it, and the row says so
      const other = active.find((s) => s !== A.slug && s !== B.slug)!;
      const rowO = page.getByTestId(`preview-row-${other}`);
      expect(await rowO.getAttribute("data-source")).toBe("none");
      expect(await rowO.getByTestId("predicted-ms").textContent()).toBe("not modelled");
      await poll(() => page.getByText(`Predicted by ${version}`).count()).toBe(1);
      await screenshot(page, "first-hour-01-home-predicted");
    },
  );

  it("/query shows the same: every active platform, measured or predicted, for the dropped model", { timeout: 180_000 }, async () => {
    await page.goto("/query");
    const file = path.join(tmp, "dropped-structure.onnx");
    fs.writeFileSync(file, generate(dropped.spec as never));
    await page.setInputFiles("#model-file", file);
    await waitForPredictions(page);
    const active = (await listPlatforms(h.db)).map((p) => p.slug);
    await poll(() => page.locator('[data-testid^="preview-row-"]').count()).toBe(active.length);
    await poll(() => page.getByTestId(`preview-row-${A.slug}`).getAttribute("data-source")).toBe("measured");
    expect(await page.getByTestId(`preview-row-${B.slug}`).getAttribute("data-source")).toBe("predicted");
    expect(await page.getByTestId(`preview-row-${B.slug}`).getByTestId("predicted-interval").textContent()).toMatch(
      /^σ [\d.]+ ms · ≈95% [\d.]+–[\d.]+ ms$/,
    );
    await screenshot(page, "first-hour-02-query-predicted");
  });
});
