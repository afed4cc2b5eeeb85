/**
 * The measurement queue against a real MariaDB: SKIP LOCKED claims under concurrency, leases that expire
 * and requeue, max attempts, idempotency, priorities, cancellation seen at the next heartbeat, and the
 * worker HTTP handlers (claim, model download, heartbeat, result, fail).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModel } from "@/lib/onnx";
import { generate } from "@/lib/zoo";
import * as claimRoute from "@/app/api/v1/worker/claim/route";
import * as hbRoute from "@/app/api/v1/worker/jobs/[jobId]/heartbeat/route";
import * as resultRoute from "@/app/api/v1/worker/jobs/[jobId]/result/route";
import * as failRoute from "@/app/api/v1/worker/jobs/[jobId]/fail/route";
import * as modelFileRoute from "@/app/api/v1/worker/models/[file]/route";
import * as offlineRoute from "@/app/api/v1/worker/offline/route";
import * as deviceAdminRoute from "@/app/api/v1/admin/devices/[deviceId]/route";
import * as cancelRoute from "@/app/api/v1/jobs/[jobId]/cancel/route";
import * as queryRoute from "@/app/api/v1/query/route";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { getJob } from "@/lib/db/jobs";
import { listMeasurementHistory } from "@/lib/db/measurements";
import { usageSummary } from "@/lib/db/usage";
import { insertModel } from "@/lib/db/models";
import { analyze } from "@/lib/onnx";
import { claim, complete, enqueue, fail, heartbeat, sweepExpiredLeases } from "@/lib/services/jobs";
import type { Platform } from "@/lib/db/schema";
import { call, db, makeSiteAdmin } from "../setup/fixtures";
import { giveQuota, makeModelRow, makeTeam, registerHosts, result, seedOnce, sleep, type TeamCtx } from "./world";

process.env.NNLQ_LEASE_SECONDS = "1";
process.env.NNLQ_MAX_ATTEMPTS = "2";

let team: TeamCtx;
beforeAll(async () => {
  await seedOnce();
  team = await makeTeam("queue");
});

async function platformOf(slug: string): Promise<Platform> {
  return (await getPlatformBySlug(db(), { slug }))!;
}

describe("claims", () => {
  it("N concurrent claimers never get the same job, and every job is claimed once", async () => {
    const reg = await registerHosts("conc", 6);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("conc-net");
    const N = 30;
    for (let b = 1; b <= N; b++) await enqueue(db(), { model, platform, batch: b, teamId: null });

    const seen: number[] = [];
    await Promise.all(
      reg.devices.map(async (d) => {
        for (;;) {
          const job = await claim(db(), d.auth);
          if (!job) return;
          seen.push(job.id);
          await complete(db(), d.auth, job.id, result());
        }
      }),
    );
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
    for (const id of seen) {
      const j = (await getJob(db(), { id }))!;
      expect(j.state).toBe("done");
      expect(j.attempts).toBe(1);
      expect(j.idempotencyKey).toBeNull();
    }
    // and the claims were spread: more than one device got work
    const owners = new Set(await Promise.all(seen.map(async (id) => (await getJob(db(), { id }))!.leaseOwner)));
    expect(owners.size).toBeGreaterThan(1);
  });

  it("higher priority first, then oldest first", async () => {
    const reg = await registerHosts("prio", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("prio-net");
    const low = (await enqueue(db(), { model, platform, batch: 1, teamId: null, priority: -5 })).job;
    const mid1 = (await enqueue(db(), { model, platform, batch: 2, teamId: null })).job;
    const high = (await enqueue(db(), { model, platform, batch: 3, teamId: null, priority: 5 })).job;
    const mid2 = (await enqueue(db(), { model, platform, batch: 4, teamId: null })).job;
    const order: number[] = [];
    const d = reg.devices[0]!.auth;
    for (let job = await claim(db(), d); job; job = await claim(db(), d)) {
      order.push(job.id);
      await complete(db(), d, job.id, result());
    }
    expect(order).toEqual([high.id, mid1.id, mid2.id, low.id]);
  });

  it("a device that already holds a job gets the same job again (one measurement at a time)", async () => {
    const reg = await registerHosts("held", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("held-net");
    await enqueue(db(), { model, platform, batch: 1, teamId: null });
    await enqueue(db(), { model, platform, batch: 2, teamId: null });
    const d = reg.devices[0]!.auth;
    const a = await claim(db(), d);
    const b = await claim(db(), d);
    expect(b!.id).toBe(a!.id);
    expect(b!.attempt).toBe(1);
  });

  it("a claim long-polls until a job arrives", async () => {
    const reg = await registerHosts("poll", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("poll-net");
    const t0 = Date.now();
    const pending = claim(db(), reg.devices[0]!.auth, { waitSeconds: 5 });
    await sleep(700);
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    const got = await pending;
    expect(got?.id).toBe(job.id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(Date.now() - t0).toBeLessThan(4000);
    // and with nothing queued it returns null after the wait
    await complete(db(), reg.devices[0]!.auth, job.id, result());
    const t1 = Date.now();
    expect(await claim(db(), reg.devices[0]!.auth, { waitSeconds: 1 })).toBeNull();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900);
  });
});

describe("leases", () => {
  it("an expired lease is requeued by the sweep, re-leased and completed; the old holder is told to stop", async () => {
    const reg = await registerHosts("lease", 2);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("lease-net");
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    const [a, b] = reg.devices;
    expect((await claim(db(), a!.auth))!.id).toBe(job.id);

    // heartbeats keep the lease alive past its 1 s length
    for (let i = 0; i < 3; i++) {
      await sleep(500);
      expect(await heartbeat(db(), a!.auth, job.id)).toMatchObject({ cancel: false, reason: null });
    }
    expect((await sweepExpiredLeases(db())).requeued).not.toContain(job.id);
    expect((await getJob(db(), { id: job.id }))!.state).toBe("running");

    // worker a goes silent (kill -9): the lease expires and the sweep requeues the job
    await sleep(1300);
    expect((await sweepExpiredLeases(db())).requeued).toContain(job.id);
    const requeued = (await getJob(db(), { id: job.id }))!;
    expect(requeued).toMatchObject({ state: "queued", attempts: 1, leaseOwner: null, errorCode: "LEASE_EXPIRED" });

    const again = await claim(db(), b!.auth);
    expect(again).toMatchObject({ id: job.id, attempt: 2 });
    // the stale worker learns it lost the job, and its result is refused
    expect(await heartbeat(db(), a!.auth, job.id)).toMatchObject({ cancel: true, reason: "lease_lost" });
    const stale = await call(resultRoute.POST, {
      method: "POST",
      params: { jobId: job.id },
      headers: { "x-device-token": a!.token },
      body: result(),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("LEASE_LOST");

    await complete(db(), b!.auth, job.id, result({ medianMs: 7 }));
    const done = (await getJob(db(), { id: job.id }))!;
    expect(done).toMatchObject({ state: "done", errorCode: null, leaseOwner: b!.deviceId });
    const runs = await listMeasurementHistory(db(), { modelId: model.id, platformId: platform.id, batch: 1 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ medianMs: 7, deviceId: b!.deviceId, jobId: job.id });
  });

  it("after maxAttempts expired leases the job fails with the reason, and its reservation is refunded", async () => {
    const reg = await registerHosts("maxatt", 1);
    const platform = await platformOf(reg.slug);
    await giveQuota(team.teamId, platform.id, 1000);
    const model = await makeModelRow("maxatt-net");
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: team.teamId });
    const d = reg.devices[0]!.auth;
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect((await claim(db(), d))!.attempt).toBe(attempt);
      await sleep(1200);
      await sweepExpiredLeases(db());
    }
    const failed = (await getJob(db(), { id: job.id }))!;
    expect(failed.state).toBe("failed");
    expect(failed.errorCode).toBe("LEASE_EXPIRED");
    expect(failed.error).toMatch(/lease .* expired .*gave up after 2 attempts/);
    expect(failed.idempotencyKey).toBeNull();
    const line = (await usageSummary(db(), { teamId: team.teamId })).find((l) => l.platformId === platform.id)!;
    expect(line.usedSeconds).toBeCloseTo(0, 9);
    expect(await claim(db(), d)).toBeNull();
  });

  it("re-registering a host (worker restarted after kill -9) requeues the jobs its device held", async () => {
    const reg = await registerHosts("rereg", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("rereg-net");
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    await claim(db(), reg.devices[0]!.auth);
    const reg2 = await registerHostsAgain("rereg");
    expect(reg2.releasedJobs).toEqual([job.id]);
    expect((await getJob(db(), { id: job.id }))!.state).toBe("queued");
  });
});

describe("claims of a worker that has gone", () => {
  it("a claim whose worker hung up takes nothing, and a job leased as it hung up goes back unused", async () => {
    const reg = await registerHosts("hungup", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("hungup-net");
    const d = reg.devices[0]!.auth;
    // hung up while polling: the job that arrives later stays queued
    const gone = new AbortController();
    const pending = claim(db(), d, { waitSeconds: 3, signal: gone.signal });
    await sleep(300);
    gone.abort();
    expect(await pending).toBeNull();
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    await sleep(300);
    expect(await getJob(db(), { id: job.id })).toMatchObject({ state: "queued", attempts: 0 });
    // hung up during the lease itself (the answer cannot be delivered): released, the attempt not counted
    // (a signal that reads "not aborted" when the claim starts and "aborted" from the lease on)
    let checks = 0;
    const abortAfterLease = { get aborted() { return ++checks > 1; } } as AbortSignal;
    expect(await claim(db(), d, { signal: abortAfterLease })).toBeNull();
    expect(await getJob(db(), { id: job.id })).toMatchObject({ state: "queued", attempts: 0, leaseOwner: null });
    // and a live claim gets it as its first attempt
    expect(await claim(db(), d)).toMatchObject({ id: job.id, attempt: 1 });
  });

  it("a claim still polling for a stopped or replaced worker process takes nothing", async () => {
    const reg = await registerHosts("replaced", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("replaced-net");
    const old = reg.devices[0]!.auth;
    // the old process's claim still polls server-side (its connection was not seen to close)
    const orphan = claim(db(), old, { waitSeconds: 3 });
    await sleep(200);
    await registerHostsAgain("replaced"); // a new process for the same host and platform: a new device token
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    expect(await orphan).toBeNull();
    expect(await getJob(db(), { id: job.id })).toMatchObject({ state: "queued", attempts: 0 });

    const reg2 = await registerHosts("stopped", 1);
    const p2 = await platformOf(reg2.slug);
    const d2 = reg2.devices[0]!;
    const orphan2 = claim(db(), d2.auth, { waitSeconds: 3 });
    await sleep(200);
    const offline = await call(offlineRoute.POST, { method: "POST", headers: { "x-device-token": d2.token } });
    expect(offline.status).toBe(200);
    const { job: j2 } = await enqueue(db(), { model, platform: p2, batch: 1, teamId: null });
    expect(await orphan2).toBeNull();
    expect(await getJob(db(), { id: j2.id })).toMatchObject({ state: "queued", attempts: 0 });
  });
});

describe("a site admin takes one device out of service", () => {
  it("its job goes back unused, its claims are refused with the reason (re-registering keeps it out), and enabling brings it back", async () => {
    const admin = await makeSiteAdmin();
    const reg = await registerHosts("ooservice", 2);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("ooservice-net");
    const [d, other] = reg.devices;
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    expect((await claim(db(), d!.auth))!.id).toBe(job.id);

    // only a site admin; bad input is a 4xx
    const patch = (as: unknown, deviceId: number | string, body: unknown) =>
      call(deviceAdminRoute.PATCH, { method: "PATCH", as: as as never, params: { deviceId: String(deviceId) }, body });
    const team = await makeTeam("ooservice");
    expect((await patch(team.user, d!.deviceId, { disabled: true })).status).toBe(403);
    expect(
      (await call(deviceAdminRoute.PATCH, { method: "PATCH", params: { deviceId: String(d!.deviceId) }, body: { disabled: true } })).status,
    ).toBe(401);
    const bad = await patch(admin, d!.deviceId, { disabled: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/disabled/);
    expect((await patch(admin, 999_999, { disabled: true })).status).toBe(404);

    const off = await patch(admin, d!.deviceId, { disabled: true });
    expect(off.status).toBe(200);
    expect(off.body.device).toMatchObject({ id: d!.deviceId, status: "disabled" });
    expect(off.body.device.adminDisabledAt).not.toBeNull();
    expect(await getJob(db(), { id: job.id })).toMatchObject({ state: "queued", attempts: 0, leaseOwner: null });
    // its worker is told why (403), not asked to register again
    const refused = await call(claimRoute.POST, { method: "POST", headers: { "x-device-token": d!.token }, body: { waitSeconds: 0 } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "DEVICE_DISABLED" });
    expect(refused.body.error.message).toMatch(/taken out of service by a site admin/);
    const again = await registerHostsAgain("ooservice");
    const stillOut = await call(claimRoute.POST, {
      method: "POST",
      headers: { "x-device-token": again.deviceToken },
      body: { waitSeconds: 0 },
    });
    expect(stillOut.status).toBe(403);
    // the other device of the platform takes the job
    expect(await claim(db(), other!.auth)).toMatchObject({ id: job.id, attempt: 1 });
    await complete(db(), other!.auth, job.id, result());

    const on = await patch(admin, d!.deviceId, { disabled: false });
    expect(on.body.device.adminDisabledAt).toBeNull();
    const { job: j2 } = await enqueue(db(), { model, platform, batch: 2, teamId: null });
    const back = await call(claimRoute.POST, {
      method: "POST",
      headers: { "x-device-token": again.deviceToken },
      body: { waitSeconds: 0 },
    });
    expect(back.status).toBe(200);
    expect(back.body.job.id).toBe(j2.id);
  });
});

/** Registers host-<tag>-0 again for the same platform with a new worker token. */
async function registerHostsAgain(tag: string) {
  const { createWorkerToken } = await import("@/lib/services/devices");
  const registerRoute = await import("@/app/api/v1/worker/register/route");
  const { testPlatform } = await import("./world");
  const { secret } = await createWorkerToken(db(), { name: `again ${tag}` });
  const r = await call(registerRoute.POST, {
    method: "POST",
    headers: { "x-worker-token": secret },
    body: { hostName: `host-${tag}-0`, platforms: [testPlatform(tag)] },
  });
  expect(r.status).toBe(200);
  return r.body.devices[0];
}

