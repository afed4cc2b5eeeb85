/** Campaign plans (deterministic, stratified, prefix-spread) and the release's compact profiles. */
import { describe, expect, it } from "vitest";
import { familyPlan, releaseStages, spreadOrder, stageItems } from "@/lib/services/campaign";
import { compactProfile, expandProfile } from "@/lib/services/release";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { paramCount, structureKey, ZOO_FAMILIES } from "@/lib/zoo";

describe("spreadOrder", () => {
  it("is a permutation whose prefixes spread over the range", () => {
    for (const n of [1, 2, 7, 150]) expect([...spreadOrder(n)].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    const o = spreadOrder(150);
    // the first 4 picks fall in 4 different quarters, the first 8 put two in each quarter
    const quarter = (i: number) => Math.floor(((i + 0.5) * 4) / 150);
    expect(new Set(o.slice(0, 4).map(quarter)).size).toBe(4);
    const counts = [0, 0, 0, 0];
    for (const i of o.slice(0, 8)) counts[quarter(i)]!++;
    expect(counts).toEqual([2, 2, 2, 2]);
  });
});

describe("familyPlan", () => {
  it("is deterministic, distinct, batch 1, and stratified over the size range", () => {
    const a = familyPlan("resnet", 40, 5);
    const b = familyPlan("resnet", 40, 5);
    expect(a.map(structureKey)).toEqual(b.map(structureKey));
    expect(new Set(a.map(structureKey)).size).toBe(40);
    expect(a.every((s) => s.batch === 1)).toBe(true);
    // the first 8 specs span small and large members (size proxy), not one corner of the space
    const proxy = a.map((s) => paramCount(s) * s.resolution ** 2);
    const sorted = [...proxy].sort((x, y) => x - y);
    const first = proxy.slice(0, 8);
    expect(Math.min(...first)).toBeLessThanOrEqual(sorted[10]!);
    expect(Math.max(...first)).toBeGreaterThanOrEqual(sorted[29]!);
    expect(familyPlan("resnet", 40, 6).map(structureKey)).not.toEqual(a.map(structureKey));
  });

  it("reaches 150 distinct batch-1 specs in every family, EfficientNet included", { timeout: 120_000 }, () => {
    for (const f of ZOO_FAMILIES) expect(new Set(familyPlan(f).map(structureKey)).size, f).toBe(150);
  });
});

describe("release stages", () => {
  it("put t1 batch 1 first, every local platform, and a batch-8 subset of at least 300 models", () => {
    const plats = localPlatforms(detectHost());
    const stages = releaseStages(plats);
    expect(stages[0]!.platform).toBe(plats[0]!.slug);
    expect(stages[0]!.batch).toBe(1);
    expect(stages[0]!.perFamily * stages[0]!.families.length).toBeGreaterThanOrEqual(150 * 16);
    for (const p of plats) expect(stages.some((s) => s.platform === p.slug && s.perFamily >= 100)).toBe(true);
    const b8 = stages.find((s) => s.batch === 8)!;
    const items = stageItems(b8);
    expect(items.length).toBeGreaterThanOrEqual(300);
    expect(items.every((i) => i.spec!.batch === 8)).toBe(true);
    // round-robin: the first 16 items are one per family
    expect(new Set(items.slice(0, 16).map((i) => i.family)).size).toBe(16);
  });
});

describe("compact profiles", () => {
  const full = {
    runs: 10,
    runMedianUs: 300.5,
    kernelSumUs: 280,
    byOpType: { Conv: { count: 2, totalUs: 250, share: 0.89 } },
    byKernelType: { "Conv+Relu": { count: 1, totalUs: 200, share: 0.71 } },
    kernels: [
      {
        name: "Relu_2_nchwc",
        op: "Conv",
        kernelType: "Conv+Relu",
        provider: "CPUExecutionProvider",
        ms: 0.2,
        meanMs: 0.21,
        share: 0.71,
        nodes: ["Relu_2", "Conv_0"],
        inputShapes: [[1, 3, 8, 8]],
        outputShapes: [[1, 4, 8, 8]],
        inputTypes: ["float"],
      },
      {
        name: "Conv_3",
        op: "Conv",
        kernelType: "Conv",
        provider: "CPUExecutionProvider",
        ms: 0.05,
        meanMs: 0.05,
        share: 0.18,
        nodes: ["Conv_3"],
        inputShapes: [],
        outputShapes: [],
        inputTypes: [],
      },
    ],
  };
  it("keeps per-op totals and one tuple per kernel, and compacting an expanded profile is the identity", () => {
    const c = compactProfile(full)!;
    expect(c.kernels).toEqual([
      ["Relu_2_nchwc", "Conv", "Conv+Relu", 0.2, ["Relu_2", "Conv_0"]],
      ["Conv_3", "Conv", null, 0.05, ["Conv_3"]],
    ]);
    expect(c.byOpType).toEqual(full.byOpType);
    expect(JSON.stringify(compactProfile(expandProfile(c)))).toBe(JSON.stringify(c));
    expect(JSON.stringify(c).length).toBeLessThan(JSON.stringify(full).length / 1.5);
  });
  it("returns null for anything that is not a profile", () => {
    expect(compactProfile(null)).toBeNull();
    expect(compactProfile({ kernels: "x" })).toBeNull();
  });
});
