import { json, otherMethods, route } from "@/lib/api/http";
import { addMemberBody, teamParams } from "@/lib/api/schemas";
import { addMember, listTeamMembers } from "@/lib/services/teams";

/** GET /api/v1/teams/:teamId/members → {members} (members only). */
export const GET = route({ auth: "team", params: teamParams }, async ({ db, principal, params }) => ({
  members: await listTeamMembers(db, principal, params.teamId),
}));

/** POST /api/v1/teams/:teamId/members {email, role?} → 201 {member}; unknown email → 404 (admins). */
export const POST = route(
  { auth: "team", role: "admin", params: teamParams, body: addMemberBody },
  async ({ db, principal, params, body }) =>
    json({ member: await addMember(db, principal, { teamId: params.teamId, ...body }) }, 201),
);

export const { HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ GET, POST });
