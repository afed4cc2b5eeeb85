/**
 * The guard (lib/predict/guard.ts): the out-of-distribution rule, the floor, the ×10 clamp, the analytical
 * fit, manifests with and without a guard through load(), and trainVersion serving a guarded predictor.
 * Inner predictors are stubs with a fixed answer (or a linear baseline), so every expectation is exact.
 */
import { describe, expect, it } from "vitest";
import type { GraphFeatures } from "@/lib/onnx";
import { isNnlqError } from "@/lib/errors";
import { LinearPredictor } from "@/lib/predict/baselines/linear";
import {
  CLAMP,
  checkGraph,
  fitGuard,
  fitRelativeNnls,
  graphProfile,
  guardPredictor,
  GuardedPredictor,
  inputElements,
  MIN_DISAGREE_LOG,
  quantile,
  type GuardState,
} from "@/lib/predict/guard";
import { fromArtifacts } from "@/lib/predict/load";
import { BasePredictor, type PredictionGrid, type PlatformPrediction } from "@/lib/predict/predictor";
import { trainVersion } from "@/lib/predict/train";
import type { Sample } from "@/lib/predict/dataset";
import { additiveLatency, tinyGraphs } from "./helpers";

const P = "x86-2c/ort-cpu-1.30/fp32/t1";
const graphs = tinyGraphs(["resnet", "vgg", "squeezenet"], 12);
const samples: Sample[] = graphs.map((s) => ({ ...s, platform: P, latencyMs: additiveLatency(s) }));

/** A predictor that answers `ms(features)` with σ = `rel` × answer. */
class Stub extends BasePredictor {
  readonly method = "stub";
  constructor(private ms: (f: GraphFeatures) => number, private rel: number | null = 0.05) {
    super("stub-1", [P]);
  }
  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const latency = new Float64Array(features.length * platforms.length);
    features.forEach((f, g) => platforms.forEach((_, j) => (latency[g * platforms.length + j] = this.ms(f))));
    return { latency, uncertainty: this.rel === null ? null : latency.map((v) => v * this.rel!) };
  }
  protected state() {
    return { state: {} };
  }
}

/** A copy of a sample's features with some graph totals and ops changed. */
function variant(s: Sample, o: { ops?: (ops: string[]) => string[]; graph?: Partial<GraphFeatures["graph"]> & { unknownNodes?: number } }): GraphFeatures {
  const nodeOps = o.ops ? o.ops([...s.features.nodeOps]) : s.features.nodeOps;
  return { ...s.features, nodeOps, graph: { ...s.features.graph, ...o.graph } };
}

/** the training graph nearest the middle of the MACs range */
const middle = [...samples].sort((a, b) => a.stats.macs - b.stats.macs)[samples.length >> 1];
const truth = (f: GraphFeatures) => additiveLatency({ ...middle, features: f });

