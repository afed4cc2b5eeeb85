/**
 * The portal's prediction badge (latency ± 2σ, regime with reasons on hover, "measure this one" when the
 * interval is wide or the graph extrapolated) and the predictors page's calibration view, rendered on the
 * server.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PredictionBadge, shouldMeasure } from "@/components/portal/prediction-badge";
import { CalibrationView } from "@/components/portal/predictor-calibration";

const render = (p: Parameters<typeof PredictionBadge>[0]) => renderToStaticMarkup(createElement(PredictionBadge, p));

describe("PredictionBadge", () => {
  it("in distribution with a narrow interval: value ± 2σ and the regime, no measure link", () => {
    const html = render({ latencyMs: 10, uncertaintyMs: 1, regime: "in-distribution", reasons: [], analyticalMs: 9 });
    expect(html).toContain("10.00");
    expect(html).toContain("± 2.00"); // 2σ
    expect(html).toContain('data-regime="in-distribution"');
    expect(html).toContain("in-distribution");
    expect(html).not.toContain("measure this one");
    expect(html).toMatch(/title="±2σ: 8\.00–12\.00 ms/);
  });

  it("extrapolated: the reasons on hover and a link to measure it", () => {
    const html = render({
      latencyMs: 70, uncertaintyMs: 5, regime: "extrapolated", reasons: ["op types not seen in training: DepthToSpace"], analyticalMs: 65,
      measureHref: "/query?model=7",
    });
    expect(html).toMatch(/title="Extrapolated — op types not seen in training: DepthToSpace\. .*Analytical estimate .*65\.00 ms\."/);
    expect(html).toContain('href="/query?model=7"');
    expect(html).toContain("measure this one");
    expect(html).toContain('data-wide="true"');
  });

  it("a wide interval (half-width over 50%) asks for a measurement even without a regime; no σ, no interval", () => {
    expect(shouldMeasure({ latencyMs: 10, uncertaintyMs: 2.6 })).toBe(true);
    expect(shouldMeasure({ latencyMs: 10, uncertaintyMs: 2.5 })).toBe(false);
    const wide = render({ latencyMs: 10, uncertaintyMs: 3 });
    expect(wide).toContain('href="/query"');
    const none = render({ latencyMs: 10, uncertaintyMs: null });
    expect(none).not.toContain("±");
    expect(none).not.toContain("measure this one");
  });
});

describe("CalibrationView (the predictors page)", () => {
  const P = "x86-zen3-avx2-2c/ort-cpu-1.30/fp32/t1";
  const m = (coverage: number, n = 20) => ({ n, mape: 5, rmspe: 6, acc5: 50, acc10: 80, acc25: 95, kendallTau: 0.9, coverage });
  it("shows the version's validation coverage per platform and the coverage of every split, marked against 90–98%", () => {
    const html = renderToStaticMarkup(
      createElement(CalibrationView, {
        manifest: {
          version: "gnn-1", method: "gnn", platforms: [P],
          metrics: { validation: { [P]: m(95.5, 44) } },
          guard: { mode: "guard", platforms: { [P]: { floorMs: 0.05, analytical: { form: "relative-nnls" }, calibration: { spread: "ensemble", factor: 3.2, n: 44, coverage: 95.5 } } } },
        },
        report: {
          rows: [
            { split: "random", fold: null, platform: P, method: "gnn-guarded", metrics: m(96) },
            { split: "lofo", fold: "vgg", platform: P, method: "gnn-guarded", metrics: m(80, 10) },
            { split: "lofo", fold: "resnet", platform: P, method: "gnn-guarded", metrics: m(100, 30) },
            { split: "real-world", fold: null, platform: P, method: "gnn-guarded", metrics: m(70) },
          ],
          fewShot: [],
        },
      }),
    );
    expect(html).toContain("Served version gnn-1 (gnn)");
    expect(html).toMatch(new RegExp(`data-testid="validation-coverage-${P.replace(/\//g, "\\/")}"[^>]*><span[^>]*data-in-band="true">95.5%`));
    expect(html).toContain("3.20");
    expect(html).toContain("gnn (guarded, as served)");
    // lofo pooled by n: (80·10 + 100·30) / 40 = 95
    expect(html).toMatch(/data-in-band="true">95\.0%/);
    expect(html).toMatch(/data-in-band="false">70\.0%/);
    expect(html).toContain("real-world (zoo → corpus)");
  });

  it("says when there is no predictor, no guard, or no calibration figures", () => {
    expect(renderToStaticMarkup(createElement(CalibrationView, { manifest: null, report: null }))).toContain("No predictor has been trained yet");
    const old = renderToStaticMarkup(createElement(CalibrationView, { manifest: { version: "gnn-0", platforms: [P] }, report: { rows: [] } }));
    expect(old).toContain("trained before predictions were guarded");
    expect(old).toContain("no calibration figures yet");
  });
});
