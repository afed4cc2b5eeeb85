/**
 * Runs a measurement campaign (planned by lib/services/campaign.ts) on this host: for each stage, the one
 * worker loop (workers/measure/loop.ts `Worker`) serves the stage's platform through the in-process
 * transport (workers/in-process-transport.ts), as a device registered like any worker (host name
 * `<hostname>/campaign`), measuring in the persistent isolated child of lib/measure/pool.ts.
 *
 * What the campaign adds around the loop, all through the Worker's hooks and a wrapping transport:
 * - before each claim, the next planned item is enqueued (two ahead at the start), and a stage ends when
 *   its items are all enqueued and a claim finds nothing (jobs other workers hold finish there);
 * - the host's measurement lock is held for a slice of several jobs (DB work included), then released for
 *   CAMPAIGN.yieldMs, early when another process (a worker's job) waits for the host;
 * - a result still flagged noisy is measured again up to noisyRetakes times (the calmest is kept), and each
 *   measurement's env.campaign records stage, load average at start/end, busy flag and re-takes;
 * - wall time per phase (enqueue, lock wait, claim, fetch, measure, complete), progress with an ETA.
 * A stop (signal) kills the running measurement at once and gives held jobs back to the queue.
 */
import { env } from "@/lib/env";
import { isNnlqError } from "@/lib/errors";
import { sleep } from "@/lib/proc";
import type { Db } from "@/lib/db/client";
import type { ClaimedJob, WorkerResult } from "@/lib/api/schemas/worker";
import { detectHost, hardwareSlug, type HostInfo } from "@/lib/measure/host";
import type { MeasurementResult } from "@/lib/measure/measure";
import { waitForQuietHost } from "@/lib/measure/interference";
import { deviceLockFile, sharedPool } from "@/lib/measure/pool";
import { acquireFileLock, othersWaiting, type MeasureInChildOptions } from "@/lib/measure/runner";
import {
  CAMPAIGN,
  defaultCorpusRoot,
  enqueueWorkItem,
  loadSnapshot,
  planCampaign,
  type Stage,
  type StageCounts,
} from "@/lib/services/campaign";
import { createWorkerToken } from "@/lib/services/devices";
import { Worker, type JobRecord } from "@/workers/measure/loop";
import { resultBody } from "@/workers/measure/report";
import type { DeviceChannel, JobTransport, RegisteredDevice } from "@/workers/measure/transport";
import { InProcessJobTransport } from "./in-process-transport";

export interface CampaignProgress {
  stage: string;
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
  /** estimated remaining ms (null until the first job finished) */
  etaMs: number | null;
  last?: string;
}

export interface CampaignOptions {
  stages: Stage[];
  budgetMs?: number;
  /** extra measurements of a result still flagged noisy (default CAMPAIGN.noisyRetakes) */
  noisyRetakes?: number;
  /** stop taking new work after this many minutes */
  untilMinutes?: number;
  corpusRoot?: string;
  host?: HostInfo;
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: (p: CampaignProgress) => void;
  /** measurement function (default: the persistent isolated child of lib/measure/pool.ts) */
  measure?: (bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions) => Promise<MeasurementResult>;
  /**
   * device host name suffix (`<hostname>/<deviceName>`, default "campaign"). Registering a device again
   * gives its held jobs back to the queue, so campaign processes running at the same time need different names.
   */
  deviceName?: string;
  /** device lock name (default: the hardware slug shared with every process measuring on this CPU) */
  lock?: string;
  /**
   * how long to wait for a quiet host before each measurement (ms; default 4 × NNLQ_MEASURE_MAX_WAIT_S, i.e.
   * 120 s, 0 in the tests); then it measures anyway and the protocol grades what it finds
   */
  quietWaitMs?: number;
}

export interface CampaignSummary {
  planned: number;
  alreadyMeasured: number;
  skippedFailed: number;
  /** corpus sizes left out of the plan: shape inference refused them */
  skippedInvalid: number;
  measured: number;
  failed: number;
  retakes: number;
  busy: number;
  deviceSeconds: number;
  elapsedMs: number;
  stoppedEarly: boolean;
  byStage: Record<string, StageCounts>;
  /** summed wall time per phase (ms) */
  phases: PhaseTimes;
}

