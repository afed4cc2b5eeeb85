/** Small helpers shared by the lib/db modules. */

/** True when a query failed on a UNIQUE/PRIMARY key (drizzle wraps the mysql2 error in `cause`). */
export function isDuplicateKey(e: unknown): boolean {
  for (let cur = e as { code?: string; errno?: number; cause?: unknown } | undefined; cur; cur = cur.cause as typeof cur) {
    if (cur.code === "ER_DUP_ENTRY" || cur.errno === 1062) return true;
  }
  return false;
}

/** "YYYY-MM" of a date in UTC: the quota and ledger month. */
export function monthOf(d: Date = new Date()): string {
  return d.toISOString().slice(0, 7);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
