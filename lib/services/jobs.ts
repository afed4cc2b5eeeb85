/**
 * The measurement queue: enqueue with idempotency and quota reservation, claim with
 * `SELECT … FOR UPDATE SKIP LOCKED`, leases extended by heartbeats, expired leases requeued by a sweep
 * (after maxAttempts: failed with the reason), complete (measurement + quota settle), fail (refund;
 * UNSUPPORTED_OPERATOR and ONNX_* never retry), cancel (refund; a running job's worker learns of it at
 * its next heartbeat).
 *
 * Completion checks the worker's hardware identity (the CPU in env.host must be the platform's hardware:
 * a worker never reports under another CPU's slug) and stores the quality of protocol v2 (a result without
 * one is protocol v1: grade legacy). A result graded estimated or contended queues a retake: a job of the
 * same model × platform × batch at RETAKE_PRIORITY (below users' and campaigns' work), without a team (no
 * quota is charged); a later clean result supersedes the stored one (lib/db/measurements.ts).
 *
 * Transactions run at READ COMMITTED and lock the team's quota row before the job row (lib/db/jobs.ts),
 * and are retried on deadlock. The sweep needs no scheduler: claims run it (at most every 2 s per
 * process); sweepExpiredLeases can also be called from a timer.
 */
import { env } from "@/lib/env";
import { RETAKE_PRIORITY } from "@/lib/api/schemas/worker";
import { NnlqError, publicErrorText } from "@/lib/errors";
import { sleep } from "@/lib/proc";
import type { Db, DbOrTx } from "@/lib/db/client";
import type { Job, Model, Platform } from "@/lib/db/schema";
import * as jobsDb from "@/lib/db/jobs";
import { getDevice, setDeviceStatus, touchDevice } from "@/lib/db/devices";
import { countUncleanSinceClean, recordMeasurement } from "@/lib/db/measurements";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { getAccessibleModel, getModelRow, getStructureBytes } from "@/lib/db/model-access";
import { generate } from "@/lib/zoo";
import { identityOfRecordedHost, isHostHardwareSlug } from "@/lib/hardware-identity";
import { requireTeamRole, requireUser } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import { decodeCursor, encodeCursor } from "@/lib/api/schemas/common";
import type { JobView, JobsResponse } from "@/lib/api/schemas/jobs";
import type { ClaimedJob, HeartbeatResponse, WorkerFailure, WorkerResult } from "@/lib/api/schemas/worker";
import { assertAffordable, estimateDeviceSeconds, lockBudget, lockJobBudget, recordReserve, refund, settle } from "./quotas";
import { measuredResults } from "./results";
import { callerTeamIds, modelDisplayName } from "./caller";
import { QUEUE } from "./queue-config";
import { workerPlatformView } from "./platforms";
import type { AuthedDevice } from "./authed-device";
import { invalidate } from "./read-cache";

// ── transactions ──

const RETRYABLE = new Set([1213, 1205]); // deadlock, lock wait timeout

function retryable(e: unknown): boolean {
  for (let cur = e as { errno?: number; cause?: unknown } | undefined; cur; cur = cur.cause as typeof cur) {
    if (cur.errno !== undefined && RETRYABLE.has(cur.errno)) return true;
  }
  return false;
}

/** A READ COMMITTED transaction, retried a few times on deadlock / lock wait timeout. */
export async function inTx<T>(db: DbOrTx, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await (db as Db).transaction(fn, { isolationLevel: "read committed" });
    } catch (e) {
      if (attempt < 5 && retryable(e)) {
        await sleep(5 + Math.random() * 20 * (attempt + 1));
        continue;
      }
      throw e;
    }
  }
}

function isDuplicateKey(e: unknown): boolean {
  for (let cur = e as { errno?: number; cause?: unknown } | undefined; cur; cur = cur.cause as typeof cur) {
    if (cur.errno === 1062) return true;
  }
  return false;
}

