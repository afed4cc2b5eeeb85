/**
 * Isolated measurement: every measurement runs in a fresh child process (node --import tsx child.ts), so a
 * model that crashes or hangs the runtime fails that measurement with a typed error and the caller keeps
 * going. One measurement at a time per device: an in-process FIFO queue per device key, plus a lock file
 * so separate processes on one host (worker, campaign, bench) never measure concurrently either.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NnlqError, type ErrorCode } from "@/lib/errors";
import type { ChildRequest, ChildResponse } from "./child";
import { detectHost, type HostInfo } from "./host";
import type { MeasureOptions, MeasurementResult } from "./measure";
import { platformFromSlug } from "./platforms";
import { REPO_ROOT } from "./runtime";

const CHILD_ENTRY = fileURLToPath(new URL("./child.ts", import.meta.url));

/* ---------- one measurement at a time per device ---------- */

export class DeviceQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  constructor(readonly device: string, private readonly lockFile?: string) {}

  /** jobs queued or running on this device in this process */
  get pending(): number {
    return this.waiting;
  }

  /**
   * Runs `fn` once every earlier job of this device (in this process, and the lock file across processes)
   * is done. Aborting `signal` while still waiting gives up the turn at once (a cancelled job must not
   * wait for the device to end a campaign's slice); once `fn` runs, aborting is `fn`'s business.
   */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.waiting++;
    let started = false;
    const next = this.tail.then(async () => {
      if (signal?.aborted) throw abortedWhileQueued(this.device);
      const release = this.lockFile ? await acquireFileLock(this.lockFile, 50, signal) : () => {};
      started = true;
      try {
        return await fn();
      } finally {
        release();
      }
    });
    this.tail = next.catch(() => {}).finally(() => this.waiting--);
    if (!signal) return next;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (!started) reject(abortedWhileQueued(this.device));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      next.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }
}

const queues = new Map<string, DeviceQueue>();

