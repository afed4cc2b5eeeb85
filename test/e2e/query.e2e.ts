/**
 * The latency query loop in Chromium: a signed-in team member drags an ONNX file (with weights) onto the
 * query page, watches the upload progress (the page strips the weights and uploads ~54 KB of structure,
 * throttled to 8 KiB/s through the DevTools protocol's Network.emulateNetworkConditions, so the bar passes
 * through intermediate values — Chromium moves the upload position in 16 KiB reads), picks two platforms, asks for the
 * latency and sees both measurements complete through a real
 * worker process; then the same query answers from the database, the jobs page lists the finished jobs and
 * the platforms page shows the worker's devices online. Screenshots: test/e2e/screenshots/query-*.png.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Browser, Page } from "playwright-core";
import { generate } from "@/lib/zoo";
import { stripWeights } from "@/lib/onnx";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { INT8, T1, makeWorld, startApp, startWorker, type Proc, type World } from "../worker/harness";
import { launch, screenshot } from "./browser";

let testDb: TestDatabase;
let world: World;
let app: Awaited<ReturnType<typeof startApp>>;
let worker: Proc;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  testDb = await createTestDatabase();
  world = await makeWorld(testDb.url, "browser");
  app = await startApp({ databaseUrl: testDb.url });
  worker = startWorker({
    url: app.url,
    token: world.workerToken,
    args: ["--platform", `${T1},${INT8}`, "--host-name", "browser-lab", "--budget-ms", "150", "--profile-runs", "3", "--wait", "2"],
  });
  await worker.waitFor(/serving 2 platforms/);
  browser = await launch();
  page = await (await browser.newContext({ baseURL: app.url, viewport: { width: 1200, height: 1000 } })).newPage();
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop("SIGTERM");
  await app?.stop("SIGTERM");
  await world?.close();
  await testDb?.drop();
});

/** Drops a file on an element the way a browser does (a DataTransfer carrying a File). */
async function dropFile(p: Page, selector: string, name: string, bytes: Uint8Array) {
  await p.evaluate(
    ({ selector, name, b64 }) => {
      const bin = atob(b64);
      const data = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: "application/octet-stream" }));
      const el = document.querySelector(selector)!;
      el.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: dt }));
      el.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { selector, name, b64: Buffer.from(bytes).toString("base64") },
  );
}

