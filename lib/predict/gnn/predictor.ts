/**
 * The GNN behind the common predictor interface: batched inference, ensemble mean (geometric, over the K
 * heads of a platform) and spread (standard deviation of the heads, ms) as the uncertainty, and
 * (de)serialisation to a manifest + float32 weights.
 *
 * Two runtimes, one set of weights: by default GnnModel.predictLatency (tfjs products, typed-array passes,
 * no tensor left behind; the browser's path); with `attachInference(i)` the forward pass exported as ONNX
 * (`toOnnx()`, ./onnx-export.ts) run by another engine — in Node onnxruntime-node
 * (lib/predict/node/onnx-infer.ts, chosen by loadFromDir), several times faster on batches. This module
 * stays isomorphic: it only knows the GnnInference interface.
 */
import { NnlqError } from "@/lib/errors";
import type { GraphFeatures } from "@/lib/onnx";
import { FEATURE_SET_V1, FEATURE_SET_VERSION, READABLE_FEATURE_SETS } from "@/lib/onnx/features";
import { denseDim } from "../numeric";
import { BasePredictor, type PredictionGrid, type PredictorArtifacts, type PredictorManifest } from "../predictor";
import { GnnModel, nodeFeaturesOf, type GnnConfig, type WeightSpec } from "./model";
import { exportGnnOnnx, packGraphs, PackScratch, type PackedGraphs } from "./onnx-export";
import { checkColumns, makeBatch, prepareGraph, type Normalizer, type PreparedGraph } from "./prep";

export interface GnnState { config: GnnConfig; norm: Normalizer; seed: number }

/**
 * An engine running the exported forward pass (./onnx-export.ts) of this predictor's weights: latencies
 * [G × P·K] of every platform head of the model (model.platforms order, column p·K + k) for a packed batch.
 */
export interface GnnInference {
  /** engine name, e.g. "onnxruntime-node" */
  readonly runtime: string;
  run(batch: PackedGraphs): Float32Array;
  dispose(): void;
}

/** Graphs per forward pass are capped by node count to bound memory. */
const MAX_BATCH_NODES = 40_000;

