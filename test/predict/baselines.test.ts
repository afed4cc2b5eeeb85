/** Each baseline recovers a synthetic target of its own form (tiny real zoo graphs, known ground truth). */
import { describe, expect, it } from "vitest";
import { KernelRfPredictor } from "@/lib/predict/baselines/kernel-rf";
import { LinearPredictor } from "@/lib/predict/baselines/linear";
import { LookupTablePredictor } from "@/lib/predict/baselines/lookup";
import { RooflinePredictor } from "@/lib/predict/baselines/roofline";
import type { Sample } from "@/lib/predict/dataset";
import { fromArtifacts } from "@/lib/predict/load";
import { mape } from "@/lib/predict/metrics";
import { nodeCosts, opIndex } from "@/lib/predict/numeric";
import { opCost, syntheticKernels, tinyGraphs } from "./helpers";

const graphs = tinyGraphs(["resnet", "mobilenetv2", "vgg", "squeezenet"], 10);
const train = graphs.filter((_, i) => i % 4 !== 0);
const test = graphs.filter((_, i) => i % 4 === 0);
const err = (p: { predictSamples(s: Sample[]): Float64Array }, s: Sample[]) =>
  mape(
    p.predictSamples(s),
    s.map((x) => x.latencyMs),
  );
const withTarget = (list: Sample[], y: (s: Sample) => number, platform = "p"): Sample[] =>
  list.map((s) => ({ ...s, platform, latencyMs: y(s) }));

describe("FLOPs regressions", () => {
  it("flops-linear recovers latency = a·GFLOPs + c per platform", () => {
    const f = (a: number, c: number) => (s: Sample) => a * (s.stats.flops / 1e9) + c;
    const tr = [...withTarget(train, f(20, 0.3), "p"), ...withTarget(train, f(5, 1), "q")];
    const p = LinearPredictor.train(tr, { method: "flops-linear" });
    expect(p.platforms).toEqual(["p", "q"]);
    expect(err(p, withTarget(test, f(20, 0.3), "p"))).toBeLessThan(0.01);
    expect(err(p, withTarget(test, f(5, 1), "q"))).toBeLessThan(0.01);
  });

  it("flops-mem-linear recovers a·GFLOPs + b·MB + c, which flops-linear cannot", () => {
    const y = (s: Sample) => 3 * (s.stats.flops / 1e9) + 0.4 * (s.stats.memoryAccess / 1e6) + 0.2;
    const p = LinearPredictor.train(withTarget(train, y), { method: "flops-mem-linear" });
    const q = LinearPredictor.train(withTarget(train, y), { method: "flops-linear" });
    expect(err(p, withTarget(test, y))).toBeLessThan(0.01);
    expect(err(q, withTarget(test, y))).toBeGreaterThan(1);
  });
});

describe("roofline", () => {
  it("recovers peak, bandwidth and overhead from roofline-generated latencies", () => {
    const peak = 2e10, bw = 5e9, overhead = 0.05;
    const y = (s: Sample) => {
      const c = nodeCosts(s.features);
      let t = 0;
      for (let i = 0; i < c.flops.length; i++) t += Math.max(c.flops[i] / peak, c.mem[i] / bw);
      return t * 1000 + overhead;
    };
    const p = RooflinePredictor.train(withTarget(train, y));
    console.log(`roofline held-out MAPE ${err(p, withTarget(test, y)).toFixed(3)}%`);
    expect(err(p, withTarget(test, y))).toBeLessThan(2);
    expect(p.params.p.peakFlops / peak).toBeGreaterThan(0.8);
    expect(p.params.p.peakFlops / peak).toBeLessThan(1.25);
  });
});

