import { otherMethods, route } from "@/lib/api/http";
import { changeRoleBody, memberParams } from "@/lib/api/schemas";
import { changeRole, removeMember } from "@/lib/services/teams";

/** PATCH /api/v1/teams/:teamId/members/:userId {role} → {member} (admins; owner role needs an owner). */
export const PATCH = route(
  { auth: "team", role: "admin", params: memberParams, body: changeRoleBody },
  async ({ db, principal, params, body }) => ({ member: await changeRole(db, principal, { ...params, role: body.role }) }),
);

/** DELETE /api/v1/teams/:teamId/members/:userId → 204 (admins, or yourself to leave). */
export const DELETE = route({ auth: "team", params: memberParams }, async ({ db, principal, params }) => {
  await removeMember(db, principal, params);
});

export const { GET, HEAD, OPTIONS, POST, PUT } = otherMethods({ PATCH, DELETE });
