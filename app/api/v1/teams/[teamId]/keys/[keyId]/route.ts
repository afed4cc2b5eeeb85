import { otherMethods, route } from "@/lib/api/http";
import { keyParams } from "@/lib/api/schemas";
import { revokeTeamApiKey } from "@/lib/services/keys";

/** DELETE /api/v1/teams/:teamId/keys/:keyId → {key} revoked (its creator or a team admin). */
export const DELETE = route({ auth: "team", params: keyParams }, async ({ db, principal, params }) => ({
  key: await revokeTeamApiKey(db, principal, params),
}));

export const { GET, HEAD, OPTIONS, POST, PUT, PATCH } = otherMethods({ DELETE });
