/**
 * lib/predict is isomorphic: bundled for the browser it loads a Node-trained GNN from a URL (model.json +
 * weights.bin), computes features of a zoo model in the page and predicts the same latencies as Node,
 * on the wasm backend (as the portal runs it) and the plain cpu backend, without leaking tensors.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GnnPredictor } from "@/lib/predict/gnn/predictor";
import { trainGnn } from "@/lib/predict/gnn/train";
import { initTfNode } from "@/lib/predict/node/backend";
import { disposeInPage, openPredictPage, runInPage } from "@/lib/predict/node/chromium";
import { generate } from "@/lib/zoo";
import { chromiumPath, launch } from "../e2e/browser";
import { additiveLatency, tinyGraphs } from "./helpers";

let chromium: string | undefined;
try {
  chromium = chromiumPath();
} catch {
  console.warn("SKIP lib/predict browser test: Chromium not found (set CHROMIUM_PATH)");
}

const spec = { family: "mobilenetv2", width: 0.5, resolution: 96, batch: 1, seed: 0 };
let model: GnnPredictor;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!chromium) return;
  await initTfNode();
  const graphs = tinyGraphs(["resnet", "mobilenetv2"], 6);
  model = await trainGnn(
    graphs.flatMap((s) => [
      { ...s, platform: "a", latencyMs: additiveLatency(s) },
      { ...s, platform: "b", latencyMs: additiveLatency(s, 0.5) },
    ]),
    { epochs: 3, batchSize: 6 },
  );
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  model?.dispose();
});

describe("lib/predict in Chromium", () => {
  for (const backend of ["wasm", "cpu"] as const) {
    it.skipIf(!chromium)(`loads the predictor from a URL and matches Node (${backend} backend)`, async () => {
      const { page, init } = await openPredictPage(browser!, model.save(), backend);
      try {
        expect(init).toEqual({ backend, platforms: ["a", "b"] });
        const first = await runInPage(page, spec, 2);
        const again = await runInPage(page, spec, 3);
        const node = model.predict(generate(spec));
        expect(first.predictions.map((p) => p.platform)).toEqual(["a", "b"]);
        first.predictions.forEach((p, i) => {
          expect(Math.abs(p.latencyMs / node[i].latencyMs - 1)).toBeLessThan(1e-4);
          expect(p.uncertaintyMs).toBeGreaterThanOrEqual(0);
        });
        expect(again.tensors).toBe(first.tensors); // predict leaks nothing
        const left = await disposeInPage(page);
        expect(left).toBe(first.tensors - model.model.vars.size);
        console.log(
          `Chromium ${backend}: features ${Math.min(...again.times.parse).toFixed(1)} ms + predict ${Math.min(...again.times.predict).toFixed(1)} ms`,
        );
      } finally {
        await page.close();
      }
    });
  }
});
