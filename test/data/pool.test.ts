/**
 * lib/measure/pool.ts with real onnxruntime: one persistent child serves many measurements; a crash, a hang
 * (timeout) or an abort costs one measurement and a restart, not the caller; recycling after maxJobs.
 */
import { afterAll, describe, expect, it } from "vitest";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { MeasurePool } from "@/lib/measure/pool";
import { generate, validateSpec } from "@/lib/zoo";

const host = detectHost();
const slug = localPlatforms(host)[0]!.slug;
const bytes = generate(validateSpec({ family: "alexnet", resolution: 64 }));
const pool = new MeasurePool({ maxJobs: 3 });
const o = { timeBudgetMs: 60, host, profileRuns: 3 };

afterAll(() => pool.close());

describe("MeasurePool", () => {
  it("serves measurements one at a time from one child, and recycles it after maxJobs", { timeout: 120_000 }, async () => {
    const rs = await Promise.all([1, 2, 3].map(() => pool.run(bytes, slug, o)));
    for (const r of rs) {
      expect(r.platform).toBe(slug);
      expect(r.stats.median).toBeGreaterThan(0);
      expect(r.profile?.kernels.length).toBeGreaterThan(0);
    }
    expect(pool.stats).toMatchObject({ starts: 1, jobs: 3 });
    await pool.run(bytes, slug, o);
    expect(pool.stats.starts).toBe(2);
  });

  it("turns a crash and a hang into typed errors and keeps serving", { timeout: 120_000 }, async () => {
    await expect(pool.run(bytes, slug, { ...o, env: { NNLQ_MEASURE_FAULT: "abort" } })).rejects.toMatchObject({
      code: "MEASUREMENT_FAILED",
      details: { signal: "SIGABRT" },
    });
    await expect(pool.run(bytes, slug, { ...o, timeoutMs: 4000, env: { NNLQ_MEASURE_FAULT: "hang" } })).rejects.toMatchObject({
      code: "MEASUREMENT_TIMEOUT",
    });
    const ac = new AbortController();
    const aborted = pool.run(bytes, slug, { ...o, signal: ac.signal, env: { NNLQ_MEASURE_FAULT: "hang" } });
    setTimeout(() => ac.abort(), 1500);
    await expect(aborted).rejects.toMatchObject({ code: "MEASUREMENT_FAILED", details: { aborted: true } });
    expect((await pool.run(bytes, slug, o)).stats.median).toBeGreaterThan(0);
  });

  it("refuses a platform this host does not serve", async () => {
    await expect(pool.run(bytes, "arm-99c/ort-cpu-1.30/fp32/t1", o)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
