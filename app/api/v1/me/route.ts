import { otherMethods, route } from "@/lib/api/http";
import { listMyTeams } from "@/lib/services/teams";

/** GET /api/v1/me → the caller (session or API key) and their teams. */
export const GET = route({ auth: "user" }, async ({ db, principal }) => ({
  user: principal.user,
  via: principal.via,
  apiKey: principal.apiKey ?? null,
  teams: await listMyTeams(db, principal),
}));

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
