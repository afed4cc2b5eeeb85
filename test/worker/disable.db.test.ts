/**
 * A site admin takes one device out of service while its worker runs (the real Worker loop, in process,
 * against the real route handlers and this file's database): the worker is told why, keeps asking slowly
 * without registering again, and measures again once the device is enabled.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { generate } from "@/lib/zoo";
import { NnlqClient } from "@/lib/api/client";
import { devices, jobs } from "@/lib/db/schema";
import { analyze } from "@/lib/onnx";
import { insertModel, modelFieldsOf } from "@/lib/db/models";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { enqueue } from "@/lib/services/jobs";
import { setSiteAdmin } from "@/lib/db/users";
import { setDeviceDisabled } from "@/lib/services/devices";
import { Worker } from "@/workers/measure/loop";
import { startRouteServer, type RouteServer } from "./route-server";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { makeWorld, T1, until, type World } from "./harness";

let server: RouteServer;
let world: World;
let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  process.env.DATABASE_URL = testDb.url;
  world = await makeWorld(testDb.url, "disable");
  server = await startRouteServer();
});

afterAll(async () => {
  await server?.close();
  await world?.close();
  await testDb?.drop();
});

it("a worker whose device is disabled waits with the reason, and measures again once enabled", async () => {
  const lines: string[] = [];
  const worker = new Worker({
    url: server.url,
    workerToken: world.workerToken,
    platforms: [T1],
    hostName: "disable-host",
    budgetMs: 100,
    ciTarget: 0,
    profileRuns: 0,
    waitSeconds: 1,
    lock: `test-disable-${process.pid}`,
    backoff: { minMs: 50, maxMs: 300 },
    log: (l) => lines.push(l),
  });
  const running = worker.run();
  const seen = (re: RegExp) => until(`a line matching ${re}`, async () => lines.some((l) => re.test(l)), 30_000, 50);
  await seen(/serving 1 platform/);
  const [dev] = await world.db.select().from(devices).where(eq(devices.hostName, "disable-host"));
  await setSiteAdmin(world.db, { userId: world.user.id, isSiteAdmin: true });
  const admin = { user: { ...world.user, isSiteAdmin: true }, via: "session" as const } as never;
  await setDeviceDisabled(world.db, admin, { id: dev!.id, disabled: true });
  await seen(/taken out of service by a site admin/);

  // a job queued meanwhile is not taken by the disabled device
  const api = new NnlqClient({ baseUrl: server.url, apiKey: world.apiKey });
  const { model } = await api.uploadModel(generate({ family: "resnet", resolution: 32, depths: [1, 1, 1, 1], width: 8 } as never), {
    name: "disable-net",
  });
  const jobId = ((await api.query({ modelId: model!.id, platforms: [T1] })).results[0] as { jobId: number }).jobId;
  await new Promise((r) => setTimeout(r, 1000));
  expect((await api.getJob(jobId)).state).toBe("queued");
  expect(lines.filter((l) => /taken out of service/.test(l))).toHaveLength(1); // said once, not on every poll
  expect(lines.some((l) => /registering again/.test(l))).toBe(false);

  await setDeviceDisabled(world.db, admin, { id: dev!.id, disabled: false });
  await seen(/back in service/);
  await seen(new RegExp(`job ${jobId} .*: done in`));
  expect((await api.getJob(jobId)).state).toBe("done");
  worker.stop();
  await running;
}, 120_000);

it("a job whose model has no structure on the server fails for good instead of coming back on every claim", async () => {
  const lines: string[] = [];
  const worker = new Worker({
    url: server.url, workerToken: world.workerToken, platforms: [T1], hostName: "nobytes-host", budgetMs: 100, ciTarget: 0, profileRuns: 0,
    waitSeconds: 1, lock: `test-nobytes-${process.pid}`, backoff: { minMs: 50, maxMs: 300 }, log: (l) => lines.push(l),
  });
  const running = worker.run();
  await until("the worker", async () => lines.some((l) => /serving 1 platform/.test(l)), 30_000, 50);
  // a corpus-like row loaded from a data release: analysis columns, no bytes, no zoo spec
  const bytes = generate({ family: "vgg", resolution: 32, depths: [1, 1, 1, 1, 1] } as never);
  const a = analyze(bytes);
  const model = await insertModel(world.db, {
    ...modelFieldsOf(a),
    name: "corpus/none.onnx",
    visibility: "public",
    source: "upload",
    storageKey: "corpus:networks/none.onnx",
  });
  const platform = (await getPlatformBySlug(world.db, { slug: T1 }))!;
  const { job } = await enqueue(world.db, { model, platform, batch: 1, teamId: null });
  await until(
    "the job to end",
    async () => {
      const [j] = await world.db.select().from(jobs).where(eq(jobs.id, job.id));
      return j && j.state === "failed" ? j : null;
    },
    30_000,
    100,
  );
  const [j] = await world.db.select().from(jobs).where(eq(jobs.id, job.id));
  expect(j).toMatchObject({ state: "failed", errorCode: "NOT_FOUND", attempts: 1 });
  expect(lines.filter((l) => new RegExp(`job ${job.id} .*claimed`).test(l))).toHaveLength(1);
  worker.stop();
  await running;
}, 120_000);
