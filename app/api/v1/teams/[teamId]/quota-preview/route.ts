import { otherMethods, route } from "@/lib/api/http";
import { teamParams } from "@/lib/api/schemas";
import { quotaPreviewQuery } from "@/lib/api/schemas/portal";
import { quotaPreview } from "@/lib/services/portal-teams";

/**
 * GET /api/v1/teams/{teamId}/quota-preview?modelId=&platforms=a,b&batch= → per platform: answered from a
 * stored result (free), or the device-seconds a measurement would reserve against the remaining budget.
 */
export const GET = route({ auth: "team", params: teamParams, query: quotaPreviewQuery }, async ({ db, principal, params, query }) =>
  quotaPreview(db, principal, params.teamId, query),
);

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
