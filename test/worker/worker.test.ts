/** The worker's pure parts: options, backoff, the fault hook, result/failure bodies, platform selection. */
import { describe, expect, it } from "vitest";
import { NnlqError } from "@/lib/errors";
import { detectHost } from "@/lib/measure/host";
import type { MeasurementResult } from "@/lib/measure/measure";
import { resultBody as resultSchema, failBody as failSchema } from "@/lib/api/schemas/worker";
import { parseWorkerArgs } from "@/workers/measure/cli";
import { Worker, backoffMs, faultEnv, transient } from "@/workers/measure/loop";
import { platformSpecInput, selectPlatforms } from "@/workers/measure/platforms";
import { failureBody, resultBody } from "@/workers/measure/report";
import { registerBody } from "@/lib/api/schemas/worker";

const host = detectHost();

describe("worker options", () => {
  it("reads flags and environment", () => {
    const o = parseWorkerArgs(["--platform", "a,b", "--platform", "c", "--budget-ms", "150", "--ci-target", "0", "--wait", "5"], {
      NNLQ_URL: "http://x:1",
      NNLQ_WORKER_TOKEN: "tok",
    });
    expect(o).toMatchObject({
      url: "http://x:1",
      workerToken: "tok",
      platforms: ["a", "b", "c"],
      budgetMs: 150,
      ciTarget: 0,
      waitSeconds: 5,
      list: false,
    });
    expect(parseWorkerArgs([], {}).url).toBe("http://localhost:3000");
  });

  it("refuses bad values with a typed error", () => {
    expect(() => parseWorkerArgs(["--budget-ms", "fast"], {})).toThrow(/--budget-ms must be an integer in 10…600000, got 'fast'/);
    expect(() => parseWorkerArgs(["--wait", "31"], {})).toThrow(/--wait must be an integer in 0…30/);
    expect(() => parseWorkerArgs(["--budget-ms", "1e3"], {})).toThrow(/--budget-ms must be an integer in 10…600000, got .1e3./);
    expect(() => parseWorkerArgs(["--wait", "0x10"], {})).toThrow(/--wait must be an integer/);
    expect(() => parseWorkerArgs(["--ci-target", "2"], {})).toThrow(/--ci-target must be a number in 0…1/);
    expect(() => parseWorkerArgs(["--frobnicate"], {})).toThrow(NnlqError);
    expect(() => new Worker({ url: "http://localhost:3000", workerToken: "" })).toThrow(/a worker token is required/);
    expect(() => new Worker({ url: "ftp://x", workerToken: "t" })).toThrow(/not an http\(s\) URL/);
    expect(() => new Worker({ url: "http://localhost:1", workerToken: "t", platforms: ["x86-999c/ort-cpu-1.30/fp32/t1"] })).toThrow(
      /not served by this host/,
    );
  });
});

describe("backoff and retries", () => {
  it("grows exponentially with jitter and stays capped", () => {
    const b = { minMs: 500, maxMs: 15_000 };
    expect(backoffMs(1, b, () => 0.5)).toBe(500);
    expect(backoffMs(3, b, () => 0.5)).toBe(2000);
    expect(backoffMs(50, b, () => 0.5)).toBe(15_000);
    for (let n = 1; n < 40; n++) {
      const v = backoffMs(n, b);
      expect(v).toBeGreaterThanOrEqual(400);
      expect(v).toBeLessThanOrEqual(18_000);
    }
  });

  it("retries only what waiting can fix", () => {
    expect(transient(new NnlqError("UNREACHABLE", "down"))).toBe(true);
    expect(transient(new NnlqError("DB_UNAVAILABLE", "db"))).toBe(true);
    expect(transient(new NnlqError("BAD_REQUEST", "proxy", { status: 502 }))).toBe(true);
    expect(transient(new NnlqError("LEASE_LOST", "gone", { status: 409 }))).toBe(false);
    expect(transient(new NnlqError("INVALID_WORKER_TOKEN", "no", { status: 401 }))).toBe(false);
  });

  it("applies the fault hook only to models with the given hash prefix", () => {
    expect(faultEnv("abcdef01", "abcd:abort")).toEqual({ NNLQ_MEASURE_FAULT: "abort" });
    expect(faultEnv("abcdef01", "abce:abort")).toBeUndefined();
    expect(faultEnv("abcdef01", "abcd:explode")).toBeUndefined();
    expect(faultEnv("abcdef01", undefined)).toBeUndefined();
  });
});

