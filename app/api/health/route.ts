import { json } from "@/lib/api/http";
import { getDb } from "@/lib/db/client";
import { databaseHealth } from "@/lib/db/meta";

export const dynamic = "force-dynamic";

/** GET /api/health → {ok, database: {reachable, error?}, migration: {tag, hash, createdAt, applied} | null, pending}. */
export async function GET(): Promise<Response> {
  let health;
  try {
    health = await databaseHealth(getDb());
  } catch (e) {
    health = { reachable: false, error: (e as Error).message, migration: null, pending: [] };
  }
  const ok = health.reachable && health.migration !== null && health.pending.length === 0;
  return json(
    {
      ok,
      database: { reachable: health.reachable, ...(health.error ? { error: health.error } : {}) },
      migration: health.migration,
      pending: health.pending,
    },
    ok ? 200 : 503,
  );
}