describe("idempotency", () => {
  it("the same structure × platform × batch while queued or running returns the same job; a new one after it ends", async () => {
    const reg = await registerHosts("idem", 1);
    const platform = await platformOf(reg.slug);
    await giveQuota(team.teamId, platform.id, 1000);
    const model = await makeModelRow("idem-net");
    const first = await enqueue(db(), { model, platform, batch: 1, teamId: team.teamId });
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => enqueue(db(), { model, platform, batch: 1, teamId: team.teamId })),
    );
    expect(first.created).toBe(true);
    for (const c of concurrent) expect(c).toMatchObject({ created: false, job: { id: first.job.id } });
    // only one reservation was taken
    const used = (await usageSummary(db(), { teamId: team.teamId })).find((l) => l.platformId === platform.id)!.usedSeconds;
    expect(used).toBeCloseTo(first.job.reservedSeconds!, 9);
    // another batch is other work
    expect((await enqueue(db(), { model, platform, batch: 2, teamId: team.teamId })).created).toBe(true);

    const d = reg.devices[0]!.auth;
    await claim(db(), d);
    expect((await enqueue(db(), { model, platform, batch: 1, teamId: team.teamId })).job.id).toBe(first.job.id);
    await complete(db(), d, first.job.id, result());
    const next = await enqueue(db(), { model, platform, batch: 1, teamId: team.teamId });
    expect(next.created).toBe(true);
    expect(next.job.id).not.toBe(first.job.id);
  });

  it("a query answers from the database once measured: no new job", async () => {
    const reg = await registerHosts("cache", 1);
    await giveQuota(team.teamId, reg.platformId, 1000);
    const model = await makeModelRow("cache-net");
    const q = { modelId: model.id, platforms: [reg.slug] };
    const r1 = await call(queryRoute.POST, { method: "POST", key: team.key, body: q });
    expect(r1.status).toBe(200);
    expect(r1.body.results[0]).toMatchObject({ status: "queued", queuePosition: 0, devicesOnline: 1 });
    const jobId = r1.body.results[0].jobId;
    expect((await call(queryRoute.POST, { method: "POST", key: team.key, body: q })).body.results[0]).toMatchObject({
      status: "queued",
      jobId,
    });
    const d = reg.devices[0]!.auth;
    await claim(db(), d);
    expect((await call(queryRoute.POST, { method: "POST", key: team.key, body: q })).body.results[0]).toMatchObject({
      status: "running",
      jobId,
    });
    await complete(db(), d, jobId, result({ medianMs: 4.5 }));
    const r3 = await call(queryRoute.POST, { method: "POST", key: team.key, body: q });
    expect(r3.body.results[0]).toMatchObject({
      status: "measured",
      result: { medianMs: 4.5, runs: 40, peakMemoryBytes: 12_345_678 },
      provenance: {
        jobId,
        device: { id: reg.devices[0]!.deviceId, hostName: "host-cache-0" },
        runtimeVersion: "10.0.1",
        measurementCount: 1,
      },
    });
    expect(await claim(db(), d)).toBeNull(); // nothing new was queued
  });
});

