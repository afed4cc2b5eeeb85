/**
 * The compute pool: worker threads (node:worker_threads) that run the server's CPU-heavy jobs (ONNX
 * analysis of uploads, predictor inference: lib/compute/tasks.ts) so the request thread stays free.
 *
 * - Size: NNLQ_COMPUTE_THREADS (default os.availableParallelism() − 1, at least 2: one core is left to the
 *   event loop, and one long analysis never holds every thread); 0 runs the jobs in-process (no isolation;
 *   for tools and debugging).
 * - Deadline: NNLQ_COMPUTE_DEADLINE_MS per job (default 30000). A job that overruns is answered
 *   COMPUTE_DEADLINE (503) and its thread is terminated and replaced.
 * - A thread that dies (crash, out of memory: NNLQ_COMPUTE_MEMORY_MB heap, default 2048) fails its job with
 *   COMPUTE_FAILED (503) and is replaced; the server goes on.
 * - Predict micro-batching: predict items of the same predictor version and platforms waiting in the queue
 *   when a thread becomes free go to it as one job (one tfjs call), up to NNLQ_PREDICT_BATCH items
 *   (default 64). Under load requests batch themselves; an idle pool answers at once.
 * - Queue bound: NNLQ_COMPUTE_QUEUE waiting items (default 20000) → COMPUTE_BUSY (503).
 *
 * The thread entry (worker-entry.mjs, which registers tsx and imports worker.ts) is resolved from the
 * project root (NNLQ_ROOT, default the working directory), so it also loads under `next start`, whose
 * server code is bundled. One pool per process (kept on globalThis: bundled route chunks share it).
 */
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { NnlqError, type ErrorCode } from "@/lib/errors";
import { env } from "@/lib/env";
import {
  runJob,
  toJobError,
  type AnalyzeJob,
  type AnalyzeResult,
  type ComputeJob,
  type JobError,
  type PredictJob,
  type PredictResult,
} from "./tasks";

export const computeSettings = () => {
  const e = env();
  return {
    threads: e.NNLQ_COMPUTE_THREADS,
    deadlineMs: e.NNLQ_COMPUTE_DEADLINE_MS,
    memoryMb: e.NNLQ_COMPUTE_MEMORY_MB,
    maxNodes: e.NNLQ_MAX_NODES,
    predictBatch: e.NNLQ_PREDICT_BATCH,
    maxQueue: e.NNLQ_COMPUTE_QUEUE,
  };
};

interface Entry {
  /** predict entries with equal keys may share one job; null: runs alone */
  key: string | null;
  job: ComputeJob;
  size: number;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  busy: { id: number; entries: Entry[]; timer: NodeJS.Timeout | null; arm: () => NodeJS.Timeout } | null;
  gone: boolean;
  /** the thread has loaded its code (the deadline runs from then: a first start compiles with tsx) */
  ready: boolean;
}

const fail = (code: ErrorCode, message: string, details?: Record<string, unknown>) => new NnlqError(code, message, details);
const fromJobError = (e: JobError) => new NnlqError(e.code as ErrorCode, e.message, e.details);

export class ComputePool {
  readonly size: number;
  readonly deadlineMs: number;
  private readonly memoryMb: number;
  private readonly batchMax: number;
  private readonly maxQueue: number;
  private readonly entry: string;
  private slots: Slot[] = [];
  private queue: Entry[] = [];
  private queued = 0;
  private nextId = 1;
  /** threads started (replacements included) and lost (crash or deadline): for tests and health */
  readonly stats = { started: 0, crashed: 0, deadlines: 0, jobs: 0, batchedItems: 0 };

  constructor(o: Partial<{ size: number; deadlineMs: number; memoryMb: number; batchMax: number; maxQueue: number; root: string }> = {}) {
    const s = computeSettings();
    this.size = o.size ?? s.threads;
    this.deadlineMs = o.deadlineMs ?? s.deadlineMs;
    this.memoryMb = o.memoryMb ?? s.memoryMb;
    this.batchMax = o.batchMax ?? s.predictBatch;
    this.maxQueue = o.maxQueue ?? s.maxQueue;
    this.entry = path.join(o.root ?? env().NNLQ_ROOT ?? process.cwd(), "lib", "compute", "worker-entry.mjs");
  }

