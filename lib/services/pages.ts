/**
 * What the server-rendered pages, and the few route handlers that answer outside route() (/api/health,
 * /predictors/current, /setup), read: one function per need. Each opens the database itself (getDb), so
 * nothing under app/ holds a database handle or imports lib/db (test/architecture/boundaries.test.ts).
 * The use cases stay in the services these call, which take `db` like every service (route() handlers pass
 * theirs); public, cacheable page reads are in portal-cached.ts.
 *
 * Server-only: Next refuses to bundle this module into a client component (the `server-only` import is
 * Next's own; vitest maps it to an empty module).
 */
import "server-only";
import { getDb, type Db } from "@/lib/db/client";
import { databaseHealth, type DbHealth } from "@/lib/db/meta";
import { listPlatforms } from "@/lib/db/platforms";
import { monthOf } from "@/lib/db/util";
import { currentPrincipal, principalFromRequest } from "@/lib/auth/session";
import type { Principal } from "@/lib/auth/principal";
import type { BrowseParams, BrowseResponse } from "@/lib/api/schemas/portal";
import type { QualityFilter } from "@/lib/quality";
import { claimSiteAdmin } from "./admin-setup";
import { callerTeamIds } from "./caller";
import { listJobsForCaller } from "./jobs";
import { jobPage, type JobPageData } from "./portal-job";
import { currentPredictor, type PredictorInfo } from "./portal-predictor";
import { browse } from "./portal";
import { publicMatrix } from "./portal-cached";
import { compareModels, comparePlatforms } from "./portal-model";
import { adminOverview, teamQuotaPage } from "./portal-teams";
import { listPlatformsWithStatus } from "./platforms";
import { getModelForCaller } from "./query";
import { getTeamOverview, listMyTeams } from "./teams";
import { listTeamApiKeys } from "./keys";

/** The database, or null when none is configured (no DATABASE_URL, e.g. while building). */
function optionalDb(): Db | null {
  try {
    return getDb();
  } catch {
    return null;
  }
}

// ── who is asking ──

/** The signed-in user of this render (session cookie), or null. */
export function pageCaller(): Promise<Principal | null> {
  return currentPrincipal(getDb());
}

/** This month as YYYY-MM (UTC): the default month of the quota and admin pages. */
export const thisMonth = (): string => monthOf();

// ── home, platforms, query ──

export interface HomePageData {
  predictor: PredictorInfo | null;
  names: Record<string, string>;
  /** the active platforms' slugs: the preview shows a row for each */
  active: string[];
  totals: { results: number; models: number; platforms: number } | null;
}

/** The home page: the predictor the preview loads, platform names, headline counts (without a database: the files name the predictor). */
export async function homePageData(): Promise<HomePageData> {
  const db = optionalDb();
  const predictor = await currentPredictor(db);
  if (!db) return { predictor, names: {}, active: [], totals: null };
  try {
    const [plats, m] = await Promise.all([listPlatforms(db, { activeOnly: false }), publicMatrix(1)]);
    return {
      predictor,
      names: Object.fromEntries(plats.map((p) => [p.slug, p.name])),
      active: plats.filter((p) => p.active).map((p) => p.slug).sort(),
      totals: { results: m.totals.results, models: m.totals.models, platforms: new Set(m.cells.map((c) => c.platform)).size },
    };
  } catch {
    return { predictor, names: {}, active: [], totals: null };
  }
}

/** The promoted predictor the browser preview loads (without a database: the files alone name it). */
export function currentPredictorInfo(): Promise<PredictorInfo | null> {
  return currentPredictor(optionalDb());
}

/** Platforms with their devices' live status (/platforms, /query). */
export function platformsWithStatus() {
  return listPlatformsWithStatus(getDb());
}

/** /query: the platforms, the caller's teams and the current predictor. */
export async function queryPageData(me: Principal | null) {
  const db = getDb();
  const [platforms, teams, predictor] = await Promise.all([
    listPlatformsWithStatus(db),
    me ? listMyTeams(db, me) : Promise.resolve([]),
    currentPredictor(db),
  ]);
  return { platforms, teams, predictor };
}

/** /query?model=<id>: the model if the caller may see it (NOT_FOUND otherwise). */
export function modelForCaller(me: Principal | null, modelId: number) {
  return getModelForCaller(getDb(), me, modelId);
}

// ── jobs ──

/** /jobs: the caller's teams' newest jobs. */
export function jobsForCaller(me: Principal) {
  return listJobsForCaller(getDb(), me, { limit: 50 });
}

/** /jobs/[id]: the job as GET /api/v1/jobs/{id} authorises it for the signed-in caller (NOT_FOUND otherwise). */
export async function jobForPage(id: number): Promise<JobPageData> {
  const db = getDb();
  return jobPage(db, await currentPrincipal(db), id);
}

// ── teams, quotas, administration ──

export function myTeams(me: Principal) {
  return listMyTeams(getDb(), me);
}

export function teamOverview(me: Principal, teamId: number) {
  return getTeamOverview(getDb(), me, teamId);
}

export function teamApiKeys(me: Principal, teamId: number) {
  return listTeamApiKeys(getDb(), me, teamId);
}

export function teamQuota(me: Principal, teamId: number, month: string | undefined) {
  return teamQuotaPage(getDb(), me, teamId, month);
}

export function adminPageData(me: Principal, month: string) {
  return adminOverview(getDb(), me, month);
}

// ── portal reads that are not public (or not cached) ──

/** /browse?scope=team: the caller's teams' private models (not cached). */
export async function browseForCaller(me: Principal, params: BrowseParams): Promise<BrowseResponse> {
  const db = getDb();
  return browse(db, await callerTeamIds(db, me), params);
}

/** /compare: public models side by side (clean labels unless quality "all"). */
export function compareModelsPublic(modelIds: number[], quality: QualityFilter = "clean") {
  return compareModels(getDb(), [], modelIds, { quality });
}

/** /compare: two platforms on the public models measured on both (clean labels unless quality "all"). */
export function comparePlatformsPublic(q: { a: string; b: string; batch?: number; quality?: QualityFilter }) {
  return comparePlatforms(getDb(), [], q);
}

// ── route handlers outside route() ──

/** /api/health: the database's reachability and migration state (unreachable when none is configured). */
export async function siteHealth(): Promise<DbHealth> {
  try {
    return await databaseHealth(getDb());
  } catch (e) {
    return { reachable: false, error: (e as Error).message, migration: null, pending: [] };
  }
}

/** /setup: the caller of `req` becomes site admin with the one-time setup token (lib/services/admin-setup.ts). */
export async function claimSiteAdminFor(req: Request, token: string | null) {
  const db = getDb();
  return claimSiteAdmin(db, await principalFromRequest(db, req), token);
}
