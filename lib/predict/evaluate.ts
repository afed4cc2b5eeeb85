import { platformsOf, type Sample } from "./dataset";
import { computeMetrics, type Metrics } from "./metrics";
import type { BasePredictor } from "./predictor";

/** Metrics of a predictor on samples, per platform (platforms the predictor does not model are skipped). */
export function evaluate(p: BasePredictor, samples: Sample[]): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const platform of platformsOf(samples)) {
    if (!p.platforms.includes(platform)) continue;
    const list = samples.filter((s) => s.platform === platform);
    const y = p.predictSamples(list);
    out[platform] = computeMetrics(y, list.map((s) => s.latencyMs), list.map((s) => s.family));
  }
  return out;
}

