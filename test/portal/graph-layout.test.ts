/** The model page's graph layout and profile attribution, on real zoo graphs. */
import { describe, expect, it } from "vitest";
import { buildGraph, decodeModel } from "@/lib/onnx";
import { generate } from "@/lib/zoo";
import { layoutGraph, nodeTimes, NODE_W } from "@/lib/portal/graph-layout";
import { flattenEval, rankPredictors } from "@/lib/services/portal-model";

const irOf = (spec: object) => buildGraph(decodeModel(generate(spec)));

describe("layoutGraph", () => {
  for (const spec of [
    { family: "resnet", block: "bottleneck", depths: [3, 4, 6, 3], resolution: 64 },
    { family: "densenet", resolution: 64 },
    { family: "googlenet", resolution: 96 },
  ]) {
    it(`places every compute node once, edges pointing down, no overlaps: ${spec.family}`, () => {
      const ir = irOf(spec);
      const g = layoutGraph(ir);
      const compute = ir.nodes.filter((n) => !n.static);
      expect(g.nodes).toHaveLength(compute.length);
      expect(new Set(g.nodes.map((n) => n.name))).toEqual(new Set(compute.map((n) => n.name)));
      expect(g.edges.length).toBeGreaterThanOrEqual(g.nodes.length - 1);
      for (const [a, b] of g.edges) expect(g.nodes[b]!.y).toBeGreaterThan(g.nodes[a]!.y);
      const rows = new Map<number, number[]>();
      for (const n of g.nodes) rows.set(n.y, [...(rows.get(n.y) ?? []), n.x]);
      for (const xs of rows.values()) {
        xs.sort((p, q) => p - q);
        for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(NODE_W);
      }
      for (const n of g.nodes) {
        expect(n.x).toBeGreaterThanOrEqual(NODE_W / 2 - 1);
        expect(n.x).toBeLessThanOrEqual(g.width);
        expect(n.y).toBeLessThanOrEqual(g.height);
      }
    });
  }

  it("handles a 500+ operator graph", () => {
    const g = layoutGraph(irOf({ family: "densenet", blocks: [6, 12, 48, 32], resolution: 64 }));
    expect(g.nodes.length).toBeGreaterThan(500);
    expect(g.layers).toBeGreaterThan(100);
  });
});

describe("nodeTimes", () => {
  const g = layoutGraph(irOf({ family: "resnet", resolution: 64 }));
  const [conv, bn, relu] = g.nodes;

  it("splits a fused kernel's time over the nodes it was fused from", () => {
    const t = nodeTimes(g, { kernels: [{ name: conv!.name, opType: "Conv", medianUs: 90, fusedFrom: [conv!.name, bn!.name, relu!.name] }] });
    expect(t[0]).toBeCloseTo(30);
    expect(t[1]).toBeCloseTo(30);
    expect(t[2]).toBeCloseTo(30);
    expect(t.filter((x) => x < 0)).toHaveLength(g.nodes.length - 3);
  });

  it("reads release summaries ({op, ms, nodes}) and falls back to per-op-type totals", () => {
    expect(nodeTimes(g, { kernels: [{ name: "k", op: "Conv", ms: 0.05, nodes: [conv!.name] }] })[0]).toBeCloseTo(50);
    const convs = g.nodes.filter((n) => n.op === "Conv").length;
    const t = nodeTimes(g, { byOpType: { Conv: { count: 3, totalUs: 1000 } } });
    expect(t[0]).toBeCloseTo(1000 / convs);
    expect(t[1]).toBe(-1);
    expect(nodeTimes(g, null).every((x) => x === -1)).toBe(true);
  });
});

describe("evaluation documents", () => {
  const slug = "x86-2c/ort-cpu-1.30/fp32/t1";
  it("flattens row lists and nested split → platform → method objects alike", () => {
    const rows = flattenEval([{ split: "random", platform: slug, method: "gnn", mape: 2.1, acc10: 98 }]);
    expect(rows).toEqual([{ split: "random", platform: slug, method: "gnn", n: null, mape: 2.1, rmspe: null, acc5: null, acc10: 98, kendallTau: null }]);
    const nested = flattenEval({
      generatedAt: "2025-11-21",
      splits: { random: { [slug]: { gnn: { mape: 2, acc10: 97, n: 40 }, "flops-linear": { mape: 9, acc10: 60 } } }, "lofo:resnet": { [slug]: { gnn: { mape: 8, acc10: 70 } } } },
    });
    expect(nested).toHaveLength(3);
    expect(nested.find((r) => r.split === "lofo:resnet")?.method).toBe("gnn");
    const byMethodFirst = flattenEval({ gnn: { random: { [slug]: { mape: 3, acc10: 95 } } } });
    expect(byMethodFirst[0]).toMatchObject({ split: "random", platform: slug, method: "gnn" });
  });

  it("ranks methods per platform by Acc@10%, then MAPE", () => {
    const ranked = rankPredictors(
      flattenEval({ random: { [slug]: { a: { mape: 5, acc10: 90 }, b: { mape: 3, acc10: 90 }, gnn: { mape: 2, acc10: 99 } } } }),
    );
    expect(ranked[slug]!.map((r) => r.method)).toEqual(["gnn", "b", "a"]);
  });
});

describe("lib/predict evaluation reports", () => {
  it("keeps the random split, averages leave-one-family-out folds and lists few-shot shots", async () => {
    const { evalReportRows } = await import("@/lib/services/portal-model");
    const slug = "x86-2c/ort-cpu-1.30/fp32/t1";
    const m = (mape: number, acc10: number) => ({ n: 10, mape, rmspe: mape * 1.2, acc5: acc10 / 2, acc10, kendallTau: 0.9 });
    const rows = evalReportRows({
      rows: [
        { split: "random", fold: null, platform: slug, method: "gnn", metrics: m(2, 98) },
        { split: "lofo", fold: "resnet", platform: slug, method: "gnn", metrics: m(6, 80) },
        { split: "lofo", fold: "vit", platform: slug, method: "gnn", metrics: m(10, 60) },
      ],
      fewShot: [{ platform: slug, n: 32, method: "gnn-finetune", metrics: m(5, 91) }],
    });
    expect(rows.map((r) => r.split)).toEqual(["random", "lofo (mean)", "few-shot N=32", "lofo:resnet", "lofo:vit"]);
    const mean = rows.find((r) => r.split === "lofo (mean)")!;
    expect(mean).toMatchObject({ mape: 8, acc10: 70, n: 20 });
  });
});
