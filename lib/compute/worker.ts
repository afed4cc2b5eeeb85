/**
 * A compute-pool thread (see pool.ts): answers {id, job} messages with {id, ok, result} or {id, ok: false,
 * error}, one job at a time. Structure-only bytes go back as transferred buffers.
 */
import { parentPort } from "node:worker_threads";
import { runJob, toJobError, type ComputeJob } from "./tasks";

if (!parentPort) throw new Error("lib/compute/worker.ts runs inside a worker thread");
const port = parentPort;

port.on("message", async (msg: { id: number; job: ComputeJob }) => {
  try {
    const result = await runJob(msg.job);
    const structure = (result as { structure?: Uint8Array } | null)?.structure;
    const transfer = structure && structure.byteOffset === 0 && structure.byteLength === structure.buffer.byteLength && structure.buffer instanceof ArrayBuffer ? [structure.buffer] : [];
    port.postMessage({ id: msg.id, ok: true, result }, transfer);
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, error: toJobError(e) });
  }
});
port.postMessage({ ready: true });
