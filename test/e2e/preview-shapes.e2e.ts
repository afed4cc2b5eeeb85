/**
 * Symbolic input sizes in the browser (issue 17, deliver 6), against the production build: a model exported
 * as [batch, 3, height, width] dropped on the home page's instant preview is analysed at defaulted dims, the
 * preview says so (warnings) and asks for the size (one row per symbolic input, prefilled with the defaults);
 * the size given re-runs the analysis in the Web Worker (FLOPs grow, the warning goes) and the lookup sends
 * the structure stripped at that shape with `inputs`. The query page does the same before its upload.
 * Screenshots: test/e2e/screenshots/shapes-*.png.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createDb, type DbHandle } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { startApp, type Proc } from "../worker/harness";
import { SYMBOLIC_INPUT, symbolicResnet } from "../query/symbolic-model";
import { launch, screenshot } from "./browser";

let testDb: TestDatabase;
let h: DbHandle;
let app: Proc & { url: string };
let browser: Browser;
let page: Page;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-e2e-shapes-"));
const file = path.join(tmp, "symbolic-resnet.onnx");

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = createDb(testDb.url, { connectionLimit: 2 });
  await seed(h.db, { demo: false });
  fs.writeFileSync(file, symbolicResnet({ weights: true }));
  app = await startApp({ databaseUrl: testDb.url });
  browser = await launch();
  page = await (await browser.newContext({ baseURL: app.url, viewport: { width: 1280, height: 1000 } })).newPage();
  page.setDefaultTimeout(30_000);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop("SIGTERM");
  await h?.close();
  await testDb?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000 });
const gflopsOf = (text: string | null) => {
  const m = /([\d.]+)\s*([kMGT]?)/.exec(text ?? "");
  return m ? Number(m[1]) * ({ "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as "" | "k" | "M" | "G" | "T"] ?? 1) : NaN;
};

async function giveSize(p: Page, height: number, width: number) {
  const form = p.getByTestId("shape-form");
  await form.waitFor();
  // prefilled with the defaulted sizes the analysis used
  expect(await p.getByTestId(`shape-${SYMBOLIC_INPUT}-2`).inputValue()).toBe("1");
  expect(await p.getByTestId(`shape-${SYMBOLIC_INPUT}-3`).inputValue()).toBe("1");
  await p.getByTestId(`shape-${SYMBOLIC_INPUT}-2`).fill(String(height));
  await p.getByTestId(`shape-${SYMBOLIC_INPUT}-3`).fill(String(width));
  await p.getByTestId("shape-submit").click();
}

describe("symbolic input sizes in the browser", () => {
  it("the home preview asks for the size, re-analyses at it, and looks up the structure at that shape", async () => {
    await page.goto("/");
    await page.setInputFiles("#preview-file", file);
    await page.getByTestId("preview").waitFor();
    await poll(() => page.getByTestId("preview-warnings").textContent()).toMatch(/height/);
    const before = gflopsOf(await page.getByTestId("preview-flops").textContent());
    await screenshot(page, "shapes-01-defaulted");

    const lookup = page.waitForResponse((r) => r.url().includes("/api/v1/models?") && r.url().includes("inputs=") && r.request().method() === "POST");
    await giveSize(page, 160, 128);
    const answer = (await (await lookup).json()) as { analysis: { inputs: Record<string, number[]>; warnings: string[] } };
    expect(answer.analysis.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 160, 128] });
    expect(answer.analysis.warnings).toEqual([]);
    await poll(async () => gflopsOf(await page.getByTestId("preview-flops").textContent())).toBeGreaterThan(before * 20);
    await poll(() => page.getByTestId("preview-warnings").count()).toBe(0);
    // the form stays, now prefilled with the size given
    expect(await page.getByTestId(`shape-${SYMBOLIC_INPUT}-2`).inputValue()).toBe("160");
    await screenshot(page, "shapes-02-given");

    // a size the model does not take is refused in the form, and the shown analysis is kept
    await page.getByTestId(`shape-${SYMBOLIC_INPUT}-2`).fill("0");
    expect(await page.getByTestId("shape-submit").isDisabled()).toBe(true);
  });

  it("the query page uploads the structure stripped at the size given", async () => {
    await page.goto("/query");
    await page.setInputFiles("#model-file", file);
    await page.getByTestId("shape-form").waitFor();
    const upload = page.waitForResponse((r) => r.url().includes("/api/v1/models?") && r.url().includes("inputs=") && r.request().method() === "POST");
    await giveSize(page, 96, 96);
    expect(((await (await upload).json()) as { analysis: { inputs: Record<string, number[]> } }).analysis.inputs).toEqual({
      [SYMBOLIC_INPUT]: [1, 3, 96, 96],
    });
    await poll(() => page.getByTestId("model-summary").textContent()).toContain("1×3×96×96");
    await screenshot(page, "shapes-03-query");
  });
});
