/**
 * Entry of a persistent measuring process (started by pool.ts as `node --import tsx pool-child.ts`): unlike
 * child.ts (one request, then exit) it serves requests one after another over the IPC channel, so the
 * tsx + onnxruntime start-up is paid once per process instead of once per measurement. Each request sets
 * the process's CPU affinity first (pinned to one core for single-threaded platforms, all cores
 * otherwise). The first request of each runtime is measured once before the real measurement and the
 * result discarded (one-time runtime start-up in the process). A runtime crash still kills only this
 * process; the pool restarts it.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import { isNnlqError } from "@/lib/errors";
import { env } from "@/lib/env";
import { measureModel, type MeasureOptions, type MeasurementResult } from "./measure";
import type { HostInfo } from "./host";
import type { PlatformSpec } from "./platforms";

export interface PoolRequest {
  id: number;
  bytes: Uint8Array;
  platform: PlatformSpec;
  options: MeasureOptions;
  pinCpu: number | null;
  host: HostInfo;
}

export type PoolResponse =
  | { id: number; ok: true; result: MeasurementResult; nice: number | null }
  | { id: number; ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** Set the affinity of every thread of this process: one CPU, or all of them (null). */
function setAffinity(cpu: number | null): number | null {
  const list = cpu === null ? `0-${Math.max(0, os.cpus().length - 1)}` : String(cpu);
  try {
    execFileSync("taskset", ["-a", "-c", "-p", list, String(process.pid)], { stdio: "ignore" });
    return cpu;
  } catch {
    return null;
  }
}

const warmed = new Set<string>();

async function handle(req: PoolRequest): Promise<PoolResponse> {
  try {
    const pinned = setAffinity(req.pinCpu);
    const fault = env().NNLQ_MEASURE_FAULT;
    if (fault === "abort") process.abort();
    if (fault === "exit") process.exit(3);
    if (fault === "hang") await new Promise(() => setInterval(() => {}, 1 << 30));
    if (!warmed.has(req.platform.runtime)) {
      // the first session of a runtime in a process is slow well past the protocol's warm-up (WASM
      // compilation and tier-up: 75 ms vs 4 ms per run measured for a small MobileNetV2): a throwaway run
      warmed.add(req.platform.runtime);
      await measureModel(
        req.bytes,
        req.platform,
        { ...req.options, timeBudgetMs: Math.min(200, req.options.timeBudgetMs), profile: false },
        { pinnedCpu: pinned, host: req.host },
      ).catch(() => {});
    }
    const result = await measureModel(req.bytes, req.platform, req.options, { pinnedCpu: pinned, host: req.host });
    return { id: req.id, ok: true, result, nice };
  } catch (e) {
    if (isNnlqError(e))
      return { id: req.id, ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
    return { id: req.id, ok: false, error: { code: "MEASUREMENT_FAILED", message: String((e as Error)?.stack ?? e).slice(0, 2000) } };
  }
}

/**
 * Run at a higher scheduling priority where allowed (root, CAP_SYS_NICE), so other work on the pinned core
 * preempts the timed runs less; threads the runtime creates later inherit it. Returns the nice value set.
 */
function raisePriority(): number | null {
  const want = env().NNLQ_MEASURE_NICE;
  try {
    os.setPriority(want);
    return os.getPriority();
  } catch {
    return null;
  }
}

let nice: number | null = null;
if (process.send) {
  nice = raisePriority();
  process.once("disconnect", () => process.exit(1));
  // requests arrive one at a time (the pool waits for each answer), but chain them anyway
  let tail: Promise<unknown> = Promise.resolve();
  process.on("message", (req: PoolRequest) => {
    tail = tail.then(async () => {
      const res = await handle(req);
      await new Promise<void>((resolve) => process.send!(res, () => resolve()));
    });
  });
  process.send({ ready: true });
}