/** Error codes a failed job never retries: the model itself is the problem. */
export function permanentFailure(code: string): boolean {
  return code === "UNSUPPORTED_OPERATOR" || code.startsWith("ONNX_");
}

/**
 * Priority of a retake (the re-measurement queued when a result was graded estimated or contended): below
 * users' requests (0, at least -10) and campaigns (-10), so it runs in a quieter moment when nothing else
 * waits. Nothing else can queue at this level (the query API allows -10…10): a job at RETAKE_PRIORITY
 * without a team is a retake.
 */
export { RETAKE_PRIORITY };

/**
 * Retakes queued for one pair at most: after this many estimated / contended v2 results since its last
 * clean one, a pair waits for a campaign or a user's remeasure (a host busy for days would otherwise
 * measure it over and over).
 */
export const RETAKE_LIMIT = 3;

export function isRetake(job: Pick<Job, "priority" | "teamId">): boolean {
  return job.priority === RETAKE_PRIORITY && job.teamId === null;
}

// ── enqueue ──

export interface EnqueueInput {
  model: Pick<Model, "id" | "hash" | "flops" | "batch">;
  platform: Platform;
  batch: number;
  /** the paying team; null only for jobs created by tools with database access (no quota) */
  teamId: number | null;
  userId?: number | null;
  apiKeyId?: number | null;
  priority?: number;
}

/**
 * Queues a measurement unless the same structure × platform × batch is already queued or running (then
 * that job is returned, and nothing is reserved). A team's estimate is reserved in the same transaction.
 */
export async function enqueue(db: DbOrTx, input: EnqueueInput): Promise<{ job: Job; created: boolean }> {
  const key = jobsDb.jobKey(input.model.hash, input.platform.id, input.batch);
  try {
    return await inTx(db, async (tx) => {
      let budget;
      if (input.teamId) budget = await lockBudget(tx, { teamId: input.teamId, platformId: input.platform.id });
      const existing = await jobsDb.findActiveJob(tx, { key });
      if (existing) return { job: await adoptRetake(tx, existing, input.priority ?? 0), created: false };
      let seconds: number | null = null;
      if (budget) {
        seconds = estimateDeviceSeconds(input.model, input.platform, input.batch);
        await assertAffordable(tx, budget, { seconds, platformSlug: input.platform.slug });
      }
      const job = await jobsDb.insertJob(tx, {
        modelId: input.model.id,
        platformId: input.platform.id,
        batch: input.batch,
        teamId: input.teamId,
        userId: input.userId ?? null,
        apiKeyId: input.apiKeyId ?? null,
        priority: input.priority ?? 0,
        maxAttempts: QUEUE.maxAttempts,
        idempotencyKey: key,
        reservedSeconds: seconds,
      });
      if (budget && seconds !== null) await recordReserve(tx, { job, seconds, month: budget.month });
      return { job, created: true };
    });
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
    // a concurrent request queued the same work first: answer with its job
    const existing = await jobsDb.findActiveJob(db, { key });
    if (existing) return { job: existing, created: false };
    return enqueue(db, input);
  }
}

/**
 * A request for work a queued retake already covers: the retake keeps its place in the dedupe but runs at
 * the request's priority (it stays free: it was the service's own re-measurement).
 */
async function adoptRetake(tx: DbOrTx, job: Job, priority: number): Promise<Job> {
  if (!isRetake(job) || job.state !== "queued" || priority <= job.priority) return job;
  await jobsDb.updateJob(tx, { id: job.id }, { priority });
  return { ...job, priority };
}

// ── worker side ──

let lastSweep = 0;

/** Runs the lease sweep unless it ran in the last 2 s (claims, queries and job reads call this). */
export async function maybeSweep(db: DbOrTx): Promise<void> {
  if (Date.now() - lastSweep < QUEUE.sweepEveryMs) return;
  lastSweep = Date.now();
  await sweepExpiredLeases(db);
}

