import { json, otherMethods, route } from "@/lib/api/http";
import { createTeamBody } from "@/lib/api/schemas";
import { createTeam, listMyTeams } from "@/lib/services/teams";

/** GET /api/v1/teams → the caller's teams with their role. */
export const GET = route({ auth: "user" }, async ({ db, principal }) => ({ teams: await listMyTeams(db, principal) }));

/** POST /api/v1/teams {name} → 201 {team}; the caller becomes owner. */
export const POST = route({ auth: "user", body: createTeamBody }, async ({ db, principal, body }) =>
  json({ team: await createTeam(db, principal, body) }, 201),
);

export const { HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ GET, POST });
