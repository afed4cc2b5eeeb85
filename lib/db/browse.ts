/**
 * Portal reads: browse pages, the platform × family matrix, leaderboards (fastest per family, Pareto front,
 * platforms ranked on a common model set), "models like this", a model's runs and predictions, and
 * predicted-vs-measured pairs. All of it reads `latest_measurements` (see schema.ts) with the visibility
 * rule inside: public rows, or rows owned by one of `teamIds` (empty for anonymous callers).
 *
 * Quality (lib/quality.ts): reads take `quality` — "clean" (the default) keeps rows whose kept measurement
 * is clean (latest_measurements.grade), "all" keeps every row and returns its grade. Ranks (fastest per
 * family, platform ranking) and the Pareto front are computed over clean rows only, whatever is asked.
 * A clean-only read checks the grade on the rows, so it lets the optimizer choose the index
 * (latest_platform_grade_idx) instead of forcing the index-only public one, which has no grade column.
 *
 * Speed at 100k+ rows (bench/portal.ts): every page query is an index range scan starting at platform_id
 * (latest_platform_family_median_idx, latest_platform_median_idx, latest_platform_batch_median_idx,
 * latest_platform_flops_idx) with keyset pagination on (sort key, model_id, batch), never OFFSET.
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./client";
import type { Grade, QualityFilter } from "../quality";
import {
  latestMeasurements as L,
  measurements,
  models,
  platforms,
  predictions,
  predictorVersions,
  type Measurement,
  type Model,
  type PredictorVersion,
} from "./schema";

export type Source = "upload" | "zoo" | "api";
export type BrowseSort = "latency" | "flops" | "params";
export type SortDir = "asc" | "desc";
/** Keyset position: [sort value, model id, batch]. */
export type BrowseKey = [value: number, modelId: number, batch: number];

/** (visibility, platform_id, batch, family, median_ms, flops): public-only reads never touch the rows. */
export const PUBLIC_INDEX = "latest_public_cells_idx";

/** Rows of latest_measurements the caller may see. */
export function latestVisibleTo(teamIds: readonly number[]): SQL {
  return teamIds.length ? or(eq(L.visibility, "public"), inArray(L.ownerTeamId, [...teamIds]))! : eq(L.visibility, "public");
}

/** Rows of latest_measurements of the asked quality: clean ones only unless "all". */
export function latestOfQuality(quality: QualityFilter | undefined): SQL | undefined {
  return quality === "all" ? undefined : eq(L.grade, "clean");
}

/** Raw-SQL form of latestOfQuality (table alias `l`, or none): `AND l.grade = 'clean'` unless "all". */
function qualitySql(quality: QualityFilter | undefined, alias = "l."): SQL {
  return quality === "all" ? sql`` : sql`AND ${sql.raw(alias)}grade = 'clean'`;
}

/** FORCE INDEX of the public index-only reads, only when no grade is checked (the index has no grade column). */
function publicIndexSql(quality: QualityFilter | undefined): SQL {
  return quality === "all" ? sql`FORCE INDEX (${sql.raw(PUBLIC_INDEX)})` : sql``;
}
const publicIndexOpt = (quality: QualityFilter | undefined) => (quality === "all" ? { forceIndex: PUBLIC_INDEX } : {});

/** Raw-SQL form of latestVisibleTo for window queries (table alias `l`). */
function visibleSql(teamIds: readonly number[]): SQL {
  return teamIds.length
    ? sql`(l.visibility = 'public' OR l.owner_team_id IN (${sql.join(teamIds.map((t) => sql`${t}`), sql`, `)}))`
    : sql`l.visibility = 'public'`;
}

async function rowsOf<T>(db: DbOrTx, q: SQL): Promise<T[]> {
  const [rows] = (await db.execute(q)) as unknown as [T[]];
  return rows;
}

type PromisePool = { execute(o: { sql: string; rowsAsArray: true }, params: unknown[]): Promise<[unknown[][], unknown]> };

/**
 * Rows as arrays through a prepared statement (binary protocol: numbers arrive as numbers, about twice as
 * fast as the text protocol for tens of thousands of numeric rows). Inside a transaction: plain execute.
 */
async function arrayRows(db: DbOrTx, q: SQL): Promise<unknown[][]> {
  const d = db as unknown as { $client?: PromisePool; dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } };
  if (typeof d.$client?.execute === "function") {
    const { sql: text, params } = d.dialect.sqlToQuery(q);
    const [rows] = await d.$client.execute({ sql: text, rowsAsArray: true }, params);
    return rows;
  }
  return (await rowsOf<Record<string, unknown>>(db, q)).map((r) => Object.values(r));
}