describe("the analytical model", () => {
  it("non-negative least squares recovers a floor + FLOPs + bytes law and never goes negative", () => {
    const g = [0.1, 0.5, 1, 2, 4, 8], m = [1, 3, 2, 10, 6, 20];
    const y = g.map((x, i) => 0.2 + 1.5 * x + 0.05 * m[i]);
    const c = fitRelativeNnls(g, m, y);
    expect(c[0]).toBeCloseTo(0.2, 6);
    expect(c[1]).toBeCloseTo(1.5, 6);
    expect(c[2]).toBeCloseTo(0.05, 6);
    // bytes that make things faster would need a negative coefficient: it is pinned at 0 instead
    const y2 = g.map((x, i) => 1 + 2 * x - 0.01 * m[i]);
    expect(fitRelativeNnls(g, m, y2).every((v) => v >= 0)).toBe(true);
  });

  it("fitGuard records ops, ranges (quantiles of the training graphs), both candidate fits and a floor below the data", () => {
    const st = fitGuard(samples);
    expect(st.opsSeen).toEqual([...new Set(samples.flatMap((s) => s.features.nodeOps))].sort());
    const macs = samples.map((s) => Math.log1p(s.stats.macs));
    expect(st.ranges.logMacs![0]).toBeCloseTo(quantile(macs, 0.005), 9);
    expect(st.ranges.logMacs![1]).toBeCloseTo(quantile(macs, 0.995), 9);
    expect(st.ranges.logInputElements).toBeDefined();
    const gp = st.platforms[P];
    expect(Object.keys(gp.analytical.candidates).sort()).toEqual(["log-space", "relative-nnls"]);
    expect(gp.analytical.candidates[gp.analytical.form]).toBe(Math.min(...Object.values(gp.analytical.candidates)));
    expect(gp.floorMs).toBeGreaterThan(0);
    expect(gp.floorMs).toBeLessThanOrEqual(Math.min(...samples.map((s) => s.latencyMs)) + 1e-12);
    expect(gp.disagreeLog).toBeGreaterThanOrEqual(MIN_DISAGREE_LOG);
  });

  it("input elements: the largest input read by a node without predecessors (the zoo's 1×3×r×r image)", () => {
    // tinyGraphs: 32 px, squeezenet at 64 px (dims are stored as float32 ln(1+d): equal to ~1e-5)
    for (const s of samples) {
      const want = 3 * (s.family === "squeezenet" ? 64 : 32) ** 2;
      expect(Math.abs(inputElements(s.features) / want - 1)).toBeLessThan(1e-4);
    }
  });
});

describe("the out-of-distribution rule", () => {
  const st = fitGuard(samples);
  it("a training graph in the middle of the ranges is in distribution; unseen ops, sizes out of range, unknown-cost nodes are not", () => {
    expect(checkGraph(st, graphProfile(middle.features)).reasons).toEqual([]);
    const unseen = checkGraph(st, graphProfile(variant(middle, { ops: (o) => ((o[1] = "NonMaxSuppression"), o) })));
    expect(unseen.reasons.join()).toMatch(/op types not seen in training: NonMaxSuppression/);
    const big = checkGraph(st, graphProfile(variant(middle, { graph: { macs: middle.stats.macs * 1e4 } })));
    expect(big.reasons.join()).toMatch(/MACs .* above the trained range/);
    expect(big.d).toBeGreaterThan(2); // four decades out beyond the top… at least two past the upper bound
    const zero = checkGraph(st, graphProfile(variant(middle, { graph: { macs: 0 } })));
    expect(zero.reasons.join()).toMatch(/MACs 0 below the trained range/);
    const unknown = checkGraph(st, graphProfile(variant(middle, { graph: { unknownNodes: 3 } })));
    expect(unknown.reasons).toEqual(["3 nodes of unknown cost"]);
  });

  it("served: in-distribution answers pass through; extrapolated ones lean towards the analytical estimate and widen σ", () => {
    const g = new GuardedPredictor(new Stub(truth), fitGuard(samples));
    const [inD] = g.predict(middle.features);
    expect(inD.regime).toBe("in-distribution");
    expect(inD.latencyMs).toBeCloseTo(truth(middle.features), 12);
    expect(inD.reasons).toEqual([]);
    const f = variant(middle, { ops: (o) => o.map(() => "Foo") });
    const [ex] = g.predict(f);
    expect(ex.regime).toBe("extrapolated");
    const m = truth(f), a = ex.analyticalMs!;
    // strictly between the model's and the analytical answer (log blend), and ±2σ spans both
    expect(Math.abs(Math.log(ex.latencyMs / a))).toBeLessThan(Math.abs(Math.log(m / a)) + 1e-12);
    expect(ex.uncertaintyMs! * 2).toBeGreaterThanOrEqual(Math.max(Math.abs(ex.latencyMs - m), Math.abs(ex.latencyMs - a)) - 1e-12);
    expect(ex.uncertaintyMs! / ex.latencyMs).toBeGreaterThan(inD.uncertaintyMs! / inD.latencyMs);
  });

  it("a model far from the analytical estimate is extrapolated even on a familiar graph", () => {
    const g = new GuardedPredictor(new Stub((f) => truth(f) * 5), fitGuard(samples));
    const [p] = g.predict(middle.features);
    expect(p.regime).toBe("extrapolated");
    expect(p.reasons!.join()).toMatch(/apart/);
    expect(p.latencyMs).toBeLessThan(truth(middle.features) * 5);
  });
});

