/**
 * Regression baselines on graph-level cost: latency = a·FLOPs + c ("flops-linear") and
 * latency = a·FLOPs + b·memory access + c ("flops-mem-linear"), per platform, fitted by weighted least
 * squares with weights 1/latency² (i.e. minimising the squared relative error).
 */
import type { GraphFeatures } from "@/lib/onnx";
import type { Sample } from "../dataset";
import { weightedLeastSquares } from "../numeric";
import { BasePredictor, byPlatform, type PredictionGrid } from "../predictor";

export type LinearMethod = "flops-linear" | "flops-mem-linear";
const MIN_MS = 1e-4;

function row(g: GraphFeatures["graph"], method: LinearMethod): number[] {
  return method === "flops-linear" ? [g.flops / 1e9, 1] : [g.flops / 1e9, g.memoryAccess / 1e6, 1];
}

export class LinearPredictor extends BasePredictor {
  constructor(readonly method: LinearMethod, version: string, readonly coef: Record<string, number[]>, trainingSetSize = 0) {
    super(version, Object.keys(coef).sort(), trainingSetSize);
  }

  static train(samples: Sample[], o: { method: LinearMethod; version?: string }): LinearPredictor {
    const coef: Record<string, number[]> = {};
    for (const [platform, list] of byPlatform(samples)) {
      const X = list.map((s) => row(s.stats, o.method));
      const y = list.map((s) => s.latencyMs);
      coef[platform] = weightedLeastSquares(X, y, y.map((v) => 1 / (v * v)));
    }
    return new LinearPredictor(o.method, o.version ?? o.method, coef, samples.length);
  }

  static fromState(method: LinearMethod, version: string, state: { coef: Record<string, number[]> }, trainingSetSize = 0): LinearPredictor {
    return new LinearPredictor(method, version, state.coef, trainingSetSize);
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const P = platforms.length;
    const latency = new Float64Array(features.length * P);
    features.forEach((f, g) => {
      const x = row(f.graph, this.method);
      platforms.forEach((p, j) => {
        const c = this.coef[p];
        latency[g * P + j] = Math.max(MIN_MS, x.reduce((s, v, k) => s + v * c[k], 0));
      });
    });
    return { latency, uncertainty: null };
  }

  protected state() {
    return { state: { coef: this.coef } };
  }
}
