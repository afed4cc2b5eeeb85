/**
 * What a worker sends for a finished measurement: lib/measure's MeasurementResult → the protocol's result
 * body (stats in ms, kernel profile, provenance), and any error → the protocol's failure body.
 */
import { isNnlqError, publicErrorText } from "@/lib/errors";
import type { MeasurementResult } from "@/lib/measure/measure";
import type { PlatformSpec } from "@/lib/measure/platforms";
import type { MeasurementQuality } from "@/lib/measure/protocol";
import type { ResultQuality, WorkerFailure, WorkerResult } from "@/lib/api/schemas/worker";

const round = (x: number, digits = 6) => Number(x.toFixed(digits));
/** a quality figure for JSON: NaN / Infinity (unknown) → null */
const fig = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

/** Protocol v2's quality report as the result body carries it (v1 results: none; the server stores them as legacy). */
export function qualityBody(q: MeasurementQuality | undefined): ResultQuality | undefined {
  if (!q || q.protocol !== 2 || q.grade === "legacy" || q.labelKind === "wall-v1") return undefined;
  return {
    protocol: 2,
    grade: q.grade,
    labelKind: q.labelKind,
    cleanRuns: q.cleanRuns,
    runs: q.runs,
    ciRel: fig(q.ciRel),
    wallCpuRatio: fig(q.wallCpuRatio),
    interferenceShare: fig(q.interferenceShare),
    runqShare: fig(q.runqShare),
    nivcsw: fig(q.nivcsw),
    waitMs: fig(q.waitMs),
    windows: fig(q.windows),
    cleanWindows: fig(q.cleanWindows),
    cpuMedianMs: fig(q.cpuMedianMs),
    wallMedianAllMs: fig(q.wallMedianAllMs),
  };
}

export function resultBody(r: MeasurementResult): WorkerResult {
  const s = r.stats;
  return {
    runtimeVersion: r.runtimeVersion,
    stats: {
      medianMs: s.median,
      meanMs: s.mean,
      minMs: s.min,
      maxMs: s.max,
      p90Ms: s.p90,
      p99Ms: s.p99,
      stdMs: s.std,
      cv: s.cv,
      runs: s.runs,
      warmups: s.warmups,
    },
    peakMemoryBytes: Math.round(r.memory.ortInUsePeakBytes ?? r.memory.peakRssBytes) || undefined,
    profile: r.profile
      ? {
          runs: r.profile.runs,
          runMedianUs: r.profile.runMedianUs,
          kernelSumUs: r.profile.kernelSumUs,
          byOpType: r.profile.byOpType,
          byKernelType: r.profile.byKernelType,
          kernels: r.profile.kernels.map((k) => ({
            name: k.name,
            op: k.opType,
            kernelType: k.kernelType,
            provider: k.provider,
            ms: round(k.medianUs / 1000),
            meanMs: round(k.meanUs / 1000),
            share: round(k.share),
            nodes: k.fusedFrom,
            inputShapes: k.inputShapes,
            outputShapes: k.outputShapes,
            inputTypes: k.inputTypes,
          })),
        }
      : undefined,
    env: {
      host: r.host,
      // CPU time per run and wall/CPU ratio: > 1 means the CPU was shared while measuring
      cpu: r.cpu,
      // protocol v2's grade and interference figures (lib/measure/protocol.ts MeasurementQuality), kept as
      // provenance; the top-level `quality` is what the server stores in the quality columns
      quality: r.quality,
      precision: r.precision,
      threads: r.threads,
      inputs: r.inputs,
      pinnedCpu: r.pinnedCpu,
      noisy: r.noisy,
      measurementAttempts: r.attempts,
      attemptCvs: r.attemptCvs,
      ciRel: s.ciRel,
      converged: s.converged,
      sessionCreateMs: r.sessionCreateMs,
      memory: r.memory,
      precisionCheck: r.precisionCheck,
      conversion: r.conversion,
      durationMs: r.durationMs,
    },
    quality: qualityBody(r.quality),
    deviceSeconds: round(r.durationMs / 1000, 3),
    measuredAt: r.measuredAt,
  };
}

const MAX_MESSAGE = 3900;

/**
 * The failure report of an error thrown while measuring. Nothing a model causes is retried (an operator the
 * platform lacks, an invalid model, a runtime crash or hang repeats on every attempt). The message only:
 * a stack trace (a measuring child sends one for unexpected errors) names files of this host and stays in
 * the worker's log (the loop logs it); the server cleans what it stores too.
 */
export function failureBody(e: unknown, platform: Pick<PlatformSpec, "slug">, deviceSeconds: number): WorkerFailure {
  if (isNnlqError(e)) {
    const details = { ...(e.details ?? {}) };
    if (typeof details.stderr === "string") details.stderr = details.stderr.slice(-2000);
    return {
      code: e.code,
      message: publicErrorText(e.message, MAX_MESSAGE),
      retry: false,
      deviceSeconds: round(deviceSeconds, 3),
      details,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: "MEASUREMENT_FAILED",
    message: publicErrorText(`measuring on ${platform.slug} failed: ${message}`, MAX_MESSAGE),
    retry: false,
    deviceSeconds: round(deviceSeconds, 3),
  };
}