export interface BrowseFilter {
  platformId: number;
  teamIds: readonly number[];
  family?: string;
  batch?: number;
  source?: Source;
  flopsMin?: number;
  flopsMax?: number;
  latencyMin?: number;
  latencyMax?: number;
  /** only models owned by `teamIds` (a team's own browse), not public ones */
  ownOnly?: boolean;
  /** clean (default): rows whose kept measurement is clean; all: every row */
  quality?: QualityFilter;
}

function filterWhere(f: BrowseFilter): SQL {
  return and(
    eq(L.platformId, f.platformId),
    f.family ? eq(L.family, f.family) : undefined,
    f.batch ? eq(L.batch, f.batch) : undefined,
    f.source ? eq(L.source, f.source) : undefined,
    f.flopsMin !== undefined ? gte(L.flops, f.flopsMin) : undefined,
    f.flopsMax !== undefined ? lte(L.flops, f.flopsMax) : undefined,
    f.latencyMin !== undefined ? gte(L.medianMs, f.latencyMin) : undefined,
    f.latencyMax !== undefined ? lte(L.medianMs, f.latencyMax) : undefined,
    f.ownOnly ? (f.teamIds.length ? inArray(L.ownerTeamId, [...f.teamIds]) : sql`FALSE`) : latestVisibleTo(f.teamIds),
    latestOfQuality(f.quality),
  )!;
}

const SORT_COLUMN = { latency: L.medianMs, flops: L.flops, params: L.params } as const;

/** Strictly after `key` in (column, model_id, batch) order; the leading bound lets the index range start there. */
function afterKey(sort: BrowseSort, dir: SortDir, key: BrowseKey): SQL {
  const col = SORT_COLUMN[sort];
  const [v, modelId, batch] = key;
  const [cmp, cmpEq] = dir === "asc" ? [gt, gte] : [lt, lte];
  return and(
    cmpEq(col, v),
    or(cmp(col, v), and(eq(col, v), or(cmp(L.modelId, modelId), and(eq(L.modelId, modelId), cmp(L.batch, batch))))),
  )!;
}

export interface BrowseRow {
  modelId: number;
  name: string;
  hash: string;
  family: string;
  flops: number;
  params: number;
  batch: number;
  medianMs: number;
  measurementCount: number;
  measuredAt: Date;
  visibility: "public" | "private";
  source: Source;
  /** the kept measurement (its quality figures: measurements columns) and its grade */
  measurementId: number;
  grade: Grade;
}

const PAGE_COLUMNS = {
  modelId: L.modelId,
  family: L.family,
  flops: L.flops,
  params: L.params,
  batch: L.batch,
  medianMs: L.medianMs,
  measurementCount: L.measurementCount,
  measuredAt: L.measuredAt,
  visibility: L.visibility,
  source: L.source,
  measurementId: L.measurementId,
  grade: L.grade,
};

/**
 * One page of a platform's newest results, filtered and sorted, keyset-paginated.
 *  - sorted by latency without FLOPs/source filters: an ordered range of a (platform[, family | batch],
 *    median) index that stops after `limit` rows;
 *  - anything else on public rows: the page's keys from latest_public_cells_idx alone (all filters and sort
 *    keys are its columns; a bounded sort of index entries), then those rows by primary key;
 *  - a team's view: the platform indexes with the visibility check on the rows read.
 * Names come last, by primary key.
 */
export async function browsePage(
  db: DbOrTx,
  f: BrowseFilter & { sort: BrowseSort; dir: SortDir; after?: BrowseKey; limit: number },
): Promise<BrowseRow[]> {
  const col = SORT_COLUMN[f.sort];
  const o = f.dir === "asc" ? asc : desc;
  const where = and(filterWhere(f), f.after ? afterKey(f.sort, f.dir, f.after) : undefined);
  const order = [o(col), o(L.modelId), o(L.batch)];
  const ordered = f.sort === "latency" && f.flopsMin === undefined && f.flopsMax === undefined && !f.source;
  let rows: Omit<BrowseRow, "name" | "hash">[];
  if (ordered || f.teamIds.length || f.ownOnly) {
    rows = await db.select(PAGE_COLUMNS).from(L).where(where).orderBy(...order).limit(f.limit);
  } else {
    const keys = await db
      .select({ modelId: L.modelId, platformId: L.platformId, batch: L.batch })
      .from(L, publicIndexOpt(f.quality))
      .where(where)
      .orderBy(...order)
      .limit(f.limit);
    if (!keys.length) return [];
    const full = await db
      .select(PAGE_COLUMNS)
      .from(L)
      .where(and(eq(L.platformId, f.platformId), inArray(L.modelId, [...new Set(keys.map((k) => k.modelId))])));
    const byKey = new Map(full.map((r) => [`${r.modelId}|${r.batch}`, r]));
    rows = keys.map((k) => byKey.get(`${k.modelId}|${k.batch}`)!).filter(Boolean);
  }
  if (!rows.length) return [];
  const names = await db
    .select({ id: models.id, name: models.name, hash: models.hash })
    .from(models)
    .where(inArray(models.id, [...new Set(rows.map((r) => r.modelId))]));
  const byId = new Map(names.map((n) => [n.id, n]));
  return rows.map((r) => ({ ...r, name: byId.get(r.modelId)?.name ?? `model-${r.modelId}`, hash: byId.get(r.modelId)?.hash ?? "" }));
}

