/** The model page's graph feed, dagre layout adapter and profile attribution, on real zoo graphs. */
import { describe, expect, it } from "vitest";
import { computeCost, decodeModel, inferShapes } from "@/lib/onnx";
import { generate } from "@/lib/zoo";
import { graphFeed, LAYOUT_CAP, layoutGraph, layoutInput, nodeTimes, sectionOf, type GraphFeed } from "@/lib/portal/graph-layout";
import { flattenEval, rankPredictors } from "@/lib/services/portal-model";

const irOf = (spec: object) => inferShapes(decodeModel(generate(spec)));
const feedOf = (spec: object) => {
  const ir = irOf(spec);
  return { ir, feed: graphFeed(ir, computeCost(ir)) };
};
const RESNET50 = { family: "resnet", block: "bottleneck", depths: [3, 4, 6, 3], resolution: 224 };

/** Every edge points down (target rank below source rank), no two boxes overlap, edges start/end at their boxes. */
function checkLayout(feed: GraphFeed) {
  const { input, edgeIds } = layoutInput(feed);
  const r = layoutGraph(input);
  expect(r.nodes).toHaveLength(feed.nodes.length);
  expect(r.edges).toHaveLength(feed.edges.length);
  expect(edgeIds).toEqual(feed.edges.map((_, k) => k));
  for (const e of feed.edges) {
    const a = r.nodes[e.from]!;
    const b = r.nodes[e.to]!;
    expect(b.y - b.h / 2, `${feed.nodes[e.from]!.name} → ${feed.nodes[e.to]!.name}`).toBeGreaterThan(a.y + a.h / 2);
  }
  r.edges.forEach((e, k) => {
    const a = r.nodes[feed.edges[k]!.from]!;
    const b = r.nodes[feed.edges[k]!.to]!;
    const first = e.points[0]!;
    const last = e.points[e.points.length - 1]!;
    // each end of the route is on its box's border (dagre clips at the box), the start above the end
    const onBorder = (p: { x: number; y: number }, n: typeof a) =>
      Math.max(Math.abs(p.x - n.x) / (n.w / 2), Math.abs(p.y - n.y) / (n.h / 2));
    expect(onBorder(first, a)).toBeCloseTo(1, 1);
    expect(onBorder(last, b)).toBeCloseTo(1, 1);
    expect(last.y).toBeGreaterThan(first.y);
    // the shape label sits between the two boxes
    expect(e.ly).toBeGreaterThan(a.y);
    expect(e.ly).toBeLessThan(b.y);
  });
  const sorted = [...r.nodes].sort((p, q) => p.y - q.y || p.x - q.x);
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length && sorted[j]!.y - sorted[i]!.y < 60; j++) {
      const p = sorted[i]!;
      const q = sorted[j]!;
      const apart = Math.abs(p.x - q.x) >= (p.w + q.w) / 2 || Math.abs(p.y - q.y) >= (p.h + q.h) / 2;
      expect(apart).toBe(true);
    }
  for (const n of r.nodes) {
    expect(n.x - n.w / 2).toBeGreaterThanOrEqual(0);
    expect(n.x + n.w / 2).toBeLessThanOrEqual(r.width + 0.5);
    expect(n.y + n.h / 2).toBeLessThanOrEqual(r.height + 0.5);
  }
  return r;
}

describe("graphFeed", () => {
  it("keeps every compute node once, adds graph inputs and outputs, and one edge per produced→consumed tensor", () => {
    const { ir, feed } = feedOf(RESNET50);
    const compute = ir.nodes.filter((n) => !n.static);
    const ops = feed.nodes.filter((n) => n.kind === "op");
    expect(feed.ops).toBe(compute.length);
    expect(new Set(ops.map((n) => n.name))).toEqual(new Set(compute.map((n) => n.name)));
    expect(feed.nodes.filter((n) => n.kind === "input").map((n) => n.name)).toEqual(ir.inputs);
    expect(feed.nodes.filter((n) => n.kind === "output").map((n) => n.name)).toEqual(ir.outputs);
    // every activation input of every operator arrives on an edge from its producer
    const index = new Map(feed.nodes.map((n, i) => [n, i]));
    let expected = 0;
    for (const n of ops) {
      for (const t of n.inputs.filter((x) => x.kind === "activation" || x.kind === "input")) {
        expected++;
        expect(feed.edges.some((e) => e.to === index.get(n) && e.tensor === t.name)).toBe(true);
      }
    }
    expect(feed.edges.length).toBe(expected + ir.outputs.length);
    for (const e of feed.edges) {
      expect(e.from).toBeLessThan(e.to); // topological order
      expect(feed.nodes[e.from]!.outputs.map((o) => o.name)).toContain(e.tensor);
    }
  });

  it("puts the tensor shapes on the edges and the attributes, shapes and costs on the nodes", () => {
    const { feed } = feedOf(RESNET50);
    const input = feed.nodes[0]!;
    expect(input).toMatchObject({ kind: "input", op: "Input" });
    const first = feed.edges.find((e) => e.from === 0)!;
    expect(first.shape).toBe("1×3×224×224");
    const stem = feed.nodes[first.to]!;
    expect(stem.op).toBe("Conv");
    expect(Object.fromEntries(stem.attrs)).toMatchObject({ kernel_shape: "[7, 7]", strides: "[2, 2]" });
    expect(stem.inputs.find((t) => t.kind === "weight")?.shape).toBe("64×3×7×7");
    expect(stem.outputs[0]!.shape).toBe("1×64×112×112");
    expect(stem.macs).toBe(64 * 112 * 112 * 3 * 7 * 7);
    expect(stem.params).toBeGreaterThanOrEqual(64 * 3 * 7 * 7);
    // every edge of a shape-inferred graph has a shape label
    expect(feed.edges.every((e) => e.shape && /^\d+(×\d+)*$/.test(e.shape))).toBe(true);
  });
});