  /** Runs one job (analysis); rejects with the job's NnlqError, COMPUTE_DEADLINE or COMPUTE_FAILED. */
  run(job: AnalyzeJob): Promise<AnalyzeResult>;
  run(job: ComputeJob): Promise<unknown>;
  run(job: ComputeJob): Promise<unknown> {
    return this.enqueue([{ key: null, job, size: 1 }])[0]!;
  }

  /**
   * Predicts items (in chunks of the batch size, each chunk possibly merged with other requests' items
   * of the same version and platforms). Resolves to one outcome per item, in order.
   */
  async predict(base: Omit<PredictJob, "kind" | "items">, items: PredictJob["items"]): Promise<PredictResult> {
    const key = `${base.predictor.file}\0${base.predictor.version}\0${(base.platforms ?? ["*"]).join(",")}\0${base.maxNodes}`;
    const chunks: PredictJob["items"][] = [];
    for (let i = 0; i < items.length; i += this.batchMax) chunks.push(items.slice(i, i + this.batchMax));
    const parts = (await Promise.all(
      this.enqueue(chunks.map((c) => ({ key, job: { kind: "predict", ...base, items: c }, size: c.length }))),
    )) as PredictResult[];
    return { predictor: parts[0]!.predictor, results: parts.flatMap((p) => p.results) };
  }

  private enqueue(list: Omit<Entry, "resolve" | "reject">[]): Promise<unknown>[] {
    const n = list.reduce((a, e) => a + e.size, 0);
    if (this.size > 0 && this.queued + n > this.maxQueue) {
      const e = fail("COMPUTE_BUSY", `The server's compute queue is full (${this.queued} items waiting); retry shortly`, {
        retryAfterSeconds: 5,
      });
      return list.map(() => Promise.reject(e));
    }
    const promises = list.map(
      (e) =>
        new Promise<unknown>((resolve, reject) => {
          if (this.size === 0) return void this.inline(e.job).then(resolve, reject);
          this.queue.push({ ...e, resolve, reject });
          this.queued += e.size;
        }),
    );
    if (this.size > 0) this.pump();
    return promises;
  }

  private async inline(job: ComputeJob): Promise<unknown> {
    if (job.kind === "crash") throw fail("COMPUTE_FAILED", "in-process compute (NNLQ_COMPUTE_THREADS=0) cannot run the crash test job");
    try {
      return await runJob(job);
    } catch (e) {
      throw fromJobError(toJobError(e));
    }
  }

