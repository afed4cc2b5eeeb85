/**
 * Node-only file helpers of lib/predict: read datasets (dev-data JSONL, or a data-release directory
 * (lib/services/release.ts) with specs.jsonl.gz + measurements*.jsonl.gz), save and load predictor artifacts in a directory
 * (model.json + weights.bin). A GNN loaded here runs its inference on onnxruntime-node when the process
 * has it (its forward pass exported as ONNX, ./onnx-infer.ts; several times the batch throughput of tfjs),
 * else on tfjs; the browser always loads the same files into tfjs.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { NnlqError } from "@/lib/errors";
import {
  parseJsonl, samplesFromRelease, samplesFromRows,
  type DataRow, type LabelStat, type ReleaseMeasurementLike, type ReleaseModelLike, type Sample,
} from "../dataset";
import { FEATURE_SET_VERSION, READABLE_FEATURE_SETS } from "@/lib/onnx/features";
import { withInputShapes } from "@/lib/onnx/input-shapes";
import { GnnPredictor, type GnnState } from "../gnn/predictor";
import { nodeFeaturesOf } from "../gnn/model";
import { decodeWeights, fromArtifacts } from "../load";
import type { BasePredictor, PredictorArtifacts, PredictorManifest } from "../predictor";
import { attachOnnxRuntime } from "./onnx-infer";

export function readJsonlFile(file: string): DataRow[] {
  if (!fs.existsSync(file)) throw new NnlqError("NOT_FOUND", `dataset ${file} does not exist`);
  return parseJsonl(fs.readFileSync(file, "utf8"));
}

// (inside a Next server bundle import.meta.dirname is undefined: the server runs from the repository root)
const REPO_ROOT = import.meta.dirname ? path.resolve(import.meta.dirname, "../../..") : process.cwd();
/** Read-only ONNX corpus next to the repository (absent in a user's clone). */
export const CORPUS_ROOT = path.resolve(REPO_ROOT, "../shared/onnx");

function readJsonlGz<T>(file: string): T[] {
  const text = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8");
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

/**
 * Samples of a dataset path: a data-release directory (specs.jsonl.gz + measurements*.jsonl.gz; corpus
 * networks are read from ../shared/onnx when present, else skipped) or a dev-data JSONL file.
 */
export function loadDataset(
  p: string,
  o: {
    label?: LabelStat;
    onError?: (key: string, e: unknown) => void;
    /**
     * grades kept from a data release (default ["clean"]: only labels a v2 protocol judged clean; rows of a
     * format-1 release record no grade and count as "legacy": pass ["legacy"] or "all" to use them)
     */
    grades?: readonly string[] | "all";
  } = {},
): Sample[] {
  const onError = o.onError ? (r: { key: string }, e: unknown) => o.onError!(r.key, e) : undefined;
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) {
    const specs = path.join(p, "specs.jsonl.gz");
    const meas = fs
      .readdirSync(p)
      .filter((n) => /^measurements(\.[a-z0-9_.-]+)?\.jsonl\.gz$/.test(n))
      .sort()
      .map((n) => path.join(p, n));
    if (!fs.existsSync(specs) || !meas.length)
      throw new NnlqError("NOT_FOUND", `${p} is not a data release (specs.jsonl.gz + measurements*.jsonl.gz)`);
    if (o.label === "cpu") throw new NnlqError("VALIDATION", "the data release records no CPU time per run: use --label median or min");
    const resolveModel = (m: ReleaseModelLike) => {
      if (!m.storageKey?.startsWith("corpus:")) return null;
      const [rel, shapes = ""] = m.storageKey.slice("corpus:".length).split("#");
      const file = path.join(CORPUS_ROOT, rel!);
      if (!fs.existsSync(file)) return null;
      const raw = new Uint8Array(fs.readFileSync(file));
      if (!shapes) return raw;
      // a campaign size (`#name=DxD;…`, lib/measure/shape-variants.ts): these inputs' shapes written in
      const want = Object.fromEntries(
        shapes.split(";").map((p) => [p.slice(0, p.lastIndexOf("=")), p.slice(p.lastIndexOf("=") + 1).split("x").map(Number)]),
      );
      return withInputShapes(raw, want);
    };
    return samplesFromRelease(
      readJsonlGz<ReleaseModelLike>(specs),
      meas.flatMap((f) => readJsonlGz<ReleaseMeasurementLike>(f)),
      { label: o.label, resolveModel, onError, ...(o.grades === "all" ? {} : { grades: o.grades ?? ["clean"] }) },
    );
  }
  return samplesFromRows(readJsonlFile(p), { label: o.label, onError });
}

/** Write model.json (+ weights.bin) under dir; returns the manifest path. */
export function saveArtifacts(dir: string, a: PredictorArtifacts, extra: Record<string, unknown> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "model.json");
  fs.writeFileSync(file, JSON.stringify({ ...a.manifest, ...extra }));
  if (a.weights)
    fs.writeFileSync(
      path.join(dir, a.manifest.weightsFile ?? "weights.bin"),
      new Uint8Array(a.weights.buffer, a.weights.byteOffset, a.weights.byteLength),
    );
  return file;
}

/**
 * A manifest of an older readable feature set (READABLE_FEATURE_SETS: its node rows are a prefix of the
 * current ones) as one of the current set that says which columns it reads: a GNN's config gets its
 * `nodeFeatures` ("v1" when absent) written out, the baselines read columns that did not move. Other
 * manifests are returned as they are (and refused by fromArtifacts when unreadable).
 */
export function currentManifest(m: PredictorManifest): PredictorManifest {
  if (!m || m.featureSetVersion === FEATURE_SET_VERSION || !READABLE_FEATURE_SETS.includes(m.featureSetVersion)) return m;
  const st = m.state as Partial<GnnState> | undefined;
  const state = m.method === "gnn" && st?.config ? { ...st, config: { ...st.config, nodeFeatures: nodeFeaturesOf(st.config) } } : m.state;
  return { ...m, featureSetVersion: FEATURE_SET_VERSION, state };
}

export function readArtifacts(dirOrManifest: string): PredictorArtifacts {
  const file = dirOrManifest.endsWith(".json") ? dirOrManifest : path.join(dirOrManifest, "model.json");
  if (!fs.existsSync(file)) throw new NnlqError("NOT_FOUND", `predictor manifest ${file} does not exist`);
  const manifest = currentManifest(JSON.parse(fs.readFileSync(file, "utf8")));
  const wfile = path.join(path.dirname(file), manifest.weightsFile ?? "weights.bin");
  return { manifest, ...(manifest.weightSpecs ? { weights: decodeWeights(fs.readFileSync(wfile)) } : {}) };
}

/** The GNN inside a predictor (itself, or the model a wrapper such as the guard serves), else null. */
export function gnnOf(p: BasePredictor): GnnPredictor | null {
  if (p instanceof GnnPredictor) return p;
  const inner = (p as { inner?: unknown }).inner;
  return inner instanceof GnnPredictor ? inner : null;
}

export interface LoadOptions {
  /**
   * The GNN's inference runtime: "auto" (default) onnxruntime-node when this process can load it, else
   * tfjs; "tfjs" always tfjs (what the browser runs).
   */
  runtime?: "auto" | "tfjs";
}

export function loadFromDir(dirOrManifest: string, o: LoadOptions = {}): BasePredictor {
  const p = fromArtifacts(readArtifacts(dirOrManifest));
  const gnn = gnnOf(p);
  if (gnn && (o.runtime ?? "auto") === "auto") attachOnnxRuntime(gnn);
  return p;
}