async function claimOnce(db: DbOrTx, { device, platform }: AuthedDevice): Promise<Job | null> {
  const leaseMs = QUEUE.leaseSeconds * 1000;
  return inTx(db, async (tx) => {
    // a claim still polling for a worker process that has gone (it stopped: offline; or it was replaced:
    // the device re-registered with a new token) must not take jobs nobody will run
    const current = await getDevice(tx, { id: device.id });
    if (!current || current.tokenHash !== device.tokenHash || current.status === "offline" || current.status === "disabled") return null;
    // one job at a time per device: a device that already holds one (a lost claim response) gets it again
    const [held] = await jobsDb.heldJobs(tx, { deviceId: device.id });
    if (held) {
      await jobsDb.extendLease(tx, { id: held.id, deviceId: device.id, leaseMs });
      return jobsDb.getJob(tx, { id: held.id });
    }
    if (!platform.active) return null;
    const id = await jobsDb.lockNextQueued(tx, { platformId: platform.id });
    if (id === null) return null;
    await jobsDb.leaseJob(tx, { id, deviceId: device.id, leaseMs });
    return jobsDb.getJob(tx, { id });
  });
}

async function claimedJobPayload(db: DbOrTx, job: Job, platform: Platform): Promise<ClaimedJob> {
  const m = await getModelRow(db, { id: job.modelId });
  return {
    id: job.id,
    attempt: job.attempts,
    maxAttempts: job.maxAttempts,
    batch: job.batch,
    priority: job.priority,
    leaseExpiresAt: job.leaseExpiresAt!.toISOString(),
    leaseSeconds: QUEUE.leaseSeconds,
    heartbeatSeconds: QUEUE.heartbeatSeconds,
    model: {
      id: m!.id,
      hash: m!.hash,
      batch: m!.batch,
      inputShapes: m!.inputShapes,
      opset: m!.opset,
      flops: m!.flops,
      url: `/api/v1/worker/models/${m!.id}.onnx`,
    },
    platform: workerPlatformView(platform),
  };
}

/**
 * POST /api/v1/worker/claim: the next job of the device's platform (or the one it already holds),
 * waiting up to `waitSeconds` for one to arrive. Null when none came.
 */
export async function claim(
  db: DbOrTx,
  auth: AuthedDevice,
  { waitSeconds = 0, signal }: { waitSeconds?: number; signal?: AbortSignal } = {},
): Promise<ClaimedJob | null> {
  const deadline = Date.now() + Math.min(waitSeconds, QUEUE.maxWaitSeconds) * 1000;
  for (;;) {
    if (signal?.aborted) return null;
    await maybeSweep(db);
    const job = await claimOnce(db, auth);
    if (job && signal?.aborted) {
      // the worker hung up while the job was being leased: the answer would be lost, so give it back unused
      await releaseDeviceJobs(db, auth.device.id, { reason: "its worker hung up before the claim was answered", countAttempt: false });
      return null;
    }
    if (job || Date.now() >= deadline || signal?.aborted) {
      // a worker that hung up (it is stopping) keeps the status it set last, e.g. offline
      if (!job && signal?.aborted) return null;
      await touchDevice(db, { id: auth.device.id, status: job ? "busy" : "online" });
      return job ? claimedJobPayload(db, job, auth.platform) : null;
    }
    await sleep(Math.min(QUEUE.pollMs, deadline - Date.now()));
  }
}

/** POST /api/v1/worker/jobs/{id}/heartbeat: extends the lease; tells the worker to stop when it should. */
export async function heartbeat(db: DbOrTx, { device }: AuthedDevice, jobId: number): Promise<HeartbeatResponse> {
  if (await jobsDb.extendLease(db, { id: jobId, deviceId: device.id, leaseMs: QUEUE.leaseSeconds * 1000 })) {
    await touchDevice(db, { id: device.id, status: "busy" });
    const job = await jobsDb.getJob(db, { id: jobId });
    return { cancel: false, reason: null, leaseExpiresAt: job!.leaseExpiresAt!.toISOString() };
  }
  await touchDevice(db, { id: device.id });
  const job = await jobsDb.getJob(db, { id: jobId });
  if (!job) throw new NnlqError("NOT_FOUND", `Job ${jobId} does not exist`);
  const mine = job.leaseOwner === device.id;
  const reason = mine && job.state === "cancelled" ? "cancelled" : mine && job.state !== "queued" ? "ended" : "lease_lost";
  return { cancel: true, reason, leaseExpiresAt: null };
}

