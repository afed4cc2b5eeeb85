import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { modelParams } from "@/lib/api/schemas/models";
import { getModelForCaller } from "@/lib/services/query";

/** GET /api/v1/models/:modelId → {model, results[]} (newest result per platform × batch); 404 when not visible. */
export const GET = route({ auth: "public", params: modelParams }, async ({ req, db, principal, params }) => {
  limitAnonymous(req, principal);
  return getModelForCaller(db, principal, params.modelId);
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
