/** Who the caller acts for: the teams whose private data they may read, and the team that pays. */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import { listTeamsOfUser } from "@/lib/db/teams";
import { requireTeamRole } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";

/** Teams whose private models, jobs and results the caller may read (an API key: its own team only). */
export async function callerTeamIds(db: DbOrTx, p: Principal | null): Promise<number[]> {
  if (!p) return [];
  if (p.apiKey) return [p.apiKey.teamId];
  return (await listTeamsOfUser(db, { userId: p.user.id })).map((t) => t.id);
}

/**
 * The team a request acts for: an API key's team; for a session, `teamId` (a team of the caller) or the
 * caller's only team. Null when the caller is anonymous or in no team.
 */
export async function actingTeam(db: DbOrTx, p: Principal | null, teamId?: number): Promise<{ id: number; name: string } | null> {
  if (!p) return null;
  if (teamId !== undefined) {
    const { team } = await requireTeamRole(db, p, teamId, "member");
    return { id: team.id, name: team.name };
  }
  if (p.apiKey) {
    const { team } = await requireTeamRole(db, p, p.apiKey.teamId, "member");
    return { id: team.id, name: team.name };
  }
  const teams = await listTeamsOfUser(db, { userId: p.user.id });
  if (teams.length === 1) return { id: teams[0]!.id, name: teams[0]!.name };
  if (teams.length === 0) return null;
  throw new NnlqError(
    "VALIDATION",
    `teamId is required: you belong to ${teams.length} teams (${teams.map((t) => `${t.id} "${t.name}"`).join(", ")})`,
    { fields: { teamId: "is required when you belong to several teams" } },
  );
}

/**
 * The name a caller sees for a model: its own name when public or owned by one of `teamIds`; a private
 * model reached through a possession grant (or another team's job) keeps its owner's name private.
 */
export function modelDisplayName(
  m: { name: string; hash: string; visibility: "public" | "private"; ownerTeamId: number | null },
  teamIds: readonly number[],
): string {
  if (m.visibility === "public" || (m.ownerTeamId !== null && teamIds.includes(m.ownerTeamId))) return m.name;
  return `model-${m.hash.slice(0, 12)}`;
}