/** Locks a job the device must hold (quota row first), or throws LEASE_LOST / CONFLICT. */
async function lockHeldJob(tx: DbOrTx, deviceId: number, jobId: number): Promise<Job> {
  const pre = await jobsDb.getJob(tx, { id: jobId });
  if (!pre) throw new NnlqError("NOT_FOUND", `Job ${jobId} does not exist`);
  await lockJobBudget(tx, pre);
  const job = (await jobsDb.getJob(tx, { id: jobId, lock: true }))!;
  if (job.state === "cancelled") throw new NnlqError("CONFLICT", `Job ${jobId} was cancelled; stop working on it`, { state: job.state });
  if (job.leaseOwner !== deviceId || !(jobsDb.LEASED_STATES as readonly string[]).includes(job.state)) {
    throw new NnlqError("LEASE_LOST", `Job ${jobId} is not leased to this device any more (state ${job.state}); drop it`, {
      state: job.state,
    });
  }
  return job;
}

/**
 * The hardware identity a result was measured on must be its platform's: for a platform of a host's
 * hardware slug (x86-zen3-avx2-2c…) the result must carry env.host and hardwareSlugOfRecord(env.host) must
 * equal the platform's hardware. Platforms named by hand (jetson-orin, pixel8…) are not derived from a
 * host description: their results are accepted without env.host. Returns the reason of a mismatch, or null.
 */
export function hardwareMismatch(platform: Pick<Platform, "slug" | "hardware">, env: Record<string, unknown> | undefined): string | null {
  if (!isHostHardwareSlug(platform.hardware)) return null;
  const host = env?.host;
  if (!host || typeof host !== "object" || Array.isArray(host)) {
    return `a result for ${platform.slug} must describe its host in env.host (the CPU that measured it); none was sent`;
  }
  const identity = identityOfRecordedHost(host);
  if (identity === null) return `a result for ${platform.slug} must describe its CPU in env.host (cpuModel, cpuFlags…); none was sent`;
  if (identity === platform.hardware) return null;
  return (
    `this result was measured on ${identity} (env.host: ${String((host as { cpuModel?: unknown }).cpuModel ?? "unknown CPU")}), ` +
    `not on ${platform.hardware}: ` +
    `a worker reports only under its own CPU's platform (${platform.slug} is another CPU's); register the host again to get its own`
  );
}

/** The measurements columns of a result's quality (protocol v2), or protocol v1's: grade legacy. */
export function qualityColumns(r: WorkerResult) {
  const q = r.quality;
  if (!q) return { protocol: 1, grade: "legacy" as const, labelKind: "wall-v1" as const };
  return {
    protocol: 2,
    grade: q.grade,
    labelKind: q.labelKind,
    cleanRuns: q.cleanRuns,
    allRuns: q.runs,
    ciRel: q.ciRel,
    wallCpuRatio: q.wallCpuRatio,
    interferenceShare: q.interferenceShare,
    runqShare: q.runqShare ?? null,
    waitMs: q.waitMs,
    cpuMedianMs: q.cpuMedianMs ?? null,
  };
}

/**
 * Queues a retake of a job whose result was graded estimated or contended (inside the completing
 * transaction, after its idempotency key was cleared): no team, RETAKE_PRIORITY. Nothing is queued when
 * the same work is already active, or the pair had RETAKE_LIMIT unclean results since its last clean one.
 */
