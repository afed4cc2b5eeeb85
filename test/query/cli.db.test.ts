/**
 * The typed client and `nnlq query|platforms|jobs` over real HTTP (the route handlers behind node:http),
 * with a TypeScript worker (DeviceClient) measuring-by-report while `nnlq query --wait` follows the job.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "@/lib/zoo";
import { NnlqClient, WorkerClient } from "@/lib/api/client";
import { createWorkerToken } from "@/lib/services/devices";
import { isNnlqError } from "@/lib/errors";
import { db } from "../setup/fixtures";
import { giveQuota, makeTeam, result, seedOnce, testPlatform, type TeamCtx } from "./world";
import { startRouteServer } from "../worker/route-server";

const root = path.resolve(import.meta.dirname, "../..");
let server: Awaited<ReturnType<typeof startRouteServer>>;
let team: TeamCtx;
let dir: string;

beforeAll(async () => {
  await seedOnce();
  server = await startRouteServer();
  team = await makeTeam("cli");
  dir = mkdtempSync(path.join(os.tmpdir(), "nnlq-cli-"));
});
afterAll(async () => server?.close());

function nnlq(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
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
}

describe("client and CLI over HTTP", () => {
  it("nnlq query --wait: strips locally, uploads, follows the job a worker completes, prints the table", async () => {
    // a worker registers a platform and serves one job through the DeviceClient
    const { secret } = await createWorkerToken(db(), { name: "cli worker" });
    const reg = await new WorkerClient({ baseUrl: server.url }).register(secret, {
      hostName: "cli-host",
      platforms: [testPlatform("cli")],
    });
    const slug = reg.devices[0]!.platform.slug;
    await giveQuota(team.teamId, reg.devices[0]!.platform.id, 1000);
    const device = new WorkerClient({ baseUrl: server.url }).forDevice(reg.devices[0]!.deviceToken);
    const served = (async () => {
      const job = await device.claim(20);
      if (!job) throw new Error("no job claimed");
      const onnx = await device.modelBytes(job);
      expect(onnx.byteLength).toBeGreaterThan(100);
      expect((await device.heartbeat(job.id, { phase: "timing" })).cancel).toBe(false);
      await device.result(job.id, result({ medianMs: 1.875 }));
      return job;
    })();

    const file = path.join(dir, "tiny-resnet.onnx");
    writeFileSync(file, generate({ family: "resnet", depths: [2, 1, 1, 1], resolution: 64 }, { weights: true }));
    const out = await nnlq(["query", file, "--platform", slug, "--wait", "--timeout", "60"], { NNLQ_API_KEY: team.key });
    const job = await served;
    expect(out.stderr).toMatch(/stripped weights locally/);
    expect(out.stderr).toMatch(new RegExp(`job ${job.id} ${slug.replace(/[/.]/g, "\\$&")}: done`));
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/tiny-resnet \(batch 1\)/);
    expect(out.stdout).toMatch(new RegExp(`${slug.replace(/[/.]/g, "\\$&")}\\s+measured\\s+clean\\s+1\\.875`));

    // the second query is answered from the database, no job
    const again = await nnlq(["query", file, "-p", slug, "--json"], { NNLQ_API_KEY: team.key });
    expect(again.code).toBe(0);
    const parsed = JSON.parse(again.stdout);
    expect(parsed.results[0]).toMatchObject({ platform: slug, status: "measured", result: { medianMs: 1.875 }, quality: { grade: "clean" } });

    const plats = await nnlq(["platforms"]);
    expect(plats.code).toBe(0);
    expect(plats.stdout).toMatch(new RegExp(`${slug.replace(/[/.]/g, "\\$&")}\\s+1\\s+1\\s+0\\s+0`));
    const jobs = await nnlq(["jobs", "--json"], { NNLQ_API_KEY: team.key });
    expect(JSON.parse(jobs.stdout).items[0]).toMatchObject({ id: job.id, state: "done" });
  });

  it("exit codes: usage 2, bad input / 4xx 3, unreachable 4; --help prints the usage and exits 0", async () => {
    expect((await nnlq(["query", "x.onnx"])).code).toBe(2);
    for (const cmd of ["query", "platforms", "jobs"]) {
      const help = await nnlq([cmd, "--help"], { NNLQ_URL: "http://127.0.0.1:9" });
      expect(help.code, cmd).toBe(0);
      expect(help.stdout, cmd).toMatch(new RegExp(`nnlq ${cmd}`));
    }
    const junk = path.join(dir, "junk.onnx");
    writeFileSync(junk, "definitely not a model");
    const bad = await nnlq(["query", junk, "-p", "a-1c/ort-cpu-1.0/fp32/t1"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/ONNX_NOT_PROTOBUF/);
    const file = path.join(dir, "tiny-resnet.onnx");
    const unknown = await nnlq(["query", file, "-p", "nope-1c/ort-cpu-1.0/fp32/t1"], { NNLQ_API_KEY: team.key });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/Unknown platform 'nope-1c\/ort-cpu-1.0\/fp32\/t1'/);
    const badKey = await nnlq(["jobs"], { NNLQ_API_KEY: "nnlq_bad" });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toMatch(/INVALID_API_KEY/);
    const down = await nnlq(["platforms"], { NNLQ_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/Cannot reach nnlq at http:\/\/127\.0\.0\.1:9/);
  });

  it("the client turns server errors into NnlqError with the server's code and status", async () => {
    const api = new NnlqClient({ baseUrl: server.url, apiKey: team.key });
    const e = await api.query({ modelId: 987654, platforms: ["a-1c/ort-cpu-1.0/fp32/t1"] }).catch((x) => x);
    expect(isNnlqError(e)).toBe(true);
    expect(e.code).toBe("NOT_FOUND");
    expect(e.details.status).toBe(404);
    const doc = await api.request<{ openapi: string }>("GET", "/api/v1/openapi.json");
    expect(doc.openapi).toBe("3.1.0");
  });
});