  private spawn(): Slot {
    if (!fs.existsSync(this.entry)) {
      throw fail(
        "COMPUTE_FAILED",
        `The compute worker entry ${this.entry} is missing: start the server from the project root or set NNLQ_ROOT`,
      );
    }
    const worker = new Worker(this.entry, { resourceLimits: { maxOldGenerationSizeMb: this.memoryMb } });
    const slot: Slot = { worker, busy: null, gone: false, ready: false };
    this.stats.started++;
    worker.unref();
    worker.on("message", (msg: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: JobError }) => {
      if (msg.ready) {
        slot.ready = true;
        if (slot.busy && !slot.busy.timer) slot.busy.timer = slot.busy.arm();
        return;
      }
      const b = slot.busy;
      if (!b || msg.id !== b.id) return;
      if (b.timer) clearTimeout(b.timer);
      slot.busy = null;
      worker.unref();
      if (msg.ok) this.settle(b.entries, msg.result as never);
      else for (const e of b.entries) e.reject(fromJobError(msg.error!));
      this.pump();
    });
    const lost = (why: string) => {
      if (slot.gone) return;
      slot.gone = true;
      this.slots = this.slots.filter((s) => s !== slot);
      const b = slot.busy;
      slot.busy = null;
      if (b) {
        if (b.timer) clearTimeout(b.timer);
        this.stats.crashed++;
        console.error(`[compute] a worker thread died during a ${b.entries[0]!.job.kind} job (${why}); it is replaced`);
        for (const e of b.entries)
          e.reject(
            fail(
              "COMPUTE_FAILED",
              `The ${b.entries[0]!.job.kind} job failed: the server's compute thread stopped (${why}); try again, or send a smaller model`,
            ),
          );
      }
      this.pump();
    };
    worker.on("error", (e) => lost(e.message));
    worker.on("exit", (code) => lost(`exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  /** Splits a merged predict job's answer back to its entries (one entry: the answer itself). */
  private settle(entries: Entry[], result: unknown) {
    if (entries.length === 1) return entries[0]!.resolve(result);
    const r = result as PredictResult;
    let at = 0;
    for (const e of entries) {
      e.resolve({ predictor: r.predictor, results: r.results.slice(at, at + e.size) });
      at += e.size;
    }
  }

  /** Hands queued work to idle threads, starting threads up to the pool size. */
  private pump() {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy && !s.gone);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        try {
          slot = this.spawn();
        } catch (e) {
          for (const q of this.queue.splice(0)) q.reject(e);
          this.queued = 0;
          return;
        }
      }
      const head = this.queue.shift()!;
      const entries = [head];
      let size = head.size;
      if (head.key !== null) {
        for (let i = 0; i < this.queue.length && size < this.batchMax; ) {
          const e = this.queue[i]!;
          if (e.key === head.key && size + e.size <= this.batchMax) {
            entries.push(e);
            size += e.size;
            this.queue.splice(i, 1);
          } else i++;
        }
      }
      this.queued -= size;
      const job: ComputeJob =
        entries.length === 1 ? head.job : { ...(head.job as PredictJob), items: entries.flatMap((e) => (e.job as PredictJob).items) };
      const id = this.nextId++;
      const s = slot;
      const arm = () =>
        setTimeout(() => {
          if (s.busy?.id !== id) return;
          this.stats.deadlines++;
          const b = s.busy;
          s.busy = null;
          s.gone = true;
          this.slots = this.slots.filter((x) => x !== s);
          void s.worker.terminate();
          const what = job.kind === "predict" ? `predicting ${size} item(s)` : `the ${job.kind} job`;
          for (const e of b.entries) {
            e.reject(
              fail(
                "COMPUTE_DEADLINE",
                `The server stopped ${what} after ${this.deadlineMs} ms (its per-job deadline); send a smaller model or fewer items`,
                { deadlineMs: this.deadlineMs },
              ),
            );
          }
          this.pump();
        }, this.deadlineMs).unref();
      s.busy = { id, entries, timer: s.ready ? arm() : null, arm };
      this.stats.jobs++;
      if (job.kind === "predict") this.stats.batchedItems += size;
      s.worker.ref();
      s.worker.postMessage({ id, job });
    }
  }

  /** Threads alive now. */
  get threads(): number {
    return this.slots.length;
  }

  /** Starts the threads now (otherwise they start on first use). */
  warm(): void {
    while (this.slots.length < this.size) this.spawn();
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    for (const q of this.queue.splice(0)) q.reject(fail("COMPUTE_FAILED", "The compute pool was closed"));
    await Promise.all(slots.map((s) => ((s.gone = true), s.worker.terminate())));
  }
}

const KEY = Symbol.for("nnlq.computePool");
type WithPool = typeof globalThis & { [KEY]?: ComputePool };

/** The process's pool (created on first use with the environment's settings). */
export function computePool(): ComputePool {
  const g = globalThis as WithPool;
  return (g[KEY] ??= new ComputePool());
}

/** Tests: replace the process's pool (the old one is closed). */
export async function setComputePool(p: ComputePool | null): Promise<void> {
  const g = globalThis as WithPool;
  const old = g[KEY];
  if (p) g[KEY] = p;
  else delete g[KEY];
  if (old && old !== p) await old.close();
}
