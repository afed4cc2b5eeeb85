/**
 * A persistent measuring process, reused across measurements (measureInPool), for bulk work such as
 * measurement campaigns: the same isolation as runner.ts (a crash, hang or abort kills only the child,
 * which is restarted for the next measurement; a timeout per measurement) without paying the child's
 * start-up (tsx + onnxruntime load, ~1–2 s on a busy 2-core host) for every measurement. The child is
 * also recycled after `maxJobs` measurements so runtime memory cannot creep. Measurements still go
 * through the host's device queue (one at a time per device, across processes).
 */
import { fork, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NnlqError, type ErrorCode } from "@/lib/errors";
import { detectHost } from "./host";
import type { MeasurementResult } from "./measure";
import { platformFromSlug } from "./platforms";
import type { PoolRequest, PoolResponse } from "./pool-child";
import { acquireFileLock, deviceQueue, othersWaiting, type MeasureInChildOptions } from "./runner";
import { REPO_ROOT } from "./runtime";

const ENTRY = fileURLToPath(new URL("./pool-child.ts", import.meta.url));
const STDERR_KEEP = 4000;

interface Live {
  proc: ChildProcess;
  ready: Promise<void>;
  jobs: number;
  stderr: string;
  /** the pending request's callbacks */
  pending?: { id: number; onResponse(r: PoolResponse): void; onExit(code: number | null, signal: NodeJS.Signals | null): void };
  envKey: string;
}

export interface PoolStats {
  /** child processes started so far */
  starts: number;
  /** measurements served */
  jobs: number;
  /** children lost to a crash, timeout or abort */
  kills: number;
}

export class MeasurePool {
  private live: Live | null = null;
  private seq = 0;
  readonly stats: PoolStats = { starts: 0, jobs: 0, kills: 0 };
  /** nice value the child measured at in the last successful measurement (null: could not be raised) */
  lastNice: number | null = null;
  constructor(private readonly opts: { maxJobs?: number } = {}) {}

