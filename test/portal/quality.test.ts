/**
 * Measurement quality on the portal, rendered on the server: the grade badge (one per grade, its meaning in
 * the title), the figures line, the "clean measurements only — show all" notice, and the model page body
 * showing the shown measurement's grade and every stored measurement with its own.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { GradeBadge, QualityCell, QualityNotice, qualityFigures } from "@/components/portal/quality";
import { ModelView } from "@/components/portal/model-view";
import type { MeasurementQualityView } from "@/lib/api/schemas/common";
import type { ModelPageData } from "@/lib/services/portal-model";
import { GRADES, GRADE_TEXT } from "@/lib/quality";

const clean: MeasurementQualityView = {
  grade: "clean",
  labelKind: "wall-clean",
  protocol: 2,
  cleanRuns: 38,
  runs: 40,
  ciRel: 0.006,
  wallCpuRatio: 1.02,
  interferenceShare: 0.005,
  waitMs: 1500,
};
const contended: MeasurementQualityView = {
  ...clean,
  grade: "contended",
  labelKind: "wall-contended",
  cleanRuns: 0,
  ciRel: null,
  wallCpuRatio: 1.8,
  interferenceShare: 0.4,
  waitMs: 30_000,
};
const legacy: MeasurementQualityView = {
  grade: "legacy",
  labelKind: "wall-v1",
  protocol: 1,
  cleanRuns: null,
  runs: 3,
  ciRel: null,
  wallCpuRatio: null,
  interferenceShare: null,
  waitMs: null,
};

describe("grade badge and figures", () => {
  it("a badge per grade, marked for tests and explained in its title", () => {
    for (const g of GRADES) {
      const html = renderToStaticMarkup(createElement(GradeBadge, { grade: g }));
      expect(html).toContain(`data-grade="${g}"`);
      expect(html).toContain(`>${g}</span>`);
      expect(html).toContain(GRADE_TEXT[g]);
    }
  });

  it("figures: clean runs / runs, ±CI, wall/CPU, interference, wait; a v1 row says what it lacks", () => {
    expect(qualityFigures(clean)).toBe("38/40 clean runs · ±0.6% CI · wall/CPU 1.02 · interference 0.5% · waited 1.5 s");
    expect(qualityFigures(contended)).toBe("0/40 clean runs · wall/CPU 1.80 · interference 40% · waited 30.0 s");
    expect(qualityFigures(legacy)).toBe("3 runs (protocol v1)");
    const cell = renderToStaticMarkup(createElement(QualityCell, { quality: contended }));
    expect(cell).toContain('data-grade="contended"');
    expect(cell).toContain("0/40 clean runs");
  });

  it("the notice: clean only with a link to show all, or all with a link back", () => {
    const hrefOf = (q: string | undefined) => (q ? `/browse?quality=${q}` : "/browse");
    const c = renderToStaticMarkup(createElement(QualityNotice, { quality: "clean", hrefOf }));
    expect(c).toContain("Clean measurements only —");
    expect(c).toMatch(/href="\/browse\?quality=all"[^>]*>show all</);
    const a = renderToStaticMarkup(createElement(QualityNotice, { quality: "all", hrefOf }));
    expect(a).toContain("never ranked");
    expect(a).toMatch(/href="\/browse"[^>]*>clean measurements only</);
  });
});

describe("model page body", () => {
  it("shows the kept measurement's grade and figures, and every stored measurement with its grade", () => {
    const stats = { medianMs: 10, meanMs: 10.1, minMs: 9.8, maxMs: 12, p90Ms: 10.5, p99Ms: 11, stdMs: 0.1, cv: 0.01, runs: 40, warmups: 5 };
    const withMem = { ...stats, peakMemoryBytes: null };
    const data: ModelPageData = {
      model: {
        id: 7,
        hash: "a".repeat(64),
        name: "resnet-q",
        family: "resnet",
        familyConfidence: 0.9,
        batch: 1,
        inputShapes: { input: [1, 3, 224, 224] },
        opset: 13,
        flops: 1e9,
        macs: 5e8,
        params: 1e6,
        memoryAccess: 4e6,
        activationMemory: 1e6,
        nodeCount: 20,
        opHistogram: { Conv: 10 },
        visibility: "public",
        source: "zoo",
        ownedByCaller: false,
        onnxBytes: null,
        createdAt: "2026-12-01T00:00:00.000Z",
        familyLabel: "ResNet",
      },
      results: [
        {
          platform: "x86-zen3-avx2-2c/ort-cpu-1.30/fp32/t1",
          platformName: "test",
          batch: 1,
          stats: withMem,
          quality: clean,
          measurementId: 2,
          measuredAt: "2026-12-02T00:00:00.000Z",
          runtimeVersion: "1.30.0",
          env: null,
          deviceSeconds: 2,
          history: [
            { measurementId: 1, medianMs: 11, measuredAt: "2026-12-01T00:00:00.000Z", runtimeVersion: "1.30.0", cv: 0.02, quality: legacy },
            { measurementId: 2, medianMs: 10, measuredAt: "2026-12-02T00:00:00.000Z", runtimeVersion: "1.30.0", cv: 0.01, quality: clean },
            { measurementId: 3, medianMs: 19, measuredAt: "2026-12-03T00:00:00.000Z", runtimeVersion: "1.30.0", cv: 0.2, quality: contended },
          ],
          opShare: null,
        },
      ],
      predictions: [],
      similar: [],
      outputs: null,
      graph: null,
      graphError: "The structure of this model is not stored.",
    };
    const html = renderToStaticMarkup(createElement(ModelView, { data }));
    const row = /data-testid="measured-x86-zen3-avx2-2c\/ort-cpu-1.30\/fp32\/t1-1" data-grade="clean"/;
    expect(html).toMatch(row);
    expect(html).toContain("38/40 clean runs · ±0.6% CI");
    const history = [...html.matchAll(/data-testid="history-row" data-grade="(\w+)"/g)].map((m) => m[1]);
    expect(history).toEqual(["legacy", "clean", "contended"]);
    expect(html).toContain("0/40 clean runs · wall/CPU 1.80 · interference 40%");
  });
});