export function chunkByNodes<T extends { n: number }>(graphs: T[], maxNodes = MAX_BATCH_NODES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [], nodes = 0;
  for (const g of graphs) {
    if (cur.length && nodes + g.n > maxNodes) {
      out.push(cur);
      cur = [];
      nodes = 0;
    }
    cur.push(g);
    nodes += g.n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Checks a GNN manifest and its weights: a readable feature set (the current one, or v1 — whose rows are a
 * prefix of the current ones), a node feature set that fits it, a normaliser of the right width, enough
 * weights. Throws NnlqError("VALIDATION").
 */
export function checkGnnArtifacts(a: PredictorArtifacts): void {
  const m = a.manifest;
  if (!READABLE_FEATURE_SETS.includes(m.featureSetVersion))
    throw new NnlqError("VALIDATION", `predictor ${m.version} was trained on features ${m.featureSetVersion}; this build computes ${FEATURE_SET_VERSION}`, {
      version: m.version,
    });
  if (!a.weights || !m.weightSpecs) throw new NnlqError("VALIDATION", `predictor ${m.version}: GNN weights missing`);
  const need = m.weightSpecs.reduce((n, s) => Math.max(n, s.offset + s.shape.reduce((x, y) => x * y, 1)), 0);
  if (a.weights.length < need)
    throw new NnlqError("VALIDATION", `predictor ${m.version}: weights have ${a.weights.length} floats, the manifest needs ${need}`);
  const st = m.state as Partial<GnnState> | undefined;
  if (!st?.config || !st.norm) throw new NnlqError("VALIDATION", `predictor ${m.version}: GNN state (config, normaliser) missing`);
  const set = nodeFeaturesOf(st.config);
  if (set !== "v1" && m.featureSetVersion === FEATURE_SET_V1)
    throw new NnlqError("VALIDATION", `predictor ${m.version}: node features ${set} cannot come from feature set ${m.featureSetVersion}`);
  if (st.norm.denseMean?.length !== denseDim(set))
    throw new NnlqError("VALIDATION", `predictor ${m.version}: normaliser of ${st.norm.denseMean?.length} columns, node features ${set} have ${denseDim(set)}`);
}

export class GnnPredictor extends BasePredictor {
  readonly method = "gnn";
  private inference: GnnInference | null = null;
  /** input buffers of the attached inference, reused between batches */
  private scratch: PackScratch | null = null;

  constructor(version: string, readonly model: GnnModel, readonly norm: Normalizer, readonly seed = 1, trainingSetSize = 0) {
    super(version, model.platforms, trainingSetSize);
  }

  /** From a manifest and weights (checkGnnArtifacts first: a manifest of feature set v1 reads v1 columns). */
  static fromArtifacts(manifest: PredictorManifest, weights: Float32Array): GnnPredictor {
    checkGnnArtifacts({ manifest, weights });
    const st = manifest.state as GnnState;
    // predictors saved before GnnConfig.nodeFeatures existed read the v1 columns: record it explicitly
    const config: GnnConfig = { ...st.config, nodeFeatures: nodeFeaturesOf(st.config) };
    const model = new GnnModel(config, [...manifest.platforms], st.seed);
    model.importWeights(manifest.weightSpecs as WeightSpec[], weights);
    return new GnnPredictor(manifest.version, model, st.norm, st.seed, manifest.trainingSetSize);
  }

  /** The engine predictions run on: "tfjs", or the attached inference's runtime. */
  get runtime(): string {
    return this.inference?.runtime ?? "tfjs";
  }

  /**
   * Run predictions on `inference` (built from `toOnnx()` of this predictor's current weights; training
   * after attaching it is not seen by it), or back on tfjs with null. The predictor owns it from then on
   * (dispose() disposes it).
   */
  attachInference(inference: GnnInference | null): void {
    if (this.inference !== inference) this.inference?.dispose();
    this.inference = inference;
    this.scratch = inference ? (this.scratch ?? new PackScratch()) : null;
  }

  /** The inference forward pass of the current weights as an ONNX model (./onnx-export.ts). */
  toOnnx(): Uint8Array {
    return exportGnnOnnx({
      config: this.model.config,
      platforms: this.model.platforms,
      norm: this.norm,
      weights: this.model.snapshot(),
      shapes: this.model.shapes,
    });
  }

  /** Ensemble latencies per chunk of graphs: [G, P·K] arrays (column p·K + k), no tensors kept. */
  headPredictions(graphs: PreparedGraph[], platforms: readonly string[]): Float32Array[] {
    const out: Float32Array[] = [];
    for (const chunk of chunkByNodes(graphs)) {
      out.push(this.model.predictLatency(makeBatch(chunk), platforms));
    }
    return out;
  }

  /**
   * Ensemble latencies on the attached inference, per chunk of graphs: [G, P·K] arrays of `platforms`
   * (selected from every head the engine computes).
   */
  private inferencePredictions(inference: GnnInference, features: GraphFeatures[], platforms: readonly string[]): Float32Array[] {
    for (const f of features) checkColumns(f, this.norm);
    const K = this.model.config.heads, all = this.model.platforms.length, P = platforms.length;
    const cols = platforms.map((p) => this.model.platforms.indexOf(p));
    const identity = P === all && cols.every((c, i) => c === i);
    const sized = features.map((f) => ({ f, n: f.numNodes }));
    return chunkByNodes(sized).map((chunk) => {
      const full = inference.run(packGraphs(chunk.map((c) => c.f), this.model.denseDim, this.scratch ?? undefined));
      if (identity) return full;
      const G = chunk.length, out = new Float32Array(G * P * K);
      for (let g = 0; g < G; g++)
        for (let p = 0; p < P; p++) out.set(full.subarray((g * all + cols[p]) * K, (g * all + cols[p] + 1) * K), (g * P + p) * K);
      return out;
    });
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const P = platforms.length, K = this.model.config.heads;
    const chunks = this.inference
      ? this.inferencePredictions(this.inference, features, platforms)
      : this.headPredictions(features.map((f) => prepareGraph(f, this.norm)), platforms);
    const latency = new Float64Array(features.length * P);
    const uncertainty = new Float64Array(features.length * P);
    let g = 0;
    for (const arr of chunks) {
      for (let i = 0; i < arr.length / (P * K); i++, g++) {
        for (let p = 0; p < P; p++) {
          let sl = 0, s = 0, s2 = 0;
          for (let k = 0; k < K; k++) {
            const v = Math.max(arr[(i * P + p) * K + k], 1e-9);
            sl += Math.log(v);
            s += v;
            s2 += v * v;
          }
          latency[g * P + p] = Math.exp(sl / K);
          const m = s / K;
          uncertainty[g * P + p] = K > 1 ? Math.sqrt(Math.max(0, (s2 - K * m * m) / (K - 1))) : 0;
        }
      }
    }
    return { latency, uncertainty };
  }

  protected state() {
    const { specs, data } = this.model.exportWeights();
    const state: GnnState = { config: this.model.config, norm: this.norm, seed: this.seed };
    return { state, weights: data, weightSpecs: specs };
  }

  dispose(): void {
    this.inference?.dispose();
    this.inference = null;
    this.scratch = null;
    this.model.dispose();
  }
}