/** The process-wide queue of a device (the hardware slug for local platforms: they share the CPU). */
export function deviceQueue(device: string, o: { crossProcess?: boolean } = {}): DeviceQueue {
  let q = queues.get(device);
  if (!q) {
    const lock =
      o.crossProcess === false ? undefined : path.join(os.tmpdir(), `nnlq-device-${device.replace(/[^a-zA-Z0-9_.-]/g, "_")}.lock`);
    q = new DeviceQueue(device, lock);
    queues.set(device, q);
  }
  return q;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function abortedWhileQueued(device: string): NnlqError {
  return new NnlqError("MEASUREMENT_FAILED", `measurement on ${device} was aborted while waiting for the device`, {
    device,
    aborted: true,
  });
}

/** The marker a process leaves next to a lock file while it waits for it (see othersWaiting). */
function waiterMarker(file: string): string {
  return `${file}.waiting.${process.pid}`;
}

/**
 * Whether another live process waits for the lock file: a holder that keeps the lock for a long slice of
 * work (a campaign) ends its slice early, so a worker's job waits one measurement, not a whole slice.
 */
export function othersWaiting(file: string): boolean {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.waiting.`;
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return false;
  }
  return names.some((n) => {
    const pid = Number(n.slice(prefix.length));
    if (pid === process.pid) return false;
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return true;
    fs.rmSync(path.join(dir, n), { force: true }); // left by a process that died waiting
    return false;
  });
}

/**
 * Exclusive lock file holding the owner's pid; a lock of a dead process is taken over. Aborting stops the
 * wait. While it waits, the process announces itself with a marker file (othersWaiting).
 */
export async function acquireFileLock(file: string, pollMs = 50, signal?: AbortSignal): Promise<() => void> {
  let announced = false;
  try {
    return await takeFileLock(file, pollMs, signal, () => {
      if (announced) return;
      announced = true;
      try {
        fs.writeFileSync(waiterMarker(file), "");
      } catch {
        /* the wait still works, only without priority */
      }
    });
  } finally {
    if (announced) fs.rmSync(waiterMarker(file), { force: true });
  }
}

async function takeFileLock(file: string, pollMs: number, signal: AbortSignal | undefined, waiting: () => void): Promise<() => void> {
  for (;;) {
    if (signal?.aborted) throw abortedWhileQueued(path.basename(file, ".lock").replace(/^nnlq-device-/, ""));
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(file, "utf8"));
      } catch {
        continue; // released between open and read
      }
      if (!Number.isInteger(owner) || owner <= 0 || !pidAlive(owner)) {
        try {
          fs.unlinkSync(file);
        } catch {
          /* someone else took it over */
        }
        continue;
      }
      waiting();
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

/* ---------- the isolated measurement ---------- */

/** Remove measurement dirs left by processes killed before they could clean up (kill -9 of a worker). */
function sweepStaleDirs(): void {
  const tmp = os.tmpdir();
  let names: string[] = [];
  try {
    names = fs.readdirSync(tmp).filter((n) => n.startsWith("nnlq-measure-"));
  } catch {
    return;
  }
  for (const n of names) {
    try {
      const owner = Number(fs.readFileSync(path.join(tmp, n, "owner.pid"), "utf8"));
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) fs.rmSync(path.join(tmp, n), { recursive: true, force: true });
    } catch {
      /* being created or removed by its owner */
    }
  }
}

export interface MeasureInChildOptions extends Partial<Omit<MeasureOptions, "timeBudgetMs">> {
  /** budget of one timed attempt (ms, default 2000) */
  timeBudgetMs?: number;
  /** hard limit for the child's whole life, conversion included (ms, default 60 s + 6 × budget) */
  timeoutMs?: number;
  /** host description (default: detected) */
  host?: HostInfo;
  /** device key for the queue (default: the platform's hardware slug) */
  device?: string;
  /** CPU that single-threaded platforms pin to (default: the last core); null disables pinning */
  pinCpu?: number | null;
  /** extra environment for the child (test hooks such as NNLQ_MEASURE_FAULT) */
  env?: Record<string, string>;
  /** aborting kills the child (a cancelled job, a worker shutting down): MEASUREMENT_FAILED with details.aborted */
  signal?: AbortSignal;
  /** called with the pid of the measuring child once it is spawned (the worker logs it) */
  onChild?: (pid: number) => void;
}

const STDERR_KEEP = 4000;

function fail(code: ErrorCode, message: string, details: Record<string, unknown>): NnlqError {
  return new NnlqError(code, message, details);
}

/** Spawn the child and measure; no queueing (see measureInChild). */
export async function runChild(bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions = {}): Promise<MeasurementResult> {
  const host = o.host ?? detectHost();
  const platform = platformFromSlug(platformSlug, host);
  const timeBudgetMs = o.timeBudgetMs ?? 2000;
  const timeoutMs = o.timeoutMs ?? 60_000 + 6 * timeBudgetMs;
  if (o.signal?.aborted)
    throw fail("MEASUREMENT_FAILED", `measurement on ${platform.slug} was aborted before it started`, {
      platform: platform.slug,
      aborted: true,
    });
  sweepStaleDirs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-measure-"));
  fs.writeFileSync(path.join(dir, "owner.pid"), String(process.pid));
  const modelPath = path.join(dir, "model.onnx");
  fs.writeFileSync(modelPath, bytes);
  const pinCpu = platform.pinned ? (o.pinCpu === undefined ? host.cores - 1 : o.pinCpu) : null;
  const { host: _h, device: _d, pinCpu: _p, env, timeoutMs: _t, signal, onChild, ...measure } = o;
  const request: ChildRequest = { modelPath, platform, pinCpu, host, options: { ...measure, timeBudgetMs } };

  try {
    return await new Promise<MeasurementResult>((resolve, reject) => {
      const child = fork(CHILD_ENTRY, [], {
        cwd: REPO_ROOT,
        execArgv: ["--import", "tsx"],
        // the child's temp files (profiles, optimized graphs) live in `dir`, removed even if it is killed
        env: { ...process.env, ...env, NNLQ_MEASURE_TMPDIR: dir },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
        serialization: "advanced",
      });
      let stderr = "";
      let response: ChildResponse | undefined;
      let timedOut = false;
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        child.kill("SIGKILL");
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout?.resume();
      child.stderr?.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString("utf8")).slice(-STDERR_KEEP);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.on("message", (m: ChildResponse) => {
        response = m;
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(fail("MEASUREMENT_FAILED", `could not start the measurement process: ${e.message}`, { platform: platform.slug }));
      });
      child.on("spawn", () => {
        if (child.pid !== undefined) onChild?.(child.pid);
        child.send(request);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        if (aborted)
          return reject(
            fail("MEASUREMENT_FAILED", `measurement on ${platform.slug} was aborted`, { platform: platform.slug, aborted: true }),
          );
        const tail = stderr.trim().split("\n").slice(-8).join("\n");
        if (response?.ok) return resolve(response.result);
        if (response && !response.ok) {
          const { code: c, message, details } = response.error;
          return reject(new NnlqError(c as ErrorCode, message, details));
        }
        if (timedOut) {
          return reject(
            fail("MEASUREMENT_TIMEOUT", `measurement on ${platform.slug} exceeded its ${timeoutMs} ms limit and was killed`, {
              platform: platform.slug,
              timeoutMs,
            }),
          );
        }
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(
          fail("MEASUREMENT_FAILED", `the runtime process ${how} while measuring on ${platform.slug}${tail ? `: ${tail}` : ""}`, {
            platform: platform.slug,
            signal,
            exitCode: code,
            stderr: tail,
          }),
        );
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Measure `bytes` (full or structure-only ONNX) on a platform of this host, isolated in a child process,
 * queued behind any other measurement of the same device.
 * Errors (NnlqError): NOT_FOUND/VALIDATION (platform), ONNX_* (bad model), UNSUPPORTED_OPERATOR,
 * MEASUREMENT_TIMEOUT (killed at timeoutMs), MEASUREMENT_FAILED (crash, with signal and stderr tail; or
 * aborted through o.signal, with details.aborted).
 */
export async function measureInChild(bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions = {}): Promise<MeasurementResult> {
  const host = o.host ?? detectHost();
  const platform = platformFromSlug(platformSlug, host);
  return deviceQueue(o.device ?? platform.hardware).run(() => runChild(bytes, platformSlug, { ...o, host }), o.signal);
}
