/**
 * The real-world split: membership from a data release (zoo specs train, corpus networks test), and the
 * evaluation reporting it — every method with calibrated σ (coverage), the guarded GNN, GNN variants, the
 * goals table. Tiny graphs and 2 GNN epochs: this checks plumbing, not accuracy.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { graphKeysOf, samplesFromRelease, type ReleaseModelLike, type Sample } from "@/lib/predict/dataset";
import { goalRows, renderMarkdown, runEvaluation, type EvalReport } from "@/lib/predict/eval";
import { initTfNode } from "@/lib/predict/node/backend";
import { realWorldSplit, zooMembership } from "@/lib/predict/splits";
import { generate, sampleSpecs } from "@/lib/zoo";
import { additiveLatency, tinyGraphs } from "./helpers";

const P = "x86-2c/ort-cpu-1.30/fp32/t1";

describe("real-world split membership", () => {
  it("zoo-spec models train and validate, models without a zoo spec are the test set", () => {
    const specs = sampleSpecs("resnet", 12, 5, { batch: 1, resolution: 32 });
    const models: ReleaseModelLike[] = specs.map((spec, i) => ({
      hash: `z${i}`, family: "resnet", batch: 1, zooSpec: spec as unknown as Record<string, unknown>, source: "zoo",
    }));
    // two "corpus" networks: no zoo spec, bytes resolved from disk (here: generated)
    const corpusBytes = new Map(sampleSpecs("vgg", 2, 9, { batch: 1, resolution: 32 }).map((s, i) => [`c${i}`, generate(s)]));
    for (const hash of corpusBytes.keys())
      models.push({ hash, family: "vgg", batch: 1, zooSpec: null, storageKey: `corpus:networks/${hash}.onnx`, source: "upload" });
    const measurements = models.flatMap((m) =>
      [1, 2].map((batch) => ({ model: m.hash, platform: P, batch, stats: { medianMs: 1 + batch }, quality: { grade: "clean" } })),
    );
    const samples = samplesFromRelease(models, measurements, { resolveModel: (m) => corpusBytes.get(m.hash) ?? null });
    expect(samples).toHaveLength(models.length * 2);
    const isZoo = zooMembership(models);
    const sp = realWorldSplit(samples, isZoo, { seed: 3 });
    expect(new Set(sp.test.map((s) => s.graph.key.split("@")[0]))).toEqual(new Set(["c0", "c1"]));
    expect(sp.test).toHaveLength(4); // both batches of both corpus networks
    const trainKeys = new Set(graphKeysOf(sp.train)), valKeys = new Set(graphKeysOf(sp.val));
    expect([...trainKeys].some((k) => valKeys.has(k))).toBe(false);
    expect(trainKeys.size + valKeys.size).toBe(24);
    expect(valKeys.size).toBeGreaterThanOrEqual(1);
    expect([...sp.train, ...sp.val].every((s) => s.graph.key.startsWith("z"))).toBe(true);
    // a sample of another source (dev-data rows: spec keys) counts as zoo
    expect(isZoo({ ...samples[0], graph: { ...samples[0].graph, key: '{"family":"resnet"}' } })).toBe(true);
  });
});

describe("runEvaluation with the real-world split", () => {
  const graphs = tinyGraphs(["resnet", "vgg", "squeezenet"], 10);
  const samples: Sample[] = graphs.map((s) => ({ ...s, platform: P, latencyMs: additiveLatency(s) }));
  // "squeezenet" plays the corpus
  const isZoo = (s: Sample) => s.family !== "squeezenet";
  let report: EvalReport;
  let skipped: EvalReport;

  beforeAll(async () => {
    await initTfNode();
    report = await runEvaluation(samples, {
      methods: ["gnn", "flops-linear", "flops-mem-linear"],
      splits: { random: false, realWorld: true },
      isZoo,
      gnnVariants: { "gnn-narrow": { hidden: 8, nodeHidden: 8, graphHidden: 8 } },
      gnn: { epochs: 2, batchSize: 8 },
      minGraphsPerPlatform: 5,
      datasetName: "tiny",
    });
    skipped = await runEvaluation(samples, {
      methods: ["flops-linear"], splits: { random: false, realWorld: true }, minGraphsPerPlatform: 5, datasetName: "tiny",
    });
  }, 120_000);

  it("reports every method, the GNN variants and the guarded GNNs on the corpus part, each with ±2σ coverage", () => {
    const rw = report.rows.filter((r) => r.split === "real-world");
    expect(new Set(rw.map((r) => r.method))).toEqual(
      new Set(["gnn", "gnn-guarded", "gnn-narrow", "gnn-narrow-guarded", "flops-linear", "flops-mem-linear"]),
    );
    for (const r of rw) {
      expect(r.metrics.n).toBe(10); // the ten squeezenets
      expect(r.metrics.coverage).toBeGreaterThanOrEqual(0);
      expect(r.metrics.coverage).toBeLessThanOrEqual(100);
      expect(Number.isFinite(r.metrics.acc25)).toBe(true);
    }
    expect(rw.find((r) => r.method === "gnn-guarded")!.metrics.extrapolated).toBeDefined();
    expect(rw.find((r) => r.method === "gnn")!.metrics.extrapolated).toBeUndefined();
    expect(report.methods).toContain("gnn-guarded");
  });

  it("renders the split, the calibration summary and the goals; without zoo membership the split is skipped with a note", () => {
    const md = renderMarkdown(report);
    expect(md).toContain("## Real-world split");
    expect(md).toContain("## Calibration: ±2σ coverage");
    expect(md).toContain("## Goals (issue 17), GNN, guarded (as served)");
    expect(md).toMatch(/\| real-world: MAPE ≤ 20% \| [✓✗] /);
    const goals = goalRows(report);
    const half = goals.find((g) => g.goal === "real-world: ≤ half the FLOPs baseline's MAPE")!;
    const served = report.rows.find((r) => r.split === "real-world" && r.method === "gnn-guarded")!.metrics.mape;
    const flops = report.rows.find((r) => r.split === "real-world" && r.method === "flops-linear")!.metrics.mape;
    expect(half.met).toBe(served <= flops / 2);
    expect(skipped.rows).toHaveLength(0);
    expect(skipped.notes.join(" ")).toMatch(/Real-world split skipped: no zoo membership/);
  });
});
