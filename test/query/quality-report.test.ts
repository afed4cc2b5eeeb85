/** The worker's result body carries protocol v2's quality at the top level (NaN figures as null); v1 results none. */
import { describe, expect, it } from "vitest";
import { qualityBody } from "@/workers/measure/report";
import { resultBody, resultQuality } from "@/lib/api/schemas/worker";
import type { MeasurementQuality } from "@/lib/measure/protocol";

const q: MeasurementQuality = {
  protocol: 2,
  grade: "contended",
  labelKind: "wall-contended",
  cleanRuns: 0,
  runs: 12,
  ciRel: Number.NaN,
  wallCpuRatio: 2.4,
  interferenceShare: 0.55,
  runqShare: Number.NaN,
  nivcsw: 40,
  waitMs: 30_000,
  windows: 4,
  cleanWindows: 0,
  cpuMedianMs: 91.8,
  wallMedianAllMs: 220,
};

describe("result quality", () => {
  it("maps MeasurementQuality to the body's quality, NaN → null, and the schema accepts it", () => {
    const body = qualityBody(q)!;
    expect(body).toMatchObject({ protocol: 2, grade: "contended", labelKind: "wall-contended", ciRel: null, runqShare: null, wallCpuRatio: 2.4 });
    expect(resultQuality.parse(body)).toEqual(body);
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it("a v1 result has none; the result schema treats it as optional and refuses a legacy grade", () => {
    expect(qualityBody({ ...q, protocol: 1, grade: "legacy", labelKind: "wall-v1" })).toBeUndefined();
    expect(qualityBody(undefined)).toBeUndefined();
    const base = {
      runtimeVersion: "1.30.0",
      stats: { medianMs: 1, meanMs: 1, minMs: 1, p90Ms: 1, p99Ms: 1, stdMs: 0, runs: 3, warmups: 1 },
      deviceSeconds: 1,
    };
    expect(resultBody.safeParse(base).success).toBe(true);
    const bad = resultBody.safeParse({ ...base, quality: { ...qualityBody(q), grade: "legacy" } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("grade");
  });
});
