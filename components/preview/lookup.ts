/**
 * Measured results of a stored model for the preview table: GET /api/v1/models/{id} → per platform the
 * newest result at the model's batch, with its provenance (when, which device, how many runs).
 */
import type { MeasuredResultView } from "@/lib/api/schemas/models";

export interface MeasuredView {
  medianMs: number;
  measuredAt: string;
  device: string | null;
  runs: number;
  /** runs of this model × platform × batch stored */
  measurementCount: number;
  /** the shown result's grade (clean / estimated / contended / legacy) */
  grade: MeasuredResultView["quality"]["grade"] | null;
}

export async function measuredOf(
  modelId: number,
  batch: number,
  { credentials = "same-origin" }: { credentials?: RequestCredentials } = {},
): Promise<Record<string, MeasuredView>> {
  const r = await fetch(`/api/v1/models/${modelId}`, { credentials });
  if (!r.ok)
    throw new Error(((await r.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${r.status}`);
  const body = (await r.json()) as { results: (MeasuredResultView & { platform: string; batch: number })[] };
  return Object.fromEntries(
    body.results
      .filter((x) => x.batch === batch)
      .map((x) => [
        x.platform,
        {
          medianMs: x.result.medianMs,
          measuredAt: x.provenance.measuredAt,
          device: x.provenance.device?.hostName ?? null,
          runs: x.result.runs,
          measurementCount: x.provenance.measurementCount,
          grade: x.quality?.grade ?? null,
        },
      ]),
  );
}