describe("query page in the browser", () => {
  it("uploads by drag and drop, measures on two platforms through the worker, and shows jobs and devices", async () => {
    onTestFailed(() =>
      console.log(
        `[query e2e] worker's last lines:\n${worker.lines.slice(-40).join("\n")}\n[query e2e] app's last lines:\n${app.lines.slice(-20).join("\n")}`,
      ),
    );
    await page.goto("/signin?callbackUrl=/query");
    await page.getByLabel("Email").fill(world.user.email);
    await page.getByLabel("Password").fill(world.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/query");
    await page.getByRole("heading", { name: "Query latency" }).waitFor();

    // a model with weights (~3.4 MB): the page strips them in the browser (Web Worker) and uploads only the
    // structure-only bytes (~54 KB: a deep bottleneck ResNet of width 8, so the structure spans several of
    // Chromium's 16 KiB upload reads)
    const bytes = generate({ family: "resnet", block: "bottleneck", resolution: 32, depths: [3, 8, 16, 3], width: 8 } as never, {
      weights: true,
    });
    expect(bytes.byteLength).toBeGreaterThan(3_000_000);
    const structureBytes = stripWeights(bytes).byteLength;
    expect(structureBytes).toBeGreaterThan(3 * 16_384);
    // the upload throttled to 8 KiB/s (about 5 s): every value the progress bar shows is recorded
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8_192 });
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { uploadProgress: number[] }).uploadProgress = seen;
      new MutationObserver(() => {
        const bar = document.querySelector("[data-testid=upload-progress] [role=progressbar]");
        const v = bar ? Number(bar.getAttribute("aria-valuenow")) : null;
        if (v !== null && seen[seen.length - 1] !== v) seen.push(v);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"] });
    });
    const upload = page.waitForResponse((r) => r.url().includes("/api/v1/models?") && r.request().method() === "POST", { timeout: 60_000 });
    await dropFile(page, "[data-testid=dropzone]", "resnet-weights.onnx", bytes);
    // part-way through the upload, the bar shows a value strictly between 0 and 100
    const midway = await page.waitForFunction(() => {
      const box = document.querySelector("[data-testid=upload-progress]");
      const v = Number(box?.querySelector("[role=progressbar]")?.getAttribute("aria-valuenow") ?? NaN);
      return v > 0 && v < 100 ? { v, text: box!.textContent } : null;
    }, undefined, { timeout: 60_000 });
    const { v: midValue, text: midText } = (await midway.jsonValue())!;
    expect(midText).toBe(`Uploading the structure of resnet-weights.onnx${midValue}% of ${(structureBytes / 1024).toFixed(1)} KiB`);
    await screenshot(page, "query-01-uploading");
    const uploaded = (await (await upload).json()) as { receivedBytes: number; stripped: boolean };
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(uploaded.receivedBytes).toBe(structureBytes);
    expect(uploaded.stripped).toBe(false);
    await page.getByTestId("model-summary").waitFor({ timeout: 60_000 });
    await page.getByTestId("upload-progress").waitFor({ state: "detached" });
    const progress = await page.evaluate(() => (window as unknown as { uploadProgress: number[] }).uploadProgress);
    expect(progress[0], progress.join(" → ")).toBe(0);
    expect(progress.filter((v) => v > 0 && v < 100).length, progress.join(" → ")).toBeGreaterThanOrEqual(1);
    expect(progress, progress.join(" → ")).toEqual([...progress].sort((a, b) => a - b));
    await screenshot(page, "query-01-uploaded-structure");
    const summary = await page.getByTestId("model-summary").textContent();
    expect(summary).toContain("resnet-weights");
    expect(summary).not.toMatch(/stripped/); // the weights never reached the server: nothing left to strip there

    // two platforms → two jobs, measured by the worker, progress shown live
    await page.getByLabel(T1, { exact: true }).check();
    await page.getByLabel(INT8, { exact: true }).check();
    await page.getByRole("button", { name: "Get latency" }).click();
    const rowT1 = page.getByTestId(`result-${T1}`);
    const rowInt8 = page.getByTestId(`result-${INT8}`);
    await rowT1.waitFor();
    await screenshot(page, "query-02-measuring");
    for (const row of [rowT1, rowInt8]) {
      await expect.poll(() => row.getAttribute("data-status"), { timeout: 90_000 }).toBe("measured");
      expect(Number(await row.getByTestId("median").textContent())).toBeGreaterThan(0);
      expect(await row.textContent()).toMatch(/measured just now by job \d+ on browser-lab/);
    }
    await screenshot(page, "query-03-measured");

    // asking again answers from the database
    await page.getByRole("button", { name: "Get latency" }).click();
    await expect.poll(async () => (await rowT1.textContent()) ?? "").toMatch(/stored result/);
    expect(await rowInt8.getAttribute("data-status")).toBe("measured");
    expect(worker.count(/: done in/)).toBe(2);

    // the team's jobs
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.waitForURL("**/jobs");
    const table = page.getByRole("table", { name: "Jobs" });
    await table.waitFor();
    await expect.poll(() => table.locator("tr[data-state=done]").count()).toBe(2);
    expect(await table.textContent()).toContain("resnet-weights");
    await screenshot(page, "query-04-jobs");

    // the platforms page: the worker's devices with their host
    await page.getByRole("link", { name: "Platforms" }).click();
    await page.waitForURL("**/platforms");
    const plat = page.getByTestId(`platform-${T1}`);
    await plat.waitFor();
    expect(await plat.getByTestId("devices-online").textContent()).toMatch(/^1 of 1 device online/);
    expect(await plat.locator("tr[data-status]").first().textContent()).toContain("browser-lab");
    await screenshot(page, "query-05-platforms");
  });
});
