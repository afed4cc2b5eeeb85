/**
 * The GNN behind the common predictor interface: batched inference (GnnModel.predictLatency: tfjs products,
 * typed-array passes, no tensor left behind), ensemble
 * mean (geometric, over the K heads of a platform) and spread (standard deviation of the heads, ms) as the
 * uncertainty, and (de)serialisation to a manifest + float32 weights.
 */
import { NnlqError } from "@/lib/errors";
import type { GraphFeatures } from "@/lib/onnx";
import { FEATURE_SET_V1, FEATURE_SET_VERSION, READABLE_FEATURE_SETS } from "@/lib/onnx/features";
import { denseDim } from "../numeric";
import { BasePredictor, type PredictionGrid, type PredictorArtifacts, type PredictorManifest } from "../predictor";
import { GnnModel, nodeFeaturesOf, type GnnConfig, type WeightSpec } from "./model";
import { makeBatch, prepareGraph, type Normalizer, type PreparedGraph } from "./prep";

export interface GnnState { config: GnnConfig; norm: Normalizer; seed: number }

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

  /** Ensemble latencies per chunk of graphs: [G, P·K] arrays (column p·K + k), no tensors kept. */
  headPredictions(graphs: PreparedGraph[], platforms: readonly string[]): Float32Array[] {
    const out: Float32Array[] = [];
    for (const chunk of chunkByNodes(graphs)) {
      out.push(this.model.predictLatency(makeBatch(chunk), platforms));
    }
    return out;
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const P = platforms.length, K = this.model.config.heads;
    const chunks = this.headPredictions(features.map((f) => prepareGraph(f, this.norm)), platforms);
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
    this.model.dispose();
  }
}
