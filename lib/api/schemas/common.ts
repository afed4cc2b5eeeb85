/**
 * Building blocks shared by the query-system schemas (models, query, jobs, platforms, worker, admin).
 * Isomorphic: no Node or server imports. Responses carry times as ISO-8601 strings.
 */
import { z } from "zod";
import { GRADE_TEXT, GRADES, LABEL_KINDS, QUALITY_FILTERS } from "@/lib/quality";

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

// ── measurement quality (lib/quality.ts) ──

export const grade = z.enum(GRADES).describe(`clean | estimated | contended | legacy: ${GRADES.map((g) => `${g}: ${GRADE_TEXT[g]}`).join("; ")}`);

/** `?quality=`: clean (default: only clean measurements, the labels) or all (every row, marked with its grade, never ranked). */
export const qualityFilter = z
  .enum(QUALITY_FILTERS, { error: `must be ${QUALITY_FILTERS.join(" or ")} (clean: clean measurements only, the default; all: every row, marked)` })
  .default("clean")
  .describe("clean (default): clean measurements only; all: estimated, contended and legacy rows too, marked with their grade and never ranked");

/** A measurement's quality figures (measurements columns; protocol v1 rows: grade legacy, figures null). */
export const measurementQuality = z.object({
  grade,
  labelKind: z.enum(LABEL_KINDS).describe("what the label is: wall-clean, cpu-estimate, wall-contended, wall-v1"),
  protocol: z.number().describe("measurement protocol (1: no interference recorded; 2: interference-aware)"),
  cleanRuns: z.number().nullable().describe("timed runs judged clean (null for protocol v1)"),
  runs: z.number().describe("timed runs in all"),
  ciRel: z.number().nullable().describe("relative half-width of the label's confidence interval (0.01 = ±1%)"),
  wallCpuRatio: z.number().nullable().describe("median wall time / median CPU time of the runs"),
  interferenceShare: z.number().nullable().describe("share of the host's CPU time spent outside the measurement during the runs"),
  waitMs: z.number().nullable().describe("time spent waiting for a quiet window, ms"),
});

export type MeasurementQualityView = z.infer<typeof measurementQuality>;
