import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { modelParams } from "@/lib/api/schemas/models";
import { NnlqError } from "@/lib/errors";
import { callerTeamIds } from "@/lib/services/caller";
import { modelPage } from "@/lib/services/portal-model";

/**
 * GET /api/v1/models/{modelId}/overview → everything the model page shows: structure, newest results per
 * platform with run history and op-type shares, the laid-out graph with per-operator profile times,
 * predictions per predictor version, similar models. Public models for everyone; private ones for their team.
 */
export const GET = route({ auth: "public", params: modelParams }, async ({ req, db, principal, params }) => {
  limitAnonymous(req, principal);
  const data = await modelPage(db, await callerTeamIds(db, principal), params.modelId);
  if (!data) throw new NnlqError("NOT_FOUND", `Model ${params.modelId} is not known or not visible to you`);
  return data;
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
