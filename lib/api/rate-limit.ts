/**
 * Rate limit for anonymous API reads: an in-memory token bucket per client IP (per server process).
 * Signed-in callers and API keys are not limited here. Settings (environment):
 *   NNLQ_ANON_RPS     sustained requests per second per IP (default 5)
 *   NNLQ_ANON_BURST   bucket size: requests allowed at once (default 30)
 * The IP is the first X-Forwarded-For entry, else X-Real-IP, else "direct" (all direct clients share a
 * bucket when no proxy sets those headers). Over the limit → NnlqError RATE_LIMITED (429) with
 * details.retryAfterSeconds.
 */
import { NnlqError } from "@/lib/errors";

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new Map<string, Bucket>();
const MAX_BUCKETS = 50_000;

function setting(name: string, def: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : def;
}

export function clientIp(req: Request): string {
  const xff = req.headers.get("x-forwarded-for");
  if (xff) return xff.split(",")[0]!.trim() || "direct";
  return req.headers.get("x-real-ip")?.trim() || "direct";
}

/** Takes one token from the caller's bucket; throws RATE_LIMITED when it is empty. */
export function takeToken(key: string, now = Date.now()): void {
  const rps = setting("NNLQ_ANON_RPS", 5);
  const burst = setting("NNLQ_ANON_BURST", 30);
  const b = buckets.get(key) ?? { tokens: burst, at: now };
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rps);
  b.at = now;
  if (b.tokens < 1) {
    buckets.set(key, b);
    const retryAfterSeconds = Math.ceil((1 - b.tokens) / rps);
    throw new NnlqError("RATE_LIMITED", `Too many anonymous requests from ${key}; retry in ${retryAfterSeconds} s, or sign in / use an API key`, {
      retryAfterSeconds,
    });
  }
  b.tokens -= 1;
  if (!buckets.has(key) && buckets.size >= MAX_BUCKETS) {
    // drop the oldest-refilled half; they were idle longest
    const byAge = [...buckets.entries()].sort((x, y) => x[1].at - y[1].at);
    for (const [k] of byAge.slice(0, MAX_BUCKETS / 2)) buckets.delete(k);
  }
  buckets.set(key, b);
}

/** Limits anonymous callers (principal null); a no-op for signed-in callers. */
export function limitAnonymous(req: Request, principal: unknown): void {
  if (principal) return;
  takeToken(clientIp(req));
}

/** Test hook: forget all buckets. */
export function resetRateLimits(): void {
  buckets.clear();
}
