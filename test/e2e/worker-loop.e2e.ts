/**
 * Acceptance of the latency query loop (issue 5) with the real app (`next start` from the production
 * build, its own database, a 4-second lease) and real worker processes (`workers/worker.ts`):
 *   - a zoo model queried on two platforms is measured on both and stored; the same query again is
 *     answered from the database with no new job
 *   - a model with an operator no local runtime has gets the clear "unsupported" result, not retried
 *   - a model that crashes the runtime (its child aborts) fails its job with the reason, and the worker
 *     goes on to measure the next job
 *   - kill -9 of a worker mid-measurement: its measuring child exits too (it stops on the IPC
 *     disconnect), the lease expires, the job is leased again and completed by another worker
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { NnlqClient } from "@/lib/api/client";
import type { QueryResponse } from "@/lib/api/schemas/models";
import { devices, jobs, measurements } from "@/lib/db/schema";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { INT8, T1, makeWorld, startApp, startWorker, until, type Proc, type World } from "../worker/harness";
import { customOpModel, hashOf, tinyResnet } from "../worker/models";

const FAST = ["--budget-ms", "150", "--profile-runs", "3", "--wait", "2"];

let testDb: TestDatabase;
let world: World;
let app: Awaited<ReturnType<typeof startApp>>;
let api: NnlqClient;
const procs: Proc[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  world = await makeWorld(testDb.url, "e2e-loop");
  app = await startApp({ databaseUrl: testDb.url, env: { NNLQ_LEASE_SECONDS: "4" } });
  procs.push(app);
  api = new NnlqClient({ baseUrl: app.url, apiKey: world.apiKey });
});

afterAll(async () => {
  await Promise.all(procs.filter((p) => p !== app).map((p) => p.stop("SIGTERM")));
  await app?.stop("SIGTERM");
  await world?.close();
  await testDb?.drop();
});

const jobIdOf = (r: QueryResponse, slug: string) => {
  const item = r.results.find((x) => x.platform === slug)!;
  expect(item.status, JSON.stringify(item)).toMatch(/^(queued|running)$/);
  return (item as { jobId: number }).jobId;
};

/** The process has exited: no such pid, or a zombie nobody has reaped yet (an orphan of a killed worker). */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function jobCount(): Promise<number> {
  return (await world.db.select({ id: jobs.id }).from(jobs)).length;
}

