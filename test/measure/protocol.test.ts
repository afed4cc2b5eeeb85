import { describe, expect, it } from "vitest";
import { medianCi, measureOnce, quantile, runProtocol, summarize } from "@/lib/measure/protocol";

/** A fake clock and run function: each run "takes" the next duration of the sequence (cycled). */
function fake(durations: number[], cpuShare = 1) {
  let t = 0, c = 0, i = 0;
  const now = () => t;
  const cpu = () => c;
  const run = async () => {
    const d = durations[i++ % durations.length];
    t += d;
    c += d * cpuShare;
  };
  return { now, cpu, run, calls: () => i };
}

describe("statistics", () => {
  it("summarizes samples with order statistics", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    const s = summarize(samples, 5, true);
    expect(s.min).toBe(1);
    expect(s.max).toBe(100);
    expect(s.median).toBeCloseTo(50.5);
    expect(s.mean).toBeCloseTo(50.5);
    expect(s.p90).toBeCloseTo(90.1);
    expect(s.p99).toBeCloseTo(99.01);
    expect(s.std).toBeCloseTo(29.011, 2);
    expect(s.cv).toBeCloseTo(29.011 / 50.5, 3);
    expect(s.runs).toBe(100);
    expect(s.warmups).toBe(5);
    expect(s.ciLow).toBeLessThan(s.median);
    expect(s.ciHigh).toBeGreaterThan(s.median);
  });

  it("gives a distribution-free CI of the median that narrows with n", () => {
    const gen = (n: number) => Array.from({ length: n }, (_, i) => i / n).sort((a, b) => a - b);
    const [lo1, hi1] = medianCi(gen(50));
    const [lo2, hi2] = medianCi(gen(5000));
    expect(hi1 - lo1).toBeGreaterThan(hi2 - lo2);
    expect(lo2).toBeLessThan(0.5);
    expect(hi2).toBeGreaterThan(0.5);
    // ±1.96·√n/2 order statistics: for n = 5000 about ±69 ranks → ±1.4% of the range
    expect(hi2 - lo2).toBeCloseTo(0.028, 2);
    expect(quantile([3, 1, 2].sort(), 0.5)).toBe(2);
  });
});

describe("protocol", () => {
  it("stops as soon as the median's CI is within ±1% on a steady device", async () => {
    const f = fake([10]);
    const r = await measureOnce(f.run, { timeBudgetMs: 100_000, minRuns: 10 }, f.now);
    expect(r.stats.converged).toBe(true);
    expect(r.stats.median).toBe(10);
    expect(r.stats.runs).toBe(10);
    expect(r.stats.warmups).toBeGreaterThanOrEqual(3);
    expect(r.stats.cv).toBe(0);
  });

  it("keeps measuring until the time budget when the CI target cannot be met", async () => {
    const f = fake([5, 15, 8, 12, 20, 3]);
    const r = await measureOnce(f.run, { timeBudgetMs: 2_000, targetRelCi: 0.001 }, f.now);
    expect(r.stats.converged).toBe(false);
    // warm-up takes 10% of the budget, then runs until the budget ends
    expect(f.now()).toBeGreaterThanOrEqual(2_000);
    expect(f.now()).toBeLessThan(2_100);
    expect(r.stats.runs).toBeGreaterThan(100);
  });

  it("still collects a few runs of a model slower than the budget", async () => {
    const f = fake([500]);
    const r = await measureOnce(f.run, { timeBudgetMs: 100 }, f.now);
    expect(r.stats.runs).toBe(3);
    expect(r.stats.warmups).toBe(1);
  });

  it("re-measures a noisy device and flags it when it never settles", async () => {
    const f = fake([1, 10]);
    const r = await runProtocol(f.run, { timeBudgetMs: 200, maxCv: 0.1, attempts: 3 }, f.now);
    expect(r.attempts).toBe(3);
    expect(r.noisy).toBe(true);
    expect(r.attemptCvs).toHaveLength(3);
    expect(r.stats.cv).toBeGreaterThan(0.1);
  });

  it("records CPU time per run next to wall time (a busy device shows wall ≫ CPU)", async () => {
    const f = fake([10], 0.25); // the process got a quarter of a CPU: 10 ms wall, 2.5 ms CPU
    const r = await runProtocol(f.run, { timeBudgetMs: 1_000 }, f.now, f.cpu);
    expect(r.stats.median).toBe(10);
    expect(r.cpu).toEqual({ median: 2.5, p90: 2.5, cv: 0 });
  });

  it("does not re-measure a calm device", async () => {
    const f = fake([10, 10.1, 9.9]);
    const r = await runProtocol(f.run, { timeBudgetMs: 1_000, maxCv: 0.1, attempts: 3 }, f.now);
    expect(r.attempts).toBe(1);
    expect(r.noisy).toBe(false);
    expect(r.samples.length).toBe(r.stats.runs);
  });
});
