/**
 * Authorisation guards. Every team-scoped read or write in lib/services starts with requireTeamRole;
 * it throws NnlqError (→ 401/403/404 over HTTP) and returns the team and the caller's effective role.
 */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Role, Team } from "@/lib/db/schema";
import { getMembership, getTeam } from "@/lib/db/teams";
import type { Principal } from "./principal";

export const ROLE_RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export function requireUser(p: Principal | null): Principal {
  if (!p) {
    throw new NnlqError("UNAUTHENTICATED", "Sign in, or send an API key as `Authorization: Bearer nnlq_<prefix>_<secret>`");
  }
  return p;
}

export function requireSiteAdmin(p: Principal | null): Principal {
  const u = requireUser(p);
  if (!u.user.isSiteAdmin) throw new NnlqError("FORBIDDEN", "This needs a site administrator");
  if (u.via === "api-key") throw new NnlqError("FORBIDDEN", "Site administration needs a signed-in session, not an API key");
  return u;
}

/**
 * The caller must belong to `teamId` with at least `minRole`. API keys act only in their own team and
 * with member rights (managing members and keys needs a signed-in admin).
 */
export async function requireTeamRole(
  db: DbOrTx,
  p: Principal | null,
  teamId: number,
  minRole: Role = "member",
): Promise<{ team: Team; role: Role; principal: Principal }> {
  const principal = requireUser(p);
  const team = await getTeam(db, { teamId });
  if (!team) throw new NnlqError("NOT_FOUND", `Team ${teamId} does not exist`);
  const membership = await getMembership(db, { teamId, userId: principal.user.id });
  if (principal.apiKey && principal.apiKey.teamId !== teamId) {
    throw new NnlqError("FORBIDDEN", `This API key belongs to another team and cannot access team "${team.name}"`);
  }
  if (!membership) {
    throw new NnlqError(
      "FORBIDDEN",
      principal.apiKey
        ? `This API key's creator is no longer a member of team "${team.name}"; create a new key`
        : `You are not a member of team "${team.name}"`,
    );
  }
  const role: Role = principal.apiKey ? "member" : membership.role;
  if (ROLE_RANK[role] < ROLE_RANK[minRole]) {
    throw new NnlqError(
      "FORBIDDEN",
      principal.apiKey
        ? `API keys have member rights; sign in as a team ${minRole} to do this`
        : `This needs the ${minRole} role in team "${team.name}" (you are ${role})`,
    );
  }
  return { team, role, principal };
}