describe("latency query loop: real app + real worker processes", () => {
  let crashHash = "";

  it("measures a zoo model on two platforms, then answers the same query from the database", async () => {
    const crashBytes = tinyResnet(40);
    crashHash = hashOf(crashBytes);
    const worker = startWorker({
      url: app.url,
      token: world.workerToken,
      args: ["--platform", `${T1},${INT8}`, "--host-name", "host-a", ...FAST],
      env: { NNLQ_WORKER_FAULT: `${crashHash.slice(0, 20)}:abort` },
      name: "worker-a",
    });
    procs.push(worker);
    await worker.waitFor(/serving 2 platforms/);

    const { model } = await api.uploadModel(tinyResnet(16), { name: "tiny-resnet-16" });
    const first = await api.query({ modelId: model!.id, platforms: [T1, INT8] });
    const ids = [jobIdOf(first, T1), jobIdOf(first, INT8)];
    const { jobs: done, timedOut } = await api.waitForJobs(ids, { intervalMs: 300, timeoutMs: 90_000 });
    expect(timedOut).toBe(false);
    for (const j of done) {
      expect(j.state, JSON.stringify(j.error)).toBe("done");
      expect(j.result!.result.medianMs).toBeGreaterThan(0);
      expect(j.result!.result.runs).toBeGreaterThanOrEqual(10);
      expect(j.result!.provenance.device?.hostName).toBe("host-a");
    }
    // stored with the kernel profile and the provenance
    const stored = await world.db.select().from(measurements).where(eq(measurements.modelId, model!.id));
    expect(stored).toHaveLength(2);
    for (const m of stored) {
      expect((m.profile as { kernels: unknown[] }).kernels.length).toBeGreaterThan(0);
      expect((m.env as { host: { cores: number } }).host.cores).toBeGreaterThan(0);
    }

    const before = await jobCount();
    const again = await api.query({ modelId: model!.id, platforms: [T1, INT8] });
    expect(again.results.map((r) => r.status)).toEqual(["measured", "measured"]);
    for (const r of again.results) {
      if (r.status !== "measured") continue;
      expect(ids).toContain(r.provenance.jobId);
      expect(r.result.medianMs).toBe(done.find((j) => j.platform === r.platform)!.result!.result.medianMs);
    }
    expect(await jobCount()).toBe(before);
    expect(worker.count(/: done in/)).toBe(2);
  });

  it("gives the clear unsupported result for an operator the platforms cannot run, without retrying", async () => {
    const worker = procs.find((p) => p.name === "worker-a")!;
    const { model } = await api.uploadModel(customOpModel(), { name: "custom-op" });
    const q = await api.query({ modelId: model!.id, platforms: [T1, INT8] });
    const ids = [jobIdOf(q, T1), jobIdOf(q, INT8)];
    const { jobs: ended } = await api.waitForJobs(ids, { intervalMs: 300, timeoutMs: 60_000 });
    for (const j of ended) {
      expect(j.state).toBe("failed");
      expect(j.attempts).toBe(1);
      expect(j.error!.code).toBe("UNSUPPORTED_OPERATOR");
      expect(j.error!.message).toMatch(
        new RegExp(`operator com\\.example\\.nnlq:Frobnicate is not supported on platform ${j.platform.replace(/[./]/g, "\\$&")}`),
      );
    }
    const before = await jobCount();
    const again = await api.query({ modelId: model!.id, platforms: [T1, INT8] });
    for (const r of again.results) {
      expect(r.status).toBe("unsupported");
      expect((r as { message: string }).message).toMatch(/Frobnicate is not supported/);
    }
    expect(await jobCount()).toBe(before);
    await worker.waitFor(/failed after .* UNSUPPORTED_OPERATOR: operator com\.example\.nnlq:Frobnicate/);
  });

  it("fails a job whose model crashes the runtime with the reason, and keeps serving", async () => {
    const worker = procs.find((p) => p.name === "worker-a")!;
    const crash = await api.uploadModel(tinyResnet(40), { name: "crashes-the-runtime" });
    expect(crash.analysis.hash).toBe(crashHash);
    const next = await api.uploadModel(tinyResnet(24), { name: "after-the-crash" });
    const crashJob = jobIdOf(await api.query({ modelId: crash.model!.id, platforms: [T1] }), T1);
    const nextJob = jobIdOf(await api.query({ modelId: next.model!.id, platforms: [T1] }), T1);
    const { jobs: ended } = await api.waitForJobs([crashJob, nextJob], { intervalMs: 300, timeoutMs: 60_000 });
    const [c, n] = ended;
    expect(c!.state).toBe("failed");
    expect(c!.error!.code).toBe("MEASUREMENT_FAILED");
    expect(c!.error!.message).toMatch(/the runtime process was killed by SIGABRT while measuring on/);
    expect(n!.state).toBe("done");
    expect(worker.alive).toBe(true);
    await worker.waitFor(new RegExp(`job ${crashJob} .*failed after .*MEASUREMENT_FAILED`));
  });

  it("serves the offline export from the production build (bundle formats load in the Next server)", async () => {
    const res = await fetch(`${app.url}/api/v1/worker/offline/export`, {
      method: "POST",
      headers: { "x-worker-token": world.workerToken, "content-type": "application/json" },
      body: JSON.stringify({ platform: INT8, hostName: "air-gapped-e2e", limit: 5 }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.jobIds).toEqual([]); // nothing queued on INT8 right now
    expect(JSON.parse(body.bundle.split("\n")[0])).toMatchObject({ format: "nnlq-jobs", platform: INT8, count: 0 });
    expect(body.deviceToken).toMatch(/^nnlqd_/);
  });

  it("re-leases the job of a worker killed with -9 mid-measurement once its lease expires", async () => {
    const a = procs.find((p) => p.name === "worker-a")!;
    await a.stop("SIGTERM");
    // a worker with a long budget, so the kill lands while its child measures
    const slow = startWorker({
      url: app.url,
      token: world.workerToken,
      args: ["--platform", T1, "--host-name", "host-slow", "--budget-ms", "8000", "--ci-target", "0", "--wait", "2"],
      name: "worker-slow",
    });
    procs.push(slow);
    await slow.waitFor(/serving 1 platform/);
    const { model } = await api.uploadModel(tinyResnet(32), { name: "killed-mid-measurement" });
    const jobId = jobIdOf(await api.query({ modelId: model!.id, platforms: [T1] }), T1);
    const [slowDevice] = await world.db.select().from(devices).where(eq(devices.hostName, "host-slow"));
    // leased to the slow worker and heartbeated (it holds it), then measured for a while
    await until("the slow worker's heartbeat", async () => {
      const [j] = await world.db.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.leaseOwner, slowDevice!.id)));
      return j && j.startedAt && j.leaseExpiresAt && j.leaseExpiresAt.getTime() - j.startedAt.getTime() > 4500 ? j : null;
    }, 30_000, 100);
    await slow.waitFor(new RegExp(`job ${jobId} .*attempt 1/3: claimed, measuring`));
    const childPid = Number((await slow.waitFor(new RegExp(`job ${jobId} .*attempt 1/3: measuring child pid (\\d+)`)))[1]);
    expect(exited(childPid)).toBe(false);
    slow.child.kill("SIGKILL");
    expect((await slow.exited).signal).toBe("SIGKILL");
    // the orphaned measuring child sees its IPC channel close and exits, rather than compete with the
    // worker that takes the job over
    await until("the dead worker's measuring child to exit", async () => exited(childPid) || null, 10_000, 100);

    const b = startWorker({
      url: app.url,
      token: world.workerToken,
      args: ["--platform", T1, "--host-name", "host-b", ...FAST],
      name: "worker-b",
    });
    procs.push(b);
    const {
      jobs: [j],
      timedOut,
    } = await api.waitForJobs([jobId], { intervalMs: 300, timeoutMs: 60_000 });
    expect(timedOut).toBe(false);
    expect(j!.state).toBe("done");
    expect(j!.attempts, `worker-slow:\n${slow.lines.join("\n")}\nworker-b:\n${b.lines.join("\n")}`).toBe(2);
    expect(j!.result!.provenance.device!.hostName).toBe("host-b");
    await b.waitFor(new RegExp(`job ${jobId} .* attempt 2/3: done in`));
    expect(await world.db.select().from(measurements).where(eq(measurements.modelId, model!.id))).toHaveLength(1);
  });
});
