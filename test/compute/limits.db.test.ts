/**
 * Per-request limits through the real route handlers: an upload with more nodes than NNLQ_MAX_NODES is
 * 413 GRAPH_TOO_LARGE with a message (analysed in the compute pool, never on the request thread); in a
 * predict request such a graph is that item's error; anonymous predict is rate-limited by item count.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as modelsRoute from "@/app/api/v1/models/route";
import * as predictRoute from "@/app/api/v1/predict/route";
import { setComputePool } from "@/lib/compute/pool";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { trainVersion } from "@/lib/predict";
import { initTfNode } from "@/lib/predict/node/backend";
import { saveArtifacts } from "@/lib/predict/node/io";
import { tinyGraphs } from "../predict/helpers";
import { reluChain } from "./chain";

const post = (bytes: Uint8Array) =>
  modelsRoute.POST(
    new Request("http://localhost/api/v1/models", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes as unknown as BodyInit,
    }),
    { params: Promise.resolve({}) },
  );

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-limits-"));
const ENV = {
  NNLQ_MAX_NODES: "3000",
  NNLQ_PREDICTORS_DIR: path.join(dir, "predictors"),
  NNLQ_PUBLIC_DIR: dir,
  NNLQ_ANON_RPS: "0.01",
  NNLQ_ANON_BURST: "4",
};
beforeAll(async () => {
  Object.assign(process.env, ENV);
  await initTfNode();
  const s = tinyGraphs(["resnet"], 3).flatMap((x) => [{ ...x, platform: "a", latencyMs: 1 + x.features.numNodes / 10 }]);
  const r = await trainVersion("gnn", s, { version: "gnn-limits", seed: 1, gnn: { epochs: 1 } } as never);
  saveArtifacts(path.join(dir, "predictors", "gnn-limits"), r.predictor.save());
  r.predictor.dispose();
}, 120_000);
afterAll(async () => {
  for (const k of Object.keys(ENV)) delete process.env[k];
  await setComputePool(null);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("upload limits", () => {
  it("refuses a graph over NNLQ_MAX_NODES with 413 and a message; one at the limit is analysed", async () => {
    const over = await post(reluChain(3_001));
    expect(over.status).toBe(413);
    const body = (await over.json()) as { error: { code: string; message: string; details: { nodes: number; maxNodes: number } } };
    expect(body.error.code).toBe("GRAPH_TOO_LARGE");
    expect(body.error.message).toBe("The graph has 3001 nodes; this server analyses at most 3000 (NNLQ_MAX_NODES)");
    expect(body.error.details).toEqual({ nodes: 3001, maxNodes: 3000 });

    const at = await post(reluChain(3_000));
    expect(at.status).toBe(200);
    expect(((await at.json()) as { analysis: { nodeCount: number } }).analysis.nodeCount).toBe(3_000);
  }, 120_000);
});

describe("predict limits", () => {
  const predict = (models: unknown[]) =>
    predictRoute.POST(
      new Request("http://localhost/api/v1/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ models }),
      }),
      { params: Promise.resolve({}) },
    );

  it("answers a graph over NNLQ_MAX_NODES with that item's GRAPH_TOO_LARGE; anonymous callers pay tokens by item count", async () => {
    resetRateLimits();
    const small = { onnx: Buffer.from(reluChain(3)).toString("base64") };
    const big = { onnx: Buffer.from(reluChain(3_001)).toString("base64") };
    // 150 items: 3 of the 4 tokens of an anonymous caller's bucket
    const r = await predict([big, ...Array.from({ length: 149 }, () => small)]);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { results: { error?: { code: string; message: string }; predictions?: unknown[] }[] };
    expect(body.results[0]!.error).toEqual({
      code: "GRAPH_TOO_LARGE",
      message: "The graph has 3001 nodes; this server analyses at most 3000 (NNLQ_MAX_NODES)",
    });
    expect(body.results.slice(1).every((x) => x.predictions?.length === 1)).toBe(true);
    // 51 items cost 2 tokens: only 1 is left
    const limited = await predict(Array.from({ length: 51 }, () => small));
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/Too many anonymous requests/),
    });
  }, 120_000);
});
