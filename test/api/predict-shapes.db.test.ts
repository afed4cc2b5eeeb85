/**
 * POST /api/v1/predict at explicit input shapes (issue 17, deliver 6): a model with symbolic dims is analysed,
 * featurised and predicted at the shape each item gives — two shapes, two FLOPs counts, two predictions —
 * a shape that does not fit the model is that item's VALIDATION error while the others are answered, an
 * item without shapes carries the warning that its dims were defaulted, and a stored upload is predicted
 * at the shape asked. Served by a FLOPs-linear predictor trained here (latency grows with work).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as predictRoute from "@/app/api/v1/predict/route";
import * as modelsRoute from "@/app/api/v1/models/route";
import { ComputePool, setComputePool } from "@/lib/compute/pool";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { trainVersion } from "@/lib/predict";
import { saveArtifacts } from "@/lib/predict/node/io";
import { additiveLatency, tinyGraphs } from "../predict/helpers";
import { call } from "../setup/fixtures";
import { makeTeam, seedOnce } from "../query/world";
import { SYMBOLIC_INPUT, symbolicResnet } from "../query/symbolic-model";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-predict-shapes-"));
const PLATFORM = "p";
beforeAll(async () => {
  process.env.NNLQ_PREDICTORS_DIR = path.join(dir, "predictors");
  // in-process analysis and inference: the test exercises the jobs, not the threads (test/compute does)
  await setComputePool(new ComputePool({ size: 0 }));
  const samples = tinyGraphs(["resnet"], 6).map((s) => ({ ...s, platform: PLATFORM, latencyMs: additiveLatency(s) }));
  const r = await trainVersion("flops-linear", samples, { version: "flops-linear-shapes", seed: 1 });
  saveArtifacts(path.join(dir, "predictors", "flops-linear-shapes"), r.predictor.save());
  r.predictor.dispose();
  await seedOnce();
}, 120_000);
afterAll(async () => {
  delete process.env.NNLQ_PREDICTORS_DIR;
  await setComputePool(null);
  fs.rmSync(dir, { recursive: true, force: true });
});

type Item = {
  index: number;
  hash?: string;
  flops?: number;
  inputs?: Record<string, number[]>;
  warnings?: string[];
  predictions?: { platform: string; latencyMs: number }[];
  error?: { code: string; message: string };
};
const predict = async (models: unknown[], key?: string) => {
  resetRateLimits();
  const r = await call(predictRoute.POST, { method: "POST", path: "/api/v1/predict", body: { models }, key });
  return r as { status: number; body: { results: Item[]; error?: { code: string; message: string } } };
};
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const ms = (x: Item) => x.predictions!.find((p) => p.platform === PLATFORM)!.latencyMs;

describe("POST /api/v1/predict with explicit input shapes", () => {
  const onnx = b64(symbolicResnet());

  it("predicts a symbolic model at each item's shape; a bad shape is that item's VALIDATION error", async () => {
    const r = await predict([
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 3, 64, 64] } },
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 3, 160, 160] } },
      { onnx },
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 4, 64, 64] } },
      { onnx, inputs: { image: [1, 3, 64, 64] } },
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 3, 64] } },
      { onnx, inputs: { [SYMBOLIC_INPUT]: [2, 3, 64, 64] } },
    ]);
    expect(r.status).toBe(200);
    const [small, large, plain, channels, unknown, rank, batch2] = r.body.results;

    expect(small!.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 64, 64] });
    expect(large!.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 160, 160] });
    // 160² / 64² = 6.25× the pixels: the convolutions' FLOPs grow with them
    expect(large!.flops! / small!.flops!).toBeGreaterThan(4);
    expect(large!.hash).not.toBe(small!.hash);
    expect(ms(large!)).toBeGreaterThan(ms(small!) * 1.5);
    expect(small!.warnings).toEqual([]);
    expect(batch2!.flops! / small!.flops!).toBeCloseTo(2, 1);
    expect(ms(batch2!)).toBeGreaterThan(ms(small!));

    // no shape: defaulted (1×1 pixels), answered, and the answer says so
    expect(plain!.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 1, 1] });
    expect(plain!.predictions).toHaveLength(1);
    expect(plain!.warnings!.join(" ")).toMatch(/height/);
    expect(plain!.warnings!.join(" ")).toMatch(/width/);

    expect(channels!.error).toEqual({
      code: "VALIDATION",
      message: expect.stringMatching(/input 'input' .*dim 1 is fixed at 3 by the model, the shape given has 4.*symbolic dims take a size: 0 \(batch\), 2 \(height\), 3 \(width\)/),
    });
    expect(unknown!.error).toEqual({ code: "VALIDATION", message: "unknown input 'image' (the model's inputs: input)" });
    expect(rank!.error).toEqual({ code: "VALIDATION", message: expect.stringMatching(/input 'input' has rank 4 .*has rank 3/) });
    for (const e of [channels, unknown, rank]) expect(e!.predictions).toBeUndefined();
  }, 120_000);

  it("a repeated item is answered from the cache at its own shape (the shape is part of the key)", async () => {
    const a = await predict([
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 3, 96, 96] } },
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 3, 128, 128] } },
      { onnx, inputs: { [SYMBOLIC_INPUT]: [1, 3, 96, 96] } },
    ]);
    const [x, y, z] = a.body.results;
    expect(z).toMatchObject({ flops: x!.flops, hash: x!.hash });
    expect(y!.flops).toBeGreaterThan(x!.flops!);
  });

  it("refuses malformed shapes with 400 and a message naming the field", async () => {
    for (const inputs of [{ [SYMBOLIC_INPUT]: [1, 3, 0, 64] }, { [SYMBOLIC_INPUT]: [1, 3, 6.5, 64] }, { [SYMBOLIC_INPUT]: "1x3x64x64" }]) {
      const r = await predict([{ onnx, inputs }]);
      expect(r.status, JSON.stringify(inputs)).toBe(400);
      expect(r.body.error!.code).toBe("VALIDATION");
      expect(r.body.error!.message).toMatch(/inputs/);
    }
    // shapes are for ONNX and stored models: a zoo spec has its own resolution
    const spec = await predict([{ spec: { family: "resnet", resolution: 64, depths: [1, 1, 1, 1] }, inputs: { input: [1, 3, 64, 64] } }]);
    expect(spec.status).toBe(400);
  });

  it("predicts a stored upload with symbolic dims at the shape asked ({modelId, inputs})", async () => {
    const team = await makeTeam("predict-shapes");
    const up = await modelsRoute.POST(
      new Request("http://localhost/api/v1/models?name=symbolic-resnet", {
        method: "POST",
        headers: { "content-type": "application/octet-stream", authorization: `Bearer ${team.key}` },
        body: symbolicResnet() as unknown as BodyInit,
      }),
      { params: Promise.resolve({}) },
    );
    expect([200, 201]).toContain(up.status); // 200: another test file of this run stored the same structure
    const modelId = ((await up.json()) as { model: { id: number } }).model.id;
    const r = await predict(
      [
        { modelId, inputs: { [SYMBOLIC_INPUT]: [1, 3, 64, 64] } },
        { modelId, inputs: { [SYMBOLIC_INPUT]: [1, 3, 224, 224] } },
        { modelId, inputs: { [SYMBOLIC_INPUT]: [1, 3, 224] } },
      ],
      team.key,
    );
    const [a, b, bad] = r.body.results;
    expect(a!.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 64, 64] });
    expect(b!.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 224, 224] });
    expect(b!.flops! / a!.flops!).toBeGreaterThan(8);
    expect(ms(b!)).toBeGreaterThan(ms(a!));
    expect(bad!.error).toMatchObject({ code: "VALIDATION" });
  }, 120_000);
});
