/**
 * A site admin takes one device out of service while its worker runs (the real Worker loop, in process,
 * against the real route handlers and this file's database): the worker is told why, keeps asking slowly
 * without registering again, and measures again once the device is enabled.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { generate } from "@/lib/zoo";
import { NnlqClient } from "@/lib/api/client";
import { devices } from "@/lib/db/schema";
import { setSiteAdmin } from "@/lib/db/users";
import { setDeviceDisabled } from "@/lib/services/devices";
import { Worker } from "@/lib/worker/loop";
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
  const { model } = await api.uploadModel(generate({ family: "resnet", resolution: 32, depths: [1, 1, 1, 1], width: 8 } as never), { name: "disable-net" });
  const jobId = (((await api.query({ modelId: model!.id, platforms: [T1] })).results[0]) as { jobId: number }).jobId;
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
