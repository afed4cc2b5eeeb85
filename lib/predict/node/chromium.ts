/**
 * Dev tooling (Node only; used by test/predict/browser.test.ts and bench/predict.ts): run lib/predict in
 * real Chromium the way the portal does — lib/predict + lib/zoo + lib/onnx bundled for the browser with
 * esbuild, tfjs wasm files and the predictor's model.json / weights.bin served from an https origin by
 * request interception, the predictor loaded with load(url).
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { PredictorArtifacts } from "../predictor";

const ORIGIN = "https://nnlq.test";
const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

const ENTRY = `
  import * as tf from "@tensorflow/tfjs";
  import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
  import { buildGraph, decodeModel, extractFeatures, inferShapes } from "@/lib/onnx";
  import { load } from "@/lib/predict/client";
  import { generate } from "@/lib/zoo";
  let predictor;
  window.nnlqPredict = {
    async init(backend) {
      setWasmPaths("${ORIGIN}/wasm/");
      await tf.setBackend(backend);
      await tf.ready();
      predictor = await load("${ORIGIN}/predictors/v/model.json");
      return { backend: tf.getBackend(), platforms: predictor.platforms };
    },
    run(spec, repeat) {
      const bytes = generate(spec);
      const times = { parse: [], predict: [], total: [] };
      let out;
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        const f = extractFeatures(inferShapes(buildGraph(decodeModel(bytes))));
        const t1 = performance.now();
        out = predictor.predict(f);
        const t2 = performance.now();
        times.parse.push(t1 - t0); times.predict.push(t2 - t1); times.total.push(t2 - t0);
      }
      return { predictions: out, times, tensors: tf.memory().numTensors };
    },
    dispose() { predictor.dispose(); return tf.memory().numTensors; },
  };
`;

export interface BrowserRun {
  predictions: { platform: string; latencyMs: number; uncertaintyMs: number | null }[];
  times: { parse: number[]; predict: number[]; total: number[] };
  tensors: number;
}

export async function bundlePredict(): Promise<string> {
  const { build } = await import("esbuild");
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: REPO_ROOT, loader: "ts" },
    bundle: true, platform: "browser", format: "iife", alias: { "@": REPO_ROOT }, write: false, logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
    // iife has no code splitting, so load()'s on-demand import of the kernel-rf module is inlined; its
    // random-js dependency names node's crypto in an engine ml-random-forest never uses
    external: ["crypto"],
  });
  return out.outputFiles[0].text;
}

/** Open a page serving the bundle, the wasm binaries and the predictor; returns it after init(backend). */
export async function openPredictPage(
  browser: Browser,
  artifacts: PredictorArtifacts,
  backend: "wasm" | "cpu" = "wasm",
): Promise<{ page: Page; init: { backend: string; platforms: string[] } }> {
  const js = await bundlePredict();
  const require = createRequire(import.meta.url);
  const wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  const manifest = JSON.stringify(artifacts.manifest);
  const weights = artifacts.weights
    ? Buffer.from(artifacts.weights.buffer, artifacts.weights.byteOffset, artifacts.weights.byteLength)
    : Buffer.alloc(0);
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const p = url.pathname;
    if (p === "/")
      return route.fulfill({ contentType: "text/html", body: `<!doctype html><html><body><script src="/app.js"></script></body></html>` });
    if (p === "/app.js") return route.fulfill({ contentType: "text/javascript", body: js });
    if (p.startsWith("/wasm/")) {
      const file = path.join(wasmDir, path.basename(p));
      return fs.existsSync(file)
        ? route.fulfill({ contentType: "application/wasm", body: fs.readFileSync(file) })
        : route.fulfill({ status: 404, body: "" });
    }
    if (p === "/predictors/v/model.json") return route.fulfill({ contentType: "application/json", body: manifest });
    if (p === "/predictors/v/weights.bin") return route.fulfill({ contentType: "application/octet-stream", body: weights });
    return route.fulfill({ status: 404, body: "" });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => "nnlqPredict" in window);
  const init = await page.evaluate(
    (b) =>
      (window as unknown as { nnlqPredict: { init(b: string): Promise<{ backend: string; platforms: string[] }> } }).nnlqPredict.init(b),
    backend,
  );
  return { page, init };
}

export function runInPage(page: Page, spec: Record<string, unknown>, repeat: number): Promise<BrowserRun> {
  return page.evaluate(
    ([s, r]) => (window as unknown as { nnlqPredict: { run(s: unknown, r: number): BrowserRun } }).nnlqPredict.run(s, r),
    [spec, repeat] as const,
  );
}

export function disposeInPage(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { nnlqPredict: { dispose(): number } }).nnlqPredict.dispose());
}
