/** Ledger reads used by the quota flow (reserve / settle / refund) in lib/services/quotas.ts. */
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { usageLedger, type LedgerRow } from "./schema";

/** Σ delta_seconds of a team on a platform in a month (what it has spent, reservations included). */
export async function spentSeconds(
  db: DbOrTx,
  { teamId, platformId, month }: { teamId: number; platformId: number; month: string },
): Promise<number> {
  const [r] = await db
    .select({ s: sql<number>`COALESCE(SUM(${usageLedger.deltaSeconds}), 0)`.mapWith(Number) })
    .from(usageLedger)
    .where(and(eq(usageLedger.teamId, teamId), eq(usageLedger.platformId, platformId), eq(usageLedger.month, month)));
  return r?.s ?? 0;
}

/** A job's ledger rows by kind. */
export async function jobLedgerRows(db: DbOrTx, { jobId }: { jobId: number }): Promise<Partial<Record<LedgerRow["kind"], LedgerRow>>> {
  const rows = await db.select().from(usageLedger).where(eq(usageLedger.jobId, jobId));
  return Object.fromEntries(rows.map((r) => [r.kind, r]));
}
