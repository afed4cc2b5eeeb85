/**
 * Reads of measurement results for the query API: measurements by id with their device and stored-run
 * count, the newest measurement of a model × platform × batch, and the browse page over
 * latest_measurements (visibility filter inside: public, or owned by one of `teamIds`).
 */
import { and, asc, eq, gt, inArray, or, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./client";
import type { QualityFilter } from "../quality";
import { devices, latestMeasurements, measurements, models, platforms, type LatestMeasurement, type Measurement } from "./schema";

export interface MeasurementWithSource {
  m: Measurement;
  hostName: string | null;
  count: number | null;
}

export async function measurementsWithSource(db: DbOrTx, ids: number[]): Promise<MeasurementWithSource[]> {
  if (!ids.length) return [];
  return db
    .select({ m: measurements, hostName: devices.hostName, count: latestMeasurements.measurementCount })
    .from(measurements)
    .leftJoin(devices, eq(devices.id, measurements.deviceId))
    .leftJoin(
      latestMeasurements,
      and(
        eq(latestMeasurements.modelId, measurements.modelId),
        eq(latestMeasurements.platformId, measurements.platformId),
        eq(latestMeasurements.batch, measurements.batch),
      ),
    )
    .where(inArray(measurements.id, ids));
}

export async function measurementsById(db: DbOrTx, ids: number[]): Promise<Map<number, Measurement>> {
  if (!ids.length) return new Map();
  const rows = await db.select().from(measurements).where(inArray(measurements.id, ids));
  return new Map(rows.map((m) => [m.id, m]));
}

/** Id of the newest measurement of a model × platform × batch, or null. */
export async function latestMeasurementId(
  db: DbOrTx,
  { modelId, platformId, batch }: { modelId: number; platformId: number; batch: number },
): Promise<number | null> {
  const [l] = await db
    .select({ id: latestMeasurements.measurementId })
    .from(latestMeasurements)
    .where(and(eq(latestMeasurements.modelId, modelId), eq(latestMeasurements.platformId, platformId), eq(latestMeasurements.batch, batch)))
    .limit(1);
  return l?.id ?? null;
}

/** The newest measurement per platform × batch of one model (callers check the model's visibility). */
export async function latestOfModel(db: DbOrTx, { modelId }: { modelId: number }) {
  return db
    .select({ measurementId: latestMeasurements.measurementId, platform: platforms.slug, batch: latestMeasurements.batch })
    .from(latestMeasurements)
    .innerJoin(platforms, eq(platforms.id, latestMeasurements.platformId))
    .where(eq(latestMeasurements.modelId, modelId))
    .orderBy(asc(platforms.slug), asc(latestMeasurements.batch));
}

export type LatestKey = [medianMs: number, modelId: number, batch: number];

/**
 * One page of newest results on a platform, fastest first, keyset-paginated after `after`
 * (median, model, batch). Visible rows: public ones or those owned by `teamIds`; with `ownerTeamId`
 * only that team's (the caller checked membership). `quality`: "clean" (the default) keeps rows whose kept
 * measurement is clean; "all" every row (its grade is `l.grade`).
 */
export async function latestPage(
  db: DbOrTx,
  o: {
    platformId: number;
    teamIds: readonly number[];
    ownerTeamId?: number;
    family?: string;
    batch?: number;
    quality?: QualityFilter;
    after?: LatestKey;
    limit: number;
  },
): Promise<{ l: LatestMeasurement; name: string; hash: string }[]> {
  const L = latestMeasurements;
  const scope: SQL =
    o.ownerTeamId !== undefined
      ? eq(L.ownerTeamId, o.ownerTeamId)
      : o.teamIds.length
        ? or(eq(L.visibility, "public"), inArray(L.ownerTeamId, [...o.teamIds]))!
        : eq(L.visibility, "public");
  let after: SQL | undefined;
  if (o.after) {
    const [median, modelId, b] = o.after;
    after = or(
      gt(L.medianMs, median),
      and(eq(L.medianMs, median), or(gt(L.modelId, modelId), and(eq(L.modelId, modelId), gt(L.batch, b)))),
    );
  }
  return db
    .select({ l: L, name: models.name, hash: models.hash })
    .from(L)
    .innerJoin(models, eq(models.id, L.modelId))
    .where(
      and(
        eq(L.platformId, o.platformId),
        o.family ? eq(L.family, o.family) : undefined,
        o.batch ? eq(L.batch, o.batch) : undefined,
        o.quality === "all" ? undefined : eq(L.grade, "clean"),
        scope,
        after,
      ),
    )
    .orderBy(asc(L.medianMs), asc(L.modelId), asc(L.batch))
    .limit(o.limit);
}