describe("layoutGraph (dagre adapter)", () => {
  for (const spec of [
    RESNET50,
    { family: "densenet", resolution: 64 },
    { family: "googlenet", resolution: 96 },
    { family: "vit", depth: 2, resolution: 64 },
  ]) {
    it(`ranks respect every edge, every edge is routed with its shape, no overlaps: ${spec.family}`, () => {
      checkLayout(feedOf(spec).feed);
    });
  }

  it("lays out a section of a big graph with only the edges inside it", () => {
    const { feed } = feedOf({ family: "densenet", blocks: [6, 12, 48, 32], resolution: 64 });
    expect(feed.nodes.length).toBeGreaterThan(500);
    const { input, edgeIds } = layoutInput(feed, 100, 300);
    expect(input.nodes).toHaveLength(200);
    for (const k of edgeIds) expect(feed.edges[k]!.from >= 100 && feed.edges[k]!.to < 300).toBe(true);
    const inside = feed.edges.filter((e) => e.from >= 100 && e.from < 300 && e.to >= 100 && e.to < 300).length;
    expect(edgeIds).toHaveLength(inside);
    expect(layoutGraph(input).nodes).toHaveLength(200);
    expect(sectionOf(LAYOUT_CAP + 5, 4000)).toEqual({ start: LAYOUT_CAP, end: 2 * LAYOUT_CAP });
    expect(sectionOf(3999, 4000, 1500)).toEqual({ start: 3000, end: 4000 });
  });

  it("times: ResNet-50 and a ~1,000-operator BERT-style encoder", () => {
    for (const [label, spec] of [
      ["ResNet-50", RESNET50],
      ["DenseNet-121", { family: "densenet", resolution: 224 }],
      ["ViT/BERT-style encoder, 32 blocks", { family: "vit", depth: 32, resolution: 224 }],
    ] as const) {
      const { feed } = feedOf(spec);
      const cpu = process.cpuUsage();
      const r = layoutGraph(layoutInput(feed).input);
      const cpuMs = Math.round((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000);
      console.log(
        `[graph-layout] ${label}: ${feed.nodes.length} nodes, ${feed.edges.length} edges (${r.edges.filter((e) => e.long).length} ` +
          `long), dagre ${r.ms} ms wall, ${cpuMs} ms CPU, ${Math.round(r.width)}×${Math.round(r.height)} px`,
      );
      if (label.startsWith("ViT")) expect(feed.ops).toBeGreaterThan(1000);
    }
  }, 120_000);
});

describe("nodeTimes", () => {
  const { feed: g } = feedOf({ family: "resnet", resolution: 64 });
  const [conv, bn, relu] = g.nodes.filter((n) => n.kind === "op");
  const at = (n: typeof conv) => g.nodes.indexOf(n!);

  it("splits a fused kernel's time over the nodes it was fused from", () => {
    const t = nodeTimes(g, {
      kernels: [{ name: conv!.name, opType: "Conv", medianUs: 90, fusedFrom: [conv!.name, bn!.name, relu!.name] }],
    });
    expect(t[at(conv)]).toBeCloseTo(30);
    expect(t[at(bn)]).toBeCloseTo(30);
    expect(t[at(relu)]).toBeCloseTo(30);
    expect(t.filter((x) => x < 0)).toHaveLength(g.nodes.length - 3);
  });

  it("reads release summaries ({op, ms, nodes}) and falls back to per-op-type totals; io nodes get no time", () => {
    expect(nodeTimes(g, { kernels: [{ name: "k", op: "Conv", ms: 0.05, nodes: [conv!.name] }] })[at(conv)]).toBeCloseTo(50);
    const convs = g.nodes.filter((n) => n.op === "Conv").length;
    const t = nodeTimes(g, { byOpType: { Conv: { count: 3, totalUs: 1000 } } });
    expect(t[at(conv)]).toBeCloseTo(1000 / convs);
    expect(t[at(bn)]).toBe(-1);
    expect(nodeTimes(g, null).every((x) => x === -1)).toBe(true);
    const input = g.nodes.findIndex((n) => n.kind === "input");
    expect(nodeTimes(g, { kernels: [{ name: g.nodes[input]!.name, op: "X", ms: 1 }] })[input]).toBe(-1);
  });
});

describe("evaluation documents", () => {
  const slug = "x86-2c/ort-cpu-1.30/fp32/t1";
  it("flattens row lists and nested split → platform → method objects alike", () => {
    const rows = flattenEval([{ split: "random", platform: slug, method: "gnn", mape: 2.1, acc10: 98, coverage: 94 }]);
    expect(rows).toEqual([
      {
        split: "random", platform: slug, method: "gnn", n: null, mape: 2.1, rmspe: null, acc5: null, acc10: 98, acc25: null, coverage: 94,
        kendallTau: null,
      },
    ]);
    const nested = flattenEval({
      generatedAt: "2025-11-21",
      splits: {
        random: { [slug]: { gnn: { mape: 2, acc10: 97, n: 40 }, "flops-linear": { mape: 9, acc10: 60 } } },
        "lofo:resnet": { [slug]: { gnn: { mape: 8, acc10: 70 } } },
      },
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
