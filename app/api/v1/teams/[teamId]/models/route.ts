import { otherMethods, route } from "@/lib/api/http";
import { teamParams } from "@/lib/api/schemas";
import { listModelsOfTeam } from "@/lib/services/teams";

/** GET /api/v1/teams/:teamId/models → {models} the team owns, private ones included (members only). */
export const GET = route({ auth: "team", params: teamParams }, async ({ db, principal, params }) => ({
  models: await listModelsOfTeam(db, principal, params.teamId),
}));

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
