/**
 * Child-process entry of an isolated measurement (started by runner.ts as `node --import tsx child.ts`).
 * Protocol over the IPC channel: the parent sends one ChildRequest; the child pins itself to a core when
 * asked, measures, answers one ChildResponse and exits. A runtime crash kills only this process.
 * Test hook: NNLQ_MEASURE_FAULT=abort|hang|exit makes the child abort(), hang, or exit(3) after the
 * request arrives (set by tests through measureInChild's `env` option).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { isNnlqError } from "@/lib/errors";
import { env } from "@/lib/env";
import { measureModel, type MeasureOptions, type MeasurementResult } from "./measure";
import type { HostInfo } from "./host";
import type { PlatformSpec } from "./platforms";

export interface ChildRequest {
  modelPath: string;
  platform: PlatformSpec;
  options: MeasureOptions;
  /** CPU to pin to (single-threaded platforms), or null */
  pinCpu: number | null;
  /** the parent's host description (the child, once pinned, must not re-detect it) */
  host: HostInfo;
}

export type ChildResponse =
  | { ok: true; result: MeasurementResult }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** Pin every thread of this process (and threads created later) to one CPU with taskset; null if impossible. */
function pinToCpu(cpu: number): number | null {
  try {
    execFileSync("taskset", ["-a", "-c", "-p", String(cpu), String(process.pid)], { stdio: "ignore" });
    return cpu;
  } catch {
    return null;
  }
}

async function fault(kind: string | undefined): Promise<void> {
  if (kind === "abort") process.abort();
  if (kind === "exit") process.exit(3);
  if (kind === "hang") {
    setInterval(() => {}, 1 << 30);
    await new Promise(() => {});
  }
}

async function handle(req: ChildRequest): Promise<ChildResponse> {
  try {
    const pinned = req.pinCpu !== null ? pinToCpu(req.pinCpu) : null;
    await fault(env().NNLQ_MEASURE_FAULT);
    const bytes = new Uint8Array(fs.readFileSync(req.modelPath));
    return { ok: true, result: await measureModel(bytes, req.platform, req.options, { pinnedCpu: pinned, host: req.host }) };
  } catch (e) {
    if (isNnlqError(e)) return { ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
    return { ok: false, error: { code: "MEASUREMENT_FAILED", message: String((e as Error)?.stack ?? e).slice(0, 2000) } };
  }
}

if (process.send) {
  // the parent died (kill -9 of a worker): stop measuring rather than compete with its successor
  process.once("disconnect", () => process.exit(1));
  process.once("message", async (req: ChildRequest) => {
    const res = await handle(req);
    process.send!(res, () => process.exit(0));
  });
}
