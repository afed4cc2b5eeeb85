/** Search-param helpers of the server-rendered portal pages (GET forms, links that keep the other filters). */
import type { z } from "zod";

export type SearchParams = Record<string, string | string[] | undefined>;

/** First value of each param, empty strings dropped (a GET form submits empty fields). */
export function flatParams(sp: SearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sp)) {
    const x = Array.isArray(v) ? v[0] : v;
    if (x !== undefined && x.trim() !== "") out[k] = x.trim();
  }
  return out;
}

/**
 * Parses page params with an API schema. Invalid fields are reported and dropped (the page still renders
 * with the remaining filters) rather than failing the page.
 */
export function parsePageParams<S extends z.ZodType>(schema: S, sp: SearchParams): { params: z.output<S>; errors: string[] } {
  const raw = flatParams(sp);
  const first = schema.safeParse(raw);
  if (first.success) return { params: first.data, errors: [] };
  const errors: string[] = [];
  const bad = new Set<string>();
  for (const issue of first.error.issues) {
    const key = String(issue.path[0] ?? "");
    if (!bad.has(key)) errors.push(`${key || "filters"}: ${issue.message}`);
    bad.add(key);
    delete raw[key];
  }
  const second = schema.safeParse(raw);
  return { params: second.success ? second.data : (schema.parse({}) as z.output<S>), errors };
}

/** `path?query` with `changes` applied to `current` (undefined / "" removes a key). */
export function hrefWith(
  path: string,
  current: Record<string, string | number | undefined>,
  changes: Record<string, string | number | undefined>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...current, ...changes })) {
    if (v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
