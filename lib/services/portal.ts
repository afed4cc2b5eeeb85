/**
 * Public portal use cases: browse, the platform × family matrix, leaderboards. Callers pass the team ids
 * whose private models they may see (`[]` for anonymous visitors and for the cached public pages), so
 * the same code serves the API (team-filtered) and the server-rendered public pages.
 *
 * Quality: every read takes `quality` (default "clean": only rows whose measurement is clean; "all": every
 * row, each carrying its grade). Ranks and the Pareto front are over clean rows only, always; with "all"
 * the other rows are listed beside them, marked and unranked.
 */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Platform } from "@/lib/db/schema";
import { listFamilies, listPlatforms } from "@/lib/db/platforms";
import * as browseDb from "@/lib/db/browse";
import { measurementsById } from "@/lib/db/results";
import type { QualityFilter } from "@/lib/quality";
import { qualityOf } from "./results";
import { decodeCursor, encodeCursor } from "@/lib/api/schemas/common";
import type { BrowseParams, BrowseResponse, LeaderboardParams, LeaderboardResponse, MatrixResponse } from "@/lib/api/schemas/portal";
import { FAMILY_LABELS, type FamilyName } from "@/lib/onnx/families";

/** A sampled (model, FLOPs, latency) point of the leaderboard's Pareto chart. */
export type { ScatterPoint } from "@/lib/db/browse";

export const familyLabel = (name: string) => FAMILY_LABELS[name as FamilyName] ?? name;

/**
 * Platforms that are active or have results, and the default one: the first by slug among those with
 * clean results (x86-…/ort-cpu-…/fp32/t1, the reference platform, sorts first), else among those with
 * any results, else the first active one. Cheap: one probe per platform, no counting.
 */
export async function portalPlatforms(db: DbOrTx): Promise<{ platforms: Platform[]; measured: Set<number>; fallback: Platform | null }> {
  const [plats, ids, cleanIds] = await Promise.all([
    listPlatforms(db, { activeOnly: false }),
    browseDb.measuredPlatformIds(db),
    browseDb.measuredPlatformIds(db, { quality: "clean" }),
  ]);
  const measured = new Set(ids);
  const clean = new Set(cleanIds);
  const shown = plats.filter((p) => p.active || measured.has(p.id));
  return {
    platforms: shown,
    measured,
    fallback: shown.find((p) => clean.has(p.id)) ?? shown.find((p) => measured.has(p.id)) ?? shown[0] ?? null,
  };
}

async function resolvePlatform(db: DbOrTx, slug: string | undefined) {
  const all = await portalPlatforms(db);
  if (!slug) return { ...all, platform: all.fallback };
  const p = all.platforms.find((x) => x.slug === slug);
  if (!p) throw new NnlqError("NOT_FOUND", `Unknown platform '${slug}' (GET /api/v1/platforms lists them)`);
  return { ...all, platform: p };
}

function parseCursor(c: string, sort: string, dir: string): browseDb.BrowseKey {
  const v = decodeCursor(c);
  if (!v || v.length !== 5 || v[0] !== sort || v[1] !== dir || !v.slice(2).every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new NnlqError("VALIDATION", "Invalid query string: cursor is not a valid cursor for this sort order", {
      fields: { cursor: "is not a valid cursor" },
    });
  }
  return v.slice(2) as browseDb.BrowseKey;
}

/** One browse page: newest results on a platform, filtered, sorted, keyset-paginated. */
export async function browse(db: DbOrTx, teamIds: readonly number[], q: BrowseParams): Promise<BrowseResponse> {
  const { platform } = await resolvePlatform(db, q.platform);
  const quality: QualityFilter = q.quality ?? "clean";
  if (!platform) return { platform: null, quality, items: [], total: 0, totalCapped: false, nextCursor: null };
  const filter: browseDb.BrowseFilter = {
    platformId: platform.id,
    teamIds,
    ownOnly: q.scope === "team",
    family: q.family,
    batch: q.batch,
    source: q.source,
    flopsMin: q.flopsMin,
    flopsMax: q.flopsMax,
    latencyMin: q.latencyMin,
    latencyMax: q.latencyMax,
    quality,
  };
  const after = q.cursor ? parseCursor(q.cursor, q.sort, q.dir) : undefined;
  const [rows, count] = await Promise.all([
    browseDb.browsePage(db, { ...filter, sort: q.sort, dir: q.dir, after, limit: q.limit + 1 }),
    browseDb.browseCount(db, filter),
  ]);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const byId = await measurementsById(db, page.map((r) => r.measurementId));
  return {
    platform: platform.slug,
    quality,
    items: page.map((r) => ({
      model: {
        id: r.modelId,
        hash: r.hash,
        name: r.name,
        family: r.family,
        flops: r.flops,
        params: r.params,
        source: r.source,
        visibility: r.visibility,
      },
      batch: r.batch,
      medianMs: r.medianMs,
      measurementCount: r.measurementCount,
      measuredAt: r.measuredAt.toISOString(),
      quality: byId.has(r.measurementId) ? qualityOf(byId.get(r.measurementId)!) : gradeOnly(r.grade),
    })),
    total: count.count,
    totalCapped: count.capped,
    nextCursor: rows.length > q.limit && last ? encodeCursor([q.sort, q.dir, ...browseDb.browseKeyOf(last, q.sort)]) : null,
  };
}

