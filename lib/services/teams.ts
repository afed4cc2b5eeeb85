/**
 * Team use cases: every function authorises the caller with requireTeamRole first, then reads or
 * writes through lib/db. Rules: any signed-in user creates teams (becoming owner); members read; admins
 * add, re-role and remove members; only owners grant, change or remove the owner role; a team always
 * keeps at least one owner; anyone may leave (remove themselves) unless they are the last owner.
 */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Role } from "@/lib/db/schema";
import * as teamsDb from "@/lib/db/teams";
import { findUserByEmail } from "@/lib/db/users";
import { listTeamModels } from "@/lib/db/models";
import { listLedger, usageSummary } from "@/lib/db/usage";
import { requireTeamRole, requireUser } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import { invalidate } from "./read-cache";

export async function createTeam(db: DbOrTx, p: Principal | null, { name }: { name: string }) {
  const principal = requireUser(p);
  if (principal.apiKey) throw new NnlqError("FORBIDDEN", "Teams are created by signed-in users, not API keys");
  return teamsDb.insertTeamWithOwner(db, { name: name.trim(), ownerId: principal.user.id });
}

export async function listMyTeams(db: DbOrTx, p: Principal | null) {
  const principal = requireUser(p);
  const teams = await teamsDb.listTeamsOfUser(db, { userId: principal.user.id });
  return principal.apiKey ? teams.filter((t) => t.id === principal.apiKey!.teamId) : teams;
}

export async function getTeamOverview(db: DbOrTx, p: Principal | null, teamId: number) {
  const { team, role } = await requireTeamRole(db, p, teamId, "member");
  const members = await teamsDb.listMembers(db, { teamId });
  return { team, role, members };
}

export async function listTeamMembers(db: DbOrTx, p: Principal | null, teamId: number) {
  await requireTeamRole(db, p, teamId, "member");
  return teamsDb.listMembers(db, { teamId });
}

export async function renameTeam(db: DbOrTx, p: Principal | null, teamId: number, name: string) {
  await requireTeamRole(db, p, teamId, "admin");
  await teamsDb.renameTeam(db, { teamId, name: name.trim() });
}

export async function addMember(
  db: DbOrTx,
  p: Principal | null,
  { teamId, email, role = "member" }: { teamId: number; email: string; role?: Role },
) {
  const { role: myRole } = await requireTeamRole(db, p, teamId, "admin");
  if (role === "owner" && myRole !== "owner") throw new NnlqError("FORBIDDEN", "Only an owner can add another owner");
  const user = await findUserByEmail(db, { email });
  if (!user) {
    throw new NnlqError("NOT_FOUND", `No account uses the email ${email.trim()}; ask them to sign up first`);
  }
  await teamsDb.insertMembership(db, { teamId, userId: user.id, role });
  return { userId: user.id, email: user.email, name: user.name, role };
}

async function targetRole(db: DbOrTx, teamId: number, userId: number): Promise<Role> {
  const m = await teamsDb.getMembership(db, { teamId, userId });
  if (!m) throw new NnlqError("NOT_FOUND", `User ${userId} is not a member of this team`);
  return m.role;
}

export async function changeRole(
  db: DbOrTx,
  p: Principal | null,
  { teamId, userId, role }: { teamId: number; userId: number; role: Role },
) {
  const { role: myRole } = await requireTeamRole(db, p, teamId, "admin");
  return db.transaction(async (tx) => {
    const owners = await teamsDb.listOwnerIds(tx, { teamId, lock: true });
    const current = await targetRole(tx, teamId, userId);
    if ((current === "owner" || role === "owner") && myRole !== "owner") {
      throw new NnlqError("FORBIDDEN", "Only an owner can grant or change the owner role");
    }
    if (current === "owner" && role !== "owner" && owners.length <= 1) {
      throw new NnlqError("CONFLICT", "A team needs at least one owner: make someone else owner first");
    }
    await teamsDb.updateMembershipRole(tx, { teamId, userId, role });
    return { userId, role };
  });
}

export async function removeMember(db: DbOrTx, p: Principal | null, { teamId, userId }: { teamId: number; userId: number }) {
  const self = requireUser(p).user.id === userId;
  const { role: myRole } = await requireTeamRole(db, p, teamId, self ? "member" : "admin");
  await db.transaction(async (tx) => {
    const owners = await teamsDb.listOwnerIds(tx, { teamId, lock: true });
    const current = await targetRole(tx, teamId, userId);
    if (current === "owner" && !self && myRole !== "owner") throw new NnlqError("FORBIDDEN", "Only an owner can remove an owner");
    if (current === "owner" && owners.length <= 1) {
      throw new NnlqError("CONFLICT", "The last owner cannot leave or be removed: make someone else owner first");
    }
    await teamsDb.deleteMembership(tx, { teamId, userId });
  });
  invalidate("apiKeys");
}

/** A team's own models (private ones included): members only. */
export async function listModelsOfTeam(db: DbOrTx, p: Principal | null, teamId: number, opts: { limit?: number } = {}) {
  await requireTeamRole(db, p, teamId, "member");
  return listTeamModels(db, { teamId, limit: opts.limit });
}

/** Quota use and the ledger of a team: members only. */
export async function getTeamUsage(db: DbOrTx, p: Principal | null, teamId: number, { month }: { month?: string } = {}) {
  await requireTeamRole(db, p, teamId, "member");
  const [summary, ledger] = await Promise.all([usageSummary(db, { teamId, month }), listLedger(db, { teamId, month })]);
  return { summary, ledger };
}
