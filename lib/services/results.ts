/** Measurement results as the API shows them: statistics plus provenance (device, runtime, time, count). */
import type { DbOrTx } from "@/lib/db/client";
import type { Measurement } from "@/lib/db/schema";
import { latestMeasurementId, measurementsWithSource } from "@/lib/db/results";
import type { Provenance, Stats } from "@/lib/api/schemas/models";
import { cached } from "./read-cache";

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
    });
  }
  return out;
}

/** The newest measurement of a model × platform × batch, or null. */
export async function latestResult(
  db: DbOrTx,
  { modelId, platformId, batch }: { modelId: number; platformId: number; batch: number },
): Promise<MeasuredResult | null> {
  return cached("results", `${modelId}|${platformId}|${batch}`, async () => {
    const id = await latestMeasurementId(db, { modelId, platformId, batch });
    return id === null ? null : ((await measuredResults(db, [id])).get(id) ?? null);
  });
}
