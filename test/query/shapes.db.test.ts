/**
 * Explicit input shapes through the query system (issue 17, deliver 6): an upload given `inputs` is stripped
 * at that shape — the stored structure declares it, its hash is the hash at that shape (not the symbolic
 * default's), and the job a device fetches measures it; an upload without shapes is accepted with the
 * defaulted dims named in its warnings; shapes that do not fit are 400 with the input named. Then `nnlq query
 * --input` over HTTP, and its argument errors (exit 2 for a malformed --input, 3 for a shape the model
 * does not take).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as modelsRoute from "@/app/api/v1/models/route";
import { analyze, buildGraph, decodeModel } from "@/lib/onnx";
import { WorkerClient } from "@/lib/api/client";
import { createWorkerToken } from "@/lib/services/devices";
import { getStructureBytes } from "@/lib/db/model-access";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { db } from "../setup/fixtures";
import { giveQuota, makeTeam, result, seedOnce, testPlatform, type TeamCtx } from "./world";
import { startRouteServer } from "../worker/route-server";
import { SYMBOLIC_INPUT, symbolicResnet } from "./symbolic-model";

const root = path.resolve(import.meta.dirname, "../..");
let team: TeamCtx;
beforeAll(async () => {
  await seedOnce();
  team = await makeTeam("shapes");
});

type Upload = {
  model: { id: number; hash: string; name: string; inputShapes: Record<string, number[]> } | null;
  analysis: { hash: string; inputs: Record<string, number[]>; flops: number; warnings: string[] };
  stripped: boolean;
  error?: { code: string; message: string };
};
async function upload(bytes: Uint8Array, query: Record<string, string> = {}, key: string | null = team.key) {
  resetRateLimits();
  const r = await modelsRoute.POST(
    new Request(`http://localhost/api/v1/models?${new URLSearchParams(query)}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: bytes as unknown as BodyInit,
    }),
    { params: Promise.resolve({}) },
  );
  return { status: r.status, body: (await r.json()) as Upload };
}

/** The declared dims of the stored structure's input (numbers where fixed, names where symbolic). */
function declared(bytes: Uint8Array): (number | string)[] {
  const ir = buildGraph(decodeModel(bytes));
  return ir.tensors.get(SYMBOLIC_INPUT)!.shape!;
}

describe("POST /api/v1/models?inputs=", () => {
  it("stores the model stripped at the shape given: its structure declares it and its hash is the hash at that shape", async () => {
    // 201 when new, 200 when another test file of this run stored the same structure first
    const plain = await upload(symbolicResnet());
    expect([200, 201]).toContain(plain.status);
    expect(plain.body.analysis.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 1, 1] });
    expect(plain.body.analysis.warnings.join(" ")).toMatch(/height.*width|width.*height/);

    const shaped = await upload(symbolicResnet(), { inputs: `${SYMBOLIC_INPUT}=1x3x160x160`, name: "shaped" });
    expect(shaped.status).toBe(201);
    expect(shaped.body.model!.name).toBe("shaped");
    expect(shaped.body.analysis.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 160, 160] });
    expect(shaped.body.analysis.warnings).toEqual([]);
    expect(shaped.body.model!.hash).not.toBe(plain.body.model!.hash);
    expect(shaped.body.model!.id).not.toBe(plain.body.model!.id);
    expect(shaped.body.model!.inputShapes).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 160, 160] });
    expect(shaped.body.analysis.flops).toBeGreaterThan(plain.body.analysis.flops * 20);

    const stored = (await getStructureBytes(db(), { modelId: shaped.body.model!.id }))!;
    expect(declared(stored)).toEqual([1, 3, 160, 160]);
    // the stored bytes are self-describing: analysed as they are, they give the stored hash
    expect(analyze(stored).hash).toBe(shaped.body.model!.hash);
    // the symbolic one is stored as uploaded
    expect(declared((await getStructureBytes(db(), { modelId: plain.body.model!.id }))!)).toEqual(["batch", 3, "height", "width"]);

    // the same network with its weights, at the same shape: stripped to the same structure
    const weighted = await upload(symbolicResnet({ weights: true }), { inputs: `${SYMBOLIC_INPUT}=1x3x160x160` });
    expect(weighted.status).toBe(200);
    expect(weighted.body.stripped).toBe(true);
    expect(weighted.body.model!.id).toBe(shaped.body.model!.id);
    // an anonymous lookup at that shape finds nothing public, but is analysed at the shape
    const anon = await upload(symbolicResnet(), { inputs: `${SYMBOLIC_INPUT}=1x3x160x160` }, null);
    expect(anon.body.analysis.hash).toBe(shaped.body.model!.hash);
  }, 120_000);

  it("refuses shapes that do not fit with 400 VALIDATION naming the input", async () => {
    const cases: [string, RegExp][] = [
      [`${SYMBOLIC_INPUT}=1x4x64x64`, /input 'input' .*dim 1 is fixed at 3 by the model, the shape given has 4/],
      [`${SYMBOLIC_INPUT}=1x3x64`, /input 'input' has rank 4/],
      ["images=1x3x64x64", /unknown input 'images' \(the model's inputs: input\)/],
      [`${SYMBOLIC_INPUT}=1x3x64x64;${SYMBOLIC_INPUT}=1x3x32x32`, /input 'input' is given two shapes \(1x3x64x64 and 1x3x32x32\)/],
      [`${SYMBOLIC_INPUT}=1x3xbig`, /inputs.*name=DxDxD/],
      [`${SYMBOLIC_INPUT}=1x3x0x64`, /inputs.*name=DxDxD/],
    ];
    for (const [inputs, message] of cases) {
      const r = await upload(symbolicResnet(), { inputs });
      expect(r.status, inputs).toBe(400);
      expect(r.body.error!.code, inputs).toBe("VALIDATION");
      expect(r.body.error!.message, inputs).toMatch(message);
    }
  });
});

