/**
 * Offline device mode end to end with the real CLI processes (`nnlq worker ...`) and the real route
 * handlers: export a platform's queued jobs for an air-gapped host, measure the bundle with no server
 * at all, refuse an altered results bundle, import the genuine one → the jobs end done (and the model
 * with an unknown operator "unsupported"), and the next query answers from the database.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { NnlqClient } from "@/lib/api/client";
import { devices, jobs } from "@/lib/db/schema";
import { startRouteServer, type RouteServer } from "./route-server";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { ROOT, T1, TEST_LOCK, makeWorld, type World } from "./harness";
import { customOpModel, tinyResnet } from "./models";

let server: RouteServer;
let world: World;
let testDb: TestDatabase;
let api: NnlqClient;
let dir: string;

beforeAll(async () => {
  // a database of this file alone: a worker here must not take (or lose) jobs of other test files
  testDb = await createTestDatabase();
  process.env.DATABASE_URL = testDb.url; // the route handlers (getDb) serve it
  world = await makeWorld(testDb.url, "offline");
  server = await startRouteServer();
  api = new NnlqClient({ baseUrl: server.url, apiKey: world.apiKey });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-offline-"));
});

afterAll(async () => {
  await server?.close();
  await world?.close();
  await testDb?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `nnlq ...` as a separate process (asynchronously: the route handlers answer in this process). */
function nnlq(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "cli/main.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("offline device mode", () => {
  it("exports queued jobs, measures them without a server, and imports the signed results", async () => {
    const a = (await api.uploadModel(tinyResnet(16), { name: "offline-a" })).model!;
    const b = (await api.uploadModel(customOpModel(), { name: "offline-unsupported" })).model!;
    const jobIds = [];
    for (const m of [a, b]) jobIds.push(((await api.query({ modelId: m.id, platforms: [T1] })).results[0] as { jobId: number }).jobId);

    // export (online, worker token)
    const bundle = path.join(dir, "jobs.jsonl");
    const exp = await nnlq([
      "worker",
      "--offline-export",
      T1,
      "--out",
      bundle,
      "--host-name",
      "lab-air-gapped",
      "--lease-hours",
      "2",
      "--url",
      server.url,
      "--token",
      world.workerToken,
    ]);
    expect(exp.code, exp.out).toBe(0);
    expect(exp.out).toMatch(/exported 2 jobs of .* for device \d+ \(host lab-air-gapped\)/);
    const deviceToken = /device token .*: (nnlqd_\S+)/.exec(exp.out)![1]!;
    const [dev] = await world.db.select().from(devices).where(eq(devices.hostName, "lab-air-gapped"));
    const leased = await world.db.select().from(jobs).where(inArray(jobs.id, jobIds));
    for (const j of leased) {
      expect(j.state).toBe("leased");
      expect(j.leaseOwner).toBe(dev!.id);
      expect(j.leaseExpiresAt!.getTime() - Date.now()).toBeGreaterThan(3600_000);
    }

    // measure on the "air-gapped" machine: the server is not even given
    const results = path.join(dir, "results.jsonl");
    const meas = await nnlq(
      ["worker", "measure-bundle", bundle, "--out", results, "--token", deviceToken, "--budget-ms", "150", "--lock", TEST_LOCK],
      { NNLQ_URL: "http://127.0.0.1:9" },
    );
    expect(meas.code, meas.out).toBe(0);
    expect(meas.out).toMatch(/\[1\/2\] job \d+: median [\d.]+ ms/);
    expect(meas.out).toMatch(/\[2\/2\] job \d+: UNSUPPORTED_OPERATOR: operator com\.example\.nnlq:Frobnicate/);

    // an altered bundle (a latency edited by hand) is refused before anything is sent
    const genuine = fs.readFileSync(results, "utf8");
    const altered = path.join(dir, "altered.jsonl");
    fs.writeFileSync(altered, genuine.replace(/"median":([\d.]+)/, (_m, x) => `"median":${Number(x) / 2}`));
    const bad = await nnlq(["worker", "import", altered, "--token", deviceToken, "--url", server.url]);
    expect(bad.code, bad.out).toBe(3);
    expect(bad.out).toMatch(/BUNDLE_INVALID: invalid bundle: signature mismatch/);
    // ...and so is the genuine one with another device's token
    const wrongKey = await nnlq(["worker", "import", results, "--token", `nnlqd_${"x".repeat(43)}`, "--url", server.url]);
    expect(wrongKey.code).toBe(3);
    expect((await world.db.select().from(jobs).where(inArray(jobs.id, jobIds))).map((j) => j.state)).toEqual(["leased", "leased"]);

    // the genuine bundle is imported through the worker protocol
    const imp = await nnlq(["worker", "import", results, "--token", deviceToken, "--url", server.url]);
    expect(imp.code, imp.out).toBe(0);
    expect(imp.out).toMatch(/imported 2 of 2 results/);
    const [ja, jb] = await Promise.all(jobIds.map((id) => api.getJob(id)));
    expect(ja).toMatchObject({ state: "done" });
    expect(ja!.result!.provenance.device!.hostName).toBe("lab-air-gapped");
    expect(jb).toMatchObject({ state: "failed", error: { code: "UNSUPPORTED_OPERATOR" } });
    const again = await api.query({ modelId: a.id, platforms: [T1] });
    expect(again.results[0]!.status).toBe("measured");
    expect((await api.query({ modelId: b.id, platforms: [T1] })).results[0]!.status).toBe("unsupported");

    // importing twice changes nothing (the result call is idempotent; the failed job is refused)
    const twice = await nnlq(["worker", "import", results, "--token", deviceToken, "--url", server.url]);
    expect(twice.out).toMatch(/job \d+: done/);
    expect((await api.getJob(jobIds[0]!)).result!.provenance.measurementCount).toBe(1);
  }, 180_000);

  it("refuses exports with a bad worker token or an unknown platform, with clear errors", async () => {
    const out = path.join(dir, "never.jsonl");
    const badToken = await nnlq([
      "worker",
      "--offline-export",
      T1,
      "--out",
      out,
      "--url",
      server.url,
      "--token",
      "nnlqw_00000000_" + "a".repeat(32),
    ]);
    expect(badToken.code).toBe(3);
    expect(badToken.out).toMatch(/INVALID_WORKER_TOKEN: Unknown worker token/);
    const unknown = await nnlq([
      "worker",
      "--offline-export",
      "x86-99c/ort-cpu-1.30/fp32/t1",
      "--out",
      out,
      "--url",
      server.url,
      "--token",
      world.workerToken,
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.out).toMatch(/unknown to this server/);
    const usage = await nnlq(["worker", "measure-bundle", out]);
    expect(usage.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);
});
