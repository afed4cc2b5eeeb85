/**
 * Calibrated uncertainty: the ±2σ coverage metric on hand-checked numbers, the conformal factor (the
 * validation coverage it produces is ≈ 95%, and it holds on fresh draws of the same error distribution),
 * and calibrate() on a guarded predictor whose errors are known.
 */
import { describe, expect, it } from "vitest";
import type { GraphFeatures } from "@/lib/onnx";
import { calibrate, conformalFactor, fitGuard, GuardedPredictor, MIN_REL_SIGMA, relSigma } from "@/lib/predict/guard";
import { computeMetrics, coverage2Sigma, medianHalfWidth } from "@/lib/predict/metrics";
import { seededRandom } from "@/lib/predict/numeric";
import { BasePredictor, type PredictionGrid } from "@/lib/predict/predictor";
import { evaluate } from "@/lib/predict/evaluate";
import type { Sample } from "@/lib/predict/dataset";
import { additiveLatency, tinyGraphs } from "./helpers";

/** standard normal draws (Box–Muller) */
function normals(n: number, seed: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

describe("coverage2Sigma", () => {
  it("counts measurements inside pred ± 2σ, edges included", () => {
    const pred = [10, 10, 10, 10, 10];
    const sigma = [1, 1, 1, 0.5, 2];
    const truth = [12, 12.01, 7.9, 9, 14]; // inside (edge), outside, outside, inside (edge), inside (edge)
    expect(coverage2Sigma(pred, truth, sigma)).toBe(60);
    expect(medianHalfWidth(pred, sigma)).toBe(20);
    const m = computeMetrics(pred, truth, undefined, { sigma });
    expect(m.coverage).toBe(60);
    expect(m.acc25).toBe(60); // errors 17%, 17%, 27%, 11%, 29% of the measurement
    // without σ there is no coverage field at all (not a misleading 0)
    expect(computeMetrics(pred, truth).coverage).toBeUndefined();
    expect(() => coverage2Sigma(pred, truth, [1])).toThrow();
  });
});

describe("conformalFactor", () => {
  it("makes ±2σ cover ≈95% of the validation residuals, and about as much of fresh ones", () => {
    // relative errors proportional to a per-sample spread s (σ_true = 1.7·s): the factor should find ≈ 1.7
    const r = seededRandom(3);
    const draw = (n: number, seed: number) => {
      const z = normals(n, seed);
      const s = z.map(() => 0.02 + 0.2 * r());
      return { s, e: z.map((x, i) => Math.abs(1.7 * s[i] * x)) };
    };
    const val = draw(400, 5);
    const zero = val.s.map(() => 0);
    const k = conformalFactor(val.e, val.s, zero, 0.001);
    const cov = (d: { s: number[]; e: number[] }) =>
      (100 * d.e.filter((e, i) => e <= 2 * Math.max(0.001, k * d.s[i]) + 1e-12).length) / d.e.length;
    expect(cov(val)).toBeGreaterThanOrEqual(95);
    expect(cov(val)).toBeLessThan(96.5);
    expect(k).toBeGreaterThan(1.7 * 0.85);
    expect(k).toBeLessThan(1.7 * 1.2);
    const fresh = cov(draw(2000, 9));
    expect(fresh).toBeGreaterThan(92);
    expect(fresh).toBeLessThan(98);
  });

  it("residuals the relative minimum already covers need no factor; extra σ counts towards coverage", () => {
    expect(conformalFactor([0.01, 0.02, 0.04], [0.1, 0.1, 0.1], [0, 0, 0], 0.03)).toBe(0);
    // e = 0.5 needs half-width 0.25: with 0.2 of it from the extra term the factor supplies √(0.25² − 0.2²) = 0.15
    expect(conformalFactor([0.5], [0.1], [0.2], 0.01)).toBeCloseTo(1.5, 9);
  });
});

describe("calibrate (a guarded predictor with known errors)", () => {
  const P = "x86-2c/ort-cpu-1.30/fp32/t1";
  const graphs = tinyGraphs(["resnet", "vgg", "squeezenet", "mobilenetv2"], 15);
  // measured = truth; the stub predicts truth · exp(0.15·z) and claims a raw σ of 1% (far too small)
  const noise = normals(graphs.length, 11);
  const index = new Map(graphs.map((g, i) => [g.features, i]));
  const samples: Sample[] = graphs.map((s) => ({ ...s, platform: P, latencyMs: additiveLatency(s) }));
  class Noisy extends BasePredictor {
    readonly method = "noisy";
    constructor() {
      super("noisy-1", [P]);
    }
    protected run(features: GraphFeatures[]): PredictionGrid {
      const latency = Float64Array.from(features, (f) => {
        const i = index.get(f)!;
        return samples[i].latencyMs * Math.exp(0.15 * noise[i]);
      });
      return { latency, uncertainty: latency.map((v) => 0.01 * v) };
    }
    protected state() {
      return { state: {} };
    }
  }
  const train = samples.filter((_, i) => i % 2 === 0), val = samples.filter((_, i) => i % 2 === 1);

  it("scales the ensemble spread so that ±2σ holds ≈95% of the validation measurements", () => {
    const g = new GuardedPredictor(new Noisy(), fitGuard(train, val, { mode: "calibrate" }));
    const before = evaluate(g, val)[P].coverage!;
    calibrate(g, val);
    const c = g.guard.platforms[P].calibration;
    expect(c).toMatchObject({ spread: "ensemble", fittedOn: "validation", pooled: false, n: val.length, minRel: MIN_REL_SIGMA });
    expect(c.factor).toBeGreaterThan(5); // 1% raw σ against 15% errors
    const after = evaluate(g, val)[P];
    expect(before).toBeLessThan(50);
    expect(after.coverage).toBeCloseTo(c.coverage, 9);
    expect(after.coverage).toBeGreaterThanOrEqual(95);
    expect(after.coverage).toBeLessThanOrEqual(100 * Math.ceil(0.95 * (val.length + 1)) / val.length + 1e-9);
    // the σ the predictor serves is what relSigma says
    const [p] = g.predict(val[0].features);
    expect(p.uncertaintyMs! / p.latencyMs).toBeCloseTo(relSigma(c, 0.01, 0), 9);
  });

  it("too few validation samples of a platform: calibrated on every platform's together", () => {
    const Q = "x86-2c/ort-cpu-1.30/int8/t1";
    const two = [...train, ...train.slice(0, 4).map((s) => ({ ...s, platform: Q }))];
    const st = fitGuard(two, [], { mode: "calibrate" });
    expect(Object.keys(st.platforms).sort()).toEqual([P, Q].sort());
    const inner = new Noisy();
    (inner as { platforms: readonly string[] }).platforms = [P, Q];
    const g = new GuardedPredictor(inner, st);
    calibrate(g, [...val, ...val.slice(0, 3).map((s) => ({ ...s, platform: Q }))]);
    expect(g.guard.platforms[Q].calibration.pooled).toBe(true);
    expect(g.guard.platforms[P].calibration.pooled).toBe(false);
  });
});