describe("cancellation and failures", () => {
  it("cancel: queued → cancelled and refunded; running → worker told at its next heartbeat; ended → 409", async () => {
    const reg = await registerHosts("cancel", 1);
    const platform = await platformOf(reg.slug);
    await giveQuota(team.teamId, platform.id, 1000);
    const model = await makeModelRow("cancel-net");
    const queued = (await enqueue(db(), { model, platform, batch: 1, teamId: team.teamId, userId: team.user.id })).job;
    const c1 = await call(cancelRoute.POST, { method: "POST", key: team.key, params: { jobId: queued.id } });
    expect(c1.status).toBe(200);
    expect(c1.body.job).toMatchObject({ state: "cancelled", error: { code: "CANCELLED" } });
    expect((await call(cancelRoute.POST, { method: "POST", key: team.key, params: { jobId: queued.id } })).status).toBe(409);

    const running = (await enqueue(db(), { model, platform, batch: 2, teamId: team.teamId })).job;
    const d = reg.devices[0]!;
    await claim(db(), d.auth);
    await heartbeat(db(), d.auth, running.id);
    expect((await call(cancelRoute.POST, { method: "POST", as: team.user, params: { jobId: running.id } })).body.job.state).toBe(
      "cancelled",
    );
    const hb = await call(hbRoute.POST, {
      method: "POST",
      params: { jobId: running.id },
      headers: { "x-device-token": d.token },
      body: {},
    });
    expect(hb.body).toEqual({ cancel: true, reason: "cancelled", leaseExpiresAt: null });
    const late = await call(resultRoute.POST, {
      method: "POST",
      params: { jobId: running.id },
      headers: { "x-device-token": d.token },
      body: result(),
    });
    expect(late.status).toBe(409);

    const line = (await usageSummary(db(), { teamId: team.teamId })).find((l) => l.platformId === platform.id)!;
    expect(line.usedSeconds).toBeCloseTo(0, 9);
    // the device is free again
    expect(await claim(db(), d.auth)).toBeNull();
  });

  it("UNSUPPORTED_OPERATOR fails the job for good and the query then answers 'unsupported'", async () => {
    const reg = await registerHosts("unsup", 1);
    await giveQuota(team.teamId, reg.platformId, 1000);
    const model = await makeModelRow("unsup-net");
    const q = { modelId: model.id, platforms: [reg.slug] };
    const jobId = (await call(queryRoute.POST, { method: "POST", key: team.key, body: q })).body.results[0].jobId;
    const d = reg.devices[0]!;
    await claim(db(), d.auth);
    const f = await call(failRoute.POST, {
      method: "POST",
      params: { jobId },
      headers: { "x-device-token": d.token },
      body: { code: "UNSUPPORTED_OPERATOR", message: `operator GridSample is not supported on platform ${reg.slug}`, retry: true },
    });
    expect(f.status).toBe(200);
    expect(f.body.job).toMatchObject({ id: jobId, state: "failed" });
    const again = await call(queryRoute.POST, { method: "POST", key: team.key, body: q });
    expect(again.body.results[0]).toEqual({
      platform: reg.slug,
      status: "unsupported",
      message: `operator GridSample is not supported on platform ${reg.slug}`,
      jobId,
    });
    expect(await claim(db(), d.auth)).toBeNull();
  });

  it("a retryable failure requeues until attempts run out, then fails with the message", async () => {
    const reg = await registerHosts("retry", 1);
    const platform = await platformOf(reg.slug);
    const model = await makeModelRow("retry-net");
    const { job } = await enqueue(db(), { model, platform, batch: 1, teamId: null });
    const d = reg.devices[0]!.auth;
    await claim(db(), d);
    expect((await fail(db(), d, job.id, { code: "MEASUREMENT_FAILED", message: "runtime crashed (SIGSEGV)", retry: true })).job.state).toBe(
      "queued",
    );
    await claim(db(), d);
    expect((await fail(db(), d, job.id, { code: "MEASUREMENT_FAILED", message: "runtime crashed (SIGSEGV)", retry: true })).job.state).toBe(
      "failed",
    );
    expect((await getJob(db(), { id: job.id }))!.error).toBe("runtime crashed (SIGSEGV) (gave up after 2 attempts)");
  });
});

