/** The evaluation pipeline end to end on tiny graphs (few epochs: this checks plumbing, not accuracy). */
import { beforeAll, describe, expect, it } from "vitest";
import { mergeReports, renderMarkdown, runEvaluation, type EvalReport } from "@/lib/predict/eval";
import { isNnlqError } from "@/lib/errors";
import { initTfNode } from "@/lib/predict/node/backend";
import { LinearPredictor } from "@/lib/predict/baselines/linear";
import { shouldPromote, trainVersion } from "@/lib/predict/train";
import { additiveLatency, tinyGraphs } from "./helpers";

const graphs = tinyGraphs(["resnet", "vgg", "squeezenet"], 10);
const samples = graphs.flatMap((s) => [
  { ...s, platform: "x86-2c/ort-cpu-1.30/fp32/t1", latencyMs: additiveLatency(s) },
  { ...s, platform: "x86-2c/ort-cpu-1.30/int8/t1", latencyMs: additiveLatency(s, 0.3) + 0.05 },
]);
const sparsePlatform = graphs.slice(0, 3).map((s) => ({ ...s, platform: "x86-2c/ort-wasm-1.30/fp32/t1", latencyMs: 1 }));
let report: EvalReport;
const logs: string[] = [];

beforeAll(async () => {
  await initTfNode();
  report = await runEvaluation([...samples, ...sparsePlatform], {
    methods: ["gnn", "flops-linear", "roofline"], splits: { random: true, lofo: ["vgg"], fewShot: ["x86-2c/ort-cpu-1.30/int8/t1"] },
    shots: [4, 8], gnn: { epochs: 2, batchSize: 8 }, fewShotSteps: 4, datasetName: "tiny", log: (m) => logs.push(m),
  });
}, 120_000);

describe("runEvaluation", () => {
  it("covers every split × platform × method", () => {
    // three methods and the guarded GNN (as served), on two platforms
    const random = report.rows.filter((r) => r.split === "random");
    expect(random).toHaveLength(4 * 2);
    expect(new Set(random.map((r) => r.method))).toEqual(new Set(["gnn", "gnn-guarded", "flops-linear", "roofline"]));
    expect(random.every((r) => r.metrics.coverage !== undefined)).toBe(true);
    expect(report.rows.filter((r) => r.split === "lofo").every((r) => r.fold === "vgg")).toBe(true);
    expect(report.rows.filter((r) => r.split === "lofo")).toHaveLength(4 * 2);
    const fs = report.fewShot;
    expect(new Set(fs.map((r) => r.n))).toEqual(new Set([4, 8]));
    expect(new Set(fs.map((r) => r.method))).toEqual(
      new Set(["gnn-finetune", "gnn-finetune-heads", "gnn-scratch", "flops-linear", "roofline"]),
    );
    for (const r of [...report.rows.map((x) => x.metrics), ...fs.map((x) => x.metrics)]) {
      expect(r.n).toBeGreaterThan(0);
      expect(Number.isFinite(r.mape)).toBe(true);
      expect(r.coverage).toBeDefined();
    }
    expect(report.dataset).toMatchObject({ name: "tiny", graphs: 30, families: ["resnet", "squeezenet", "vgg"] });
    expect(logs.some((l) => l.startsWith("random split"))).toBe(true);
    // a platform with 3 measured graphs is left out, and the report says so
    expect(report.dataset.platforms).not.toContain("x86-2c/ort-wasm-1.30/fp32/t1");
    expect(report.notes.join(" ")).toMatch(/left out .*ort-wasm-1\.30\/fp32\/t1 \(3\)/);
  });

  it("renders Markdown tables per split and platform", () => {
    const md = renderMarkdown(report);
    expect(md).toContain("## Random split");
    expect(md).toContain("### x86-2c/ort-cpu-1.30/int8/t1");
    expect(md).toContain("## Leave-one-family-out");
    expect(md).toContain("## Few-shot transfer");
    expect(md).toMatch(/\| FLOPs linear regression \| \d+ \| /);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe("mergeReports", () => {
  it("joins runs of different splits over one dataset and refuses different datasets", () => {
    const a = { ...report, rows: report.rows.filter((r) => r.split === "random"), fewShot: [], timings: { random: 2 } };
    const b = { ...report, rows: report.rows.filter((r) => r.split === "lofo"), timings: { random: 1, lofo: 3 } };
    const m = mergeReports([a, b]);
    expect(m.rows).toEqual([...a.rows, ...b.rows]);
    expect(m.fewShot).toEqual(report.fewShot);
    expect(m.timings).toEqual({ random: 3, lofo: 3 });
    expect(renderMarkdown(m)).toContain("## Leave-one-family-out");
    let err: unknown;
    try {
      mergeReports([a, { ...b, dataset: { ...b.dataset, samples: b.dataset.samples + 1 } }]);
    } catch (e) {
      err = e;
    }
    expect(isNnlqError(err) && err.code === "VALIDATION" && /different datasets: samples/.test(err.message)).toBe(true);
  });
});

describe("trainVersion", () => {
  it("trains on 90% and reports validation metrics per platform", async () => {
    const r = await trainVersion("flops-linear", samples, { seed: 2 });
    expect(r.trainSamples + r.valSamples).toBe(samples.length);
    expect(Object.keys(r.val).sort()).toEqual(["x86-2c/ort-cpu-1.30/fp32/t1", "x86-2c/ort-cpu-1.30/int8/t1"]);
    expect(r.valMape).toBeGreaterThan(0);
    expect(r.predictor.save().manifest).toMatchObject({
      format: "nnlq-predictor/1",
      method: "flops-linear",
      trainingSetSize: r.trainSamples,
    });
  });

  it("promotes a candidate only when it beats the current version on the same validation split", async () => {
    const r = await trainVersion("flops-mem-linear", samples, { seed: 2 });
    expect(shouldPromote(r, null).promote).toBe(true);
    const worse = new LinearPredictor("flops-linear", "old", Object.fromEntries(Object.keys(r.val).map((p) => [p, [1, 0.01]])));
    const vsWorse = shouldPromote(r, worse);
    expect(vsWorse.promote).toBe(true);
    expect(vsWorse.currentMape!).toBeGreaterThan(vsWorse.candidateMape);
    expect(shouldPromote(r, r.predictor).promote).toBe(false); // a tie keeps the current version
  });
});
