/**
 * The measurement worker — the one job-running loop of nnlq. It reaches the queue through a JobTransport
 * (transport.ts): the worker protocol over HTTP (docs/worker-protocol.md) for `npm run worker`, or
 * lib/services/jobs in-process for a measurement campaign (workers/campaign.ts):
 *
 *   register  one device per platform served (X-Worker-Token → a device token each)
 *   per device, forever:  claim (long-poll) → heartbeat every heartbeatSeconds while the job lives →
 *             download the structure-only ONNX → measure in a child process (lib/measure: timeout, crash
 *             isolation, one measurement at a time per host) → upload the result or the failure
 *
 * Robustness: every call that fails because the app or its database is away is retried with exponential
 * backoff (the worker never exits for that); a finished result is re-sent until it is accepted or the
 * server says the lease is gone; a device token the server no longer knows is re-registered. A heartbeat
 * answering `cancel` (job cancelled, lease lost) kills the measuring child and sends nothing more.
 *
 * Shutdown (stop(), SIGTERM in the CLI): no new claims; a running measurement gets `graceMs` to finish and
 * be uploaded, then it is killed; finally every device goes offline, which requeues what it still held
 * without using an attempt. A second stop() skips the grace period.
 *
 * Test hook: NNLQ_WORKER_FAULT=<hash prefix>:<abort|hang|exit> makes the measuring child of jobs whose model
 * hash starts with the prefix abort/hang/exit (lib/measure/child.ts's NNLQ_MEASURE_FAULT), other jobs
 * run normally.
 */
import os from "node:os";
import { NnlqError, isNnlqError } from "@/lib/errors";
import { env } from "@/lib/env";
import { sleep } from "@/lib/proc";
import { detectHost, type HostInfo } from "@/lib/measure/host";
import type { PlatformSpec } from "@/lib/measure/platforms";
import { measureInChild, type MeasureInChildOptions } from "@/lib/measure/runner";
import { measureInPool } from "@/lib/measure/pool";
import type { MeasurementResult } from "@/lib/measure/measure";
import { RETAKE_PRIORITY, type ClaimedJob, type WorkerFailure, type WorkerResult } from "@/lib/api/schemas/worker";
import { waitForQuietHost } from "@/lib/measure/interference";
import { hostInfoOf, platformSpecInput, selectPlatforms } from "./platforms";
import { failureBody, resultBody } from "./report";
import { HttpJobTransport, type DeviceChannel, type JobTransport } from "./transport";

export interface WorkerConfig {
  /** base URL of the nnlq app, e.g. http://localhost:3000 (with workerToken: the HTTP transport) */
  url?: string;
  /** worker token (nnlqw_…) from a site admin or the start script */
  workerToken?: string;
  /** where jobs come from instead of url + workerToken (the campaign's in-process transport) */
  transport?: JobTransport;
  /** platform slugs to serve (default: every local platform of this host) */
  platforms?: string[];
  /** device host name (default: os.hostname()) */
  hostName?: string;
  /** timed-run budget of one measurement attempt (ms, default 2000) */
  budgetMs?: number;
  /** hard limit of one measurement, conversion included (ms, default lib/measure's) */
  timeoutMs?: number;
  /** stop an attempt early once the median's 95% CI is within ±this fraction (default lib/measure's 0.01; 0 = use the whole budget) */
  ciTarget?: number;
  /** per-operator profile runs (default lib/measure's; 0 = no profile) */
  profileRuns?: number;
  /** claim long-poll (s, default 20) */
  waitSeconds?: number;
  /**
   * name of the host's measurement lock (default: the hardware slug, shared with every other process that
   * measures on this CPU: campaigns, benches). Only tests that must not queue behind such runs change it.
   */
  lock?: string;
  /** reconnect backoff (ms) */
  backoff?: { minMs: number; maxMs: number };
  /** how long a running measurement may finish after stop() (ms, default 30 s) */
  graceMs?: number;
  log?: (line: string) => void;
  /** measurement function (default lib/measure's measureInChild) */
  measure?: (bytes: Uint8Array, slug: string, o: MeasureInChildOptions) => Promise<MeasurementResult>;
  /** the result body sent for a measurement (default report.ts's resultBody; a campaign adds its provenance) */
  resultBody?: (r: MeasurementResult, job: ClaimedJob) => WorkerResult;
  /** called once per job after it ended (result or failure delivered, dropped, or given back) */
  onJob?: (rec: JobRecord, job: ClaimedJob) => void;
  /** log a line per job (claimed, done/failed…); default true */
  logJobs?: boolean;
  host?: HostInfo;
}

