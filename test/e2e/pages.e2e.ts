/**
 * Pages a user expects (issue 14, defects 10, 16, 17), in Chromium against the production build that
 * test/setup/global-e2e.ts starts (data written into its database through lib/db and lib/services):
 *   - /models/999999999 and /models/abc answer HTTP 404 ("Model not found", never "Model NaN")
 *   - /browse with a stale or foreign cursor answers 404 with a message and a link to the first page
 *     (was a 500 error page)
 *   - a /jobs row links to its job page: state timeline with times, device, measurement, model link;
 *     another team's job is 404
 *   - "Measure on more platforms" opens /query with the model chosen: pick a platform and get its
 *     latency without uploading anything
 *   - the model page: full name and hash behind a tooltip and a copy button, "Timed runs" apart from
 *     "measurements stored", a history axis whose labels never repeat one date
 *   - leaderboards: platforms ranked with their n of shared models
 * Screenshots: test/e2e/screenshots/pages-*.png.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createDb, type DbHandle } from "@/lib/db/client";
import { signUp } from "@/lib/services/accounts";
import { insertTeamWithOwner } from "@/lib/db/teams";
import { upsertDevice } from "@/lib/db/devices";
import { insertJob, updateJob } from "@/lib/db/jobs";
import { recordMeasurement } from "@/lib/db/measurements";
import { insertModel } from "@/lib/db/models";
import { encodeCursor } from "@/lib/api/schemas/common";
import { makePortalWorld, type PortalWorld } from "../portal/portal-world";
import { launch, screenshot } from "./browser";

const base = inject("baseUrl");
const PASSWORD = "pages-e2e-pass-1";
const tag = randomBytes(3).toString("hex");

let h: DbHandle;
let browser: Browser;
let page: Page;
let world: PortalWorld;
let user: { email: string };
let doneJob: { id: number; medianMs: number; modelId: number; modelName: string };
let foreignJobId: number;
const HOST = `pages-e2e-host-${tag}`;

beforeAll(async () => {
  h = createDb(inject("e2eDatabaseUrl"), { connectionLimit: 2 });
  const me = await signUp(h.db, { email: `pages-${tag}@example.test`, password: PASSWORD, name: "Pages E2E" });
  user = { email: me.email };
  const teamId = (await insertTeamWithOwner(h.db, { name: `Pages lab ${tag}`, ownerId: me.id })).id;
  const stranger = await signUp(h.db, { email: `pages-other-${tag}@example.test`, password: PASSWORD, name: "Other" });
  const otherTeam = (await insertTeamWithOwner(h.db, { name: `Other lab ${tag}`, ownerId: stranger.id })).id;
  world = await makePortalWorld(h.db, { teamId, models: 12, tag: `pg${tag}` });

  // a finished job of my team: claimed by a device, ran, measured
  const platform = world.platforms[0]!;
  const device = await upsertDevice(h.db, {
    platformId: platform.id,
    hostName: HOST,
    tokenHash: randomBytes(32).toString("hex"),
    workerTokenId: null,
    hostInfo: {},
  });
  const model = world.models.find((m) => m.visibility === "public")!;
  const created = new Date(Date.now() - 120_000);
  const job = await insertJob(h.db, {
    modelId: model.id,
    platformId: platform.id,
    batch: 4,
    teamId,
    userId: me.id,
    maxAttempts: 3,
    idempotencyKey: null,
  });
  const medianMs = 3.21;
  const m = await recordMeasurement(h.db, {
    modelId: model.id,
    platformId: platform.id,
    batch: 4,
    deviceId: device.id,
    jobId: job.id,
    runtimeVersion: "1.30.0",
    medianMs,
    meanMs: medianMs,
    minMs: medianMs * 0.9,
    maxMs: medianMs * 1.2,
    p90Ms: medianMs * 1.1,
    p99Ms: medianMs * 1.15,
    stdMs: 0.01,
    cv: 0.01,
    runs: 40,
    warmups: 5,
    deviceSeconds: 2,
    env: null,
    profile: null,
    measuredAt: new Date(created.getTime() + 90_000),
  });
  await updateJob(h.db, { id: job.id }, {
    state: "done",
    attempts: 1,
    leaseOwner: device.id,
    measurementId: m.id,
    createdAt: created,
    startedAt: new Date(created.getTime() + 30_000),
    finishedAt: new Date(created.getTime() + 90_000),
  });
  doneJob = { id: job.id, medianMs, modelId: model.id, modelName: model.name };

  // another team's job on its own private model
  const priv = await insertModel(h.db, {
    hash: randomBytes(32).toString("hex"),
    name: `other-private-${tag}`,
    family: "resnet",
    batch: 1,
    inputShapes: { input: [1, 3, 32, 32] },
    flops: 1e6,
    params: 1000,
    memoryAccess: 1e4,
    nodeCount: 3,
    opHistogram: { Conv: 1 },
    visibility: "private",
    ownerTeamId: otherTeam,
    source: "upload",
    bytes: new Uint8Array([8, 7]),
  });
  foreignJobId = (
    await insertJob(h.db, {
      modelId: priv.id,
      platformId: platform.id,
      batch: 1,
      teamId: otherTeam,
      userId: stranger.id,
      maxAttempts: 3,
      idempotencyKey: null,
    })
  ).id;

  browser = await launch();
  page = await (await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(30_000);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("pages a user expects", () => {
  it("an unknown model is HTTP 404 'Model not found'; a non-numeric id is 404 too, never 'Model NaN'", async () => {
    const unknown = await page.goto("/models/999999999");
    expect(unknown!.status()).toBe(404);
    await page.getByTestId("model-not-found").waitFor();
    expect(await page.title()).toBe("Model not found — nnlq");
    await screenshot(page, "pages-01-model-404");

    const abc = await page.goto("/models/abc");
    expect(abc!.status()).toBe(404);
    expect(await page.title()).not.toMatch(/NaN/);
    expect(await page.title()).toBe("Model not found — nnlq");
    await page.getByTestId("model-not-found").waitFor();
    expect(await page.getByTestId("model-not-found").textContent()).not.toMatch(/NaN/);

    // a public model is 200 with its name as the title
    const pub = world.models.find((m) => m.visibility === "public")!;
    const ok = await page.goto(`/models/${pub.id}`);
    expect(ok!.status()).toBe(200);
    expect(await page.title()).toBe(`${pub.name} — nnlq`);
  });

  it("/browse with a stale or foreign cursor answers 404 with a message and a first-page link (no error page)", async () => {
    const platform = world.platforms[0]!.slug;
    // a real cursor of the latency order, replayed under the FLOPs order; a cursor of another listing; junk
    const first = await page.goto(`/browse?platform=${encodeURIComponent(platform)}&limit=5`);
    expect(first!.status()).toBe(200);
    const next = await page.getByTestId("next-page").getAttribute("href");
    const latencyCursor = new URL(next!, base).searchParams.get("cursor")!;
    for (const cursor of [latencyCursor, encodeCursor([12345]), "abc"]) {
      const res = await page.goto(`/browse?platform=${encodeURIComponent(platform)}&sort=flops&cursor=${cursor}`);
      expect(res!.status(), cursor).toBe(404);
      await page.getByTestId("browse-stale-cursor").waitFor();
      expect(await page.getByText("Something went wrong").count()).toBe(0);
      const href = await page.getByTestId("browse-first-page").getAttribute("href");
      const u = new URL(href!, base);
      expect(u.pathname).toBe("/browse");
      expect(u.searchParams.get("cursor")).toBeNull();
      expect(u.searchParams.get("sort")).toBe("flops");
      expect(u.searchParams.get("platform")).toBe(platform);
    }
    await screenshot(page, "pages-02-browse-stale-cursor");
    await page.getByTestId("browse-first-page").click();
    await page.getByTestId("browse-table").waitFor();
    expect(new URL(page.url()).searchParams.get("sort")).toBe("flops");
  });

  it("a /jobs row links to its job page: timeline with times, device, measurement, model; another team's job is 404", async () => {
    await page.goto("/signin?callbackUrl=/jobs");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/jobs");
    const row = page.getByTestId(`job-${doneJob.id}`);
    await row.waitFor();
    await screenshot(page, "pages-03-jobs");
    await row.getByTestId("job-link").click();
    await page.waitForURL(`**/jobs/${doneJob.id}`);
    const timeline = page.getByTestId("job-timeline");
    await timeline.waitFor();
    const steps = await timeline
      .locator("li")
      .evaluateAll((els) =>
        els.map((e) => [
          e.getAttribute("data-step"),
          e.getAttribute("data-status"),
          e.querySelector("time")?.getAttribute("datetime") ?? null,
        ]),
      );
    expect(steps.map((s) => s.slice(0, 2))).toEqual([
      ["queued", "done"],
      ["claimed", "done"],
      ["running", "done"],
      ["done", "done"],
    ]);
    const [queuedAt, , runningAt, doneAt] = steps.map((s) => (s[2] ? Date.parse(s[2]) : null));
    expect(queuedAt).not.toBeNull();
    expect(runningAt! - queuedAt!).toBe(30_000);
    expect(doneAt! - runningAt!).toBe(60_000);
    expect(await page.getByTestId("job-state").getAttribute("data-state")).toBe("done");
    expect(await page.getByTestId("job-device").textContent()).toBe(HOST);
    expect(await page.getByTestId("job-measurement").textContent()).toContain(`${doneJob.medianMs.toFixed(2)} ms`);
    expect(await page.getByTestId("job-model-link").getAttribute("href")).toBe(`/models/${doneJob.modelId}`);
    expect(await page.getByTestId("job-model-link").textContent()).toBe(doneJob.modelName);
    await screenshot(page, "pages-04-job");

    const foreign = await page.goto(`/jobs/${foreignJobId}`);
    expect(foreign!.status()).toBe(404);
    expect(await page.content()).not.toContain(`other-private-${tag}`);
    expect((await page.goto("/jobs/abc"))!.status()).toBe(404);
  });

  it("'Measure on more platforms' opens /query with the model chosen: pick a platform, get latency, no upload", async () => {
    const model = world.models.find((m) => m.visibility === "public")!;
    const platform = world.platforms[1]!.slug;
    await page.goto(`/models/${model.id}`);
    await page.getByTestId("measure-more").click();
    await page.waitForURL((u) => u.pathname === "/query" && u.searchParams.get("model") === String(model.id));
    const chosen = page.getByTestId("chosen-model");
    await chosen.waitFor();
    expect(await chosen.textContent()).toContain(model.name);
    let uploads = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/models") uploads++;
    });
    await page.getByRole("checkbox", { name: platform, exact: true }).check();
    await page.getByRole("button", { name: "Get latency" }).click();
    const answer = page.getByRole("heading", { name: "3. Latency" });
    await answer.waitFor();
    const row = page.locator("section", { has: answer }).locator("tbody tr").filter({ hasText: platform });
    await row.waitFor();
    expect(await row.textContent()).toContain("measured");
    expect(uploads).toBe(0);
    await screenshot(page, "pages-05-query-preselected");

    // an id nobody can see: a message, and the page still works by upload
    await page.goto("/query?model=999999999");
    await page.getByRole("alert").filter({ hasText: "does not exist or is not visible" }).waitFor();
  });

  it("model page: full name and hash behind a tooltip and copy button; timed runs vs stored measurements; history axis without repeated dates", async () => {
    const model = world.models[0]!; // two runs an hour apart on every platform (portal-world)
    await page.goto(`/models/${model.id}`);
    await page.getByTestId("model-name").waitFor();
    expect(await page.getByTestId("model-name").getAttribute("title")).toBe(model.name);
    expect(await page.getByTestId("model-hash").getAttribute("title")).toBe(model.hash);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await page.getByRole("button", { name: "Copy the full structure hash" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(model.hash);

    const row = page.getByTestId(`measured-${world.platforms[0]!.slug}-1`);
    expect((await row.getByTestId("timed-runs").textContent())!.trim()).toBe("50");
    expect(await row.getByTestId("stored-measurements").textContent()).toContain("2 measurements stored");
    expect(await page.getByRole("columnheader", { name: "Timed runs" }).count()).toBe(1);

    const chart = page.getByTestId("history-chart");
    await chart.waitFor();
    await page.waitForFunction(() => !!document.querySelector<HTMLElement>("[data-testid=history-chart]")?.dataset.xTicks);
    const ticks = JSON.parse((await chart.getAttribute("data-x-ticks"))!) as string[];
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    await chart.scrollIntoViewIfNeeded();
    await screenshot(page, "pages-06-model");
  });

  it("leaderboards rank platforms with n shared models", async () => {
    await page.goto(`/leaderboards?platform=${encodeURIComponent(world.platforms[0]!.slug)}`);
    const ranking = page.getByTestId("platform-ranking");
    await ranking.waitFor();
    const ns = (await ranking.getByTestId("shared-models").allTextContents()).map((t) => Number(t.trim()));
    expect(ns.length).toBeGreaterThan(0);
    for (const n of ns) expect(n).toBeGreaterThanOrEqual(5);
    expect(await page.getByText(/ranked only when it shares at least 5 models/).count()).toBe(1);
    await screenshot(page, "pages-07-leaderboards");
  });
});
