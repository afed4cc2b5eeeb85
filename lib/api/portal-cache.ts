/** Cache-Control of the portal's public reads: anonymous answers are the same for everyone (shared caches may keep them a minute). */
import type { Principal } from "@/lib/auth/principal";

export const PUBLIC_MAX_AGE = 60;

export function publicCache(principal: Principal | null): HeadersInit {
  return { "cache-control": principal ? "private, no-store" : `public, max-age=${PUBLIC_MAX_AGE}, stale-while-revalidate=300` };
}
