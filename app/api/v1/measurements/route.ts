import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { measurementsQuery } from "@/lib/api/schemas/models";
import { listMeasurements } from "@/lib/services/query";

/**
 * GET /api/v1/measurements?platform=&family=&batch=&teamId=&cursor=&limit= → {items, nextCursor}: newest
 * result per model × batch, fastest first. Anonymous: public models; members also see their teams' private ones.
 */
export const GET = route({ auth: "public", query: measurementsQuery }, async ({ req, db, principal, query }) => {
  limitAnonymous(req, principal);
  return listMeasurements(db, principal, query);
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
