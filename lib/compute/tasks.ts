/**
 * The CPU-heavy jobs of the server, run inside a compute-pool worker thread (lib/compute/pool.ts) so the
 * request thread never executes them: ONNX analysis of uploads (lib/onnx analyzeUpload: decode → node-count
 * check → strip → analyse) and predictor inference (zoo spec → ONNX → features → one batched predict call). Also run
 * in-process when the pool is disabled (NNLQ_COMPUTE_THREADS=0). No database, no Next imports.
 *
 * Explicit input shapes (lib/api/schemas/input-shapes.ts) reach both: an upload given shapes is stripped
 * with them (./analyze-upload.ts: the stored structure, its hash and its measurements are at that size),
 * and a predicted model is analysed and featurised at them. Without them symbolic dims are defaulted, and
 * the answer's warnings say so.
 */
import { createHash } from "node:crypto";
import { isNnlqError } from "@/lib/errors";
import {
  analyze, buildGraph, checkNodeCount, decodeModel, inferShapes, resolveOverrides, type GraphIR, type UploadAnalysis,
} from "@/lib/onnx";
import { checkInputShapes, type InputShapes } from "@/lib/api/schemas/input-shapes";
import { analyzeUploadAt } from "./analyze-upload";
import { generate, validateSpec } from "@/lib/zoo";
import { graphInput, type GraphInput, type PlatformPrediction, type Predictor } from "@/lib/predict";
import { loadFromDir } from "@/lib/predict/node/io";
import { initTfNode } from "@/lib/predict/node/backend";

/** A job's error as it crosses the thread boundary. */
export interface JobError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface AnalyzeJob {
  kind: "analyze";
  bytes: Uint8Array;
  batch?: number;
  /** explicit input shapes: the structure is stripped with them (fixed in the stored model) */
  inputs?: InputShapes;
  maxNodes: number;
}
export type AnalyzeResult = UploadAnalysis;

export type PredictJobItem = { spec: unknown } | { onnx: Uint8Array; inputs?: InputShapes };
export interface PredictJob {
  kind: "predict";
  /** manifest path of the predictor version and its name (loaded once per version per thread) */
  predictor: { file: string; version: string };
  platforms?: string[];
  items: PredictJobItem[];
  maxNodes: number;
}
export interface PredictItemOutcome {
  hash?: string;
  family?: string;
  inputs?: Record<string, number[]>;
  flops?: number;
  /** what the analysis could not do as asked (symbolic dims defaulted, unknown-cost nodes...) */
  warnings?: string[];
  /** every field of the predictor's PlatformPrediction (regime, analyticalMs, reasons where it states them) */
  predictions?: (PlatformPrediction & Record<string, unknown>)[];
  error?: { code: string; message: string };
}
export interface PredictResult {
  predictor: { version: string; method: string; platforms: string[] };
  results: PredictItemOutcome[];
}

/** Test hooks: a job that kills its thread, or that runs (busy) for `ms`. */
export type TestJob = { kind: "crash" } | { kind: "spin"; ms: number };
export type ComputeJob = AnalyzeJob | PredictJob | TestJob;

export function runAnalyze(j: AnalyzeJob): AnalyzeResult {
  return analyzeUploadAt(j.bytes, { batch: j.batch, inputs: j.inputs, maxNodes: j.maxNodes });
}

// ── predict: the predictor of a version, loaded once per thread; analysed items kept (NAS loops repeat) ──

let loaded: { file: string; version: string; predictor: Predictor } | null = null;

async function predictorOf(p: PredictJob["predictor"]): Promise<Predictor> {
  if (loaded?.file === p.file && loaded.version === p.version) return loaded.predictor;
  await initTfNode();
  const predictor = loadFromDir(p.file);
  loaded?.predictor.dispose();
  loaded = { ...p, predictor };
  return predictor;
}

interface Analysed {
  summary: Pick<PredictItemOutcome, "hash" | "family" | "inputs" | "flops" | "warnings">;
  graph: GraphInput;
}
const CACHE_MAX = 512;
/** only graphs this small are cached (features grow with the node count) */
const CACHE_NODES = 5000;
const cache = new Map<string, Analysed>();

function itemKey(item: PredictJobItem): string {
  if ("spec" in item) return `s:${JSON.stringify(item.spec)}`;
  const shapes = item.inputs ? Object.entries(item.inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return `o:${createHash("sha256").update(item.onnx).digest("hex")}${shapes.length ? `:${JSON.stringify(shapes)}` : ""}`;
}

function analyseItem(item: PredictJobItem, maxNodes: number): Analysed {
  const key = itemKey(item);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  const bytes = "spec" in item ? generate(validateSpec(item.spec as never)) : item.onnx;
  const model = decodeModel(bytes); // decoded once for the summary and the features
  checkNodeCount(model, maxNodes);
  const base = buildGraph(model);
  const inputs = "onnx" in item && item.inputs && Object.keys(item.inputs).length ? item.inputs : undefined;
  if (inputs) checkInputShapes(base, inputs);
  const a = analyze(model, inputs ? { inputs } : undefined);
  // the features at the analysed size: explicit shapes resolved as analyze() resolves them (remaining
  // symbols defaulted alike); without shapes, as the training set's graphs are built
  const ir: GraphIR = inputs ? inferShapes(base, resolveOverrides(base, { inputs }).overrides) : base;
  const out: Analysed = {
    summary: { hash: a.hash, family: a.family.name, inputs: a.inputs, flops: a.flops, warnings: a.warnings },
    graph: graphInput(a.hash, ir),
  };
  if (a.totalNodes <= CACHE_NODES) {
    cache.set(key, out);
    if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  }
  return out;
}

/** All items of a (micro-)batch: each analysed on its own (a bad item gets its error), then one predict call. */
export async function runPredict(j: PredictJob): Promise<PredictResult> {
  const predictor = await predictorOf(j.predictor);
  const results: PredictItemOutcome[] = [];
  const ok: { index: number; graph: GraphInput }[] = [];
  for (const [index, item] of j.items.entries()) {
    try {
      const a = analyseItem(item, j.maxNodes);
      results.push({ ...a.summary });
      ok.push({ index, graph: a.graph });
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      results.push({ error: { code: e.code, message: e.message } });
    }
  }
  const CHUNK = 256;
  for (let i = 0; i < ok.length; i += CHUNK) {
    const part = ok.slice(i, i + CHUNK);
    const preds = predictor.predict(
      part.map((x) => x.graph),
      j.platforms,
    );
    part.forEach((x, k) => {
      // every field the predictor states (regime, analytical estimate, reasons...) reaches the answer
      results[x.index]!.predictions = preds[k]!.map((p) => ({ ...p }));
    });
  }
  return { predictor: { version: predictor.version, method: predictor.method, platforms: [...predictor.platforms] }, results };
}

export async function runJob(job: ComputeJob): Promise<unknown> {
  switch (job.kind) {
    case "analyze":
      return runAnalyze(job);
    case "predict":
      return runPredict(job);
    case "spin": {
      const end = Date.now() + job.ms;
      while (Date.now() < end) {
        /* busy: a job that overruns its deadline */
      }
      return { spun: job.ms };
    }
    case "crash":
      process.exit(70);
  }
}

export function toJobError(e: unknown): JobError {
  if (isNnlqError(e)) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  return { code: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
}
