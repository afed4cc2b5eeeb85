/**
 * Roofline baseline (PALEO-style): every operator takes max(FLOPs / peak, bytes / bandwidth), the graph
 * takes the sum plus a constant per-inference overhead. Peak (FLOP/s), bandwidth (B/s) and overhead are
 * fitted per platform by Nelder–Mead on the mean squared log ratio (relative error).
 */
import type { GraphFeatures } from "@/lib/onnx";
import type { Sample } from "../dataset";
import { meanSqLogRatio, median, nelderMead, nodeCosts } from "../numeric";
import { BasePredictor, byPlatform, type PredictionGrid } from "../predictor";

export interface RooflineParams { peakFlops: number; bandwidth: number; overheadMs: number }

function graphTime(c: { flops: Float64Array; mem: Float64Array }, p: RooflineParams): number {
  let s = 0;
  for (let i = 0; i < c.flops.length; i++) s += Math.max(c.flops[i] / p.peakFlops, c.mem[i] / p.bandwidth);
  return s * 1000 + p.overheadMs;
}

export class RooflinePredictor extends BasePredictor {
  readonly method = "roofline";
  constructor(version: string, readonly params: Record<string, RooflineParams>, trainingSetSize = 0) {
    super(version, Object.keys(params).sort(), trainingSetSize);
  }

  static train(samples: Sample[], o: { version?: string } = {}): RooflinePredictor {
    const params: Record<string, RooflineParams> = {};
    for (const [platform, list] of byPlatform(samples)) {
      const costs = list.map((s) => nodeCosts(s.features));
      const y = list.map((s) => s.latencyMs);
      const decode = (x: number[]): RooflineParams => ({
        peakFlops: Math.exp(x[0]),
        bandwidth: Math.exp(x[1]),
        overheadMs: Math.exp(x[2]),
      });
      const loss = (x: number[]) =>
        meanSqLogRatio(
          costs.map((c) => graphTime(c, decode(x))),
          y,
        );
      // start from the throughputs the graph totals imply
      const x0 = [
        Math.log(median(list.map((s) => (s.stats.flops + 1) / (s.latencyMs / 1000)))),
        Math.log(median(list.map((s) => (s.stats.memoryAccess + 1) / (s.latencyMs / 1000)))) + 1,
        Math.log(Math.max(1e-3, 0.05 * median(y))),
      ];
      let best = nelderMead(loss, x0, { step: 1, iterations: 300 });
      best = nelderMead(loss, best.x, { step: 0.2, iterations: 300 });
      params[platform] = decode(best.x);
    }
    return new RooflinePredictor(o.version ?? "roofline", params, samples.length);
  }

  static fromState(version: string, state: { params: Record<string, RooflineParams> }, trainingSetSize = 0): RooflinePredictor {
    return new RooflinePredictor(version, state.params, trainingSetSize);
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const P = platforms.length;
    const latency = new Float64Array(features.length * P);
    features.forEach((f, g) => {
      const c = nodeCosts(f);
      platforms.forEach((p, j) => (latency[g * P + j] = graphTime(c, this.params[p])));
    });
    return { latency, uncertainty: null };
  }

  protected state() {
    return { state: { params: this.params } };
  }
}