/** Wall time per campaign phase (ms, summed over jobs): where a job's time goes besides measuring. */
export type PhaseTimes = Record<"enqueue" | "claim" | "fetch" | "quiet" | "measure" | "measureInner" | "complete" | "lockWait", number>;
const newPhases = (): PhaseTimes => ({ enqueue: 0, claim: 0, fetch: 0, quiet: 0, measure: 0, measureInner: 0, complete: 0, lockWait: 0 });
async function timed<T>(phases: PhaseTimes, k: keyof PhaseTimes, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    phases[k] += performance.now() - t0;
  }
}

/**
 * The host's cross-process measurement lock, held for slices of several jobs: `turn()` before each job
 * takes it (or keeps it while the slice lasts and nobody else waits), `release()` gives it up.
 */
class SliceLock {
  private release_: (() => void) | null = null;
  private sliceEnd = 0;
  private readonly file: string;

  constructor(device: string, private readonly phases: PhaseTimes) {
    this.file = deviceLockFile(device);
  }

  async turn(): Promise<void> {
    if (this.release_ && (Date.now() >= this.sliceEnd || othersWaiting(this.file))) {
      this.release();
      await sleep(CAMPAIGN.yieldMs);
    }
    if (this.release_) return;
    const waitFrom = performance.now();
    this.release_ = await acquireFileLock(this.file, LOCK_POLL_MS);
    this.phases.lockWait += performance.now() - waitFrom;
    this.sliceEnd = Date.now() + CAMPAIGN.sliceMs;
  }

  release(): void {
    this.release_?.();
    this.release_ = null;
  }
}

/** What the campaign learned about one measurement while taking it (for its provenance and summary). */
interface Taken {
  before: { load1: number; busy: boolean };
  after: { load1: number; busy: boolean };
  retakes: number;
  spentSeconds: number;
  quietWaitMs: number;
}

/**
 * Poll interval while another process holds the host lock. Not 1 ms: a waiting campaign polling that fast
 * used ~12 % of a core (measured with top while a worker's job held the lock), foreign CPU that pushed the
 * holder's measurement windows over protocol v2's interference threshold.
 */
const LOCK_POLL_MS = 25;