async function queueRetake(tx: DbOrTx, job: Job): Promise<number | null> {
  const model = await getModelRow(tx, { id: job.modelId });
  if (!model) return null;
  const key = jobsDb.jobKey(model.hash, job.platformId, job.batch);
  if (await jobsDb.findActiveJob(tx, { key })) return null;
  const unclean = await countUncleanSinceClean(tx, { modelId: job.modelId, platformId: job.platformId, batch: job.batch });
  if (unclean > Math.min(RETAKE_LIMIT, env().NNLQ_RETAKES)) return null;
  try {
    const retake = await jobsDb.insertJob(tx, {
      modelId: job.modelId,
      platformId: job.platformId,
      batch: job.batch,
      teamId: null,
      userId: null,
      apiKeyId: null,
      priority: RETAKE_PRIORITY,
      maxAttempts: QUEUE.maxAttempts,
      idempotencyKey: key,
      reservedSeconds: null,
    });
    return retake.id;
  } catch (e) {
    if (isDuplicateKey(e)) return null; // a request queued the same work meanwhile: that job measures it
    throw e;
  }
}

/** POST /api/v1/worker/jobs/{id}/result: stores the measurement, ends the job, settles the quota. */
export async function complete(db: DbOrTx, auth: AuthedDevice, jobId: number, r: WorkerResult) {
  const { device } = auth;
  const mismatch = hardwareMismatch(auth.platform, r.env);
  if (mismatch) {
    // nothing is stored: the job ends failed with the reason (another worker may be asked for it again)
    await inTx(db, async (tx) => {
      const pre = await jobsDb.getJob(tx, { id: jobId });
      if (pre?.state === "done" || pre?.state === "failed") return;
      const job = await lockHeldJob(tx, device.id, jobId);
      await endAttempt(tx, job, { code: "HARDWARE_MISMATCH", message: mismatch, retry: false, usedSeconds: r.deviceSeconds });
    });
    await touchDevice(db, { id: device.id, status: "online" });
    throw new NnlqError("HARDWARE_MISMATCH", `Job ${jobId}: ${mismatch}`, { platform: auth.platform.slug });
  }
  const out = await inTx(db, async (tx) => {
    const pre = await jobsDb.getJob(tx, { id: jobId });
    if (pre?.state === "done" && pre.leaseOwner === device.id && pre.measurementId) {
      // the worker retried after losing our answer: same answer again
      return { job: pre, measurementId: pre.measurementId, charged: pre.usedSeconds, retakeJobId: null };
    }
    const job = await lockHeldJob(tx, device.id, jobId);
    const now = new Date();
    const measuredAt = r.measuredAt && new Date(r.measuredAt) < now ? new Date(r.measuredAt) : now;
    const quality = qualityColumns(r);
    const m = await recordMeasurement(tx, {
      modelId: job.modelId,
      platformId: job.platformId,
      batch: job.batch,
      deviceId: device.id,
      jobId: job.id,
      runtimeVersion: r.runtimeVersion,
      medianMs: r.stats.medianMs,
      meanMs: r.stats.meanMs,
      minMs: r.stats.minMs,
      maxMs: r.stats.maxMs ?? null,
      p90Ms: r.stats.p90Ms,
      p99Ms: r.stats.p99Ms,
      stdMs: r.stats.stdMs,
      cv: r.stats.cv ?? (r.stats.meanMs > 0 ? r.stats.stdMs / r.stats.meanMs : null),
      runs: r.stats.runs,
      warmups: r.stats.warmups,
      peakMemoryBytes: r.peakMemoryBytes ?? null,
      profile: (r.profile as never) ?? null,
      env: { ...(r.env ?? {}), attempt: job.attempts, ...(isRetake(job) ? { retake: true } : {}) },
      deviceSeconds: r.deviceSeconds,
      ...quality,
      measuredAt,
    });
    const charged = await settle(tx, { job, usedSeconds: r.deviceSeconds });
    await jobsDb.updateJob(tx, { id: job.id }, {
      state: "done",
      measurementId: m.id,
      usedSeconds: r.deviceSeconds,
      finishedAt: now,
      idempotencyKey: null,
      leaseExpiresAt: null,
      errorCode: null,
      error: null,
    });
    const retakeJobId = quality.grade === "estimated" || quality.grade === "contended" ? await queueRetake(tx, job) : null;
    return { job: { ...job, state: "done" as const }, measurementId: m.id, charged, retakeJobId };
  });
  invalidate("results"); // after the commit: a read in between would cache the old answer again
  await touchDevice(db, { id: device.id, status: "online" });
  const result = (await measuredResults(db, [out.measurementId])).get(out.measurementId)!;
  return {
    job: { id: out.job.id, state: "done" as const },
    measurementId: out.measurementId,
    chargedSeconds: out.charged,
    result: result.result,
    retakeJobId: out.retakeJobId,
  };
}