export function browseKeyOf(row: BrowseRow, sort: BrowseSort): BrowseKey {
  return [sort === "latency" ? row.medianMs : sort === "flops" ? row.flops : row.params, row.modelId, row.batch];
}

/**
 * How many rows match. Public rows are counted from latest_public_cells_idx alone (every filter is one of
 * its columns) and the caller's private rows through the owner index, so the count is exact and cheap;
 * for a team's view with a `source` filter rows must be read, and the count stops at `cap`.
 */
export async function browseCount(db: DbOrTx, f: BrowseFilter, cap = 10_000): Promise<{ count: number; capped: boolean }> {
  const n = sql<number>`COUNT(*)`.mapWith(Number);
  if (f.source && f.teamIds.length) {
    const inner = db.select({ one: sql`1` }).from(L).where(filterWhere(f)).limit(cap + 1);
    const [r] = await db.select({ n }).from(inner.as("t"));
    const c = r?.n ?? 0;
    return { count: Math.min(c, cap), capped: c > cap };
  }
  let total = 0;
  if (!f.ownOnly) {
    const [r] = await db.select({ n }).from(L, publicIndexOpt(f.quality)).where(filterWhere({ ...f, teamIds: [] }));
    total += r?.n ?? 0;
  }
  if (f.teamIds.length) {
    const [r] = await db
      .select({ n })
      .from(L)
      // owned public rows were counted above, unless only the teams' own rows are wanted
      .where(and(filterWhere({ ...f, ownOnly: true }), f.ownOnly ? undefined : eq(L.visibility, "private")));
    total += r?.n ?? 0;
  }
  return { count: total, capped: false };
}

export interface MatrixCell {
  platformId: number;
  family: string;
  count: number;
  medianMs: number;
}

/**
 * Platform × family: how many models have a newest result at one batch size, and the median of their
 * median latencies (medians across batch sizes mean little). Counts come from one grouped index scan;
 * each cell's median is the middle entry of its (platform, batch, family, median) index range, fetched
 * with OFFSET inside one UNION ALL — index-only for public rows. Cells holding a caller's private rows
 * are recomputed over all visible rows. Clean rows only (the default): the grade is on the rows, not in
 * the index, so one scan reads (platform, family, median) of every visible clean row and the cells are
 * computed here (one sequential read instead of a row lookup per index entry: 130k rows in ~0.2 s).
 */