describe("worker HTTP protocol", () => {
  it("claim → download the structure-only model → heartbeat → result, all over the handlers", async () => {
    const reg = await registerHosts("http", 1);
    const platform = await platformOf(reg.slug);
    const onnx = generate({ family: "resnet", depths: [1, 2, 1, 1], resolution: 64 });
    const s = analyze(onnx);
    const model = await insertModel(db(), {
      hash: s.hash, name: "http-resnet", family: s.family.name, batch: s.batch, inputShapes: s.inputs, flops: s.flops,
      params: s.params, memoryAccess: s.memoryAccess, nodeCount: s.nodeCount, opHistogram: s.opHistogram,
      visibility: "private", ownerTeamId: team.teamId, source: "upload", bytes: onnx,
    });
    const h = { "x-device-token": reg.devices[0]!.token };

    // nothing held yet: the model is not downloadable with this device token
    expect((await call(modelFileRoute.GET, { params: { file: `${model.id}.onnx` }, headers: h })).status).toBe(403);
    const { job } = await enqueue(db(), { model, platform, batch: 2, teamId: null });
    const c = await call(claimRoute.POST, { method: "POST", headers: h, body: { waitSeconds: 0 } });
    expect(c.status).toBe(200);
    expect(c.body.job).toMatchObject({
      id: job.id,
      attempt: 1,
      batch: 2,
      model: { id: model.id, hash: s.hash, batch: 1, url: `/api/v1/worker/models/${model.id}.onnx` },
      platform: { slug: reg.slug, precision: "fp16", config: { adapter: "tensorrt" } },
      leaseSeconds: 1,
    });
    const file = await modelFileRoute.GET(new Request(`http://localhost${c.body.job.model.url}`, { headers: h }), {
      params: Promise.resolve({ file: `${model.id}.onnx` }),
    });
    expect(file.headers.get("content-type")).toBe("application/octet-stream");
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(analyze(decodeModel(bytes)).hash).toBe(s.hash);

    expect(
      (await call(hbRoute.POST, { method: "POST", params: { jobId: job.id }, headers: h, body: { progress: { phase: "timing" } } })).body
        .cancel,
    ).toBe(false);
    const r = await call(resultRoute.POST, { method: "POST", params: { jobId: job.id }, headers: h, body: result({ medianMs: 3.25 }) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ job: { id: job.id, state: "done" }, result: { medianMs: 3.25 } });
    // a retried upload (lost response) gets the same answer, not a second measurement
    const again = await call(resultRoute.POST, { method: "POST", params: { jobId: job.id }, headers: h, body: result({ medianMs: 3.25 }) });
    expect(again.body.measurementId).toBe(r.body.measurementId);
    expect(await listMeasurementHistory(db(), { modelId: model.id, platformId: platform.id, batch: 2 })).toHaveLength(1);
  });

  it("bad worker input: missing/unknown token 401, bad result body 400", async () => {
    const reg = await registerHosts("badw", 1);
    expect((await call(claimRoute.POST, { method: "POST", body: {} })).status).toBe(401);
    const unknown = await call(claimRoute.POST, { method: "POST", headers: { "x-device-token": "nnlqd_" + "A".repeat(43) }, body: {} });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe("INVALID_WORKER_TOKEN");
    const h = { "x-device-token": reg.devices[0]!.token };
    const bad = await call(resultRoute.POST, { method: "POST", params: { jobId: 1 }, headers: h, body: { stats: { medianMs: -1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/runtimeVersion/);
    const badFail = await call(failRoute.POST, { method: "POST", params: { jobId: 1 }, headers: h, body: { code: "oops", message: "x" } });
    expect(badFail.status).toBe(400);
  });
});