/**
 * Ends an attempt that failed: back to the queue when `retry` and attempts remain (never for
 * UNSUPPORTED_OPERATOR / ONNX_*), else failed with the reason and the reservation refunded.
 */
async function endAttempt(
  tx: DbOrTx,
  job: Job,
  {
    code,
    message,
    retry,
    usedSeconds,
    countAttempt = true,
  }: { code: string; message: string; retry: boolean; usedSeconds?: number; countAttempt?: boolean },
): Promise<Job["state"]> {
  const attempts = countAttempt ? job.attempts : Math.max(0, job.attempts - 1);
  const requeue = retry && !permanentFailure(code) && attempts < job.maxAttempts;
  const common = { attempts, leaseExpiresAt: null, errorCode: code.slice(0, 64), error: message };
  if (requeue) {
    await jobsDb.updateJob(tx, { id: job.id }, { ...common, state: "queued", leaseOwner: null });
    return "queued";
  }
  const reason =
    attempts >= job.maxAttempts && retry && !permanentFailure(code) ? `${message} (gave up after ${attempts} attempts)` : message;
  await jobsDb.updateJob(
    tx,
    { id: job.id },
    {
      ...common,
      error: reason,
      state: "failed",
      finishedAt: new Date(),
      idempotencyKey: null,
      usedSeconds: usedSeconds ?? job.usedSeconds,
    },
  );
  await refund(tx, { job, reason: `${code}: ${reason}` });
  return "failed";
}

/**
 * POST /api/v1/worker/jobs/{id}/fail. The reason is stored as its message only (publicErrorText): a remote
 * or old worker may send a stack trace with its host's file paths, and users read the reason.
 */
export async function fail(db: DbOrTx, { device }: AuthedDevice, jobId: number, f: WorkerFailure) {
  const message = publicErrorText(f.message);
  const out = await inTx(db, async (tx) => {
    const job = await lockHeldJob(tx, device.id, jobId);
    const state = await endAttempt(tx, job, { code: f.code, message, retry: f.retry ?? false, usedSeconds: f.deviceSeconds });
    return { id: job.id, state: state as "queued" | "failed", attempts: job.attempts, maxAttempts: job.maxAttempts };
  });
  await touchDevice(db, { id: device.id, status: "online" });
  return { job: out };
}

/** Jobs still leased to a device go back to the queue (or fail, when out of attempts). Returns their ids. */
export async function releaseDeviceJobs(
  db: DbOrTx,
  deviceId: number,
  { reason, countAttempt }: { reason: string; countAttempt: boolean },
): Promise<number[]> {
  const released: number[] = [];
  for (const held of await jobsDb.heldJobs(db, { deviceId })) {
    const done = await inTx(db, async (tx) => {
      await lockJobBudget(tx, held);
      const job = (await jobsDb.getJob(tx, { id: held.id, lock: true }))!;
      if (job.leaseOwner !== deviceId || !(jobsDb.LEASED_STATES as readonly string[]).includes(job.state)) return false;
      await endAttempt(tx, job, { code: "DEVICE_RELEASED", message: `device ${deviceId}: ${reason}`, retry: true, countAttempt });
      return true;
    });
    if (done) released.push(held.id);
  }
  return released;
}