export async function familyMatrix(
  db: DbOrTx,
  { teamIds, batch, quality }: { teamIds: readonly number[]; batch: number; quality?: QualityFilter },
): Promise<MatrixCell[]> {
  if (quality !== "all") return familyMatrixScan(db, { teamIds, batch });
  const pubIdx = publicIndexSql(quality);
  const pub = await rowsOf<{ platform_id: number; family: string; n: number }>(
    db,
    sql`SELECT platform_id, family, COUNT(*) AS n FROM latest_measurements ${pubIdx}
        WHERE visibility = 'public' AND batch = ${batch} ${qualitySql(quality, "")} GROUP BY platform_id, family`,
  );
  const cells = new Map<string, { platformId: number; family: string; count: number; medianSql: SQL }>();
  for (const r of pub) {
    const n = Number(r.n);
    cells.set(`${r.platform_id}|${r.family}`, {
      platformId: Number(r.platform_id),
      family: r.family,
      count: n,
      medianSql: sql`(SELECT ${Number(r.platform_id)} AS p, ${r.family} AS f, median_ms FROM latest_measurements ${pubIdx}
                      WHERE visibility = 'public' AND platform_id = ${Number(r.platform_id)} AND batch = ${batch} AND family = ${r.family}
                      ${qualitySql(quality, "")}
                      ORDER BY median_ms LIMIT ${n % 2 ? 1 : 2} OFFSET ${(n - 1) >> 1})`,
    });
  }
  if (teamIds.length) {
    const own = await rowsOf<{ platform_id: number; family: string; n: number }>(
      db,
      sql`SELECT platform_id, family, COUNT(*) AS n FROM latest_measurements
          WHERE owner_team_id IN (${sql.join(teamIds.map((t) => sql`${t}`), sql`, `)}) AND visibility = 'private' AND batch = ${batch}
          ${qualitySql(quality, "")}
          GROUP BY platform_id, family`,
    );
    for (const r of own) {
      const key = `${r.platform_id}|${r.family}`;
      const n = (cells.get(key)?.count ?? 0) + Number(r.n);
      cells.set(key, {
        platformId: Number(r.platform_id),
        family: r.family,
        count: n,
        medianSql: sql`(SELECT ${Number(r.platform_id)} AS p, ${r.family} AS f, l.median_ms FROM latest_measurements l
                        WHERE l.platform_id = ${Number(r.platform_id)} AND l.family = ${r.family} AND l.batch = ${batch} AND ${visibleSql(teamIds)}
                        ${qualitySql(quality)}
                        ORDER BY l.median_ms LIMIT ${n % 2 ? 1 : 2} OFFSET ${(n - 1) >> 1})`,
      });
    }
  }
  if (!cells.size) return [];
  const mids = await rowsOf<{ p: number; f: string; median_ms: number }>(
    db,
    sql.join(
      [...cells.values()].map((c) => c.medianSql),
      sql` UNION ALL `,
    ),
  );
  const sums = new Map<string, number[]>();
  for (const m of mids) {
    const key = `${m.p}|${m.f}`;
    sums.set(key, [...(sums.get(key) ?? []), Number(m.median_ms)]);
  }
  return [...cells.entries()].map(([key, c]) => {
    const v = sums.get(key) ?? [NaN];
    return { platformId: c.platformId, family: c.family, count: c.count, medianMs: v.reduce((a, b) => a + b, 0) / v.length };
  });
}

