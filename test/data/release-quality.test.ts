/**
 * Pure parts of release format 2: repeatability from re-measured samples (the figure docs/data-release.md
 * reports per platform), the quality of a protocol-1 row, a v2 result's env.quality, and the history rewrite
 * of a single line (idempotent).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  historyLine,
  legacyQuality,
  PART_BYTES,
  qualityOfEnv,
  readRelease,
  repeatability,
  writeRelease,
  type ReleaseMeasurement,
  type ReleaseModel,
} from "@/lib/services/release";

const m = (model: string, platform: string, at: string, median: number, min = median, grade: "clean" | "legacy" | "contended" = "clean") =>
  ({
    model,
    platform,
    batch: 1,
    measuredAt: at,
    runtimeVersion: "1.30.0",
    stats: {
      medianMs: median,
      meanMs: median,
      minMs: min,
      maxMs: null,
      p90Ms: median,
      p99Ms: median,
      stdMs: 0,
      cv: 0,
      runs: 10,
      warmups: 2,
    },
    peakMemoryBytes: null,
    deviceSeconds: 1,
    quality: { protocol: grade === "legacy" ? 1 : 2, grade, labelKind: "wall-clean" },
    env: null,
    profile: null,
  }) as ReleaseMeasurement;

describe("repeatability", () => {
  it("takes |Δ|/latency between the two newest selected measurements of each pair, per platform × batch", () => {
    const P = "x86-zen3-avx2-2c/ort-cpu-1.30/fp32/t1";
    const Q = "x86-zen3-avx2-2c/ort-cpu-1.30/fp32/t2";
    const rows = [
      m("a", P, "2026-12-07T10:00:00.000Z", 100, 90),
      m("a", P, "2026-12-07T09:00:00.000Z", 50), // oldest: ignored (two newest are 10:00 and 11:00)
      m("a", P, "2026-12-07T11:00:00.000Z", 102, 99),
      m("b", P, "2026-12-07T10:00:00.000Z", 10),
      m("b", P, "2026-12-07T11:00:00.000Z", 11),
      m("b", P, "2026-12-07T12:00:00.000Z", 30, 30, "contended"), // not clean: not selected
      m("c", P, "2026-12-07T10:00:00.000Z", 5), // measured once: no pair
      m("d", Q, "2026-12-07T10:00:00.000Z", 20),
      m("d", Q, "2026-12-07T10:30:00.000Z", 19),
    ];
    const r = repeatability(rows, (x) => x.quality.grade === "clean");
    expect(r.map((g) => [g.platform, g.batch, g.pairs])).toEqual([
      [P, 1, 2],
      [Q, 1, 1],
    ]);
    // P: |102-100|/100 = 0.02 and |11-10|/10 = 0.1 → median 0.06, p90 0.092, max 0.1; min latency: 0.1 and 0.1
    expect(r[0]!.medianRel.median).toBeCloseTo(0.06, 10);
    expect(r[0]!.medianRel.p90).toBeCloseTo(0.092, 10);
    expect(r[0]!.medianRel.max).toBeCloseTo(0.1, 10);
    expect(r[0]!.minRel.median).toBeCloseTo(0.1, 10);
    expect(r[1]!.medianRel.median).toBeCloseTo(0.05, 10);
    expect(repeatability(rows, (x) => x.quality.grade === "legacy")).toEqual([]);
  });
});

describe("quality of stored rows", () => {
  it("grades a protocol-1 row legacy; CPU median and wall/CPU only where the CPU time is one thread's", () => {
    const env = { ciRel: 0.04, cpu: { median: 8 } };
    expect(legacyQuality({ medianMs: 10, runs: 7 }, env, 1)).toEqual({
      protocol: 1,
      grade: "legacy",
      labelKind: "wall-v1",
      cleanRuns: null,
      runs: 7,
      ciRel: 0.04,
      wallCpuRatio: 1.25,
      interferenceShare: null,
      runqShare: null,
      waitMs: null,
      cpuMedianMs: 8,
    });
    expect(legacyQuality({ medianMs: 10, runs: 7 }, env, 2)).toMatchObject({ wallCpuRatio: null, cpuMedianMs: null });
    expect(legacyQuality({ medianMs: 10, runs: 7 }, null, 1)).toMatchObject({ ciRel: null, cpuMedianMs: null });
  });

  it("reads a v2 worker's env.quality, and refuses a missing or malformed one", () => {
    const q = { protocol: 2, grade: "contended", labelKind: "wall-contended", cleanRuns: 0, runs: 40, ciRel: null, wallCpuRatio: 1.6 };
    expect(qualityOfEnv({ quality: { ...q, interferenceShare: 0.3, runqShare: 0.2, waitMs: 9000, cpuMedianMs: 5, nivcsw: 9 } })).toEqual({
      protocol: 2,
      grade: "contended",
      labelKind: "wall-contended",
      cleanRuns: 0,
      runs: 40,
      ciRel: null,
      wallCpuRatio: 1.6,
      interferenceShare: 0.3,
      runqShare: 0.2,
      waitMs: 9000,
      cpuMedianMs: 5,
    });
    expect(qualityOfEnv(null)).toBeNull();
    expect(qualityOfEnv({ quality: { ...q, protocol: 1 } })).toBeNull();
    expect(qualityOfEnv({ quality: { ...q, grade: "great" } })).toBeNull();
    expect(qualityOfEnv({ quality: { ...q, grade: "legacy" } })).toBeNull();
  });

  it("rewrites one v1 line to its identity and is the identity on a history line", () => {
    const host = { cpuModel: "AMD EPYC", cores: 2, arch: "x64", cpuFlags: ["avx2", "fma", "avx512f", "avx512_bf16"] };
    const v1 = {
      ...m("a", "x86-epyc-2c/ort-wasm-1.30/fp32/t1", "2026-11-21T20:00:00.000Z", 30),
      quality: undefined as unknown as ReleaseMeasurement["quality"],
      env: { host, cpu: { median: 29 }, conversion: [{ name: "set-shapes" }], memory: {} },
      profile: { kernels: [] },
    };
    const h = historyLine(v1, 1);
    expect(h.platform).toBe("x86-zen4-avx512-2c/ort-wasm-1.30/fp32/t1");
    expect(h.profile).toBeNull();
    expect(h.env).toEqual({ host, cpu: { median: 29 }, formerPlatform: "x86-epyc-2c/ort-wasm-1.30/fp32/t1" });
    expect(h.quality).toMatchObject({ protocol: 1, grade: "legacy", labelKind: "wall-v1", cpuMedianMs: 29 });
    expect(historyLine(h, 1)).toEqual(h);
    // an AVX2-only EPYC (no AVX-512) is not the v1 host: the identity follows the recorded flags
    const zen3 = historyLine(
      { ...v1, env: { host: { ...host, cpuFlags: ["avx2", "fma"], cpuVendor: "AuthenticAMD", cpuFamily: 25, cpuModelNumber: 1 } } },
      1,
    );
    expect(zen3.platform).toBe("x86-zen3-avx2-2c/ort-wasm-1.30/fp32/t1");
  });
});

describe("writeRelease", () => {
  it("cuts a platform's file into the fewest equal parts under PART_BYTES; reading gives every row back in order", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-release-parts-"));
    try {
      const P = "x86-zen3-avx2-2c/ort-cpu-1.30/fp32/t1";
      const rows = Array.from({ length: 2400 }, (_, i) => ({
        ...m(`h${String(i).padStart(5, "0")}`, P, "2026-12-07T10:00:00.000Z", 1 + i),
        // incompressible kernels: ~2 kB of gzip per row, ~5 MB for the platform
        profile: { kernels: [[randomBytes(2000).toString("base64"), "Conv", null, 0.1, []] as [string, string, null, number, string[]]] },
      }));
      const models = rows.map((r) => ({ hash: r.model, family: "vgg", zooSpec: {}, storageKey: null }) as unknown as ReleaseModel);
      const platform = {
        slug: P,
        name: P,
        hardware: "x86-zen3-avx2-2c",
        runtime: "ort-cpu",
        runtimeVersion: "1.30",
        precision: "fp32" as const,
        threads: 1,
        config: { adapter: "ort-cpu", passes: [] },
        description: null,
        active: true,
      };
      const man = writeRelease(dir, { platforms: [platform], models, measurements: [...rows].reverse() });
      const parts = Object.keys(man.files).filter((f) => f.startsWith("measurements."));
      expect(parts).toEqual([
        "measurements.x86-zen3-avx2-2c.ort-cpu-1.30.fp32.t1.part1.jsonl.gz",
        "measurements.x86-zen3-avx2-2c.ort-cpu-1.30.fp32.t1.part2.jsonl.gz",
      ]);
      for (const f of parts) expect(man.files[f]!.bytes).toBeLessThanOrEqual(PART_BYTES);
      expect(man.counts).toMatchObject({ measurements: 2400, byGrade: { clean: 2400 } });
      expect(man.clean).toEqual({ measurements: 2400, results: 2400, models: 2400 });
      expect(readRelease(dir).measurements.map((x) => x.model)).toEqual(rows.map((x) => x.model)); // sorted by model hash
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
