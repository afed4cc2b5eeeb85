import { json, otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { leaderboardQuery } from "@/lib/api/schemas/portal";
import { callerTeamIds } from "@/lib/services/caller";
import { leaderboards } from "@/lib/services/portal";
import { publicCache } from "@/lib/api/portal-cache";

/**
 * GET /api/v1/leaderboards?platform=&batch=&perFamily= → fastest models per family, the latency-vs-FLOPs
 * Pareto front, and platforms ranked on the models measured on all of them.
 */
export const GET = route({ auth: "public", query: leaderboardQuery }, async ({ req, db, principal, query }) => {
  limitAnonymous(req, principal);
  const { sample: _sample, sampleTotal: _total, ...board } = await leaderboards(db, await callerTeamIds(db, principal), query);
  return json(board, 200, publicCache(principal));
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