/** Runs the stages in order until done, stopped (signal) or out of time. */
export async function runCampaign(db: Db, o: CampaignOptions): Promise<CampaignSummary> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  const host = o.host ?? detectHost();
  // the campaign holds the host lock itself in slices: measure in the pool without queueing for it again
  const measureOnce = o.measure ?? ((b: Uint8Array, slug: string, opt: MeasureInChildOptions) => sharedPool().run(b, slug, opt));
  const budgetMs = o.budgetMs ?? CAMPAIGN.budgetMs;
  const noisyRetakes = o.noisyRetakes ?? CAMPAIGN.noisyRetakes;
  const corpusRoot = o.corpusRoot ?? defaultCorpusRoot();
  const deadline = o.untilMinutes ? started + o.untilMinutes * 60_000 : Infinity;
  const stopped = () => !!o.signal?.aborted || Date.now() >= deadline;

  const plan = await planCampaign(db, { stages: o.stages, host, corpusRoot, log });
  const { secret } = await createWorkerToken(db, { name: "measurement campaign", replaceSameName: true });
  const inProcess = new InProcessJobTransport(db, secret);

  const summary: CampaignSummary = {
    planned: plan.planned,
    alreadyMeasured: plan.alreadyMeasured,
    skippedFailed: plan.skippedFailed,
    skippedInvalid: plan.skippedInvalid,
    measured: 0,
    failed: 0,
    retakes: 0,
    busy: 0,
    deviceSeconds: 0,
    elapsedMs: 0,
    stoppedEarly: false,
    byStage: plan.byStage,
    phases: newPhases(),
  };
  const phases = summary.phases;
  const total = plan.stages.reduce((a, s) => a + s.items.length, 0);
  let finished = 0;
  const measuringSince = Date.now();
  const taken = new WeakMap<MeasurementResult, Taken>();
  const byJob = new Map<number, Taken>();
  const lock = new SliceLock(o.lock ?? hardwareSlug(host), phases);

  /** measure, re-taking a result still flagged noisy; the calmest attempt is kept */
  const measure = async (bytes: Uint8Array, slug: string, opt: MeasureInChildOptions): Promise<MeasurementResult> => {
    const before = loadSnapshot(host.cores);
    let best: MeasurementResult | null = null;
    let retakes = 0;
    let spent = 0;
    let quietWaitMs = 0;
    for (let i = 0; i <= noisyRetakes; i++) {
      // a campaign would rather idle than measure on a busy host: wait (up to quietWaitMs) for a quiet
      // second before each measurement, so the protocol's own wait is spent only on short disturbances
      const gate = await timed(phases, "quiet", () =>
        waitForQuietHost({
          cores: host.cores,
          maxWaitMs: o.quietWaitMs ?? env().NNLQ_MEASURE_MAX_WAIT_S * 4000,
          signal: o.signal,
          // a worker's job waiting for the device must not wait out the campaign's gate: measure now, and
          // the slice ends after this measurement (SliceLock), so the job goes next
          giveUp: () => othersWaiting(deviceLockFile(o.lock ?? hardwareSlug(host))),
        }),
      );
      quietWaitMs += gate.waitedMs;
      const r = await timed(phases, "measure", () => measureOnce(bytes, slug, opt));
      phases.measureInner += r.durationMs;
      spent += r.durationMs / 1000;
      if (!best || r.stats.cv < best.stats.cv) best = r;
      if (!r.noisy) break;
      if (i < noisyRetakes) {
        retakes++;
        await sleep(200);
      }
    }
    taken.set(best!, { before, after: loadSnapshot(host.cores), retakes, spentSeconds: spent, quietWaitMs });
    return best!;
  };

  /** the protocol's result body plus the campaign's provenance */
  const campaignResultBody =
    (stage: Stage) =>
    (r: MeasurementResult, job: ClaimedJob): WorkerResult => {
      const body = resultBody(r);
      const t = taken.get(r);
      if (!t) return body;
      byJob.set(job.id, t);
      const busy = t.before.busy || t.after.busy;
      body.env = {
        ...body.env,
        campaign: {
          stage: stage.name,
          loadStart: t.before.load1,
          loadEnd: t.after.load1,
          cores: host.cores,
          busy,
          noisyRetakes: t.retakes,
          budgetMs,
          profileRuns: CAMPAIGN.profileRuns,
          nice: sharedPool().lastNice,
          quietWaitMs: Math.round(t.quietWaitMs),
        },
      };
      body.deviceSeconds = Number(t.spentSeconds.toFixed(3));
      return body;
    };

  try {
    for (const { stage, platform, items } of plan.stages) {
      if (stopped()) break;
      const perStage = summary.byStage[stage.name]!;
      let next = 0;
      const enqueueAhead = async (n: number) => {
        for (; next < items.length && n > 0; next++, n--) {
          const it = items[next]!;
          try {
            await enqueueWorkItem(db, it, platform, corpusRoot);
          } catch (e) {
            if (!isNnlqError(e)) throw e;
            finished++;
            summary.failed++;
            perStage.failed++;
            log(`skip ${it.corpusPath ?? it.family}: ${e.code}: ${e.message.split("\n")[0]}`);
          }
        }
      };

      // an unexpected error while enqueueing ends the campaign (the loop would retry it as a transient one)
      let fatal: { error: unknown } | null = null;
      const worker: Worker = new Worker({
        transport: stageTransport(inProcess, {
          beforeClaim: async () => {
            if (stopped()) return false;
            try {
              await lock.turn();
              await timed(phases, "enqueue", () => enqueueAhead(next === 0 ? 2 : 1));
              return true;
            } catch (error) {
              fatal = { error };
              return false;
            }
          },
          afterClaim: (job) => {
            // nothing to claim and nothing left to enqueue: the stage is done
            if (!job && next >= items.length) worker.stop();
          },
          onStopped: () => worker.stop(),
          phases,
        }),
        platforms: [stage.platform],
        hostName: `${host.hostname}/${o.deviceName ?? "campaign"}`,
        host,
        waitSeconds: 0,
        graceMs: 0,
        budgetMs,
        timeoutMs: CAMPAIGN.timeoutMs,
        profileRuns: CAMPAIGN.profileRuns,
        measure,
        resultBody: campaignResultBody(stage),
        logJobs: false,
        log,
        onJob: (rec: JobRecord, job: ClaimedJob) => {
          const counted = rec.outcome === "done" || rec.outcome === "failed" || rec.outcome === "requeued";
          if (!counted) return; // stopped, cancelled or no longer ours: not a result of this campaign
          finished++;
          let last: string;
          if (rec.outcome === "done") {
            const t = byJob.get(job.id);
            summary.measured++;
            perStage.measured++;
            summary.retakes += t?.retakes ?? 0;
            if (t && (t.before.busy || t.after.busy)) summary.busy++;
            summary.deviceSeconds += t?.spentSeconds ?? 0;
            last = `${(rec.medianMs ?? 0).toFixed(2)} ms`;
          } else {
            summary.failed++;
            perStage.failed++;
            const message = `${rec.code}: ${(rec.message ?? "").split("\n")[0]}`;
            log(`job ${job.id} (model ${job.model.id}, ${stage.platform}, batch ${job.batch}) failed: ${message}`);
            last = message.slice(0, 60);
          }
          byJob.delete(job.id);
          if (finished % 100 === 0) {
            log(
              `after ${finished} jobs, ms per job: ${Object.entries(phases)
                .map(([k, v]) => `${k} ${(v / finished).toFixed(0)}`)
                .join(", ")}; ` + `wall ${((Date.now() - measuringSince) / finished).toFixed(0)}`,
            );
          }
          o.progress?.({
            stage: stage.name,
            done: finished,
            failed: summary.failed,
            total,
            elapsedMs: Date.now() - started,
            etaMs: finished ? ((Date.now() - measuringSince) / finished) * Math.max(0, total - finished) : null,
            last,
          });
        },
      });
      const onAbort = () => worker.stop();
      o.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        // the worker takes its device offline when it stops: jobs still held go back to the queue
        await worker.run();
      } finally {
        o.signal?.removeEventListener("abort", onAbort);
        lock.release();
      }
      if (fatal) throw (fatal as { error: unknown }).error;
      if (stopped()) break;
      await sleep(CAMPAIGN.yieldMs);
    }
  } finally {
    lock.release();
  }
  summary.stoppedEarly = stopped() && finished < total;
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/**
 * The in-process transport as a campaign stage sees it: each claim first takes the host lock's turn and
 * enqueues ahead (`beforeClaim`, false when the campaign stops: the worker is told to stop and gets no job),
 * and every call is timed into its phase.
 */
function stageTransport(
  inner: JobTransport,
  h: { beforeClaim(): Promise<boolean>; afterClaim(job: ClaimedJob | null): void; onStopped(): void; phases: PhaseTimes },
): JobTransport {
  const wrap = (c: DeviceChannel): DeviceChannel => ({
    claim: async (waitSeconds, signal) => {
      if (!(await h.beforeClaim())) {
        h.onStopped();
        return null;
      }
      const job = await timed(h.phases, "claim", () => c.claim(waitSeconds, signal));
      h.afterClaim(job);
      return job;
    },
    modelBytes: (job) => timed(h.phases, "fetch", () => c.modelBytes(job)),
    heartbeat: (jobId) => c.heartbeat(jobId),
    result: (jobId, r) => timed(h.phases, "complete", () => c.result(jobId, r)),
    fail: (jobId, f) => c.fail(jobId, f),
    offline: () => c.offline(),
  });
  return {
    where: inner.where,
    register: async (body) => (await inner.register(body)).map((d: RegisteredDevice) => ({ ...d, channel: wrap(d.channel) })),
  };
}
