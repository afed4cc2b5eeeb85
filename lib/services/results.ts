/** Measurement results as the API shows them: statistics plus provenance (device, runtime, time, count). */
import type { DbOrTx } from "@/lib/db/client";
import type { Measurement } from "@/lib/db/schema";
import { latestMeasurementId, measurementsWithSource } from "@/lib/db/results";
import type { Provenance, Stats } from "@/lib/api/schemas/models";
import type { MeasurementQualityView } from "@/lib/api/schemas/common";
import type { QualityFilter } from "@/lib/quality";
import { cached, resultsKey } from "./read-cache";

/** A measurement's quality as readers see it (grade, label kind, clean runs / runs, CI, wall/CPU, interference, wait). */
export function qualityOf(
  m: Pick<
    Measurement,
    "grade" | "labelKind" | "protocol" | "cleanRuns" | "allRuns" | "runs" | "ciRel" | "wallCpuRatio" | "interferenceShare" | "waitMs"
  >,
): MeasurementQualityView {
  return {
    grade: m.grade,
    labelKind: m.labelKind,
    protocol: m.protocol,
    cleanRuns: m.cleanRuns,
    runs: m.allRuns ?? m.runs,
    ciRel: m.ciRel,
    wallCpuRatio: m.wallCpuRatio,
    interferenceShare: m.interferenceShare,
    waitMs: m.waitMs,
  };
}

export function statsOf(m: Measurement): Stats {
  return {
    medianMs: m.medianMs,
    meanMs: m.meanMs,
    minMs: m.minMs,
    maxMs: m.maxMs,
    p90Ms: m.p90Ms,
    p99Ms: m.p99Ms,
    stdMs: m.stdMs,
    cv: m.cv,
    runs: m.runs,
    warmups: m.warmups,
    peakMemoryBytes: m.peakMemoryBytes,
  };
}

export interface MeasuredResult {
  result: Stats;
  provenance: Provenance;
  quality: MeasurementQualityView;
}

/** Results of measurements by id (device host and the stored-run count filled in). */
export async function measuredResults(db: DbOrTx, ids: number[]): Promise<Map<number, MeasuredResult>> {
  const out = new Map<number, MeasuredResult>();
  for (const { m, hostName, count } of await measurementsWithSource(db, ids)) {
    out.set(m.id, {
      result: statsOf(m),
      provenance: {
        measurementId: m.id,
        jobId: m.jobId,
        device: m.deviceId && hostName ? { id: m.deviceId, hostName } : null,
        runtimeVersion: m.runtimeVersion,
        measuredAt: m.measuredAt.toISOString(),
        measurementCount: count ?? 1,
        deviceSeconds: m.deviceSeconds,
        env: m.env,
      },
      quality: qualityOf(m),
    });
  }
  return out;
}

/**
 * The kept measurement of a model × platform × batch (latest_measurements: the newest clean one where one
 * exists, else the newest), or null. `quality: "clean"` answers only a clean one (null otherwise); "all"
 * (the default) answers the kept row whatever its grade, its `quality` telling which. The cache keys on it.
 */
export async function latestResult(
  db: DbOrTx,
  { modelId, platformId, batch, quality = "all" }: { modelId: number; platformId: number; batch: number; quality?: QualityFilter },
): Promise<MeasuredResult | null> {
  return cached("results", resultsKey(quality, modelId, platformId, batch), async () => {
    const id = await latestMeasurementId(db, { modelId, platformId, batch });
    const r = id === null ? null : ((await measuredResults(db, [id])).get(id) ?? null);
    return r && (quality === "all" || r.quality.grade === "clean") ? r : null;
  });
}