/** familyMatrix over clean rows: one scan of the visible clean rows at `batch`, medians computed here. */
async function familyMatrixScan(db: DbOrTx, { teamIds, batch }: { teamIds: readonly number[]; batch: number }): Promise<MatrixCell[]> {
  const vis = teamIds.length ? visibleSql(teamIds) : sql`l.visibility = 'public'`;
  const rows = await arrayRows(
    db,
    sql`SELECT l.platform_id, l.family, l.median_ms FROM latest_measurements l WHERE l.batch = ${batch} AND l.grade = 'clean' AND ${vis}`,
  );
  const cells = new Map<string, { platformId: number; family: string; v: number[] }>();
  for (const r of rows) {
    const key = `${r[0]}|${r[1]}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { platformId: Number(r[0]), family: String(r[1]), v: [] }));
    c.v.push(Number(r[2]));
  }
  return [...cells.values()].map(({ platformId, family, v }) => {
    v.sort((a, b) => a - b);
    const m = v.length >> 1;
    return { platformId, family, count: v.length, medianMs: v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2 };
  });
}

/**
 * Newest-result counts per platform (the default platform of the portal is the one with the most): clean
 * rows unless quality "all" — a platform holding only legacy rows would open the portal on an empty page.
 */
export async function platformCounts(
  db: DbOrTx,
  { teamIds, quality }: { teamIds: readonly number[]; quality?: QualityFilter },
): Promise<{ platformId: number; count: number }[]> {
  const count = sql<number>`COUNT(*)`.mapWith(Number);
  const pub = await db
    .select({ platformId: L.platformId, count })
    .from(L, publicIndexOpt(quality))
    .where(and(eq(L.visibility, "public"), latestOfQuality(quality)))
    .groupBy(L.platformId);
  if (!teamIds.length) return pub;
  const own = await db
    .select({ platformId: L.platformId, count })
    .from(L)
    .where(and(inArray(L.ownerTeamId, [...teamIds]), eq(L.visibility, "private"), latestOfQuality(quality)))
    .groupBy(L.platformId);
  const sum = new Map(pub.map((r) => [r.platformId, r.count]));
  for (const r of own) sum.set(r.platformId, (sum.get(r.platformId) ?? 0) + r.count);
  return [...sum].map(([platformId, n]) => ({ platformId, count: n }));
}

/**
 * Ids of the platforms that have any newest result (a loose index scan: one probe per platform); with
 * quality "clean", those with a clean one (latest_platform_grade_idx).
 */
export async function measuredPlatformIds(db: DbOrTx, { quality = "all" }: { quality?: QualityFilter } = {}): Promise<number[]> {
  const rows = await db.selectDistinct({ id: L.platformId }).from(L).where(latestOfQuality(quality));
  return rows.map((r) => r.id);
}

/** Batch sizes present, with their row counts (for selectors). */
export async function batchSizes(db: DbOrTx, { teamIds }: { teamIds: readonly number[] }): Promise<{ batch: number; count: number }[]> {
  const rows = await db
    .select({ batch: L.batch, count: sql<number>`COUNT(*)`.mapWith(Number) })
    .from(L)
    .where(latestVisibleTo(teamIds))
    .groupBy(L.batch)
    .orderBy(asc(L.batch));
  return rows;
}

export interface RankedModel {
  modelId: number;
  name: string;
  family: string;
  flops: number;
  params: number;
  medianMs: number;
  rank: number;
  grade: Grade;
}

/**
 * The `perFamily` fastest models of every family on a platform at one batch size (one index range per
 * family), ranked: clean rows only. `grades: "not-clean"` lists the fastest estimated / contended / legacy
 * rows instead (quality=all shows them beside the ranking, marked and never ranked: their rank is 0).
 */
export async function fastestPerFamily(
  db: DbOrTx,
  {
    platformId,
    batch,
    teamIds,
    perFamily,
    grades = "clean",
  }: { platformId: number; batch: number; teamIds: readonly number[]; perFamily: number; grades?: "clean" | "not-clean" },
): Promise<RankedModel[]> {
  const fams = await db
    .selectDistinct({ family: L.family })
    .from(L)
    .where(eq(L.platformId, platformId));
  if (!fams.length) return [];
  const parts = fams.map(
    ({ family }) =>
      sql`(SELECT l.model_id, l.family, l.flops, l.params, l.median_ms, l.grade FROM latest_measurements l
           WHERE l.platform_id = ${platformId} AND l.family = ${family} AND l.batch = ${batch} AND ${visibleSql(teamIds)}
           AND ${grades === "clean" ? sql`l.grade = 'clean'` : sql`l.grade <> 'clean'`}
           ORDER BY l.median_ms, l.model_id LIMIT ${perFamily})`,
  );
  type Row = { model_id: number; family: string; flops: number; params: number; median_ms: number; grade: Grade; name: string };
  const rows = await rowsOf<Row>(
    db,
    sql`SELECT u.*, m.name FROM (${sql.join(parts, sql` UNION ALL `)}) u JOIN models m ON m.id = u.model_id
        ORDER BY u.family, u.median_ms, u.model_id`,
  );
  const rank = new Map<string, number>();
  return rows.map((r) => {
    const k = (rank.get(r.family) ?? 0) + 1;
    rank.set(r.family, k);
    return {
      modelId: Number(r.model_id),
      name: r.name,
      family: r.family,
      flops: Number(r.flops),
      params: Number(r.params),
      medianMs: Number(r.median_ms),
      rank: grades === "clean" ? k : 0,
      grade: r.grade,
    };
  });
}

export interface ScatterPoint {
  modelId: number;
  family: string;
  flops: number;
  params: number;
  medianMs: number;
  grade: Grade;
}

/**
 * Latency vs FLOPs on a platform: a deterministic sample of at most `maxPoints` (model id modulo a step) and
 * the Pareto front — models that no faster model beats on FLOPs (the most compute per millisecond). Reads
 * (model, FLOPs, latency, grade) of every visible row and walks them by latency. The front is over clean
 * rows only; with quality "all" the sample holds the other rows too (their grade says which), and `total` counts them.
 */
export async function paretoView(
  db: DbOrTx,
  {
    platformId,
    batch,
    teamIds,
    family,
    maxPoints,
    quality,
  }: { platformId: number; batch: number; teamIds: readonly number[]; family?: string; maxPoints: number; quality?: QualityFilter },
): Promise<{ total: number; sample: ScatterPoint[]; front: (ScatterPoint & { name: string })[] }> {
  const fam = family ? sql`AND l.family = ${family}` : sql``;
  // every point's grade is read (the front skips non-clean ones): from the rows, not the grade-less public index
  const rows = await arrayRows(
    db,
    teamIds.length
      ? sql`SELECT l.model_id, l.family, l.flops, l.median_ms, l.grade FROM latest_measurements l
            WHERE l.platform_id = ${platformId} AND l.batch = ${batch} AND ${visibleSql(teamIds)} ${fam} ${qualitySql(quality)}`
      : sql`SELECT l.model_id, l.family, l.flops, l.median_ms, l.grade FROM latest_measurements l
            WHERE l.visibility = 'public' AND l.platform_id = ${platformId} AND l.batch = ${batch} ${fam} ${qualitySql(quality)}`,
  );
  const total = rows.length;
  if (!total) return { total, sample: [], front: [] };
  const pts = rows.map((r) => ({
    modelId: Number(r[0]),
    family: String(r[1]),
    flops: Number(r[2]),
    medianMs: Number(r[3]),
    grade: String(r[4]) as Grade,
  }));
  const step = Math.max(1, Math.ceil(total / maxPoints));
  const sample = pts.filter((p) => p.modelId % step === 0).slice(0, maxPoints);
  pts.sort((a, b) => a.medianMs - b.medianMs || a.modelId - b.modelId);
  const onFront: typeof pts = [];
  let best = -1;
  for (const p of pts) {
    if (p.grade !== "clean") continue; // never ranked: the front is over clean rows only
    if (p.flops > best) {
      onFront.push(p);
      best = p.flops;
    }
  }
  const info = await db
    .select({ id: models.id, name: models.name, params: models.params })
    .from(models)
    .where(inArray(models.id, onFront.map((p) => p.modelId)));
  const byId = new Map(info.map((i) => [i.id, i]));
  const withParams = (p: (typeof pts)[number]) => ({ ...p, params: byId.get(p.modelId)?.params ?? 0 });
  return {
    total,
    sample: sample.map((p) => ({ ...p, params: 0 })),
    front: onFront.map((p) => ({ ...withParams(p), name: byId.get(p.modelId)?.name ?? `model-${p.modelId}` })),
  };
}

export interface PlatformRank {
  platformId: number;
  /** reference models this platform has a result for */
  models: number;
  /** geometric mean latency on those models */
  geoMeanMs: number;
  /** geometric mean of latency(platform) / latency(reference) over those models */
  relative: number;
}

/**
 * Platforms ranked against a reference platform on reference models: the visible models (lowest ids, at
 * most `maxModels`) with a newest result on the reference at `batch`; every platform is compared on the
 * ones it also has (geometric-mean latency ratio), so partial coverage still ranks — but only from
 * `minModels` shared models on (a ratio over one or two models says little); those below it come back in
 * `unranked` with their count. A ranking: clean rows only, on every platform.
 */
export async function rankPlatforms(
  db: DbOrTx,
  {
    referenceId,
    platformIds,
    teamIds,
    batch = 1,
    maxModels = 500,
    minModels = 1,
  }: { referenceId: number; platformIds: number[]; teamIds: readonly number[]; batch?: number; maxModels?: number; minModels?: number },
): Promise<{ ranks: PlatformRank[]; unranked: { platformId: number; models: number }[]; referenceModels: number }> {
  const refs = await db
    .select({ id: L.modelId })
    .from(L)
    .where(and(eq(L.platformId, referenceId), eq(L.batch, batch), latestVisibleTo(teamIds), eq(L.grade, "clean")))
    .orderBy(asc(L.modelId))
    .limit(maxModels);
  if (!refs.length) return { ranks: [], unranked: [], referenceModels: 0 };
  const ids = [...new Set([referenceId, ...platformIds])];
  const rows = await db
    .select({ modelId: L.modelId, platformId: L.platformId, medianMs: L.medianMs })
    .from(L)
    .where(and(inArray(L.modelId, refs.map((r) => r.id)), eq(L.batch, batch), inArray(L.platformId, ids), eq(L.grade, "clean")));
  const ref = new Map(rows.filter((r) => r.platformId === referenceId).map((r) => [r.modelId, r.medianMs]));
  const acc = new Map<number, { n: number; logMs: number; logRatio: number }>();
  for (const r of rows) {
    const base = ref.get(r.modelId);
    if (base === undefined || !(r.medianMs > 0) || !(base > 0)) continue;
    const a = acc.get(r.platformId) ?? { n: 0, logMs: 0, logRatio: 0 };
    a.n++;
    a.logMs += Math.log(r.medianMs);
    a.logRatio += Math.log(r.medianMs / base);
    acc.set(r.platformId, a);
  }
  const all = [...acc].map(([platformId, a]) => ({
    platformId,
    models: a.n,
    geoMeanMs: Math.exp(a.logMs / a.n),
    relative: Math.exp(a.logRatio / a.n),
  }));
  const ranks = all.filter((r) => r.models >= minModels);
  const unranked = all.filter((r) => r.models < minModels).map(({ platformId, models }) => ({ platformId, models }));
  return {
    ranks: ranks.sort((x, y) => x.relative - y.relative || x.platformId - y.platformId),
    unranked: unranked.sort((x, y) => y.models - x.models || x.platformId - y.platformId),
    referenceModels: ref.size,
  };
}

/** Newest latencies of some models on some platforms at one batch size. */
export async function latestGrid(
  db: DbOrTx,
  { modelIds, platformIds, batch }: { modelIds: number[]; platformIds?: number[]; batch?: number },
): Promise<{ modelId: number; platformId: number; batch: number; medianMs: number; measurementId: number; grade: Grade }[]> {
  if (!modelIds.length) return [];
  return db
    .select({
      modelId: L.modelId,
      platformId: L.platformId,
      batch: L.batch,
      medianMs: L.medianMs,
      measurementId: L.measurementId,
      grade: L.grade,
    })
    .from(L)
    .where(
      and(
        inArray(L.modelId, modelIds),
        platformIds?.length ? inArray(L.platformId, platformIds) : undefined,
        batch ? eq(L.batch, batch) : undefined,
      ),
    );
}

// ── one model ──

/** Every stored run of a model (all platforms and batch sizes), oldest first, with the platform slug. */
export async function modelRuns(db: DbOrTx, { modelId }: { modelId: number }): Promise<(Measurement & { platformSlug: string })[]> {
  const rows = await db
    .select({ m: measurements, slug: platforms.slug })
    .from(measurements)
    .innerJoin(platforms, eq(platforms.id, measurements.platformId))
    .where(eq(measurements.modelId, modelId))
    .orderBy(asc(measurements.measuredAt), asc(measurements.id));
  return rows.map((r) => ({ ...r.m, platformSlug: r.slug }));
}

export interface PredictionRow {
  platformId: number;
  platformSlug: string;
  batch: number;
  valueMs: number;
  uncertaintyMs: number | null;
  version: Pick<PredictorVersion, "id" | "name" | "method" | "status" | "createdAt">;
}

/** Stored predictions of a model, per predictor version and platform. */
export async function modelPredictions(db: DbOrTx, { modelId }: { modelId: number }): Promise<PredictionRow[]> {
  const rows = await db
    .select({
      platformId: predictions.platformId,
      platformSlug: platforms.slug,
      batch: predictions.batch,
      valueMs: predictions.valueMs,
      uncertaintyMs: predictions.uncertaintyMs,
      id: predictorVersions.id,
      name: predictorVersions.name,
      method: predictorVersions.method,
      status: predictorVersions.status,
      createdAt: predictorVersions.createdAt,
    })
    .from(predictions)
    .innerJoin(predictorVersions, eq(predictorVersions.id, predictions.predictorVersionId))
    .innerJoin(platforms, eq(platforms.id, predictions.platformId))
    .where(eq(predictions.modelId, modelId))
    .orderBy(asc(platforms.slug), desc(predictorVersions.createdAt));
  return rows.map(({ id, name, method, status, createdAt, ...r }) => ({ ...r, version: { id, name, method, status, createdAt } }));
}

export interface SimilarModel {
  id: number;
  name: string;
  family: string;
  flops: number;
  params: number;
  nodeCount: number;
  opHistogram: Record<string, number>;
}

/**
 * Candidates for "models like this": visible models of the same family nearest in log-FLOPs (then the
 * caller re-ranks by parameters and op-histogram cosine). A bounded filesort over one family's rows.
 */
export async function nearestByFlops(
  db: DbOrTx,
  { model, teamIds, limit }: { model: Pick<Model, "id" | "family" | "flops">; teamIds: readonly number[]; limit: number },
): Promise<SimilarModel[]> {
  const vis = teamIds.length
    ? or(eq(models.visibility, "public"), inArray(models.ownerTeamId, [...teamIds]))!
    : eq(models.visibility, "public");
  return db
    .select({
      id: models.id,
      name: models.name,
      family: models.family,
      flops: models.flops,
      params: models.params,
      nodeCount: models.nodeCount,
      opHistogram: models.opHistogram,
    })
    .from(models)
    .where(and(eq(models.family, model.family), vis, sql`${models.id} <> ${model.id}`))
    .orderBy(sql`ABS(LN(GREATEST(${models.flops}, 1)) - LN(${Math.max(1, model.flops)}))`, asc(models.id))
    .limit(limit);
}

// ── predictors ──

export async function listPredictorVersions(db: DbOrTx): Promise<PredictorVersion[]> {
  return db.select().from(predictorVersions).orderBy(desc(predictorVersions.createdAt), desc(predictorVersions.id));
}

/** How many predictions each predictor version holds per platform. */
export async function predictionCoverage(db: DbOrTx): Promise<{ versionId: number; platformId: number; count: number }[]> {
  return db
    .select({ versionId: predictions.predictorVersionId, platformId: predictions.platformId, count: sql<number>`COUNT(*)`.mapWith(Number) })
    .from(predictions)
    .groupBy(predictions.predictorVersionId, predictions.platformId);
}

export interface PredictedPair {
  modelId: number;
  name: string;
  family: string;
  batch: number;
  predictedMs: number;
  uncertaintyMs: number | null;
  measuredMs: number;
  /** grade of the measured label (clean unless quality "all") */
  grade: Grade;
}

/**
 * Predicted vs newest measured latency for one predictor version on one platform (visible models only),
 * at most `limit` pairs: every k-th model when there are more, k from `predictions` (how many predictions
 * the version holds there, an upper bound of the pairs), so the exact count and the sample run together.
 */
export async function predictedVsMeasured(
  db: DbOrTx,
  {
    versionId,
    platformId,
    teamIds,
    limit,
    predictions: upper,
    quality,
  }: { versionId: number; platformId: number; teamIds: readonly number[]; limit: number; predictions: number; quality?: QualityFilter },
): Promise<{ total: number; pairs: PredictedPair[] }> {
  const join = sql`FROM predictions p
      JOIN latest_measurements l ON l.model_id = p.model_id AND l.platform_id = p.platform_id AND l.batch = p.batch`;
  const where = sql`WHERE p.predictor_version_id = ${versionId} AND p.platform_id = ${platformId} AND ${visibleSql(teamIds)}
      ${qualitySql(quality)}`;
  const step = Math.max(1, Math.ceil(upper / limit));
  const [[cnt], rows] = await Promise.all([
    rowsOf<{ n: number }>(db, sql`SELECT COUNT(*) AS n ${join} ${where}`),
    arrayRows(
      db,
      sql`SELECT p.model_id, m.name, l.family, p.batch, p.value_ms, p.uncertainty_ms, l.median_ms, l.grade
          ${join} JOIN models m ON m.id = p.model_id ${where}
          ${step > 1 ? sql`AND MOD(p.model_id, ${step}) = 0` : sql``}
          LIMIT ${limit}`,
    ),
  ]);
  return {
    total: Number(cnt?.n ?? 0),
    pairs: rows.map((r) => ({
      modelId: Number(r[0]),
      name: String(r[1]),
      family: String(r[2]),
      batch: Number(r[3]),
      predictedMs: Number(r[4]),
      uncertaintyMs: r[5] === null ? null : Number(r[5]),
      measuredMs: Number(r[6]),
      grade: String(r[7]) as Grade,
    })),
  };
}

// ── totals ──

/** Public models stored (with or without results): an index-only count. */
export async function publicModelCount(db: DbOrTx): Promise<number> {
  const [m] = await db.select({ n: sql<number>`COUNT(*)`.mapWith(Number) }).from(models).where(eq(models.visibility, "public"));
  return m?.n ?? 0;
}

export interface PlatformPair {
  modelId: number;
  name: string;
  family: string;
  aMs: number;
  bMs: number;
  /** grades of the two labels (both clean unless quality "all") */
  aGrade: Grade;
  bGrade: Grade;
}

/** Models with a newest result on both platforms at one batch size: (latency on a, latency on b), sampled to `limit`. */
export async function platformPairs(
  db: DbOrTx,
  {
    a,
    b,
    batch,
    teamIds,
    limit,
    quality,
  }: { a: number; b: number; batch: number; teamIds: readonly number[]; limit: number; quality?: QualityFilter },
): Promise<{ total: number; pairs: PlatformPair[] }> {
  const grades = sql`${qualitySql(quality)} ${qualitySql(quality, "l2.")}`;
  const from = sql`FROM latest_measurements l
      JOIN latest_measurements l2 ON l2.model_id = l.model_id AND l2.platform_id = ${b} AND l2.batch = l.batch
      WHERE l.platform_id = ${a} AND l.batch = ${batch} AND ${visibleSql(teamIds)} ${grades}`;
  const [cnt] = await rowsOf<{ n: number }>(db, sql`SELECT COUNT(*) AS n ${from}`);
  const total = Number(cnt?.n ?? 0);
  if (!total) return { total, pairs: [] };
  const step = Math.max(1, Math.ceil(total / limit));
  const rows = await rowsOf<{ model_id: number; name: string; family: string; a_ms: number; b_ms: number; a_grade: Grade; b_grade: Grade }>(
    db,
    sql`SELECT l.model_id, m.name, l.family, l.median_ms AS a_ms, l2.median_ms AS b_ms, l.grade AS a_grade, l2.grade AS b_grade
        FROM latest_measurements l
        JOIN latest_measurements l2 ON l2.model_id = l.model_id AND l2.platform_id = ${b} AND l2.batch = l.batch
        JOIN models m ON m.id = l.model_id
        WHERE l.platform_id = ${a} AND l.batch = ${batch} AND ${visibleSql(teamIds)} ${grades}
        ${step > 1 ? sql`AND MOD(l.model_id, ${step}) = 0` : sql``}
        LIMIT ${limit}`,
  );
  return {
    total,
    pairs: rows.map((r) => ({
      modelId: Number(r.model_id),
      name: r.name,
      family: r.family,
      aMs: Number(r.a_ms),
      bMs: Number(r.b_ms),
      aGrade: r.a_grade,
      bGrade: r.b_grade,
    })),
  };
}
