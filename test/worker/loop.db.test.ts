/**
 * The worker process against the real route handlers (served by test/worker/route-server.ts, no Next
 * build) and this run's database: cancellation kills the measuring child and the worker keeps serving,
 * the app going away mid-job is survived (the result is re-sent until accepted), SIGTERM finishes the
 * running measurement and takes the devices offline. The full app is exercised by test/e2e/worker-*.e2e.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { generate } from "@/lib/zoo";
import { NnlqClient } from "@/lib/api/client";
import { devices, jobs } from "@/lib/db/schema";
import { startRouteServer, type RouteServer } from "./route-server";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { makeWorld, startWorker, T1, until, type Proc, type World } from "./harness";

let server: RouteServer;
let world: World;
let testDb: TestDatabase;
let api: NnlqClient;
const workers: Proc[] = [];

beforeAll(async () => {
  process.env.NNLQ_LEASE_SECONDS = "6"; // the route handlers run here: heartbeats every second
  // a database of this file alone: a worker here must not take (or lose) jobs of other test files
  testDb = await createTestDatabase();
  process.env.DATABASE_URL = testDb.url; // the route handlers (getDb) serve it
  world = await makeWorld(testDb.url, "loop");
  server = await startRouteServer();
  api = new NnlqClient({ baseUrl: server.url, apiKey: world.apiKey });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop("SIGKILL")));
  await server?.close();
  await world?.close();
  await testDb?.drop();
});

async function upload(spec: Record<string, unknown>) {
  const { model } = await api.uploadModel(generate(spec as never), { name: `loop-${spec.family}-${spec.width ?? ""}` });
  return model!;
}

describe("worker process × route handlers", () => {
  it("measures a queued job, obeys a cancel mid-measurement, and survives the app going away", async () => {
    const w = startWorker({
      url: server.url,
      token: world.workerToken,
      args: ["--platform", T1, "--budget-ms", "150", "--wait", "2", "--profile-runs", "3"],
      env: { NNLQ_WORKER_HOST: "loop-host" },
    });
    workers.push(w);
    await w.waitFor(/serving 1 platform/);

    // 1. a normal job
    const m1 = await upload({ family: "resnet", resolution: 32, depths: [1, 1, 1, 1], width: 16 });
    const q1 = await api.query({ modelId: m1.id, platforms: [T1] });
    expect(q1.results[0]!.status).toMatch(/queued|running/);
    const job1 = (q1.results[0] as { jobId: number }).jobId;
    await w.waitFor(new RegExp(`job ${job1} .*: done in`));
    const again = await api.query({ modelId: m1.id, platforms: [T1] });
    expect(again.results[0]!.status).toBe("measured");

    // 2. cancel while measuring: a model that hangs its child (test hook) until the cancel kills it
    const m2 = await upload({ family: "resnet", resolution: 32, depths: [1, 1, 1, 1], width: 24 });
    // (the hook matches by hash prefix; the worker process was started without it, so start another)
    await w.stop("SIGTERM");
    const w2 = startWorker({
      url: server.url,
      token: world.workerToken,
      args: ["--platform", T1, "--budget-ms", "1000", "--ci-target", "0", "--wait", "2", "--profile-runs", "3"],
      env: { NNLQ_WORKER_HOST: "loop-host", NNLQ_WORKER_FAULT: `${m2.hash.slice(0, 16)}:hang` },
      name: "worker2",
    });
    workers.push(w2);
    await w2.waitFor(/serving 1 platform/);
    const job2 = ((await api.query({ modelId: m2.id, platforms: [T1] })).results[0] as { jobId: number }).jobId;
    // cancel once the worker measures it (a leased state alone could be a claim answer still in flight)
    await w2.waitFor(new RegExp(`job ${job2} .*: claimed, measuring`), 30_000);
    const cancelled = await api.cancelJob(job2);
    expect(cancelled.state).toBe("cancelled");
    await w2.waitFor(new RegExp(`job ${job2} .*cancelled by its team`), 30_000);

    // 3. the app goes away while a job is measured; the result is delivered once it is back
    const m3 = await upload({ family: "resnet", resolution: 32, depths: [1, 1, 1, 1], width: 32 });
    const job3 = ((await api.query({ modelId: m3.id, platforms: [T1] })).results[0] as { jobId: number }).jobId;
    // the worker holds it once its heartbeats extend the lease (a claim answer lost in the outage would
    // only come back after a lease expiry: correct, but not this case)
    const lease0 = await until(
      "job 3 leased",
      async () => (await world.db.select().from(jobs).where(eq(jobs.id, job3)))[0]?.leaseExpiresAt,
    );
    await until(
      "a heartbeat of job 3",
      async () => (await world.db.select().from(jobs).where(eq(jobs.id, job3)))[0]!.leaseExpiresAt! > lease0,
      20_000,
      100,
    );
    const port = server.port;
    await server.close();
    // the measurement (a full 1 s budget) ends while the app is away: its result waits
    await w2.waitFor(new RegExp(`the result of job ${job3} waits for the app`), 60_000);
    server = await startRouteServer(port);
    await w2.waitFor(new RegExp(`job ${job3} .*: done in .*\\(delivered on try \\d+`), 60_000);
    const done3 = await api.getJob(job3);
    expect(done3).toMatchObject({ state: "done", attempts: 1 });
    expect(done3.result?.provenance.measurementCount).toBe(1);

    // 4. SIGTERM: the device goes offline and nothing is left leased
    const [dev] = await world.db.select().from(devices).where(eq(devices.hostName, "loop-host"));
    expect(await w2.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    // its two jobs (2 cancelled, 3 done) — plus any retake it took: a result graded estimated on this busy
    // test host queues one (protocol v2), which this worker may claim between them
    await w2.waitFor(/stopped after [2-9] jobs/);
    const [after] = await world.db.select().from(devices).where(eq(devices.id, dev!.id));
    expect(after!.status).toBe("offline");
    const held = await world.db.select().from(jobs).where(eq(jobs.leaseOwner, dev!.id));
    expect(held.filter((j) => j.state === "leased" || j.state === "running")).toEqual([]);
  }, 300_000);
});
