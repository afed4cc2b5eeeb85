import { describe, expect, it } from "vitest";
import { accWithin, computeMetrics, kendallTau, kendallTauWithin, mape, rmspe } from "@/lib/predict/metrics";

describe("metrics", () => {
  const truth = [1, 2, 4, 10];
  const pred = [1.1, 1.8, 4, 13];

  it("MAPE / RMSPE in percent", () => {
    // relative errors 0.1, 0.1, 0, 0.3
    expect(mape(pred, truth)).toBeCloseTo(12.5, 10);
    expect(rmspe(pred, truth)).toBeCloseTo(100 * Math.sqrt((0.01 + 0.01 + 0 + 0.09) / 4), 10);
  });

  it("Acc@k counts errors within ±k (boundary included)", () => {
    expect(accWithin(pred, truth, 0.1)).toBe(75);
    expect(accWithin(pred, truth, 0.05)).toBe(25);
    expect(accWithin(pred, truth, 0.3)).toBe(100);
  });

  it("Kendall τ-b, with ties (values checked against scipy.stats.kendalltau)", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // scipy: kendalltau([1,2,3,4,5],[3,1,2,5,4]) = 0.4
    expect(kendallTau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])).toBeCloseTo(0.4, 10);
    // scipy: kendalltau([1,1,2,3],[1,2,2,3]) = 0.8 (tau-b)
    expect(kendallTau([1, 1, 2, 3], [1, 2, 2, 3])).toBeCloseTo(0.8, 10);
    expect(kendallTau([1], [1])).toBeNaN();
  });

  it("Kendall τ within families averages per-family τ", () => {
    const fam = ["a", "a", "a", "b", "b", "c"];
    const t = [1, 2, 3, 1, 2, 5];
    const p = [1, 2, 3, 2, 1, 9];
    expect(kendallTauWithin(p, t, fam)).toBeCloseTo((1 + -1) / 2, 10); // c has one member: ignored
  });

  it("computeMetrics bundles everything and rejects length mismatches", () => {
    const m = computeMetrics(pred, truth);
    expect(m).toMatchObject({ n: 4, acc10: 75, acc5: 25 });
    expect(m.mape).toBeCloseTo(12.5, 10);
    expect(() => mape([1], [1, 2])).toThrow(/1 predictions for 2/);
  });
});
