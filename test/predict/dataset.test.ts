import { describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import { compactProfile, mapKernels, parseJsonl, samplesFromRelease, samplesFromRows, type DataRow } from "@/lib/predict/dataset";
import { fewShotSplit, leaveOneFamilyOut, randomSplit } from "@/lib/predict/splits";
import { sampleSpecs } from "@/lib/zoo";
import { tinyGraphs } from "./helpers";

const spec = sampleSpecs("resnet", 1, 5, { batch: 1, resolution: 32 })[0];

function row(over: Partial<DataRow> = {}): DataRow {
  return {
    spec,
    family: "resnet",
    platform: "x86-2c/ort-cpu-1.30/fp32/t1",
    batch: 1,
    stats: { median: 2, min: 1.5 },
    cpu: { median: 1.8 },
    profile: {
      kernelSumUs: 30,
      kernels: [
        { name: "Relu_2_nchwc", op: "Conv", type: "Conv+Relu", us: 20, nodes: ["Relu_2", "BatchNormalization_1", "Conv_0", "not-a-node"] },
        { name: "ReorderOutput", op: "ReorderOutput", type: "ReorderOutput", us: 10, nodes: [] },
      ],
    },
    ...over,
  };
}

describe("profiles", () => {
  it("repairs profiles that gave a 3-D MatMul+Add→Gemm fusion to the generated Reshape, and claims kept Transposes", () => {
    const names = ["Transpose_2", "MatMul_11", "Add_12", "Reshape_13", "Softmax_14"];
    const ops = ["Transpose", "MatMul", "Add", "Reshape", "Softmax"];
    const profile = compactProfile({ kernels: [
      ["Transpose_2", "Transpose", null, 0.03, []],
      ["gemm_input_reshape", "Reshape", null, 0.004, []],
      ["MatMul_11/MatMulAddFusion", "Gemm", null, 1.3, []],
      ["gemm_output_reshape_new_reshape", "Reshape", null, 0.02, ["Reshape_13", "Add_12", "MatMul_11"]],
      ["Softmax_14", "Softmax", null, 0.07, ["Softmax_14"]],
    ] })!;
    const fixed = mapKernels(profile, names, ops);
    expect(fixed.map((k) => k.rows)).toEqual([[0], [], [1, 2], [3], [4]]);
    // without op types (or for a profile already mapped right) nothing moves
    expect(mapKernels(profile, names).map((k) => k.rows)).toEqual([[], [], [], [1, 2, 3], [4]]);
  });

  it("normalises lib/measure, database and release kernel shapes", () => {
    const measure = compactProfile({
      runs: 5,
      kernels: [{ name: "a", opType: "Conv", kernelType: "Conv+Relu", medianUs: 12, fusedFrom: ["x"] }],
    });
    const db = compactProfile({ kernels: [{ name: "a", op: "Conv", kernelType: "Conv+Relu", ms: 0.012, nodes: ["x"] }] });
    const release = compactProfile({
      kernels: [
        ["a", "Conv", "Conv+Relu", 0.012, ["x"]],
        ["b", "Add", null, 0.001, []],
      ],
    });
    const want = { name: "a", op: "Conv", type: "Conv+Relu", us: 12, nodes: ["x"] };
    expect(measure?.kernels[0]).toEqual(want);
    expect(db?.kernels[0]).toMatchObject({ ...want, us: expect.closeTo(12, 6) });
    expect(release?.kernels[0]).toMatchObject({ ...want, us: expect.closeTo(12, 6) });
    expect(release?.kernels[1].type).toBe("Add");
    expect(release?.kernelSumUs).toBeCloseTo(13, 6);
    expect(compactProfile(null)).toBeNull();
    expect(compactProfile({ nope: 1 })).toBeNull();
  });
});

describe("JSONL dev data", () => {
  it("parses rows and names the first bad line", () => {
    const text = [JSON.stringify(row()), "", JSON.stringify({ ...row(), stats: undefined, medianMs: 3 })].join("\n");
    const rows = parseJsonl(text);
    expect(rows).toHaveLength(2);
    expect(rows[1].stats.median).toBe(3);
    for (const [bad, why] of [
      ["{nope", "line 2: not JSON"],
      ["[1]", "line 2: not a JSON object"],
      [JSON.stringify({ ...row(), stats: { median: 0 } }), "line 2: missing or non-positive"],
      [JSON.stringify({ ...row(), platform: "" }), "line 2: missing platform"],
    ]) {
      let err: unknown;
      try {
        parseJsonl(`${JSON.stringify(row())}\n${bad}`);
      } catch (e) {
        err = e;
      }
      expect(isNnlqError(err) && err.code).toBe("VALIDATION");
      expect((err as Error).message).toContain(why);
    }
  });

  it("regenerates the graph from the spec and maps kernels to feature rows by node name", () => {
    const [s] = samplesFromRows([row()]);
    expect(s.features.numNodes).toBeGreaterThan(10);
    expect(s.graph.nodeNames).toHaveLength(s.features.numNodes);
    expect(s.latencyMs).toBe(2);
    const conv = s.kernels![0];
    expect(conv.rows.map((r) => s.graph.nodeNames[r]).sort()).toEqual(["BatchNormalization_1", "Conv_0", "Relu_2"]);
    expect(s.kernels![1].rows).toEqual([]);
    expect(s.kernelSumUs).toBe(30);
  });

  it("labels by median, min or CPU time; samples of one spec share their graph", () => {
    const rows = [row(), row({ platform: "x86-2c/ort-cpu-1.30/int8/t1" })];
    expect(samplesFromRows(rows, { label: "min" })[0].latencyMs).toBe(1.5);
    expect(samplesFromRows(rows, { label: "cpu" })[0].latencyMs).toBe(1.8);
    expect(samplesFromRows(rows, { label: "best" })[0].latencyMs).toBe(1.5);
    expect(samplesFromRows([row({ cpu: { median: 1.2 } })], { label: "best" })[0].latencyMs).toBe(1.2);
    const [a, b] = samplesFromRows(rows);
    expect(a.graph).toBe(b.graph);
  });

  it("reports specs that fail without stopping", () => {
    const seen: unknown[] = [];
    expect(() => samplesFromRows([row({ spec: { family: "resnet", depth: "deep" } })])).toThrow(/invalid resnet spec/);
    const ok = samplesFromRows([row(), row({ spec: { family: "resnet", depth: "deep" } })], { onError: (_r, e) => seen.push(e) });
    expect(ok).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(isNnlqError(seen[0]) && seen[0].code).toBe("VALIDATION");
  });
});

describe("data release (issue 6 format)", () => {
  it("joins measurements to specs, regenerates at the measured batch, merges repeats by the median", () => {
    const model = { hash: "h1", family: "resnet", batch: 1, zooSpec: spec };
    const m = (medianMs: number, measuredAt: string, batch = 1) => ({
      model: "h1",
      platform: "p",
      batch,
      measuredAt,
      stats: { medianMs, minMs: medianMs / 2 },
      profile: { kernels: [["Relu_2_nchwc", "Conv", "Conv+Relu", 0.01, ["Conv_0"]]] },
    });
    const samples = samplesFromRelease(
      [model, { hash: "corpus", family: "other", batch: 1, zooSpec: null, storageKey: "corpus:networks/x.onnx" }],
      [
        m(1, "2026-01-01"),
        m(3, "2026-01-02"),
        m(2, "2026-01-03"),
        m(8, "2026-01-01", 2),
        { model: "corpus", platform: "p", batch: 1, stats: { medianMs: 1 } },
        { model: "unknown", platform: "p", batch: 1, stats: { medianMs: 1 } },
      ],
    );
    expect(samples).toHaveLength(2); // the corpus model has no resolver; the unknown hash is skipped
    const b1 = samples.find((s) => s.batch === 1)!,
      b2 = samples.find((s) => s.batch === 2)!;
    expect(b1.latencyMs).toBe(2);
    expect(b2.features.graph.batch).toBe(2);
    expect(b1.graph.key).not.toBe(b2.graph.key);
    expect(b1.kernels![0].rows).toEqual([b1.graph.nodeNames.indexOf("Conv_0")]);
    // min label: a quiet re-measurement wins over disturbed ones (smallest minimum, not their median)
    const byMin = samplesFromRelease([model], [m(1, "2026-01-01"), m(3, "2026-01-02"), m(2, "2026-01-03")], { label: "min" });
    expect(byMin.map((s) => s.latencyMs)).toEqual([0.5]);
  });
});

describe("splits", () => {
  const graphs = tinyGraphs(["resnet", "mobilenetv2", "vgg", "squeezenet"], 10);
  const samples = graphs.flatMap((s) => [{ ...s, platform: "a" }, { ...s, platform: "b" }]);

  it("random 80/10/10 by graph: disjoint, complete, deterministic", () => {
    const sp = randomSplit(samples, { seed: 3 });
    const keys = (l: typeof samples) => new Set(l.map((s) => s.graph.key));
    const [tr, va, te] = [keys(sp.train), keys(sp.val), keys(sp.test)];
    expect(tr.size + va.size + te.size).toBe(40);
    expect([...te].some((k) => tr.has(k) || va.has(k))).toBe(false);
    expect(tr.size).toBe(32);
    expect(sp.train.length + sp.val.length + sp.test.length).toBe(samples.length);
    expect(randomSplit(samples, { seed: 3 }).test.map((s) => s.graph.key)).toEqual(sp.test.map((s) => s.graph.key));
  });

  it("leave-one-family-out holds out exactly one family", () => {
    const sp = leaveOneFamilyOut(samples, "vgg");
    expect(new Set(sp.test.map((s) => s.family))).toEqual(new Set(["vgg"]));
    expect([...sp.train, ...sp.val].some((s) => s.family === "vgg")).toBe(false);
    expect(sp.val.length).toBeGreaterThan(0);
  });

  it("few-shot: the test graphs do not depend on N; shots and test are disjoint", () => {
    const a = fewShotSplit(samples, "b", 4), b = fewShotSplit(samples, "b", 16);
    expect(a.test.map((s) => s.graph.key)).toEqual(b.test.map((s) => s.graph.key));
    expect(a.shots).toHaveLength(4);
    expect(b.shots).toHaveLength(16);
    const test = new Set(b.test.map((s) => s.graph.key));
    expect(b.shots.some((s) => test.has(s.graph.key))).toBe(false);
    expect([...b.pretrain, ...b.preval].every((s) => s.platform === "a")).toBe(true);
  });
});
