/**
 * The portal's public reads behind Next's data cache (server-side, 60 s, tag "portal"): what anonymous
 * visitors see is the same for everyone, so server-rendered public pages answer from the cache and the
 * database sees one query per filter combination per minute. Only for code running inside Next.
 */
import { unstable_cache } from "next/cache";
import { getDb } from "@/lib/db/client";
import type { BrowseParams, LeaderboardParams } from "@/lib/api/schemas/portal";
import type { QualityFilter } from "@/lib/quality";
import { platformCounts } from "@/lib/db/browse";
import { browse, leaderboards, matrix, portalPlatforms } from "./portal";
import { compareView, modelPage, predictorBoard } from "./portal-model";

export const PORTAL_TAG = "portal";
const opts = { revalidate: 60, tags: [PORTAL_TAG] };

/**
 * The database a cache entry belongs to (host, port and database name of DATABASE_URL; never the
 * password). Next's data cache lives in .next/cache and outlives the server, and one build may serve
 * another database later — the test suite's own databases, then the user's after `npm test` — so every
 * key carries it; without it /browse answered with a platform of a dropped test database (500).
 */
export function databaseCacheKey(url = process.env.DATABASE_URL ?? ""): string {
  try {
    const u = new URL(url);
    return `db:${u.hostname}:${u.port || "3306"}${u.pathname}`;
  } catch {
    return "db:unknown";
  }
}
const key = (name: string) => [name, databaseCacheKey()];

// the quality filter is part of every key (an argument: unstable_cache keys on its arguments); v2: rows carry quality
export const publicBrowse = unstable_cache((q: BrowseParams) => browse(getDb(), [], q), key("portal-browse-v2"), opts);

export const publicMatrix = unstable_cache(
  (batch: number, quality: QualityFilter = "clean") => matrix(getDb(), [], { batch, quality }),
  key("portal-matrix-v2"),
  opts,
);

export const publicLeaderboards = unstable_cache(
  (q: LeaderboardParams) => leaderboards(getDb(), [], q),
  key("portal-leaderboards-v2"),
  opts,
);

/** Platforms with their public clean result counts (cached), and the default platform: the one with the most clean results. */
export const publicPlatforms = unstable_cache(
  async () => {
    const db = getDb();
    const [{ platforms, fallback }, counts] = await Promise.all([portalPlatforms(db), platformCounts(db, { teamIds: [] })]);
    const n = new Map(counts.map((c) => [c.platformId, c.count]));
    const most = [...platforms].sort((a, b) => (n.get(b.id) ?? 0) - (n.get(a.id) ?? 0) || a.slug.localeCompare(b.slug))[0];
    return {
      platforms: platforms.map((p) => ({ id: p.id, slug: p.slug, name: p.name, active: p.active, count: n.get(p.id) ?? 0 })),
      /** the platform with the most public results */
      defaultSlug: (most && n.get(most.id) ? most.slug : fallback?.slug) ?? null,
    };
  },
  key("portal-platforms-v2"),
  opts,
);

/** A public model's page data (null when the model is private or unknown: the page then asks the API). */
export const publicModelPage = unstable_cache((id: number) => modelPage(getDb(), [], id), key("portal-model-v2"), {
  revalidate: 300,
  tags: [PORTAL_TAG],
});

export const publicCompare = unstable_cache(
  (predictor: string | undefined, platform: string | undefined, quality: QualityFilter = "clean") =>
    compareView(getDb(), [], { predictor, platform, quality }),
  key("portal-compare-v2"),
  opts,
);

export const publicPredictorBoard = unstable_cache(
  (split: string | undefined) => predictorBoard(getDb(), split),
  key("portal-predictors-v1"),
  opts,
);