/** Node time (µs) that depends only on the node's configuration (op + shapes): FLOPs·cost + bytes. */
function profiled(list: Sample[]): Sample[] {
  return list.map((s) => {
    const c = nodeCosts(s.features), ops = opIndex(s.features);
    const nodeUs = (r: number) => (c.flops[r] * opCost(ops[r]) + c.mem[r] * 0.1) * 1e-3 + 1;
    const kernels = syntheticKernels(s, nodeUs);
    const sum = kernels.reduce((a, k) => a + k.us, 0);
    return { ...s, latencyMs: (1.2 * sum) / 1000, kernels, kernelSumUs: sum };
  });
}

describe("lookup table", () => {
  it("is exact on seen configurations and scales kernel time to latency", () => {
    const data = profiled(graphs);
    const p = LookupTablePredictor.train(data);
    // graphs seen in training: every configuration is in the table
    expect(p.coverage(data[0].features, "p")).toBe(1);
    console.log(`lookup in-sample MAPE ${err(p, data).toFixed(2)}%`);
    expect(err(p, data)).toBeLessThan(2);
  });

  it("falls back to per-op ratios for unseen configurations", () => {
    const data = profiled(graphs);
    const p = LookupTablePredictor.train(data.filter((_, i) => i % 4 !== 0));
    const unseen = data.filter((_, i) => i % 4 === 0);
    expect(p.predictSamples(unseen).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it("does not model platforms without profiles", () => {
    const p = LookupTablePredictor.train(withTarget(train, () => 1));
    expect(p.platforms).toEqual([]);
  });
});

describe("kernel-level random forests", () => {
  it("learns the fusion rules and per-kernel times; predicts held-out graphs", () => {
    const data = profiled(graphs);
    const tr = data.filter((_, i) => i % 4 !== 0), te = data.filter((_, i) => i % 4 === 0);
    const p = KernelRfPredictor.train(tr, { nEstimators: 15, maxSamples: 300, minKernels: 20 });
    // detected kernels = the synthetic fusion (Conv absorbs its single-consumer successors)
    for (const s of te.slice(0, 3)) {
      const got = p.kernelsOf(s.features, "p").map((k) => k.rows.join(",")).sort();
      const want = s.kernels!.map((k) => k.rows.join(",")).sort();
      expect(got).toEqual(want);
    }
    console.log(`kernel-rf held-out MAPE ${err(p, te).toFixed(2)}%`);
    expect(err(p, te)).toBeLessThan(20);
  });
});

describe("serialisation", () => {
  it("every baseline survives save → JSON → load with identical predictions", () => {
    const data = profiled(graphs);
    const tr = data.filter((_, i) => i % 4 !== 0), te = data.filter((_, i) => i % 4 === 0);
    const models = [
      LinearPredictor.train(tr, { method: "flops-linear" }), LinearPredictor.train(tr, { method: "flops-mem-linear" }),
      RooflinePredictor.train(tr), LookupTablePredictor.train(tr), KernelRfPredictor.train(tr, { nEstimators: 5, maxSamples: 100 }),
    ];
    for (const m of models) {
      const a = m.save();
      const back = fromArtifacts({ manifest: JSON.parse(JSON.stringify(a.manifest)) });
      expect(back.method).toBe(m.method);
      expect(Array.from(back.predictSamples(te))).toEqual(Array.from(m.predictSamples(te)));
    }
  });

  it("refuses foreign manifests with typed errors", () => {
    const good = LinearPredictor.train(
      train.map((s) => ({ ...s, latencyMs: 1 + s.stats.flops / 1e9 })),
      { method: "flops-linear" },
    ).save().manifest;
    for (const [m, why] of [
      [{ ...good, format: "x" }, /not an nnlq predictor/],
      [{ ...good, featureSetVersion: "old" }, /trained on features old/],
      [{ ...good, method: "magic" }, /unknown predictor method/],
      [{ ...good, method: "gnn" }, /weights missing/],
    ] as const) {
      expect(() => fromArtifacts({ manifest: m as never })).toThrow(why);
      try {
        fromArtifacts({ manifest: m as never });
      } catch (e) {
        expect((e as { code?: string }).code).toBe("VALIDATION");
      }
    }
  });
});