interface Device {
  platform: PlatformSpec;
  deviceId: number;
  api: DeviceChannel;
  /** a site admin took it out of service (claims answer DEVICE_DISABLED until enabled) */
  disabled?: boolean;
}

const TRANSIENT: ReadonlySet<string> = new Set(["UNREACHABLE", "DB_UNAVAILABLE", "INTERNAL", "RATE_LIMITED"]);

/** Retrying later can help: nothing answered, the app or its database failed, or we were rate-limited. */
export function transient(e: unknown): boolean {
  if (!isNnlqError(e)) return true; // an aborted or broken transport
  return TRANSIENT.has(e.code) || Number(e.details?.status ?? 0) >= 500;
}

export type JobOutcome = "done" | "failed" | "requeued" | "cancelled" | "lease_lost" | "released";

export interface JobRecord {
  jobId: number;
  platform: string;
  outcome: JobOutcome;
  /** error code of a failure */
  code?: string;
  /** failure message, or the latency summary of a result */
  message?: string;
  medianMs?: number;
  /** calls it took to deliver the result or failure (> 1 when the app was away) */
  deliveries?: number;
  seconds: number;
}

/** Exponential backoff with ±20% jitter: min·2^(n-1), capped at max. */
export function backoffMs(failures: number, { minMs, maxMs }: { minMs: number; maxMs: number }, rand = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(base * (0.8 + 0.4 * rand()));
}

/** after stop(), how long calls are still retried while the app is unreachable */
const STOP_RETRY_MS = 5000;

const describe = (e: unknown) => (isNnlqError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));

/** NNLQ_WORKER_FAULT=<hash prefix>:<kind> → the child env of a matching job (test hook, see above). */
export function faultEnv(modelHash: string, spec = env().NNLQ_WORKER_FAULT): Record<string, string> | undefined {
  const m = spec ? /^([0-9a-f]{1,64}):(abort|hang|exit)$/.exec(spec.trim()) : null;
  return m && modelHash.startsWith(m[1]!) ? { NNLQ_MEASURE_FAULT: m[2]! } : undefined;
}

export class Worker {
  readonly transport: JobTransport;
  readonly host: HostInfo;
  readonly platforms: PlatformSpec[];
  readonly hostName: string;
  /** the last 100 jobs (newest last) and how many there were in all */
  readonly jobs: JobRecord[] = [];
  jobCount = 0;
  private devices: Device[] = [];
  private readonly stopping = new AbortController();
  private readonly killing = new AbortController();
  private readonly cfg: Required<Pick<WorkerConfig, "waitSeconds" | "backoff" | "graceMs" | "budgetMs">> & WorkerConfig;
  private readonly log: (line: string) => void;
  private online = true;
  private stoppedAt = 0;
  private readonly measure: NonNullable<WorkerConfig["measure"]>;
  private readonly resultBody: NonNullable<WorkerConfig["resultBody"]>;

  constructor(cfg: WorkerConfig) {
    this.cfg = { waitSeconds: 20, backoff: { minMs: 500, maxMs: 15_000 }, graceMs: 30_000, budgetMs: 2000, ...cfg };
    this.transport = cfg.transport ?? httpTransport(cfg);
    this.host = cfg.host ?? detectHost();
    this.platforms = selectPlatforms(this.host, cfg.platforms);
    this.hostName = cfg.hostName ?? os.hostname();
    this.log = cfg.log ?? ((l) => console.log(`[worker] ${l}`));
    // NNLQ_MEASURE_POOL=1: a persistent isolated child serves many measurements (lib/measure/pool.ts)
    this.measure = cfg.measure ?? (env().NNLQ_MEASURE_POOL ? measureInPool : measureInChild);
    this.resultBody = cfg.resultBody ?? resultBody;
  }

