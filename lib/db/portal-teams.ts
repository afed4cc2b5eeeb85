/**
 * Reads behind the team quota page and the site-admin page: a team's spending over time from the usage
 * ledger (per day of a month, per month), the months it has quota or spending in, and every team with its
 * quotas and spending (site admins only — the caller checks).
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { memberships, quotas, teams, usageLedger } from "./schema";

/** Σ delta_seconds per platform per UTC day of one month (reservations included, settlements net them). */
export async function usageByDay(
  db: DbOrTx,
  { teamId, month }: { teamId: number; month: string },
): Promise<{ platformId: number; day: string; seconds: number }[]> {
  const day = sql<string>`DATE_FORMAT(${usageLedger.createdAt}, '%Y-%m-%d')`;
  const rows = await db
    .select({ platformId: usageLedger.platformId, day, seconds: sql<number>`SUM(${usageLedger.deltaSeconds})`.mapWith(Number) })
    .from(usageLedger)
    .where(and(eq(usageLedger.teamId, teamId), eq(usageLedger.month, month)))
    .groupBy(usageLedger.platformId, day)
    .orderBy(asc(day));
  return rows;
}

/** Σ delta_seconds per platform per month, newest months first. */
export async function usageByMonth(db: DbOrTx, { teamId, months = 12 }: { teamId: number; months?: number }) {
  const rows = await db
    .select({
      platformId: usageLedger.platformId,
      month: usageLedger.month,
      seconds: sql<number>`SUM(${usageLedger.deltaSeconds})`.mapWith(Number),
    })
    .from(usageLedger)
    .where(eq(usageLedger.teamId, teamId))
    .groupBy(usageLedger.month, usageLedger.platformId)
    .orderBy(desc(usageLedger.month));
  const keep = [...new Set(rows.map((r) => r.month))].slice(0, months);
  return rows.filter((r) => keep.includes(r.month));
}

/** Months in which a team has a quota or ledger rows, newest first. */
export async function teamMonths(db: DbOrTx, { teamId }: { teamId: number }): Promise<string[]> {
  const [q, l] = await Promise.all([
    db.selectDistinct({ month: quotas.month }).from(quotas).where(eq(quotas.teamId, teamId)),
    db.selectDistinct({ month: usageLedger.month }).from(usageLedger).where(eq(usageLedger.teamId, teamId)),
  ]);
  return [...new Set([...q, ...l].map((r) => r.month))].sort().reverse();
}

export interface TeamQuotaRow {
  teamId: number;
  name: string;
  members: number;
  quotas: { platformId: number; seconds: number }[];
  used: { platformId: number; seconds: number }[];
}

/** Every team with its member count, quotas and spending in one month (site-admin overview). */
export async function teamsWithQuotas(db: DbOrTx, { month }: { month: string }): Promise<TeamQuotaRow[]> {
  const [all, counts, qs, used] = await Promise.all([
    db.select({ id: teams.id, name: teams.name }).from(teams).orderBy(asc(teams.name), asc(teams.id)),
    db
      .select({ teamId: memberships.teamId, n: sql<number>`COUNT(*)`.mapWith(Number) })
      .from(memberships)
      .groupBy(memberships.teamId),
    db
      .select({ teamId: quotas.teamId, platformId: quotas.platformId, seconds: quotas.deviceSeconds })
      .from(quotas)
      .where(eq(quotas.month, month)),
    db
      .select({
        teamId: usageLedger.teamId,
        platformId: usageLedger.platformId,
        seconds: sql<number>`SUM(${usageLedger.deltaSeconds})`.mapWith(Number),
      })
      .from(usageLedger)
      .where(eq(usageLedger.month, month))
      .groupBy(usageLedger.teamId, usageLedger.platformId),
  ]);
  return all.map((t) => ({
    teamId: t.id,
    name: t.name,
    members: counts.find((c) => c.teamId === t.id)?.n ?? 0,
    quotas: qs.filter((q) => q.teamId === t.id).map(({ platformId, seconds }) => ({ platformId, seconds })),
    used: used.filter((u) => u.teamId === t.id).map(({ platformId, seconds }) => ({ platformId, seconds })),
  }));
}
