/**
 * Data access of the data release (lib/services/release.ts): read the public zoo / corpus models with
 * every measurement of them, and bulk-load them into a database (batch inserts, then one pass that
 * rebuilds latest_measurements).
 */
import { and, asc, count, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { latestMeasurements, measurements, models, platforms, type Measurement, type Model, type NewModel, type Platform } from "./schema";

/** Public models a release carries: zoo specs and corpus networks, no team-owned uploads. */
const releasable = and(
  eq(models.visibility, "public"),
  isNull(models.ownerTeamId),
  or(eq(models.source, "zoo"), sql`${models.storageKey} LIKE 'corpus:%'`),
);

export async function releaseModels(db: DbOrTx): Promise<Model[]> {
  return db.select().from(models).where(releasable).orderBy(asc(models.hash));
}

export type ReleaseMeasurementRow = Measurement & { hash: string; slug: string };

const QUALITY_COLUMNS = ["protocol", "grade", "label_kind", "clean_runs", "ci_rel", "wall_cpu_ratio", "interference_share", "runq_share", "wait_ms", "cpu_median_ms"];
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as unknown) : (v ?? null));

/**
 * Every measurement of releasable models, ordered by model hash, platform, batch, time. Read with
 * `SELECT measurements.*` so a database the quality migration (0006) has not reached yet can be exported
 * (its rows read as protocol 1 / legacy here; the release service takes their quality from env.quality):
 * exporting never migrates the source database.
 */
export async function releaseMeasurements(db: DbOrTx): Promise<ReleaseMeasurementRow[]> {
  const [rows] = (await db.execute(sql`
    SELECT measurements.*, models.hash AS release_hash, platforms.slug AS release_slug
    FROM measurements
    JOIN models ON models.id = measurements.model_id
    JOIN platforms ON platforms.id = measurements.platform_id
    WHERE models.visibility = 'public' AND models.owner_team_id IS NULL
      AND (models.source = 'zoo' OR models.storage_key LIKE 'corpus:%')
    ORDER BY models.hash, platforms.slug, measurements.batch, measurements.measured_at, measurements.id`)) as unknown as [
    Record<string, unknown>[],
  ];
  const hasQuality = rows.length > 0 && QUALITY_COLUMNS.every((c) => c in rows[0]!);
  return rows.map((r) => ({
    id: Number(r.id),
    modelId: Number(r.model_id),
    platformId: Number(r.platform_id),
    batch: Number(r.batch),
    deviceId: num(r.device_id),
    jobId: num(r.job_id),
    runtimeVersion: String(r.runtime_version),
    medianMs: Number(r.median_ms),
    meanMs: Number(r.mean_ms),
    minMs: Number(r.min_ms),
    maxMs: num(r.max_ms),
    p90Ms: Number(r.p90_ms),
    p99Ms: Number(r.p99_ms),
    stdMs: Number(r.std_ms),
    cv: num(r.cv),
    runs: Number(r.runs),
    warmups: Number(r.warmups),
    peakMemoryBytes: num(r.peak_memory_bytes),
    profile: json(r.profile) as Measurement["profile"],
    env: json(r.env) as Measurement["env"],
    deviceSeconds: num(r.device_seconds),
    protocol: hasQuality ? Number(r.protocol) : 1,
    grade: (hasQuality ? r.grade : "legacy") as Measurement["grade"],
    labelKind: (hasQuality ? r.label_kind : "wall-v1") as Measurement["labelKind"],
    cleanRuns: hasQuality ? num(r.clean_runs) : null,
    allRuns: "all_runs" in r ? num(r.all_runs) : null, // migration 0008
    ciRel: hasQuality ? num(r.ci_rel) : null,
    wallCpuRatio: hasQuality ? num(r.wall_cpu_ratio) : null,
    interferenceShare: hasQuality ? num(r.interference_share) : null,
    runqShare: hasQuality ? num(r.runq_share) : null,
    waitMs: hasQuality ? num(r.wait_ms) : null,
    cpuMedianMs: hasQuality ? num(r.cpu_median_ms) : null,
    measuredAt: r.measured_at instanceof Date ? r.measured_at : new Date(String(r.measured_at)),
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at)),
    hash: String(r.release_hash),
    slug: String(r.release_slug),
  }));
}

export async function platformsByIds(db: DbOrTx, ids: number[]): Promise<Platform[]> {
  if (!ids.length) return [];
  return db.select().from(platforms).where(inArray(platforms.id, ids)).orderBy(asc(platforms.slug));
}

export async function measurementCount(db: DbOrTx): Promise<number> {
  const [r] = await db.select({ n: count() }).from(measurements);
  return Number(r?.n ?? 0);
}

/** Inserts platforms that do not exist yet (by slug); returns slug → id of all given slugs. */
export async function ensurePlatforms(db: DbOrTx, rows: (typeof platforms.$inferInsert)[]): Promise<Map<string, number>> {
  if (rows.length)
    await db
      .insert(platforms)
      .values(rows)
      .onDuplicateKeyUpdate({ set: { slug: sql`${platforms.slug}` } });
  const got = rows.length
    ? await db
        .select({ id: platforms.id, slug: platforms.slug })
        .from(platforms)
        .where(
          inArray(
            platforms.slug,
            rows.map((r) => r.slug),
          ),
        )
    : [];
  return new Map(got.map((r) => [r.slug, r.id]));
}