  private jobLog(line: string) {
    if (this.cfg.logJobs !== false) this.log(line);
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Graceful stop (see the module comment); a second call also kills running measurements. */
  stop(): void {
    if (this.stopping.signal.aborted) {
      this.killing.abort();
      return;
    }
    this.stoppedAt = Date.now();
    this.stopping.abort();
    setTimeout(() => this.killing.abort(), this.cfg.graceMs).unref();
  }

  /** Registers, serves until stop(), then takes the devices offline. Throws only for a refused worker token. */
  async run(): Promise<void> {
    const devices = await this.register(this.platforms);
    if (!devices) return;
    this.devices = devices;
    this.log(
      `serving ${devices.length} platform${devices.length === 1 ? "" : "s"} as host '${this.hostName}' (${this.host.cpuModel}, ${this.host.cores} cores) against ${this.transport.where}: ` +
        devices.map((d) => `${d.platform.slug} (device ${d.deviceId})`).join(", "),
    );
    await Promise.all(devices.map((d) => this.deviceLoop(d)));
    await this.goOffline();
    this.log(`stopped after ${this.jobCount} job${this.jobCount === 1 ? "" : "s"}`);
  }

  /** Register platforms (retrying while the app is away); null when stopped first. */
  private async register(platforms: PlatformSpec[]): Promise<Device[] | null> {
    const body = { hostName: this.hostName, hostInfo: hostInfoOf(this.host), platforms: platforms.map(platformSpecInput) };
    for (let failures = 1; !this.stopped; failures++) {
      try {
        const devices = await this.transport.register(body);
        this.connected();
        for (const d of devices) {
          if (d.releasedJobs.length)
            this.log(
              `device ${d.deviceId} (${d.platform.slug}): jobs ${d.releasedJobs.join(", ")} of a previous run went back to the queue`,
            );
        }
        return devices.map((d) => ({ platform: platforms.find((p) => p.slug === d.platform.slug)!, deviceId: d.deviceId, api: d.channel }));
      } catch (e) {
        if (this.stopped) return null;
        if (!transient(e)) throw e; // refused token, platform conflict: nothing retrying can fix
        this.disconnected(e);
        await sleep(backoffMs(failures, this.cfg.backoff), this.stopping.signal);
      }
    }
    return null;
  }

  private connected() {
    if (!this.online) this.log("the app answers again");
    this.online = true;
  }

  private disconnected(e: unknown) {
    if (this.online) this.log(`the app is unavailable (${describe(e)}); retrying with backoff`);
    this.online = false;
  }

  private async reregister(d: Device): Promise<boolean> {
    this.log(`device ${d.deviceId} (${d.platform.slug}): token refused, registering again`);
    try {
      const [fresh] = (await this.register([d.platform])) ?? [];
      if (!fresh) return false;
      d.deviceId = fresh.deviceId;
      d.api = fresh.api;
      return true;
    } catch (e) {
      this.log(`device ${d.deviceId} (${d.platform.slug}): cannot register again (${describe(e)}); this platform stops`);
      return false;
    }
  }

  private async deviceLoop(d: Device): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let job: ClaimedJob | null;
      try {
        job = await d.api.claim(this.cfg.waitSeconds, this.stopping.signal);
        this.connected();
        if (d.disabled) this.log(`device ${d.deviceId} (${d.platform.slug}): back in service`);
        d.disabled = false;
        failures = 0;
      } catch (e) {
        if (this.stopped) break;
        if (isNnlqError(e) && e.code === "INVALID_WORKER_TOKEN") {
          if (!(await this.reregister(d))) break;
          continue;
        }
        if (isNnlqError(e) && e.code === "DEVICE_DISABLED") {
          // out of service by a site admin: keep asking, slowly, so enabling it needs no worker restart
          if (!d.disabled) this.log(`device ${d.deviceId} (${d.platform.slug}): ${e.message}`);
          d.disabled = true;
          await sleep(this.cfg.backoff!.maxMs, this.stopping.signal);
          continue;
        }
        if (transient(e)) this.disconnected(e);
        else this.log(`device ${d.deviceId} (${d.platform.slug}): claim refused: ${describe(e)}`);
        await sleep(backoffMs(++failures, this.cfg.backoff), this.stopping.signal);
        continue;
      }
      if (job) await this.runJob(d, job);
    }
  }

  /** One claimed job, start to end; never throws. */
  private async runJob(d: Device, job: ClaimedJob): Promise<void> {
    const started = Date.now();
    this.jobLog(`${jobHead(job, d)}: claimed, measuring`);
    const abort = new AbortController(); // cancel, lost lease, or shutdown past the grace period
    let endReason: JobOutcome | null = null;
    const onKill = () => {
      endReason ??= "released";
      abort.abort();
    };
    this.killing.signal.addEventListener("abort", onKill, { once: true });
    const stopHeartbeats = this.heartbeats(d, job, (reason) => {
      endReason ??= reason;
      abort.abort();
    });

    let outcome: { result: WorkerResult; median: number } | { failure: WorkerFailure } | null = null;
    let measuredAt = 0;
    try {
      const bytes = await this.retrying(() => d.api.modelBytes(job), abort.signal);
      if (job.priority <= RETAKE_PRIORITY) {
        // a retake of a result that found no quiet window: wait for a quiet second first (heartbeats go on),
        // up to 4 × NNLQ_MEASURE_MAX_WAIT_S; then measure anyway and let the protocol grade what it finds
        const maxWaitMs = env().NNLQ_MEASURE_MAX_WAIT_S * 4000;
        const gate = await waitForQuietHost({ cores: this.host.cores, maxWaitMs, signal: abort.signal });
        this.jobLog(`${jobHead(job, d)}: retake, ${gate.quiet ? "host quiet" : "host still busy"} after ${(gate.waitedMs / 1000).toFixed(1)} s`);
      }
      const t0 = Date.now();
      try {
        const r = await this.measure(bytes, d.platform.slug, {
          batch: job.batch,
          timeBudgetMs: this.cfg.budgetMs,
          ...(this.cfg.timeoutMs ? { timeoutMs: this.cfg.timeoutMs } : {}),
          ...(this.cfg.profileRuns !== undefined ? { profile: this.cfg.profileRuns > 0, profileRuns: this.cfg.profileRuns } : {}),
          ...(this.cfg.ciTarget !== undefined ? { protocol: { targetRelCi: this.cfg.ciTarget } } : {}),
          host: this.host,
          ...(this.cfg.lock ? { device: this.cfg.lock } : {}),
          signal: abort.signal,
          env: faultEnv(job.model.hash),
          // the pid of the measuring child, so an operator (or the kill -9 test) can see it end with its worker;
          // only measureInChild spawns one per job (the pool's options travel over IPC, where a function cannot)
          ...(this.measure === measureInChild
            ? { onChild: (pid: number) => this.jobLog(`${jobHead(job, d)}: measuring child pid ${pid}`) }
            : {}),
        });
        outcome = { result: this.resultBody(r, job), median: r.stats.median };
      } catch (e) {
        if (!abort.signal.aborted) {
          const failure = failureBody(e, d.platform, (Date.now() - t0) / 1000);
          outcome = { failure };
          // the server gets the message only; a stack trace (file paths of this host) stays in this log
          const full = isNnlqError(e) ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
          if (!failure.message.endsWith(full)) this.log(`${jobHead(job, d)}: the full error (not sent to the server):\n${full}`);
        }
      }
      measuredAt = Date.now();
    } catch (e) {
      // the model could not be fetched: the job is no longer ours (or we are shutting down), or the server
      // has no structure for it — then the job fails for good (dropping it would get it back on the next claim)
      if (!abort.signal.aborted) {
        this.log(`job ${job.id}: cannot fetch model ${job.model.id} (${describe(e)})`);
        if (isNnlqError(e) && e.code === "NOT_FOUND") outcome = { failure: { ...failureBody(e, d.platform, 0), retry: false } };
        else endReason ??= "lease_lost";
      }
    }

    let record: JobRecord = { jobId: job.id, platform: d.platform.slug, outcome: endReason ?? "lease_lost", seconds: 0 };
    if (outcome && !abort.signal.aborted) record = await this.deliver(d, job, outcome, abort.signal, () => endReason);
    else if (endReason) record.outcome = endReason;
    stopHeartbeats();
    this.killing.signal.removeEventListener("abort", onKill);
    record.seconds = (Date.now() - started) / 1000;
    this.jobs.push(record);
    if (this.jobs.length > 100) this.jobs.shift();
    this.jobCount++;
    this.jobLog(jobLine(job, d, record, (measuredAt || Date.now()) - started));
    this.cfg.onJob?.(record, job);
  }

  /** Heartbeats every heartbeatSeconds until stopped; `onEnd` when the server says to drop the job. */
  private heartbeats(d: Device, job: ClaimedJob, onEnd: (reason: JobOutcome) => void): () => void {
    const every = Math.max(250, job.heartbeatSeconds * 1000);
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        const hb = await d.api.heartbeat(job.id);
        this.connected();
        if (hb.cancel && !stopped) onEnd(hb.reason === "cancelled" ? "cancelled" : "lease_lost");
      } catch (e) {
        if (stopped) return;
        if (transient(e)) this.disconnected(e);
        else onEnd("lease_lost"); // unknown job or device token: it is not ours any more
      }
    };
    const timer = setInterval(() => void tick(), every);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  /** Calls fn until it succeeds, retrying transient failures with backoff; throws other failures or on abort. */
  private async retrying<T>(fn: () => Promise<T>, signal: AbortSignal, tries?: { n: number; what?: string }): Promise<T> {
    for (let failures = 1; ; failures++) {
      if (tries) tries.n++;
      try {
        const v = await fn();
        this.connected();
        return v;
      } catch (e) {
        if (signal.aborted || !transient(e)) throw e;
        // shutting down while the app is away: do not hold the stop for the whole grace period (the
        // lease expires and the job is measured again elsewhere)
        if (this.stopped && Date.now() - this.stoppedAt > STOP_RETRY_MS) throw e;
        this.disconnected(e);
        if (failures === 1 && tries?.what)
          this.log(`${tries.what} waits for the app (${describe(e)}); retrying until it is taken or the lease ends`);
        await sleep(backoffMs(failures, this.cfg.backoff), signal);
        if (signal.aborted) throw e;
      }
    }
  }

  /** Sends the result or failure until the server takes it or the job is no longer ours. */
  private async deliver(
    d: Device,
    job: ClaimedJob,
    outcome: { result: WorkerResult; median: number } | { failure: WorkerFailure },
    signal: AbortSignal,
    reason: () => JobOutcome | null,
  ): Promise<JobRecord> {
    const rec: JobRecord = { jobId: job.id, platform: d.platform.slug, outcome: "lease_lost", seconds: 0 };
    let failure = "failure" in outcome ? outcome.failure : null;
    const tries = { n: 0, what: `the ${"result" in outcome ? "result" : "failure"} of job ${job.id}` };
    rec.deliveries = 0;
    try {
      if (!failure && "result" in outcome) {
        try {
          await this.retrying(() => d.api.result(job.id, outcome.result), signal, tries);
          const st = outcome.result.stats;
          const q = (outcome.result.env?.quality ?? {}) as { grade?: string; cleanRuns?: number; runs?: number; waitMs?: number };
          const runs = q.runs !== undefined ? `${q.cleanRuns ?? 0}/${q.runs} runs clean` : `${st.runs} runs`;
          const waited = q.waitMs ? `, waited ${(q.waitMs / 1000).toFixed(1)} s for quiet` : "";
          const message = `${q.grade ?? "legacy"}, median ${st.medianMs.toFixed(3)} ms (p90 ${st.p90Ms.toFixed(3)}, cv ${(st.cv ?? 0).toFixed(3)}, ${runs}${waited})`;
          return { ...rec, outcome: "done", medianMs: outcome.median, message, deliveries: tries.n };
        } catch (e) {
          if (!(isNnlqError(e) && e.code === "VALIDATION")) throw e;
          // the server refused what we measured (a bug on one side): report it rather than retry forever
          failure = {
            code: "MEASUREMENT_FAILED",
            message: `the server refused the measurement: ${e.message}`.slice(0, 3900),
            retry: false,
          };
        }
      }
      const res = await this.retrying(() => d.api.fail(job.id, failure!), signal, tries);
      return {
        ...rec,
        outcome: res.job.state === "queued" ? "requeued" : "failed",
        code: failure!.code,
        message: failure!.message,
        deliveries: tries.n,
      };
    } catch (e) {
      if (signal.aborted) return { ...rec, outcome: reason() ?? "lease_lost" };
      const code = isNnlqError(e) ? e.code : "";
      return { ...rec, outcome: code === "CONFLICT" ? "cancelled" : "lease_lost", code: failure?.code };
    }
  }

  private async goOffline(): Promise<void> {
    await Promise.all(
      this.devices.map(async (d) => {
        try {
          const { releasedJobs } = await d.api.offline();
          if (releasedJobs.length)
            this.log(`device ${d.deviceId} (${d.platform.slug}): jobs ${releasedJobs.join(", ")} went back to the queue`);
        } catch (e) {
          this.log(`device ${d.deviceId} (${d.platform.slug}): could not go offline (${describe(e)}); its leases will expire`);
        }
      }),
    );
  }
}

