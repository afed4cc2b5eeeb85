/**
 * Short-lived, per-process caches for the reads on the hot API path (an API key's principal, a platform
 * by slug, an accessible model, a model's newest result): a cached `POST /api/v1/query` answers without
 * touching the database. Each entry lives `ttlMs`; writes made through this process's services clear the
 * affected cache at once (`invalidate`), so a single instance never serves a stale answer after its own
 * write. Another instance's write is seen within the TTL (documented in README: "Caches").
 *
 * Only found values are cached (a miss is asked again next time), and concurrent loads of one key share
 * one database read. NNLQ_READ_CACHE=0 turns every cache off.
 *
 * A key names everything the value depends on: a read that takes a quality filter (lib/quality.ts
 * QualityFilter: "clean" or "all") keys on it (`resultsKey`), so a clean-only read never answers from an
 * entry loaded for "all" nor the other way round.
 */
import { env } from "@/lib/env";

export type CacheName = "apiKeys" | "platforms" | "models" | "results";

/** Key of a model × platform × batch result read under a quality filter ("results" cache). */
export function resultsKey(quality: "clean" | "all", modelId: number, platformId: number, batch: number): string {
  return `${quality}|${modelId}|${platformId}|${batch}`;
}

const TTL_MS: Record<CacheName, number> = { apiKeys: 5_000, platforms: 10_000, models: 2_000, results: 2_000 };
const MAX_ENTRIES = 10_000;

interface Entry<V> {
  value: V;
  expires: number;
}

const caches = new Map<CacheName, Map<string, Entry<unknown>>>();
const inFlight = new Map<string, Promise<unknown>>();
let generation = 0;

function enabled(): boolean {
  return env().NNLQ_READ_CACHE;
}

function cacheOf(name: CacheName): Map<string, Entry<unknown>> {
  let c = caches.get(name);
  if (!c) caches.set(name, (c = new Map()));
  return c;
}

/**
 * The cached value of `key` in `name`, else `load()` (cached when not null/undefined). A load that began
 * before an invalidation is returned to its caller but not stored.
 */
export async function cached<V>(name: CacheName, key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
  if (!enabled()) return load();
  const c = cacheOf(name);
  const hit = c.get(key);
  if (hit && hit.expires > now) return hit.value as V;
  const flightKey = `${name}\u0000${key}`;
  const pending = inFlight.get(flightKey);
  if (pending) return pending as Promise<V>;
  const gen = generation;
  const p = load().then(
    (value) => {
      inFlight.delete(flightKey);
      if (value !== null && value !== undefined && gen === generation) {
        if (c.size >= MAX_ENTRIES) c.clear();
        c.set(key, { value, expires: Date.now() + TTL_MS[name] });
      }
      return value;
    },
    (e) => {
      inFlight.delete(flightKey);
      throw e;
    },
  );
  inFlight.set(flightKey, p);
  return p;
}

/** Forgets every entry of the named caches (all when none named): call after a write that changes them. */
export function invalidate(...names: CacheName[]): void {
  generation++;
  for (const n of names.length ? names : (Object.keys(TTL_MS) as CacheName[])) caches.get(n)?.clear();
  for (const k of [...inFlight.keys()]) if (!names.length || names.some((n) => k.startsWith(`${n}\u0000`))) inFlight.delete(k);
}