const CHUNK = 500;

/** Inserts models whose hash is new (batches); returns hash → id of all given hashes. */
export async function insertModelsBulk(db: DbOrTx, rows: NewModel[]): Promise<{ ids: Map<string, number>; inserted: number }> {
  const ids = new Map<string, number>();
  const hashes = rows.map((r) => r.hash);
  const lookup = async () => {
    for (let i = 0; i < hashes.length; i += CHUNK) {
      const got = await db
        .select({ id: models.id, hash: models.hash })
        .from(models)
        .where(inArray(models.hash, hashes.slice(i, i + CHUNK)));
      for (const g of got) ids.set(g.hash, g.id);
    }
  };
  await lookup();
  const fresh = rows.filter((r) => !ids.has(r.hash));
  for (let i = 0; i < fresh.length; i += CHUNK) await db.insert(models).values(fresh.slice(i, i + CHUNK));
  if (fresh.length) await lookup();
  return { ids, inserted: fresh.length };
}

/** `<modelId>|<platformId>|<batch>|<measuredAt ms>` of existing measurements of these models. */
export async function existingMeasurementKeys(db: DbOrTx, modelIds: number[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < modelIds.length; i += CHUNK) {
    const rows = await db
      .select({
        modelId: measurements.modelId,
        platformId: measurements.platformId,
        batch: measurements.batch,
        measuredAt: measurements.measuredAt,
      })
      .from(measurements)
      .where(inArray(measurements.modelId, modelIds.slice(i, i + CHUNK)));
    for (const r of rows) out.add(`${r.modelId}|${r.platformId}|${r.batch}|${r.measuredAt.getTime()}`);
  }
  return out;
}

/** bytes of profile + env JSON per multi-row INSERT: well under MySQL's default 16 MiB max_allowed_packet */
const INSERT_BYTES = 4 << 20;

/**
 * Multi-row inserts of at most CHUNK rows and about INSERT_BYTES of JSON each (int8 profiles run to
 * ~30 kB a row: 500 of them overflow the server's packet limit).
 */
export async function insertMeasurementsBulk(db: DbOrTx, rows: (typeof measurements.$inferInsert)[]): Promise<void> {
  const size = (r: typeof measurements.$inferInsert) =>
    JSON.stringify(r.profile ?? null).length + JSON.stringify(r.env ?? null).length + 512;
  let batch: (typeof measurements.$inferInsert)[] = [],
    bytes = 0;
  for (const r of rows) {
    const b = size(r);
    if (batch.length && (batch.length >= CHUNK || bytes + b > INSERT_BYTES)) {
      await db.insert(measurements).values(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(r);
    bytes += b;
  }
  if (batch.length) await db.insert(measurements).values(batch);
}

/**
 * Recomputes latest_measurements of these models from their measurements: per model × platform × batch the
 * kept row is the newest clean measurement where one exists, else the newest (by measured_at, then id),
 * with its grade, the run count and the denormalised model columns.
 */
export async function rebuildLatest(db: DbOrTx, modelIds: number[]): Promise<void> {
  for (let i = 0; i < modelIds.length; i += CHUNK) {
    const part = modelIds.slice(i, i + CHUNK);
    const order = sql.raw(`CONCAT(DATE_FORMAT(measured_at, '%Y%m%d%H%i%s%f'), ':', LPAD(id, 12, '0'))`);
    await db.execute(sql`
      INSERT INTO ${latestMeasurements}
        (model_id, platform_id, batch, measurement_id, median_ms, measurement_count, family, flops, params, visibility, owner_team_id, source, measured_at, grade)
      SELECT m.model_id, m.platform_id, m.batch, m.id, m.median_ms, c.n, mo.family, mo.flops, mo.params, mo.visibility, mo.owner_team_id, mo.source, m.measured_at, m.grade
      FROM ${measurements} m
      JOIN (
        SELECT model_id, platform_id, batch, COUNT(*) AS n,
               CAST(SUBSTRING_INDEX(COALESCE(MAX(CASE WHEN grade = 'clean' THEN ${order} END), MAX(${order})), ':', -1) AS UNSIGNED) AS last_id
        FROM ${measurements}
        WHERE model_id IN (${sql.join(part.map((id) => sql`${id}`), sql`, `)})
        GROUP BY model_id, platform_id, batch
      ) c ON c.last_id = m.id
      JOIN ${models} mo ON mo.id = m.model_id
      ON DUPLICATE KEY UPDATE measurement_id = VALUES(measurement_id), median_ms = VALUES(median_ms),
        measurement_count = VALUES(measurement_count), measured_at = VALUES(measured_at), grade = VALUES(grade)`);
  }
}

/** How many model × platform × batch pairs of releasable models have a measurement
 * (the training-set size the evolving predictor tracks). */
export async function measuredPairCount(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`COUNT(DISTINCT ${measurements.modelId}, ${measurements.platformId}, ${measurements.batch})`.mapWith(Number) })
    .from(measurements)
    .innerJoin(models, eq(models.id, measurements.modelId))
    .where(releasable);
  return row?.n ?? 0;
}