describe("nnlq query --input", () => {
  let server: Awaited<ReturnType<typeof startRouteServer>>;
  let dir: string;
  beforeAll(async () => {
    server = await startRouteServer();
    dir = mkdtempSync(path.join(os.tmpdir(), "nnlq-shapes-"));
  });
  afterAll(async () => server?.close());

  const nnlq = (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, [path.join(root, "bin/nnlq.mjs"), ...args], {
        env: { ...process.env, NNLQ_URL: server.url, NNLQ_API_KEY: "", ...env },
        cwd: root,
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  it("strips at the shape, stores the fixed shape (another hash than the default's), and the job measures it", async () => {
    const { secret } = await createWorkerToken(db(), { name: "shapes worker" });
    const reg = await new WorkerClient({ baseUrl: server.url }).register(secret, { hostName: "shapes-host", platforms: [testPlatform("shapes")] });
    const slug = reg.devices[0]!.platform.slug;
    await giveQuota(team.teamId, reg.devices[0]!.platform.id, 1000);
    const device = new WorkerClient({ baseUrl: server.url }).forDevice(reg.devices[0]!.deviceToken);

    const file = path.join(dir, "symbolic-resnet.onnx");
    writeFileSync(file, symbolicResnet({ weights: true }));
    const out = await nnlq(["query", file, "-p", slug, "--input", `${SYMBOLIC_INPUT}=1x3x96x96`, "--json"], { NNLQ_API_KEY: team.key });
    expect(out.code, out.stderr).toBe(0);
    const answer = JSON.parse(out.stdout) as {
      model: { id: number; hash: string };
      inputs: Record<string, number[]>;
      warnings: string[];
      results: { status: string }[];
    };
    expect(answer.inputs).toEqual({ [SYMBOLIC_INPUT]: [1, 3, 96, 96] });
    expect(answer.warnings).toEqual([]);
    expect(answer.results[0]!.status).toBe("queued");
    expect(answer.model.hash).toBe(analyze(symbolicResnet(), { inputs: { [SYMBOLIC_INPUT]: [1, 3, 96, 96] } }).hash);
    expect(answer.model.hash).not.toBe(analyze(symbolicResnet()).hash);

    // the device measures the model at that shape
    const job = (await device.claim(20))!;
    const bytes = await device.modelBytes(job);
    expect(declared(bytes)).toEqual([1, 3, 96, 96]);
    await device.result(job.id, result({ medianMs: 3.25 }));

    // without --input: accepted, dims defaulted, and the warning is printed
    const plain = await nnlq(["query", file, "-p", slug], { NNLQ_API_KEY: team.key });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/warning: symbolic input dims analysed at assumed sizes: .*\(height\) = 1/);
  }, 120_000);

  it("exit 2 for a malformed --input, with the reason; 3 for a shape the model does not take", async () => {
    const file = path.join(dir, "symbolic-plain.onnx");
    writeFileSync(file, symbolicResnet());
    const p = ["query", file, "-p", "a-1c/ort-cpu-1.0/fp32/t1"];
    for (const [arg, message] of [
      ["input", /input shape 'input' names no input/],
      [`${SYMBOLIC_INPUT}=1x3x0x64`, /input shape 'input=1x3x0x64' has a dim that is not a positive integer/],
      [`${SYMBOLIC_INPUT}=1x3xax64`, /not a positive integer/],
    ] as const) {
      const r = await nnlq([...p, "--input", arg]);
      expect(r.code, arg).toBe(2);
      expect(r.stderr, arg).toMatch(message);
      expect(r.stderr, arg).toMatch(/usage: nnlq query/);
    }
    const twice = await nnlq([...p, "-i", `${SYMBOLIC_INPUT}=1x3x64x64`, "-i", `${SYMBOLIC_INPUT}=1x3x32x32`]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/input 'input' is given two shapes/);
    const misfit = await nnlq([...p, "--input", `${SYMBOLIC_INPUT}=1x4x64x64`]);
    expect(misfit.code).toBe(3);
    expect(misfit.stderr).toMatch(/VALIDATION: input 'input' .*dim 1 is fixed at 3/);
  }, 120_000);
});