describe("floor and clamp", () => {
  const st = fitGuard(samples);
  const gp = st.platforms[P];
  it("a tiny graph is never predicted below the platform's floor", () => {
    const tiny = variant(middle, { graph: { flops: 0, macs: 0, memoryAccess: 0 } });
    for (const ms of [1e-9, 1e-6, gp.floorMs / 2]) {
      const [p] = new GuardedPredictor(new Stub(() => ms), st).predict(tiny);
      expect(p.latencyMs).toBeGreaterThanOrEqual(gp.floorMs);
      expect(p.regime).toBe("extrapolated");
    }
  });

  it("a prediction stays within ×10 of the analytical estimate, whatever the model says", () => {
    for (const ms of [1e-7, 1e7]) {
      const [p] = new GuardedPredictor(new Stub(() => ms), st).predict(middle.features);
      expect(p.latencyMs).toBeLessThanOrEqual(p.analyticalMs! * CLAMP * (1 + 1e-12));
      expect(p.latencyMs).toBeGreaterThanOrEqual(Math.max(gp.floorMs, p.analyticalMs! / CLAMP) * (1 - 1e-12));
    }
  });

  it("calibrate-only mode changes σ, never the latency", () => {
    const cal = new GuardedPredictor(new Stub(() => 1e7), { ...st, mode: "calibrate" });
    const [p] = cal.predict(middle.features);
    expect(p.latencyMs).toBe(1e7);
    expect(p.regime).toBeUndefined();
  });
});

describe("manifests", () => {
  it("a manifest without a guard loads as the bare predictor; a guarded one round-trips; a malformed guard is refused", () => {
    const lin = LinearPredictor.train(samples, { method: "flops-mem-linear" });
    const bare = fromArtifacts(lin.save());
    expect(bare).toBeInstanceOf(LinearPredictor);
    expect(bare.save().manifest.guard).toBeUndefined();
    expect((bare.predict(middle.features) as PlatformPrediction[])[0].regime).toBeUndefined();

    const guarded = guardPredictor(lin, samples.slice(0, 30), samples.slice(30));
    const a = guarded.save();
    expect((a.manifest.guard as GuardState).format).toBe("nnlq-guard/1");
    const back = fromArtifacts(JSON.parse(JSON.stringify(a)));
    expect(back).toBeInstanceOf(GuardedPredictor);
    expect(back.method).toBe("flops-mem-linear");
    expect(back.predict(graphs.map((s) => s.features))).toEqual(guarded.predict(graphs.map((s) => s.features)));

    let err: unknown;
    try {
      fromArtifacts({ manifest: { ...a.manifest, guard: { format: "nnlq-guard/1", platforms: 3 } } });
    } catch (e) {
      err = e;
    }
    expect(isNnlqError(err) && err.code === "VALIDATION" && /malformed guard/.test(err.message)).toBe(true);
  });

  it("trainVersion serves a guarded, calibrated predictor (guard: false leaves it bare)", async () => {
    const r = await trainVersion("flops-mem-linear", samples, { valFraction: 0.3 });
    expect(r.predictor).toBeInstanceOf(GuardedPredictor);
    const g = r.predictor as GuardedPredictor;
    expect(g.guard.platforms[P].calibration.fittedOn).toBe("validation");
    expect(g.guard.platforms[P].calibration.spread).toBe("constant"); // a regression has no ensemble
    expect(r.val[P].coverage).toBeGreaterThanOrEqual(90);
    const [p] = r.predictor.predict(middle.features);
    expect(p.regime).toBeDefined();
    expect(p.uncertaintyMs).toBeGreaterThan(0);
    const b = await trainVersion("flops-mem-linear", samples, { valFraction: 0.3, guard: false });
    expect(b.predictor).toBeInstanceOf(LinearPredictor);
  });
});
