import { otherMethods, route } from "@/lib/api/http";
import { teamParams, usageQuery } from "@/lib/api/schemas";
import { getTeamUsage } from "@/lib/services/teams";

/** GET /api/v1/teams/:teamId/usage?month=YYYY-MM → {summary, ledger} (members only). */
export const GET = route({ auth: "team", params: teamParams, query: usageQuery }, ({ db, principal, params, query }) =>
  getTeamUsage(db, principal, params.teamId, query),
);

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
