/**
 * Quotas and the usage ledger (see the ledger conventions in schema.ts). Every function here is
 * team-scoped. The atomic reserve/settle/refund flow (lib/services/quotas.ts) builds on insertLedgerRow inside a
 * transaction that locks the team's quota row (`getQuota(tx, {..., lock: true})`).
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { platforms, quotas, usageLedger, type LedgerRow } from "./schema";
import { isDuplicateKey, monthOf } from "./util";
import { NnlqError } from "@/lib/errors";

export type LedgerKind = LedgerRow["kind"];

export async function setQuota(
  db: DbOrTx,
  input: { teamId: number; platformId: number; month?: string; deviceSeconds: number; setBy?: number | null },
): Promise<void> {
  const month = input.month ?? monthOf();
  await db
    .insert(quotas)
    .values({ ...input, month })
    .onDuplicateKeyUpdate({ set: { deviceSeconds: input.deviceSeconds, setBy: input.setBy ?? null } });
}

export async function getQuota(
  db: DbOrTx,
  { teamId, platformId, month = monthOf(), lock }: { teamId: number; platformId: number; month?: string; lock?: boolean },
): Promise<number | null> {
  const q = db
    .select({ s: quotas.deviceSeconds })
    .from(quotas)
    .where(and(eq(quotas.teamId, teamId), eq(quotas.platformId, platformId), eq(quotas.month, month)));
  const rows = lock ? await q.for("update") : await q;
  return rows[0]?.s ?? null;
}

export async function insertLedgerRow(
  db: DbOrTx,
  input: {
    teamId: number;
    platformId: number;
    month?: string;
    jobId?: number | null;
    kind: LedgerKind;
    deltaSeconds: number;
    note?: string | null;
    createdBy?: number | null;
  },
): Promise<number> {
  try {
    const [res] = await db.insert(usageLedger).values({ ...input, month: input.month ?? monthOf() });
    return res.insertId;
  } catch (e) {
    if (isDuplicateKey(e)) throw new NnlqError("CONFLICT", `job ${input.jobId} already has a ${input.kind} ledger row`);
    throw e;
  }
}

export async function listLedger(
  db: DbOrTx,
  { teamId, month, limit = 200 }: { teamId: number; month?: string; limit?: number },
): Promise<(LedgerRow & { platformSlug: string })[]> {
  const rows = await db
    .select({ row: usageLedger, platformSlug: platforms.slug })
    .from(usageLedger)
    .innerJoin(platforms, eq(platforms.id, usageLedger.platformId))
    .where(and(eq(usageLedger.teamId, teamId), month ? eq(usageLedger.month, month) : undefined))
    .orderBy(desc(usageLedger.createdAt), desc(usageLedger.id))
    .limit(limit);
  return rows.map((r) => ({ ...r.row, platformSlug: r.platformSlug }));
}

export interface UsageLine {
  platformId: number;
  platformSlug: string;
  month: string;
  quotaSeconds: number | null;
  usedSeconds: number;
  remainingSeconds: number | null;
}

/** Per platform: quota, used (Σ ledger deltas) and remaining for one month. */
export async function usageSummary(
  db: DbOrTx,
  { teamId, month = monthOf() }: { teamId: number; month?: string },
): Promise<UsageLine[]> {
  const used = await db
    .select({ platformId: usageLedger.platformId, used: sql<number>`SUM(${usageLedger.deltaSeconds})`.mapWith(Number) })
    .from(usageLedger)
    .where(and(eq(usageLedger.teamId, teamId), eq(usageLedger.month, month)))
    .groupBy(usageLedger.platformId);
  const quotaRows = await db
    .select({ platformId: quotas.platformId, seconds: quotas.deviceSeconds })
    .from(quotas)
    .where(and(eq(quotas.teamId, teamId), eq(quotas.month, month)));
  const ids = new Set([...used.map((u) => u.platformId), ...quotaRows.map((q) => q.platformId)]);
  if (!ids.size) return [];
  const plats = await db.select({ id: platforms.id, slug: platforms.slug }).from(platforms).orderBy(asc(platforms.slug));
  return plats
    .filter((p) => ids.has(p.id))
    .map((p) => {
      const quota = quotaRows.find((q) => q.platformId === p.id)?.seconds ?? null;
      const u = used.find((x) => x.platformId === p.id)?.used ?? 0;
      return {
        platformId: p.id,
        platformSlug: p.slug,
        month,
        quotaSeconds: quota,
        usedSeconds: u,
        remainingSeconds: quota === null ? null : quota - u,
      };
    });
}