/** A row whose measurement went between two reads: its grade, no figures. */
function gradeOnly(grade: browseDb.BrowseRow["grade"]) {
  return {
    grade,
    labelKind: grade === "legacy" ? "wall-v1" : grade === "clean" ? "wall-clean" : grade === "estimated" ? "cpu-estimate" : "wall-contended",
    protocol: grade === "legacy" ? 1 : 2,
    cleanRuns: null,
    runs: 0,
    ciRel: null,
    wallCpuRatio: null,
    interferenceShare: null,
    waitMs: null,
  } as const;
}

/** Platform × family counts and median latencies at one batch size (clean rows unless quality "all"). */
export async function matrix(
  db: DbOrTx,
  teamIds: readonly number[],
  { batch, quality = "clean" }: { batch: number; quality?: QualityFilter },
): Promise<MatrixResponse> {
  const [{ platforms }, cells, fams, models] = await Promise.all([
    portalPlatforms(db),
    browseDb.familyMatrix(db, { teamIds, batch, quality }),
    listFamilies(db),
    browseDb.publicModelCount(db),
  ]);
  const slug = new Map(platforms.map((p) => [p.id, p.slug]));
  const present = new Set(cells.map((c) => c.family));
  return {
    batch,
    quality,
    platforms: platforms
      .filter((p) => cells.some((c) => c.platformId === p.id) || p.active)
      .map((p) => ({ id: p.id, slug: p.slug, name: p.name })),
    families: fams.filter((f) => present.has(f.name)).map((f) => ({ name: f.name, label: f.label })),
    cells: cells
      .filter((c) => slug.has(c.platformId))
      .map((c) => ({ platform: slug.get(c.platformId)!, family: c.family, count: c.count, medianMs: c.medianMs })),
    totals: { results: cells.reduce((a, c) => a + c.count, 0), models },
  };
}

/**
 * Platforms are ranked against the selected one only when they share at least this many measured models
 * with it: a latency ratio over one or two models says little about a platform. Those with fewer are
 * listed as not ranked, with their count.
 */
export const MIN_SHARED_MODELS = 5;

/** Fastest per family, the Pareto front, and platforms ranked on the common model set. */
export async function leaderboards(
  db: DbOrTx,
  teamIds: readonly number[],
  q: LeaderboardParams,
): Promise<LeaderboardResponse & { sample: browseDb.ScatterPoint[]; sampleTotal: number }> {
  const quality: QualityFilter = q.quality ?? "clean";
  const { platform, platforms, measured: ids } = await resolvePlatform(db, q.platform);
  const measured = platforms.filter((p) => ids.has(p.id));
  const top = (grades: "clean" | "not-clean") =>
    platform ? browseDb.fastestPerFamily(db, { platformId: platform.id, batch: q.batch, teamIds, perFamily: q.perFamily, grades }) : [];
  const [fastest, notRanked, pareto, ranking] = await Promise.all([
    top("clean"),
    quality === "all" ? top("not-clean") : [],
    platform
      ? browseDb.paretoView(db, { platformId: platform.id, batch: q.batch, teamIds, maxPoints: 1500, quality })
      : { total: 0, sample: [], front: [] },
    platform
      ? browseDb.rankPlatforms(db, {
          referenceId: platform.id,
          platformIds: measured.map((p) => p.id),
          teamIds,
          batch: q.batch,
          minModels: MIN_SHARED_MODELS,
        })
      : { ranks: [], unranked: [], referenceModels: 0 },
  ]);
  const byId = new Map(platforms.map((p) => [p.id, p]));
  return {
    platform: platform?.slug ?? null,
    batch: q.batch,
    quality,
    fastest: fastest.map(({ modelId, grade: _grade, ...r }) => ({ id: modelId, ...r })),
    notRanked: notRanked.map(({ modelId, rank: _rank, ...r }) => ({ id: modelId, ...r })),
    paretoFront: pareto.front.map((r) => ({
      id: r.modelId,
      name: r.name,
      family: r.family,
      flops: r.flops,
      params: r.params,
      medianMs: r.medianMs,
    })),
    platforms: ranking.ranks.map((r) => ({
      platform: byId.get(r.platformId)?.slug ?? String(r.platformId),
      name: byId.get(r.platformId)?.name ?? "",
      models: r.models,
      geoMeanMs: r.geoMeanMs,
      relative: r.relative,
    })),
    referenceModels: ranking.referenceModels,
    unranked: ranking.unranked.map((r) => ({ platform: byId.get(r.platformId)?.slug ?? String(r.platformId), models: r.models })),
    minSharedModels: MIN_SHARED_MODELS,
    sample: pareto.sample,
    sampleTotal: pareto.total,
  };
}
