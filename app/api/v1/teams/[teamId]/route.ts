import { otherMethods, route } from "@/lib/api/http";
import { renameTeamBody, teamParams } from "@/lib/api/schemas";
import { getTeamOverview, renameTeam } from "@/lib/services/teams";

/** GET /api/v1/teams/:teamId → {team, role, members} (members only). */
export const GET = route({ auth: "team", params: teamParams }, ({ db, principal, params }) =>
  getTeamOverview(db, principal, params.teamId),
);

/** PATCH /api/v1/teams/:teamId {name} → 204 (admins). */
export const PATCH = route(
  { auth: "team", role: "admin", params: teamParams, body: renameTeamBody },
  async ({ db, principal, params, body }) => {
    await renameTeam(db, principal, params.teamId, body.name);
  },
);

export const { HEAD, OPTIONS, POST, PUT, DELETE } = otherMethods({ GET, PATCH });
