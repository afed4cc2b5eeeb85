/**
 * Data access for measurement campaigns and data releases (lib/services/campaign.ts, lib/services/release.ts).
 */
import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Grade } from "../quality";
import type { DbOrTx } from "./client";
import { jobs, latestMeasurements, models, platforms } from "./schema";

/** `<hash>|<platformId>|<batch>` */
export const workKey = (hash: string, platformId: number, batch: number) => `${hash}|${platformId}|${batch}`;

/**
 * Work already measured (a latest_measurements row) on these platforms → its run count, the kept run's
 * time and grade (the kept run is the newest clean one where one exists: lib/db/measurements.ts).
 */
export async function measuredKeys(
  db: DbOrTx,
  { platformIds }: { platformIds: number[] },
): Promise<Map<string, { n: number; at: Date; grade: Grade }>> {
  if (!platformIds.length) return new Map();
  const rows = await db
    .select({
      hash: models.hash,
      platformId: latestMeasurements.platformId,
      batch: latestMeasurements.batch,
      n: latestMeasurements.measurementCount,
      at: latestMeasurements.measuredAt,
      grade: latestMeasurements.grade,
    })
    .from(latestMeasurements)
    .innerJoin(models, eq(models.id, latestMeasurements.modelId))
    .where(inArray(latestMeasurements.platformId, platformIds));
  return new Map(rows.map((r) => [workKey(r.hash, r.platformId, r.batch), { n: r.n, at: r.at, grade: r.grade }]));
}

/**
 * Work that failed for good on these platforms (a failed job with a non-retryable code or no attempts
 * left, and no measurement): a campaign does not retry it (e.g. an operator int8 cannot run). A result
 * refused for its hardware identity (HARDWARE_MISMATCH: another CPU's worker) says nothing of the model.
 */
export async function failedKeys(db: DbOrTx, { platformIds }: { platformIds: number[] }): Promise<Map<string, string>> {
  if (!platformIds.length) return new Map();
  const rows = await db
    .select({ hash: models.hash, platformId: jobs.platformId, batch: jobs.batch, code: jobs.errorCode })
    .from(jobs)
    .innerJoin(models, eq(models.id, jobs.modelId))
    .where(
      and(
        inArray(jobs.platformId, platformIds),
        eq(jobs.state, "failed"),
        or(sql`${jobs.attempts} >= ${jobs.maxAttempts}`, sql`${jobs.errorCode} NOT IN ('LEASE_EXPIRED', 'DEVICE_RELEASED', 'HARDWARE_MISMATCH')`),
      ),
    );
  return new Map(rows.map((r) => [workKey(r.hash, r.platformId, r.batch), r.code ?? "FAILED"]));
}

/** Model ids by structure hash (the ones that exist). */
export async function modelIdsByHash(db: DbOrTx, { hashes }: { hashes: string[] }): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < hashes.length; i += 1000) {
    const part = hashes.slice(i, i + 1000);
    const rows = await db.select({ id: models.id, hash: models.hash }).from(models).where(inArray(models.hash, part));
    for (const r of rows) out.set(r.hash, r.id);
  }
  return out;
}

/** Zoo specs and corpus paths of the public models that have them (campaign plans map onto these). */
export async function plannedModelRefs(
  db: DbOrTx,
): Promise<{ hash: string; zooSpec: Record<string, unknown> | null; storageKey: string | null }[]> {
  return db
    .select({ hash: models.hash, zooSpec: models.zooSpec, storageKey: models.storageKey })
    .from(models)
    .where(and(eq(models.visibility, "public"), or(eq(models.source, "zoo"), sql`${models.storageKey} LIKE 'corpus:%'`)));
}

/** Failed jobs of public zoo / corpus models, per platform, batch, family and error code (campaign reports). */
export async function failedJobSummary(db: DbOrTx) {
  return db
    .select({
      slug: platforms.slug,
      batch: jobs.batch,
      family: models.family,
      code: jobs.errorCode,
      storageKey: models.storageKey,
      n: sql<number>`COUNT(*)`,
      example: sql<string>`MIN(${jobs.error})`,
    })
    .from(jobs)
    .innerJoin(models, eq(models.id, jobs.modelId))
    .innerJoin(platforms, eq(platforms.id, jobs.platformId))
    .where(and(eq(jobs.state, "failed"), eq(models.visibility, "public")))
    .groupBy(platforms.slug, jobs.batch, models.family, jobs.errorCode, models.storageKey);
}
