import { json, otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { browseQuery } from "@/lib/api/schemas/portal";
import { requireUser } from "@/lib/auth/guards";
import { callerTeamIds } from "@/lib/services/caller";
import { browse } from "@/lib/services/portal";
import { publicCache } from "@/lib/api/portal-cache";

/**
 * GET /api/v1/browse?platform=&family=&batch=&source=&flopsMin=&flopsMax=&latencyMin=&latencyMax=&sort=&dir=&scope=&cursor=&limit=
 * → newest results on a platform, filtered and sorted, keyset pages. Anonymous: public models (cacheable);
 * members also see their teams' private ones (scope=team: only those).
 */
export const GET = route({ auth: "public", query: browseQuery }, async ({ req, db, principal, query }) => {
  limitAnonymous(req, principal);
  if (query.scope === "team") requireUser(principal);
  return json(await browse(db, await callerTeamIds(db, principal), query), 200, publicCache(principal));
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