  private start(env: Record<string, string> | undefined): Live {
    const proc = fork(ENTRY, [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    this.stats.starts++;
    // an idle pooled child never keeps its parent alive (a pending measurement's timeout timer does)
    proc.unref();
    (proc as unknown as { channel?: { unref(): void } }).channel?.unref();
    for (const stream of [proc.stdout, proc.stderr]) (stream as unknown as { unref?(): void } | null)?.unref?.();
    const live: Live = { proc, jobs: 0, stderr: "", envKey: JSON.stringify(env ?? {}), ready: Promise.resolve() };
    live.ready = new Promise<void>((resolve, reject) => {
      proc.once("message", () => resolve());
      proc.once("exit", (code, signal) =>
        reject(
          new NnlqError(
            "MEASUREMENT_FAILED",
            `the measuring process exited (${signal ?? code}) while starting: ${live.stderr.trim().slice(-500)}`,
          ),
        ),
      );
    });
    live.ready.catch(() => {});
    proc.stdout?.resume();
    proc.stderr?.on("data", (d: Buffer) => {
      live.stderr = (live.stderr + d.toString("utf8")).slice(-STDERR_KEEP);
    });
    proc.on("message", (m: PoolResponse | { ready: true }) => {
      if ("id" in m && live.pending?.id === m.id) live.pending.onResponse(m);
    });
    proc.on("exit", (code, signal) => {
      if (this.live === live) this.live = null;
      live.pending?.onExit(code, signal);
    });
    return live;
  }

  private kill(live: Live) {
    this.stats.kills++;
    if (this.live === live) this.live = null;
    live.proc.kill("SIGKILL");
  }

  private tail: Promise<unknown> = Promise.resolve();

  /** One measurement in the pooled child (calls are served one at a time; no device lock: see measureInPool). */
  run(bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions = {}): Promise<MeasurementResult> {
    const next = this.tail.then(() => this.runNow(bytes, platformSlug, o));
    this.tail = next.catch(() => {});
    return next;
  }

  private async runNow(bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions): Promise<MeasurementResult> {
    const keepAlive = setInterval(() => {}, 1 << 30); // the child is unref'd: hold the parent while it works
    try {
      return await this.measureOnce(bytes, platformSlug, o);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async measureOnce(bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions): Promise<MeasurementResult> {
    const host = o.host ?? detectHost();
    const platform = platformFromSlug(platformSlug, host);
    const timeBudgetMs = o.timeBudgetMs ?? 2000;
    const timeoutMs = o.timeoutMs ?? 60_000 + 6 * timeBudgetMs;
    const fail = (code: ErrorCode, message: string, details: Record<string, unknown> = {}) =>
      new NnlqError(code, message, { platform: platform.slug, ...details });
    if (o.signal?.aborted)
      throw fail("MEASUREMENT_FAILED", `measurement on ${platform.slug} was aborted before it started`, { aborted: true });
    const envKey = JSON.stringify(o.env ?? {});
    if (this.live && (this.live.envKey !== envKey || this.live.jobs >= (this.opts.maxJobs ?? 200))) {
      const old = this.live;
      this.live = null;
      old.proc.kill("SIGTERM");
    }
    const live = (this.live ??= this.start(o.env));
    await live.ready;
    const pinCpu = platform.pinned ? (o.pinCpu === undefined ? host.cores - 1 : o.pinCpu) : null;
    const { host: _h, device: _d, pinCpu: _p, env: _e, timeoutMs: _t, signal, ...measure } = o;
    const req: PoolRequest = { id: ++this.seq, bytes, platform, pinCpu, host, options: { ...measure, timeBudgetMs } };
    live.jobs++;
    this.stats.jobs++;
    return new Promise<MeasurementResult>((resolve, reject) => {
      let timedOut = false;
      let aborted = false;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        live.pending = undefined;
      };
      const onAbort = () => {
        aborted = true;
        this.kill(live);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => {
        timedOut = true;
        this.kill(live);
      }, timeoutMs);
      live.pending = {
        id: req.id,
        onResponse: (r) => {
          done();
          if (r.ok) {
            this.lastNice = r.nice;
            resolve(r.result);
          }
          else reject(new NnlqError(r.error.code as ErrorCode, r.error.message, r.error.details));
        },
        onExit: (code, sig) => {
          done();
          if (aborted) return reject(fail("MEASUREMENT_FAILED", `measurement on ${platform.slug} was aborted`, { aborted: true }));
          if (timedOut)
            return reject(
              fail("MEASUREMENT_TIMEOUT", `measurement on ${platform.slug} exceeded its ${timeoutMs} ms limit and was killed`, {
                timeoutMs,
              }),
            );
          const tail = live.stderr.trim().split("\n").slice(-8).join("\n");
          const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
          reject(
            fail("MEASUREMENT_FAILED", `the runtime process ${how} while measuring on ${platform.slug}${tail ? `: ${tail}` : ""}`, {
              signal: sig,
              exitCode: code,
              stderr: tail,
            }),
          );
        },
      };
      live.proc.send(req, (err) => {
        if (err && live.pending?.id === req.id) {
          this.kill(live);
        }
      });
    });
  }

  /** Stops the child (idempotent). */
  async close(): Promise<void> {
    const live = this.live;
    this.live = null;
    if (!live || live.proc.exitCode !== null || live.proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      live.proc.once("exit", () => resolve());
      live.proc.kill("SIGTERM");
      setTimeout(() => (live.proc.kill("SIGKILL"), resolve()), 5000).unref();
    });
  }
}

let shared: MeasurePool | null = null;

/** The process-wide pool (closed with closeSharedPool). */
export function sharedPool(): MeasurePool {
  return (shared ??= new MeasurePool());
}

export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}

/**
 * Same contract as runner.ts's measureInChild (errors included), served by the process-wide persistent
 * child, queued behind any other measurement of the same device.
 */
export async function measureInPool(bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions = {}): Promise<MeasurementResult> {
  const host = o.host ?? detectHost();
  const platform = platformFromSlug(platformSlug, host);
  return deviceQueue(o.device ?? platform.hardware).run(() => sharedPool().run(bytes, platformSlug, { ...o, host }), o.signal);
}

/** The cross-process lock file of a device: the same file runner.ts's deviceQueue uses. */
export function deviceLockFile(device: string): string {
  return path.join(os.tmpdir(), `nnlq-device-${device.replace(/[^a-zA-Z0-9_.-]/g, "_")}.lock`);
}

/**
 * Holds the device's cross-process lock while `fn` runs several measurements (a campaign's time slice),
 * polling every `pollMs` while another process holds it (a short poll so a process that re-takes the lock
 * between its own measurements cannot starve the caller). `fn` should end its slice early when
 * `lock.othersWaiting()` (a worker's job is waiting), so the host lock stays fair. Measure with MeasurePool.run inside, not
 * measureInPool (that would wait for the lock the caller holds).
 */
export async function withDeviceLock<T>(device: string, fn: (lock: { othersWaiting(): boolean }) => Promise<T>, pollMs = 1): Promise<T> {
  const file = deviceLockFile(device);
  const release = await acquireFileLock(file, pollMs);
  try {
    return await fn({ othersWaiting: () => othersWaiting(file) });
  } finally {
    release();
  }
}