describe("platforms", () => {
  it("serves every local platform by default and registers valid specs", () => {
    const all = selectPlatforms(host);
    expect(all.length).toBe(host.cores > 1 ? 4 : 3);
    const body = registerBody.parse({ hostName: "h", platforms: all.map(platformSpecInput) });
    expect(body.platforms.map((p) => p.slug)).toEqual(all.map((p) => p.slug));
  });

  it("refuses duplicates and platforms of other hosts", () => {
    const [first] = selectPlatforms(host);
    expect(() => selectPlatforms(host, [first!.slug, first!.slug])).toThrow(/listed twice/);
    expect(() => selectPlatforms(host, ["arm-64c/ort-cpu-1.30/fp32/t1"])).toThrow(/not served by this host/);
  });
});

describe("result and failure bodies", () => {
  const measured = {
    platform: "x86-2c/ort-cpu-1.30/fp32/t1",
    runtime: "ort-cpu",
    runtimeVersion: "1.30.0",
    precision: "fp32",
    threads: 1,
    batch: 1,
    inputs: { input: [1, 3, 32, 32] },
    stats: {
      min: 0.9,
      median: 1,
      mean: 1.05,
      p90: 1.2,
      p99: 1.4,
      max: 1.6,
      std: 0.1,
      cv: 0.095,
      ciLow: 0.99,
      ciHigh: 1.01,
      ciRel: 0.01,
      runs: 120,
      warmups: 5,
      converged: true,
    },
    attempts: 1,
    noisy: false,
    attemptCvs: [0.095],
    sessionCreateMs: 12,
    conversion: [],
    memory: { peakRssBytes: 50_000_000, baselineRssBytes: 40_000_000, peakResetApplied: true, ortInUsePeakBytes: 1_000_000 },
    profile: {
      runs: 3,
      runMedianUs: 1100,
      kernelSumUs: 1000,
      kernels: [
        {
          name: "conv_1",
          opType: "Conv",
          kernelType: "Conv+Relu",
          provider: "CPU",
          medianUs: 800,
          meanUs: 820,
          share: 0.8,
          inputShapes: [[1, 3, 32, 32]],
          outputShapes: [[1, 8, 32, 32]],
          inputTypes: ["float"],
          fusedFrom: ["conv", "relu"],
        },
      ],
      byOpType: {},
      byKernelType: {},
    },
    precisionCheck: { precision: "fp32", int8Kernels: 0, int8Share: 0 },
    pinnedCpu: 1,
    host: { hostname: "h", cpuModel: "cpu", cores: 2, arch: "x64", memoryBytes: 1, kernel: "k", nodeVersion: "v", cpuFlags: [] },
    measuredAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1234,
  } as unknown as MeasurementResult;

  it("maps a measurement to a result the server accepts", () => {
    const body = resultSchema.parse(resultBody(measured));
    expect(body.stats).toMatchObject({ medianMs: 1, p90Ms: 1.2, p99Ms: 1.4, runs: 120, warmups: 5, cv: 0.095 });
    expect(body.deviceSeconds).toBe(1.234);
    expect(body.peakMemoryBytes).toBe(1_000_000);
    expect(body.profile!.kernels[0]).toMatchObject({ name: "conv_1", op: "Conv", ms: 0.8, nodes: ["conv", "relu"] });
    expect(body.env).toMatchObject({ noisy: false, pinnedCpu: 1 });
  });

  it("reports errors with their code and never retries what the model causes", () => {
    const slug = { slug: "x86-2c/ort-cpu-1.30/fp32/t1" };
    const u = failSchema.parse(failureBody(new NnlqError("UNSUPPORTED_OPERATOR", "operator X is not supported on platform Y"), slug, 0.5));
    expect(u).toMatchObject({ code: "UNSUPPORTED_OPERATOR", retry: false, deviceSeconds: 0.5 });
    const crash = failSchema.parse(
      failureBody(new NnlqError("MEASUREMENT_FAILED", "killed by SIGABRT", { stderr: "x".repeat(5000) }), slug, 1),
    );
    expect((crash.details!.stderr as string).length).toBe(2000);
    expect(failureBody(new Error("boom"), slug, 0)).toMatchObject({
      code: "MEASUREMENT_FAILED",
      message: `measuring on ${slug.slug} failed: boom`,
      retry: false,
    });
  });
});
