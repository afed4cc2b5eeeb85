import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { queryBody } from "@/lib/api/schemas/models";
import { queryLatency } from "@/lib/services/query";

/**
 * POST /api/v1/query {modelId | hash, platforms[], batch?, teamId?, priority?, remeasure?} → per platform:
 * measured (result + provenance) | queued/running (jobId) | unsupported | not_measured | error.
 * When every platform fails the same way the error is the response (e.g. 402 QUOTA_EXCEEDED).
 */
export const POST = route({ auth: "public", body: queryBody }, async ({ req, db, principal, body }) => {
  limitAnonymous(req, principal);
  return queryLatency(db, principal, body);
});

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
