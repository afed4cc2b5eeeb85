import { json } from "@/lib/api/http";
import { siteHealth } from "@/lib/services/pages";

export const dynamic = "force-dynamic";

/** GET /api/health → {ok, database: {reachable, error?}, migration: {tag, hash, createdAt, applied} | null, pending}. */
export async function GET(): Promise<Response> {
  const health = await siteHealth();
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
