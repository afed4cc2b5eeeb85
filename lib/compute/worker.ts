/**
 * A compute-pool thread (see pool.ts): answers {id, job} messages with {id, ok, result} or {id, ok: false,
 * error}, one job at a time, at a lower CPU priority than the request thread. Structure-only bytes go back
 * as transferred buffers.
 */
import os from "node:os";
import { parentPort } from "node:worker_threads";
import { env } from "@/lib/env";
import { runJob, toJobError, type ComputeJob } from "./tasks";

if (!parentPort) throw new Error("lib/compute/worker.ts runs inside a worker thread");
const port = parentPort;

// Lower this thread's CPU priority (on Linux, pid 0 names the calling thread only), so the request thread
// wins the CPU while analyses and predictions run: NNLQ_COMPUTE_NICE, default 10 (0: unchanged).
const nice = env().NNLQ_COMPUTE_NICE;
if (Number.isInteger(nice) && nice > 0) {
  try {
    os.setPriority(0, Math.min(19, nice));
  } catch {
    /* not permitted here: run at the normal priority */
  }
}

port.on("message", async (msg: { id: number; job: ComputeJob }) => {
  try {
    const result = await runJob(msg.job);
    const structure = (result as { structure?: Uint8Array } | null)?.structure;
    const transfer =
      structure &&
      structure.byteOffset === 0 &&
      structure.byteLength === structure.buffer.byteLength &&
      structure.buffer instanceof ArrayBuffer
        ? [structure.buffer]
        : [];
    port.postMessage({ id: msg.id, ok: true, result }, transfer);
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, error: toJobError(e) });
  }
});
port.postMessage({ ready: true });
