/**
 * Teams and memberships. Role checks live in lib/services/teams.ts and lib/auth/guards.ts; these
 * functions only read and write, always filtered by the team id they are given.
 */
import { and, asc, count, eq, sql } from "drizzle-orm";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "./client";
import { memberships, teams, users, type Role, type Team } from "./schema";
import { isDuplicateKey } from "./util";

export interface TeamMember {
  userId: number;
  email: string;
  name: string;
  role: Role;
  joinedAt: Date;
}

export interface TeamOfUser {
  id: number;
  name: string;
  role: Role;
  memberCount: number;
  createdAt: Date;
}

/** Creates a team and makes `ownerId` its owner, atomically. */
export async function insertTeamWithOwner(db: DbOrTx, { name, ownerId }: { name: string; ownerId: number }): Promise<Team> {
  return db.transaction(async (tx) => {
    const [res] = await tx.insert(teams).values({ name, createdBy: ownerId });
    await tx.insert(memberships).values({ teamId: res.insertId, userId: ownerId, role: "owner" });
    const [team] = await tx.select().from(teams).where(eq(teams.id, res.insertId));
    return team!;
  });
}

/** The id of the team named `name` that `createdBy` created, if any (the seed's demo team). */
export async function findTeamIdByNameAndCreator(
  db: DbOrTx,
  { name, createdBy }: { name: string; createdBy: number },
): Promise<number | null> {
  const [t] = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.name, name), eq(teams.createdBy, createdBy)))
    .limit(1);
  return t?.id ?? null;
}

export async function getTeam(db: DbOrTx, { teamId }: { teamId: number }): Promise<Team | null> {
  const [t] = await db.select().from(teams).where(eq(teams.id, teamId)).limit(1);
  return t ?? null;
}

export async function renameTeam(db: DbOrTx, { teamId, name }: { teamId: number; name: string }): Promise<void> {
  await db.update(teams).set({ name }).where(eq(teams.id, teamId));
}

export async function listTeamsOfUser(db: DbOrTx, { userId }: { userId: number }): Promise<TeamOfUser[]> {
  const counts = db
    .select({ teamId: memberships.teamId, n: count().as("n") })
    .from(memberships)
    .groupBy(memberships.teamId)
    .as("counts");
  return db
    .select({
      id: teams.id,
      name: teams.name,
      role: memberships.role,
      memberCount: sql<number>`CAST(${counts.n} AS SIGNED)`.mapWith(Number),
      createdAt: teams.createdAt,
    })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .innerJoin(counts, eq(counts.teamId, teams.id))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(teams.name), asc(teams.id));
}

export async function getMembership(
  db: DbOrTx,
  { teamId, userId }: { teamId: number; userId: number },
): Promise<{ role: Role } | null> {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)))
    .limit(1);
  return m ?? null;
}

export async function listMembers(db: DbOrTx, { teamId }: { teamId: number }): Promise<TeamMember[]> {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.teamId, teamId))
    .orderBy(sql`FIELD(${memberships.role}, 'owner', 'admin', 'member')`, asc(users.email));
}

export async function insertMembership(
  db: DbOrTx,
  { teamId, userId, role }: { teamId: number; userId: number; role: Role },
): Promise<void> {
  try {
    await db.insert(memberships).values({ teamId, userId, role });
  } catch (e) {
    if (isDuplicateKey(e)) throw new NnlqError("CONFLICT", "That user is already a member of this team");
    throw e;
  }
}

export async function updateMembershipRole(
  db: DbOrTx,
  { teamId, userId, role }: { teamId: number; userId: number; role: Role },
): Promise<void> {
  await db
    .update(memberships)
    .set({ role })
    .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
}

export async function deleteMembership(db: DbOrTx, { teamId, userId }: { teamId: number; userId: number }): Promise<void> {
  await db.delete(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
}

/** Owner ids of a team; in a transaction pass `lock` so "last owner" checks can't race. */
export async function listOwnerIds(db: DbOrTx, { teamId, lock }: { teamId: number; lock?: boolean }): Promise<number[]> {
  const q = db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.teamId, teamId), eq(memberships.role, "owner")));
  const rows = lock ? await q.for("update") : await q;
  return rows.map((r) => r.userId);
}
