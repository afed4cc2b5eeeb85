/** Database health: reachability and the last applied migration (by tag from drizzle/meta/_journal.json). */
import { sql } from "drizzle-orm";
import journal from "@/drizzle/meta/_journal.json";
import type { DbOrTx } from "./client";

export interface DbHealth {
  reachable: boolean;
  error?: string;
  /** The newest applied migration: its tag, hash and creation time (drizzle records the journal's `when`,
   *  not the moment it was applied), and how many migrations this database has applied. */
  migration: { tag: string | null; hash: string; createdAt: string; applied: number } | null;
  /** migrations in drizzle/ not applied to this database */
  pending: string[];
}

export async function databaseHealth(db: DbOrTx): Promise<DbHealth> {
  try {
    await db.execute(sql`SELECT 1`);
  } catch (e) {
    return { reachable: false, error: (e as { code?: string }).code ?? "unreachable", migration: null, pending: [] };
  }
  let last: { hash: string; created_at: string | number; applied: string | number } | undefined;
  try {
    const [rows] = (await db.execute(
      sql`SELECT hash, created_at, (SELECT COUNT(*) FROM __drizzle_migrations) AS applied FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1`,
    )) as unknown as [{ hash: string; created_at: string | number; applied: string | number }[]];
    last = rows[0];
  } catch {
    last = undefined; // no migrations table yet
  }
  const when = last ? Number(last.created_at) : 0;
  const entry = journal.entries.find((e) => e.when === when);
  return {
    reachable: true,
    migration: last
      ? { tag: entry?.tag ?? null, hash: last.hash, createdAt: new Date(when).toISOString(), applied: Number(last.applied) }
      : null,
    pending: journal.entries.filter((e) => e.when > when).map((e) => e.tag),
  };
}
