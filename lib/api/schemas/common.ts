/**
 * Building blocks shared by the query-system schemas (models, query, jobs, platforms, worker, admin).
 * Isomorphic: no Node or server imports. Responses carry times as ISO-8601 strings.
 */
import { z } from "zod";

export { id } from "@/lib/api/schemas";

/** `<hardware>/<runtime>-<major.minor>/<precision>/t<threads>`, e.g. x86-epyc-2c/ort-cpu-1.30/fp32/t1 */
export const PLATFORM_SLUG = /^[a-z0-9][a-z0-9_.-]*\/[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*-\d+\.\d+\/(fp32|fp16|int8)\/t\d+$/;

export const platformSlug = z
  .string({ error: "is required" })
  .regex(PLATFORM_SLUG, "must be a platform slug like x86-epyc-2c/ort-cpu-1.30/fp32/t1 (GET /api/v1/platforms lists them)");

export const structureHash = z
  .string({ error: "is required" })
  .regex(/^[0-9a-f]{64}$/, "must be a structure hash (64 lowercase hex characters)");

export const MAX_BATCH = 1024;
export const batch = z.coerce
  .number({ error: `must be an integer in 1…${MAX_BATCH}` })
  .int(`must be an integer in 1…${MAX_BATCH}`)
  .min(1, `must be an integer in 1…${MAX_BATCH}`)
  .max(MAX_BATCH, `must be an integer in 1…${MAX_BATCH}`);

export const isoTime = z.string().describe("ISO-8601 UTC time");
export const visibility = z.enum(["public", "private"], { error: "must be public or private" });
export const precision = z.enum(["fp32", "fp16", "int8"], { error: "must be fp32, fp16 or int8" });
export const jobState = z.enum(["queued", "leased", "running", "done", "failed", "cancelled"]);
export const deviceStatus = z.enum(["online", "busy", "offline", "disabled"]);

/** Every error response: `{error: {code, message, details?}}` (lib/errors.ts codes; HTTP status from the code). */
export const errorBody = z.object({
  error: z.object({
    code: z.string().describe("stable error code, e.g. VALIDATION, QUOTA_EXCEEDED, UNSUPPORTED_OPERATOR"),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Opaque keyset-pagination cursor (base64url). */
export const cursor = z.string().max(400, "is not a valid cursor").regex(/^[A-Za-z0-9_-]+$/, "is not a valid cursor");

export function encodeCursor(values: (number | string)[]): string {
  const text = JSON.stringify(values);
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(c: string): unknown[] | null {
  try {
    const bin = atob(c.replace(/-/g, "+").replace(/_/g, "/"));
    const v = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

export const limit = (max: number, def: number) =>
  z.coerce
    .number({ error: `must be an integer in 1…${max}` })
    .int(`must be an integer in 1…${max}`)
    .min(1, `must be an integer in 1…${max}`)
    .max(max, `must be an integer in 1…${max}`)
    .default(def);
