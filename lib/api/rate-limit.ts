/**
 * Rate limit for anonymous API reads: an in-memory token bucket per client IP (per server process).
 * Signed-in callers and API keys are not limited here. Settings (environment):
 *   NNLQ_ANON_RPS          sustained requests per second per IP (default 5)
 *   NNLQ_ANON_BURST        bucket size: requests allowed at once (default 30)
 *   NNLQ_TRUSTED_PROXIES   comma-separated IPs / CIDRs of reverse proxies in front of nnlq (default none)
 * The client IP is the TCP peer's address, which the web server (scripts/web-server.mjs) stamps on every
 * request as `x-nnlq-remote-addr` after deleting any client-sent copy. Only when that peer is a trusted
 * proxy is `X-Forwarded-For` read: from the right, the first entry that is not itself a trusted proxy
 * (entries left of it were written by the client and prove nothing). A request without the stamp (a
 * server started some other way) shares one "unknown" bucket: never a header the client chose.
 * Over the limit → NnlqError RATE_LIMITED (429) with details.retryAfterSeconds.
 */
import { BlockList, isIP } from "node:net";
import { NnlqError } from "@/lib/errors";
import { env } from "@/lib/env";

/** Set by scripts/web-server.mjs from req.socket.remoteAddress (it has the same constant). */
export const REMOTE_ADDR_HEADER = "x-nnlq-remote-addr";

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new Map<string, Bucket>();
const MAX_BUCKETS = 50_000;

/** "::ffff:1.2.3.4" → "1.2.3.4"; brackets and an IPv4 ":port" suffix dropped; null when not an IP. */
export function normalizeIp(raw: string | null | undefined): string | null {
  let s = (raw ?? "").trim();
  if (!s) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  const v4mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(s);
  if (v4mapped) s = v4mapped[1]!;
  return isIP(s) ? s.toLowerCase() : null;
}

export interface TrustedProxies {
  has(ip: string): boolean;
  readonly entries: string[];
}

/** Parses NNLQ_TRUSTED_PROXIES ("10.0.0.1, 192.168.0.0/16, ::1"); throws naming every bad entry. */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = new BlockList();
  const entries = (value ?? "").split(",").map((e) => e.trim()).filter(Boolean);
  const bad: string[] = [];
  for (const e of entries) {
    const [addr, bits, extra] = e.split("/");
    const ip = normalizeIp(addr);
    const family = ip ? (isIP(ip) === 4 ? "ipv4" : "ipv6") : null;
    if (!ip || !family || extra !== undefined) {
      bad.push(e);
    } else if (bits === undefined) {
      list.addAddress(ip, family);
    } else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === "ipv4" ? 32 : 128)) {
      list.addSubnet(ip, Number(bits), family);
    } else {
      bad.push(e);
    }
  }
  if (bad.length) {
    throw new Error(
      `NNLQ_TRUSTED_PROXIES: not an IP address or CIDR range: ${bad.map((b) => `'${b}'`).join(", ")} (expected e.g. 10.0.0.1, 192.168.0.0/16, ::1)`,
    );
  }
  return {
    entries,
    has: (ip) => {
      const n = normalizeIp(ip);
      return n !== null && list.check(n, isIP(n) === 4 ? "ipv4" : "ipv6");
    },
  };
}

let trustedCache: { value: string | undefined; parsed: TrustedProxies } | undefined;

/** The trusted proxies of this process (NNLQ_TRUSTED_PROXIES, parsed once per value). A bad setting is
 *  reported at start-up by scripts/start.ts; here it is logged once and trusts nobody. */
export function trustedProxies(): TrustedProxies {
  const value = env().NNLQ_TRUSTED_PROXIES;
  if (!trustedCache || trustedCache.value !== value) {
    let parsed: TrustedProxies;
    try {
      parsed = parseTrustedProxies(value);
    } catch (e) {
      console.error(`[rate-limit] ${(e as Error).message}; trusting no proxy`);
      parsed = parseTrustedProxies(undefined);
    }
    trustedCache = { value, parsed };
    return parsed;
  }
  return trustedCache.parsed;
}

/**
 * The client address a rate limit keys on: the TCP peer (REMOTE_ADDR_HEADER), or, when the peer is a
 * trusted proxy, the right-most X-Forwarded-For entry that is not a trusted proxy (X-Real-IP when the
 * proxy sends no X-Forwarded-For). Without the stamp: "unknown".
 */
export function clientIp(req: Request, trusted: TrustedProxies = trustedProxies()): string {
  const peer = normalizeIp(req.headers.get(REMOTE_ADDR_HEADER));
  if (!peer) return "unknown";
  if (!trusted.has(peer)) return peer;
  const xff = req.headers.get("x-forwarded-for");
  if (xff) {
    const hops = xff.split(",").map((h) => h.trim()).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const ip = normalizeIp(hops[i]);
      if (!ip) return hops[i]!.slice(0, 64); // the trusted proxy wrote something that is not an IP: still its word
      if (!trusted.has(ip)) return ip;
    }
    return normalizeIp(hops[0]) ?? peer; // every hop is a trusted proxy: the first one is the client
  }
  return normalizeIp(req.headers.get("x-real-ip")) ?? peer;
}

/** Takes one token from the caller's bucket; throws RATE_LIMITED when it is empty. */
export function takeToken(key: string, now = Date.now()): void {
  const { NNLQ_ANON_RPS: rps, NNLQ_ANON_BURST: burst } = env();
  const b = buckets.get(key) ?? { tokens: burst, at: now };
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rps);
  b.at = now;
  if (b.tokens < 1) {
    buckets.set(key, b);
    const retryAfterSeconds = Math.ceil((1 - b.tokens) / rps);
    throw new NnlqError(
      "RATE_LIMITED",
      `Too many anonymous requests from ${key}; retry in ${retryAfterSeconds} s, or sign in / use an API key`,
      {
        retryAfterSeconds,
      },
    );
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
