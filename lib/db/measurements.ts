/**
 * Measurements: every run is kept; `latest_measurements` (one row per model × platform × batch, with
 * denormalised model columns for the browse indexes) is updated in the same transaction.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "./client";
import { latestMeasurements, measurements, models, type Measurement, type NewMeasurement } from "./schema";

export async function recordMeasurement(db: DbOrTx, input: NewMeasurement): Promise<Measurement> {
  return db.transaction(async (tx) => {
    const [model] = await tx.select().from(models).where(eq(models.id, input.modelId)).limit(1);
    if (!model) throw new NnlqError("NOT_FOUND", `model ${input.modelId} not found`);
    const [res] = await tx.insert(measurements).values(input);
    const [m] = await tx.select().from(measurements).where(eq(measurements.id, res.insertId));
    const row = m!;
    await tx
      .insert(latestMeasurements)
      .values({
        modelId: row.modelId,
        platformId: row.platformId,
        batch: row.batch,
        measurementId: row.id,
        medianMs: row.medianMs,
        measurementCount: 1,
        family: model.family,
        flops: model.flops,
        params: model.params,
        visibility: model.visibility,
        ownerTeamId: model.ownerTeamId,
        source: model.source,
        measuredAt: row.measuredAt,
      })
      .onDuplicateKeyUpdate({
        set: {
          // keep the newest run by measured_at (an imported older run only bumps the count)
          measurementId: sql`IF(VALUES(measured_at) >= ${latestMeasurements.measuredAt}, VALUES(measurement_id), ${latestMeasurements.measurementId})`,
          medianMs: sql`IF(VALUES(measured_at) >= ${latestMeasurements.measuredAt}, VALUES(median_ms), ${latestMeasurements.medianMs})`,
          measuredAt: sql`GREATEST(VALUES(measured_at), ${latestMeasurements.measuredAt})`,
          measurementCount: sql`${latestMeasurements.measurementCount} + 1`,
        },
      });
    return row;
  });
}

/** All runs of one model on one platform and batch, newest first (history, repeatability). */
export async function listMeasurementHistory(
  db: DbOrTx,
  { modelId, platformId, batch }: { modelId: number; platformId: number; batch: number },
): Promise<Measurement[]> {
  return db
    .select()
    .from(measurements)
    .where(and(eq(measurements.modelId, modelId), eq(measurements.platformId, platformId), eq(measurements.batch, batch)))
    .orderBy(desc(measurements.measuredAt), desc(measurements.id));
}

/** Keeps the denormalised copy in step when a model's visibility or owner changes. */
export async function syncLatestModelColumns(db: DbOrTx, { modelId }: { modelId: number }): Promise<void> {
  const [model] = await db.select().from(models).where(eq(models.id, modelId)).limit(1);
  if (!model) return;
  await db
    .update(latestMeasurements)
    .set({ visibility: model.visibility, ownerTeamId: model.ownerTeamId, family: model.family, source: model.source })
    .where(eq(latestMeasurements.modelId, modelId));
}
