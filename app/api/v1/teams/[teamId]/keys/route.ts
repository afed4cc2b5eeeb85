import { json, otherMethods, route } from "@/lib/api/http";
import { createKeyBody, teamParams } from "@/lib/api/schemas";
import { createApiKey, listTeamApiKeys } from "@/lib/services/keys";

/** GET /api/v1/teams/:teamId/keys → {keys} (prefix, name, created, last used, revoked; never secrets). */
export const GET = route({ auth: "team", params: teamParams }, async ({ db, principal, params }) => ({
  keys: await listTeamApiKeys(db, principal, params.teamId),
}));

/** POST /api/v1/teams/:teamId/keys {name} → 201 {key, secret}: the secret is shown this once. */
export const POST = route(
  { auth: "team", params: teamParams, body: createKeyBody },
  async ({ db, principal, params, body }) => json(await createApiKey(db, principal, { teamId: params.teamId, name: body.name }), 201),
);

export const { HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ GET, POST });