/** POST /api/v1/worker/offline: a worker stopping cleanly gives its jobs back without using an attempt. */
export async function goOffline(db: DbOrTx, { device }: AuthedDevice): Promise<{ releasedJobs: number[] }> {
  const releasedJobs = await releaseDeviceJobs(db, device.id, { reason: "the worker went offline", countAttempt: false });
  await setDeviceStatus(db, { id: device.id, status: "offline" });
  return { releasedJobs };
}

/** Requeues (or fails, after maxAttempts) every job whose lease expired. */
export async function sweepExpiredLeases(db: DbOrTx): Promise<{ requeued: number[]; failed: number[] }> {
  const requeued: number[] = [];
  const failed: number[] = [];
  for (const id of await jobsDb.expiredLeaseIds(db)) {
    const state = await inTx(db, async (tx) => {
      const pre = await jobsDb.getJob(tx, { id });
      if (!pre) return null;
      await lockJobBudget(tx, pre);
      const job = (await jobsDb.getJob(tx, { id, lock: true }))!;
      if (!(jobsDb.LEASED_STATES as readonly string[]).includes(job.state) || !(await jobsDb.leaseExpired(tx, { id }))) return null;
      const dev = job.leaseOwner ? await getDevice(tx, { id: job.leaseOwner }) : null;
      const where = dev ? `device ${dev.id} (${dev.hostName})` : "its device";
      return endAttempt(tx, job, {
        code: "LEASE_EXPIRED",
        message: `the lease on ${where} expired without a heartbeat (attempt ${job.attempts} of ${job.maxAttempts})`,
        retry: true,
      });
    });
    if (state === "queued") requeued.push(id);
    if (state === "failed") failed.push(id);
  }
  return { requeued, failed };
}

// ── user side ──

async function jobViews(db: DbOrTx, rows: jobsDb.JobRow[], teamIds: number[]): Promise<JobView[]> {
  const results = await measuredResults(db, rows.filter((r) => r.state === "done" && r.measurementId).map((r) => r.measurementId!));
  const out: JobView[] = [];
  for (const r of rows) {
    const own = r.teamId !== null && teamIds.includes(r.teamId);
    out.push({
      id: r.id,
      state: r.state,
      model: {
        id: r.modelId,
        hash: r.modelHash,
        name: modelDisplayName(
          { name: r.modelName, hash: r.modelHash, visibility: r.modelVisibility, ownerTeamId: r.modelOwnerTeamId },
          teamIds,
        ),
      },
      platform: r.platformSlug,
      batch: r.batch,
      priority: r.priority,
      attempts: r.attempts,
      maxAttempts: r.maxAttempts,
      // publicErrorText: rows stored before failure reasons were cleaned may hold a worker's stack trace
      error: r.errorCode && r.state !== "done" ? { code: r.errorCode, message: r.error ? publicErrorText(r.error) : "" } : null,
      queuePosition: r.state === "queued" ? await jobsDb.queuePosition(db, r) : null,
      own,
      teamId: own ? r.teamId : null,
      reservedSeconds: own ? r.reservedSeconds : null,
      usedSeconds: own ? r.usedSeconds : null,
      measurementId: r.measurementId,
      result: (r.measurementId && results.get(r.measurementId)) || null,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      startedAt: r.startedAt?.toISOString() ?? null,
      finishedAt: r.finishedAt?.toISOString() ?? null,
    });
  }
  return out;
}

/**
 * A job as the caller may see it: in full when it belongs to one of their teams; without quota fields
 * when they can only access its model (e.g. another team's job measuring a public structure); else 404.
 */
export async function getJobForCaller(db: DbOrTx, p: Principal | null, jobId: number): Promise<JobView> {
  await maybeSweep(db);
  const teamIds = await callerTeamIds(db, p);
  const row = await jobsDb.getJobRow(db, { id: jobId });
  const visible =
    row && ((row.teamId !== null && teamIds.includes(row.teamId)) || (await getAccessibleModel(db, { id: row.modelId, teamIds })));
  if (!row || !visible) throw new NnlqError("NOT_FOUND", `Job ${jobId} does not exist or is not visible to you`);
  return (await jobViews(db, [row], teamIds))[0]!;
}

