/**
 * The GNN behind the common predictor interface: batched inference (GnnModel.predictLatency: tfjs products,
 * typed-array passes, no tensor left behind), ensemble
 * mean (geometric, over the K heads of a platform) and spread (standard deviation of the heads, ms) as the
 * uncertainty, and (de)serialisation to a manifest + float32 weights.
 */
import type { GraphFeatures } from "@/lib/onnx";
import { BasePredictor, type PredictionGrid, type PredictorManifest } from "../predictor";
import { GnnModel, type GnnConfig, type WeightSpec } from "./model";
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

export class GnnPredictor extends BasePredictor {
  readonly method = "gnn";
  constructor(version: string, readonly model: GnnModel, readonly norm: Normalizer, readonly seed = 1, trainingSetSize = 0) {
    super(version, model.platforms, trainingSetSize);
  }

  static fromArtifacts(manifest: PredictorManifest, weights: Float32Array): GnnPredictor {
    const st = manifest.state as GnnState;
    const model = new GnnModel(st.config, [...manifest.platforms], st.seed);
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
    const graphs = features.map((f) => prepareGraph(f, this.norm));
    const P = platforms.length, K = this.model.config.heads;
    const latency = new Float64Array(graphs.length * P);
    const uncertainty = new Float64Array(graphs.length * P);
    let g = 0;
    for (const arr of this.headPredictions(graphs, platforms)) {
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
