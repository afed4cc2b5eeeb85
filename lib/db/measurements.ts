/**
 * Measurements: every run is kept; `latest_measurements` (one row per model × platform × batch, with
 * denormalised model columns for the browse indexes) is updated in the same transaction.
 */
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "./client";
import { latestMeasurements, measurements, models, type Measurement, type NewMeasurement } from "./schema";

/**
 * Stores a measurement and keeps latest_measurements in step: the kept row of a (model, platform, batch)
 * pair is its newest clean measurement where one exists, else its newest (a later clean result supersedes
 * an estimated / contended / legacy one; a non-clean one never replaces a clean one).
 */
export async function recordMeasurement(db: DbOrTx, input: NewMeasurement): Promise<Measurement> {
  return db.transaction(async (tx) => {
    const [model] = await tx.select().from(models).where(eq(models.id, input.modelId)).limit(1);
    if (!model) throw new NnlqError("NOT_FOUND", `model ${input.modelId} not found`);
    const [res] = await tx.insert(measurements).values(input);
    const [m] = await tx.select().from(measurements).where(eq(measurements.id, res.insertId));
    await upsertLatest(tx, m!.id);
    return m!;
  });
}

/**
 * Offers measurement `id` to its pair's latest_measurements row (inserted when the pair has none; the run
 * count goes up by one either way). MySQL/MariaDB evaluate ON DUPLICATE KEY UPDATE assignments left to
 * right, each seeing the columns already updated: whether the new row wins is computed once, from the old
 * values, in the first assignment (the session variable @nnlq_win), and every later one reads that.
 * The new row wins when it is clean and the kept one is not, or both have the same cleanliness and it is
 * at least as new (measured_at).
 */
async function upsertLatest(tx: DbOrTx, id: number): Promise<void> {
  await tx.execute(sql`
    INSERT INTO latest_measurements
      (model_id, platform_id, batch, measurement_id, median_ms, grade, measurement_count,
       family, flops, params, visibility, owner_team_id, source, measured_at)
    SELECT m.model_id, m.platform_id, m.batch, m.id, m.median_ms, m.grade, 1,
           md.family, md.flops, md.params, md.visibility, md.owner_team_id, md.source, m.measured_at
      FROM measurements m JOIN models md ON md.id = m.model_id
     WHERE m.id = ${id}
    ON DUPLICATE KEY UPDATE
      measurement_id = IF((@nnlq_win := IF((VALUES(grade) = 'clean') = (latest_measurements.grade = 'clean'),
                                           VALUES(measured_at) >= latest_measurements.measured_at,
                                           VALUES(grade) = 'clean')),
                          VALUES(measurement_id), latest_measurements.measurement_id),
      median_ms = IF(@nnlq_win, VALUES(median_ms), latest_measurements.median_ms),
      measured_at = IF(@nnlq_win, VALUES(measured_at), latest_measurements.measured_at),
      grade = IF(@nnlq_win, VALUES(grade), latest_measurements.grade),
      measurement_count = latest_measurements.measurement_count + 1`);
}

/**
 * Rebuilds every latest_measurements row of a platform from its stored measurements (per pair the newest
 * clean one, else the newest; the count of all): for data migrations that move measurements between
 * platforms (lib/db/reidentify.ts). Run it inside a transaction: the rows are deleted, then inserted again.
 */
export async function rebuildLatestOfPlatform(db: DbOrTx, { platformId }: { platformId: number }): Promise<void> {
  await db.delete(latestMeasurements).where(eq(latestMeasurements.platformId, platformId));
  await db.execute(sql`
    INSERT INTO latest_measurements
      (model_id, platform_id, batch, measurement_id, median_ms, grade, measurement_count,
       family, flops, params, visibility, owner_team_id, source, measured_at)
    SELECT k.model_id, k.platform_id, k.batch, k.id, k.median_ms, k.grade, k.n,
           md.family, md.flops, md.params, md.visibility, md.owner_team_id, md.source, k.measured_at
      FROM (SELECT m.id, m.model_id, m.platform_id, m.batch, m.median_ms, m.grade, m.measured_at,
                   ROW_NUMBER() OVER (PARTITION BY m.model_id, m.batch
                                      ORDER BY m.grade = 'clean' DESC, m.measured_at DESC, m.id DESC) AS rn,
                   COUNT(*) OVER (PARTITION BY m.model_id, m.batch) AS n
              FROM measurements m
             WHERE m.platform_id = ${platformId}) k
      JOIN models md ON md.id = k.model_id
     WHERE k.rn = 1`);
}

/**
 * Protocol v2 measurements of a pair graded estimated or contended since its newest clean one (all of
 * them when it has none): how many retakes a pair has had without a clean result.
 */
export async function countUncleanSinceClean(
  db: DbOrTx,
  { modelId, platformId, batch }: { modelId: number; platformId: number; batch: number },
): Promise<number> {
  const pair = and(eq(measurements.modelId, modelId), eq(measurements.platformId, platformId), eq(measurements.batch, batch));
  const [clean] = await db
    .select({ at: measurements.measuredAt })
    .from(measurements)
    .where(and(pair, eq(measurements.grade, "clean")))
    .orderBy(desc(measurements.measuredAt))
    .limit(1);
  const [r] = await db
    .select({ n: sql<number>`COUNT(*)`.mapWith(Number) })
    .from(measurements)
    .where(and(pair, inArray(measurements.grade, ["estimated", "contended"]), clean ? gt(measurements.measuredAt, clean.at) : undefined));
  return r?.n ?? 0;
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