export async function listJobsForCaller(
  db: DbOrTx,
  p: Principal | null,
  q: { teamId?: number; state?: string; platform?: string; cursor?: string; limit: number },
): Promise<JobsResponse> {
  const principal = requireUser(p);
  let teamIds = await callerTeamIds(db, principal);
  if (q.teamId !== undefined) {
    await requireTeamRole(db, principal, q.teamId, "member");
    teamIds = [q.teamId];
  }
  let platformId: number | undefined;
  if (q.platform) {
    const plat = await getPlatformBySlug(db, { slug: q.platform });
    if (!plat) throw new NnlqError("NOT_FOUND", `Unknown platform '${q.platform}'`);
    platformId = plat.id;
  }
  let beforeId: number | undefined;
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    if (!c || !Number.isInteger(c[0]))
      throw new NnlqError("VALIDATION", "Invalid query string: cursor is not a valid cursor", {
        fields: { cursor: "is not a valid cursor" },
      });
    beforeId = c[0] as number;
  }
  const states = q.state ? (q.state.split(",") as Job["state"][]) : undefined;
  const rows = await jobsDb.listTeamJobs(db, { teamIds, states, platformId, beforeId, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return {
    items: await jobViews(db, page, teamIds),
    nextCursor: rows.length > q.limit ? encodeCursor([page[page.length - 1]!.id]) : null,
  };
}

/** POST /api/v1/jobs/{id}/cancel: members of the job's team; refunds the reservation. */
export async function cancelJob(db: DbOrTx, p: Principal | null, jobId: number): Promise<JobView> {
  const principal = requireUser(p);
  const view = await getJobForCaller(db, principal, jobId);
  if (!view.own) throw new NnlqError("FORBIDDEN", `Job ${jobId} belongs to another team; only its team can cancel it`);
  await inTx(db, async (tx) => {
    const pre = (await jobsDb.getJob(tx, { id: jobId }))!;
    await lockJobBudget(tx, pre);
    const job = (await jobsDb.getJob(tx, { id: jobId, lock: true }))!;
    if ((jobsDb.ENDED_STATES as readonly string[]).includes(job.state)) {
      throw new NnlqError("CONFLICT", `Job ${jobId} is already ${job.state}`, { state: job.state });
    }
    const who = principal.apiKey ? `API key nnlq_${principal.apiKey.prefix}_…` : principal.user.email;
    await jobsDb.updateJob(tx, { id: job.id }, {
      state: "cancelled",
      finishedAt: new Date(),
      idempotencyKey: null,
      leaseExpiresAt: null,
      errorCode: "CANCELLED",
      error: `cancelled by ${who}`,
    });
    await refund(tx, { job, reason: `cancelled by ${who}` });
  });
  return getJobForCaller(db, principal, jobId);
}

/** POST /api/v1/worker/heartbeat (idle device): keeps the device shown online. */
export async function deviceHeartbeat(db: DbOrTx, { device }: AuthedDevice, status: "online" | "busy") {
  await touchDevice(db, { id: device.id, status });
  return { ok: true as const, serverTime: new Date().toISOString() };
}

/**
 * GET /api/v1/worker/models/{id}.onnx: the structure-only ONNX of a model the device holds a job for
 * (stored bytes, or regenerated from the zoo spec of a zoo model).
 */
export async function modelBytesForDevice(db: DbOrTx, { device }: AuthedDevice, modelId: number): Promise<Uint8Array> {
  const held = await jobsDb.heldJobs(db, { deviceId: device.id });
  if (!held.some((j) => j.modelId === modelId)) {
    throw new NnlqError("FORBIDDEN", `Device ${device.id} holds no job for model ${modelId}; claim a job first`);
  }
  const stored = await getStructureBytes(db, { modelId });
  if (stored) return stored;
  const m = await getModelRow(db, { id: modelId });
  if (m?.zooSpec) return generate(m.zooSpec);
  throw new NnlqError("NOT_FOUND", `Model ${modelId} has no stored structure`);
}