/** The HTTP transport of a url + worker token, both checked (the CLI's usage errors). */
function httpTransport(cfg: WorkerConfig): JobTransport {
  if (!cfg.workerToken)
    throw new NnlqError("VALIDATION", "a worker token is required (NNLQ_WORKER_TOKEN or --token; a site admin issues one)");
  let base: URL | null = null;
  try {
    base = new URL(cfg.url ?? "");
  } catch {
    /* below */
  }
  if (!base || (base.protocol !== "http:" && base.protocol !== "https:"))
    throw new NnlqError("VALIDATION", `'${cfg.url}' is not an http(s) URL of the nnlq app (e.g. http://localhost:3000)`);
  return new HttpJobTransport(cfg.url!, cfg.workerToken);
}

function jobHead(job: ClaimedJob, d: Device): string {
  return `job ${job.id} ${d.platform.slug} model ${job.model.id} (${job.model.hash.slice(0, 12)}) batch ${job.batch} attempt ${job.attempt}/${job.maxAttempts}`;
}

function jobLine(job: ClaimedJob, d: Device, rec: JobRecord, measureMs: number): string {
  const head = jobHead(job, d);
  const took = `${(measureMs / 1000).toFixed(1)} s`;
  const sent = (rec.deliveries ?? 0) > 1 ? ` (delivered on try ${rec.deliveries})` : "";
  switch (rec.outcome) {
    case "done":
      return `${head}: done in ${took}, ${rec.message}${sent}`;
    case "failed":
    case "requeued":
      return `${head}: ${rec.outcome === "failed" ? "failed" : "failed, requeued"} after ${took}${sent} — ${rec.code}: ${(rec.message ?? "").split("\n")[0]}`;
    case "cancelled":
      return `${head}: cancelled by its team after ${took}; dropped`;
    case "released":
      return `${head}: stopped by shutdown after ${took}; given back to the queue`;
    default:
      return `${head}: lease lost after ${took} (another device may hold it now); dropped`;
  }
}
