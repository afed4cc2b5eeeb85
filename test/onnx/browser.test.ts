/**
 * The same lib/onnx in Chromium: bundle lib/onnx with esbuild (browser platform — a Node-only import would
 * fail the build), serve the bundle and models from a tiny http server on 127.0.0.1, drive Chromium with
 * playwright-core, and compare analyze(), extractFeatures() and stripWeights() with Node's — on the main
 * thread and in a Web Worker. Skips visibly when Chromium is missing (CHROMIUM_PATH overrides /usr/bin/chromium).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as esbuild from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze, decodeModel, extractFeatures, inferShapes, resolveOverrides, buildGraph, stripWeights } from "@/lib/onnx";
import { DataType } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { chromiumPath, launch } from "../e2e/browser";
import { corpus, hasCorpus, model, node, repoRoot, vi } from "./helpers";

let hasChromium = true;
try {
  chromiumPath();
} catch (e) {
  hasChromium = false;
  console.warn(`SKIPPED: lib/onnx browser test: ${(e as Error).message}`);
}

/**
 * Everything compared, in JSON-comparable form: the body of an async function (lib, bytes, overrides), run
 * as-is in Node, on the page and in the worker (strings are not touched by vitest's transform).
 */
const PROBE = `
  const s = lib.analyze(bytes, overrides);
  const m = lib.decodeModel(bytes);
  const ir = lib.inferShapes(m, lib.resolveOverrides(lib.buildGraph(m), overrides).overrides);
  const f = lib.extractFeatures(ir);
  const stripped = lib.stripWeights(bytes);
  let h = 0; for (const b of stripped) h = (Math.imul(h, 31) + b) | 0;
  return { summary: s, features: { version: f.version, n: f.numNodes, x: Array.from(f.nodeFeatures), src: Array.from(f.edgeSrc), dst: Array.from(f.edgeDst), g: Array.from(f.graphFeatures) }, stripped: { length: stripped.length, h } };`;

type Probe = (lib: unknown, bytes: Uint8Array, overrides?: { batch?: number }) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => Probe;

async function nodeProbe(bytes: Uint8Array, overrides?: { batch?: number }): Promise<unknown> {
  const lib = { analyze, decodeModel, inferShapes, resolveOverrides, buildGraph, extractFeatures, stripWeights };
  return JSON.parse(JSON.stringify(await new AsyncFunction("lib", "bytes", "overrides", PROBE)(lib, bytes, overrides)));
}

/** Page-side script (a string: run by the browser, never transformed by vitest). */
const PAGE_RUN = (file: string, overrides: unknown, where: "page" | "worker") => `(async () => {
  const url = ${JSON.stringify(`/${file}`)}, overrides = ${JSON.stringify(overrides ?? null) } ?? undefined;
  if (${JSON.stringify(where)} === "worker") {
    return await new Promise((resolve, reject) => {
      const w = new Worker("/worker.js", { type: "module" });
      w.onmessage = (e) => { resolve(e.data); w.terminate(); };
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage({ url, overrides });
    });
  }
  const lib = await import("/lib.js");
  const probe = new (Object.getPrototypeOf(async () => {}).constructor)("lib", "bytes", "overrides", ${JSON.stringify(PROBE)});
  return probe(lib, new Uint8Array(await (await fetch(url)).arrayBuffer()), overrides);
})()`;

const small = model({
  nodes: [
    node("Conv", ["x", "w"], ["c"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }),
    node("Relu", ["c"], ["r"]),
    node("GlobalAveragePool", ["r"], ["y"]),
  ],
  inputs: [vi("x", ["N", 3, 32, 32])],
  outputs: [vi("y", ["N", 16, 1, 1])],
  inits: [
    makeTensor(
      "w",
      DataType.FLOAT,
      [16, 3, 3, 3],
      Array.from({ length: 432 }, (_, i) => Math.sin(i)),
    ),
  ],
});

const MODELS: Record<string, Uint8Array> = { "small.onnx": small };
if (hasCorpus) {
  for (const f of [
    "networks/onnx_light/light_resnet50.onnx",
    "networks/onnxruntime/bert_toy_optimized.onnx",
    "networks/onnxruntime/tiny_gpt2_beamsearch.onnx",
  ]) {
    MODELS[path.basename(f)] = new Uint8Array(fs.readFileSync(corpus(f)));
  }
}

describe.skipIf(!hasChromium)("lib/onnx in Chromium", () => {
  let server: http.Server;
  let base = "";
  let browser: Browser;

  beforeAll(async () => {
    const built = await esbuild.build({
      entryPoints: [path.join(repoRoot, "lib/onnx/index.ts")],
      bundle: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "silent",
    });
    const bundle = built.outputFiles[0].text;
    expect(bundle).not.toMatch(/from\s*["']node:/); // isomorphic: nothing Node-only made it into the bundle
    const files: Record<string, [string, string | Uint8Array]> = {
      "/lib.js": ["text/javascript", bundle],
      "/worker.js": [
        "text/javascript",
        `import * as lib from "/lib.js";
        const probe = new (Object.getPrototypeOf(async () => {}).constructor)("lib", "bytes", "overrides", ${JSON.stringify(PROBE)});
        onmessage = async (e) => { const bytes = new Uint8Array(await (await fetch(e.data.url)).arrayBuffer()); postMessage(await probe(lib, bytes, e.data.overrides ?? undefined)); };`,
      ],
      "/": ["text/html", "<!doctype html><title>lib/onnx</title>"],
      ...Object.fromEntries(Object.entries(MODELS).map(([k, v]) => [`/${k}`, ["application/octet-stream", v] as [string, Uint8Array]])),
    };
    server = http.createServer((req, res) => {
      const f = files[req.url ?? ""];
      if (!f) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "content-type": f[0] }).end(f[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  const cases: [string, { batch?: number } | undefined][] = Object.keys(MODELS).map((k) => [k, undefined]);
  cases.push(["small.onnx", { batch: 3 }]);

  it.each(cases)("%s (%j): identical results on the page, in a Web Worker and in Node", async (file, overrides) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
      const inPage = await page.evaluate(PAGE_RUN(file, overrides, "page"));
      const inWorker = await page.evaluate(PAGE_RUN(file, overrides, "worker"));
      const inNode = await nodeProbe(MODELS[file], overrides);
      expect(JSON.parse(JSON.stringify(inPage))).toEqual(inNode);
      expect(JSON.parse(JSON.stringify(inWorker))).toEqual(inNode);
      expect((inNode as { summary: { hash: string } }).summary.hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await page.close();
    }
  }, 120_000);

  it("reports a typed NnlqError for a bad model in the browser too", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
      const err = await page.evaluate(`(async () => {
        const lib = await import("/lib.js");
        try { lib.analyze(new TextEncoder().encode("this is not a valid onnx model")); return null; } catch (e) { return { name: e.name, code: e.code }; }
      })()`);
      expect(err).toEqual({ name: "NnlqError", code: "ONNX_NOT_PROTOBUF" });
    } finally {
      await page.close();
    }
  }, 60_000);
});

if (!hasChromium) it.skip("SKIPPED: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)", () => {});
