/**
 * Fault: the database restarts while a job is being measured. A PRIVATE MariaDB (lib/db/server.ts, own
 * data directory, random port — never the shared server) backs the real app and a real worker; it is
 * stopped mid-measurement and started again on the same port. The app answers 503 while it is down and
 * reconnects by itself; the worker keeps its result and delivers it once the app accepts it: the job ends
 * done on its first attempt with exactly one stored measurement, and the loop keeps working afterwards.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { NnlqClient } from "@/lib/api/client";
import { ensureDatabase, findServerBinaries, freePort, startPrivateServer, withDatabase, type PrivateServer } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { jobs, measurements } from "@/lib/db/schema";
import { T1, makeWorld, sleep, startApp, startWorker, until, type Proc, type World } from "../worker/harness";
import { tinyResnet } from "../worker/models";

const haveServer = !!findServerBinaries();
if (!haveServer) console.warn("[worker-db-restart] SKIPPED: no mariadbd/mysqld binary to run a private database server");

let dataDir = "";
let port = 0;
let db: PrivateServer | null = null;
let world: World | undefined;
let app: (Proc & { url: string }) | undefined;
let worker: Proc | undefined;

beforeAll(async () => {
  if (!haveServer) return;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-restart-db-"));
  port = await freePort();
  db = await startPrivateServer({ dataDir, port });
  await ensureDatabase(db.serverUrl, "nnlq_restart");
  const url = withDatabase(db.serverUrl, "nnlq_restart");
  await runMigrations(url);
  world = await makeWorld(url, "restart");
  app = await startApp({ databaseUrl: url, env: { NNLQ_LEASE_SECONDS: "20" } });
}, 180_000);

afterAll(async () => {
  await worker?.stop("SIGTERM");
  await app?.stop("SIGTERM");
  await world?.close().catch(() => {});
  await db?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!haveServer)("database restart mid-measurement", () => {
  it("app and worker reconnect and nothing is lost", async () => {
    const api = new NnlqClient({ baseUrl: app!.url, apiKey: world!.apiKey });
    // a measurement that uses its whole budget (1 s per attempt, up to 3 attempts on a noisy host), so the outage falls inside it
    worker = startWorker({
      url: app!.url,
      token: world!.workerToken,
      args: [
        "--platform",
        T1,
        "--host-name",
        "restart-host",
        "--budget-ms",
        "1000",
        "--ci-target",
        "0",
        "--profile-runs",
        "3",
        "--wait",
        "2",
      ],
    });
    await worker.waitFor(/serving 1 platform/);
    const { model } = await api.uploadModel(tinyResnet(16), { name: "measured-across-a-restart" });
    const q = await api.query({ modelId: model!.id, platforms: [T1] });
    const jobId = (q.results[0] as { jobId: number }).jobId;
    await until("the claim", async () => (await world!.db.select().from(jobs).where(eq(jobs.id, jobId)))[0]?.leaseOwner, 30_000, 100);
    await sleep(1500); // model fetched, child measuring

    await db!.stop();
    db = null;
    const down = await fetch(`${app!.url}/api/v1/platforms`);
    expect(down.status).toBe(503);
    expect((await down.json()).error.code).toBe("DB_UNAVAILABLE");
    await worker.waitFor(/the app is unavailable/, 30_000);
    // the measurement ends while the database is away: its result waits, retried with backoff
    await worker.waitFor(new RegExp(`the result of job ${jobId} waits for the app \\(DB_UNAVAILABLE`), 60_000);

    db = await startPrivateServer({ dataDir, port });
    await worker.waitFor(/the app answers again/, 60_000);
    const { jobs: [done], timedOut } = await api.waitForJobs([jobId], { intervalMs: 300, timeoutMs: 60_000 });
    expect(timedOut).toBe(false);
    expect(done).toMatchObject({ state: "done", attempts: 1 });
    await worker.waitFor(new RegExp(`job ${jobId} .*attempt 1/3: done in .*\\(delivered on try \\d+\\)`));
    expect(worker.alive).toBe(true);
    expect(app!.alive).toBe(true);
    expect(await world!.db.select().from(measurements).where(eq(measurements.modelId, model!.id))).toHaveLength(1);

    // the loop goes on after the restart
    const next = await api.uploadModel(tinyResnet(24), { name: "after-the-restart" });
    const nextJob = (await api.query({ modelId: next.model!.id, platforms: [T1] })).results[0] as { jobId: number };
    const { jobs: [n] } = await api.waitForJobs([nextJob.jobId], { intervalMs: 300, timeoutMs: 60_000 });
    expect(n!.state).toBe("done");
  }, 240_000);
});
