import { platformsOf, type Sample } from "./dataset";
import { computeMetrics, type Metrics } from "./metrics";
import type { BasePredictor } from "./predictor";

/**
 * Metrics of a predictor on samples, per platform (platforms the predictor does not model are skipped).
 * Where the predictor reports a σ, the calibration metrics (±2σ coverage, half-width) are included; where it
 * is guarded, the share answered as extrapolated.
 */
export function evaluate(p: BasePredictor, samples: Sample[]): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const platform of platformsOf(samples)) {
    if (!p.platforms.includes(platform)) continue;
    const list = samples.filter((s) => s.platform === platform);
    const y = p.predictSamplesFull(list);
    out[platform] = computeMetrics(
      y.latency,
      list.map((s) => s.latencyMs),
      list.map((s) => s.family),
      { sigma: y.uncertainty, extrapolated: y.extrapolated },
    );
  }
  return out;
}
