import { json, otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { matrixQuery } from "@/lib/api/schemas/portal";
import { callerTeamIds } from "@/lib/services/caller";
import { matrix } from "@/lib/services/portal";
import { publicCache } from "@/lib/api/portal-cache";

/** GET /api/v1/stats/matrix?batch= → platform × family counts and median latencies of the newest results. */
export const GET = route({ auth: "public", query: matrixQuery }, async ({ req, db, principal, query }) => {
  limitAnonymous(req, principal);
  return json(await matrix(db, await callerTeamIds(db, principal), query), 200, publicCache(principal));
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
