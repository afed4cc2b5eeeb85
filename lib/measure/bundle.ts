/**
 * Offline device mode (air-gapped labs): the server exports a platform's queued jobs as a jobs bundle,
 * the device measures it with no network, and the server imports the results bundle, which the device
 * signs with HMAC-SHA256 keyed by its device token so the server can verify origin and integrity.
 *
 * Both bundles are JSON lines (UTF-8, "\n"-terminated):
 *   jobs:    {"format":"nnlq-jobs","version":1,"platform":…,"createdAt":…,"count":N}
 *            {"jobId":…,"platform":…,"batch":…,"inputs"?:…,"sha256":…,"model":"<base64 ONNX>"}  × N
 *   results: {"format":"nnlq-results","version":1,"platform":…,"deviceId"?:…,"createdAt":…,"count":N}
 *            {"jobId":…,"ok":true,"result":{MeasurementResult}} | {"jobId":…,"ok":false,"error":{code,message}}  × N
 *            {"signature":"hmac-sha256:<hex>"}   — over the exact bytes of every line before it
 * Models are normally structure-only ONNX (the measurement re-materializes weights).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { NnlqError } from "@/lib/errors";
import type { MeasurementResult } from "./measure";
import type { MeasureInChildOptions } from "./runner";

export const BUNDLE_VERSION = 1;

export interface BundleJob {
  jobId: string;
  platform: string;
  batch: number;
  inputs?: Record<string, number[]>;
  model: Uint8Array;
}

export interface JobsHeader { format: "nnlq-jobs"; version: number; platform: string; createdAt: string; count: number }

export type BundleResult =
  | { jobId: string; ok: true; result: MeasurementResult }
  | { jobId: string; ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export interface ResultsHeader {
  format: "nnlq-results";
  version: number;
  platform: string;
  deviceId?: string;
  createdAt: string;
  count: number;
}

const invalid = (reason: string, details: Record<string, unknown> = {}) =>
  new NnlqError("BUNDLE_INVALID", `invalid bundle: ${reason}`, { reason, ...details });

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function parseLine(line: string, n: number): Record<string, unknown> {
  try {
    const v = JSON.parse(line);
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw invalid(`line ${n} is not a JSON object`, { line: n });
}

function splitLines(text: string): string[] {
  if (typeof text !== "string" || text.length === 0) throw invalid("empty bundle");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 200;
const isBatch = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1 << 16;

/* ---------- jobs ---------- */

export function encodeJobsBundle(platform: string, jobs: BundleJob[], o: { createdAt?: Date } = {}): string {
  const header: JobsHeader = {
    format: "nnlq-jobs",
    version: BUNDLE_VERSION,
    platform,
    createdAt: (o.createdAt ?? new Date()).toISOString(),
    count: jobs.length,
  };
  const lines = [JSON.stringify(header)];
  for (const j of jobs) {
    if (j.platform !== platform) throw invalid(`job ${j.jobId} is for platform ${j.platform}, not ${platform}`);
    lines.push(
      JSON.stringify({
        jobId: j.jobId,
        platform: j.platform,
        batch: j.batch,
        ...(j.inputs ? { inputs: j.inputs } : {}),
        sha256: sha256(j.model),
        model: Buffer.from(j.model).toString("base64"),
      }),
    );
  }
  return lines.join("\n") + "\n";
}

export function decodeJobsBundle(text: string): { header: JobsHeader; jobs: BundleJob[] } {
  const lines = splitLines(text);
  const h = parseLine(lines[0], 1);
  if (h.format !== "nnlq-jobs") throw invalid("not a jobs bundle (format must be nnlq-jobs)");
  if (h.version !== BUNDLE_VERSION) throw invalid(`unsupported version ${String(h.version)}`);
  if (!isId(h.platform)) throw invalid("header has no platform");
  const jobs: BundleJob[] = [];
  for (let i = 1; i < lines.length; i++) {
    const j = parseLine(lines[i], i + 1);
    if (!isId(j.jobId) || j.platform !== h.platform || !isBatch(j.batch) || typeof j.model !== "string") {
      throw invalid(`line ${i + 1} is not a job of platform ${h.platform as string}`, { line: i + 1 });
    }
    const model = new Uint8Array(Buffer.from(j.model, "base64"));
    if (sha256(model) !== j.sha256) throw invalid(`model of job ${j.jobId} does not match its sha256`, { jobId: j.jobId });
    jobs.push({
      jobId: j.jobId,
      platform: j.platform as string,
      batch: j.batch,
      ...(j.inputs ? { inputs: j.inputs as Record<string, number[]> } : {}),
      model,
    });
  }
  if (jobs.length !== h.count) throw invalid(`header announces ${String(h.count)} jobs, bundle has ${jobs.length}`);
  return { header: h as unknown as JobsHeader, jobs };
}

/* ---------- results ---------- */

function hmac(key: string | Uint8Array, body: string): string {
  if (typeof key === "string" ? key.length === 0 : key.byteLength === 0)
    throw new NnlqError("VALIDATION", "the signing key (device token) is empty");
  return createHmac("sha256", key).update(body, "utf8").digest("hex");
}

export function signResultsBundle(
  header: { platform: string; deviceId?: string; createdAt?: Date },
  results: BundleResult[],
  key: string | Uint8Array,
): string {
  const h: ResultsHeader = {
    format: "nnlq-results", version: BUNDLE_VERSION, platform: header.platform,
    ...(header.deviceId ? { deviceId: header.deviceId } : {}),
    createdAt: (header.createdAt ?? new Date()).toISOString(), count: results.length,
  };
  const body = [JSON.stringify(h), ...results.map((r) => JSON.stringify(r))].join("\n") + "\n";
  return body + JSON.stringify({ signature: `hmac-sha256:${hmac(key, body)}` }) + "\n";
}

function checkResult(r: Record<string, unknown>, platform: string, line: number): BundleResult {
  if (!isId(r.jobId)) throw invalid(`line ${line} has no jobId`, { line });
  if (r.ok === true) {
    const m = r.result as Partial<MeasurementResult> | undefined;
    const median = m?.stats?.median;
    if (!m || m.platform !== platform || typeof median !== "number" || !(median > 0) || !isBatch(m.batch)) {
      throw invalid(`line ${line}: result of job ${r.jobId} is not a measurement on ${platform}`, { line, jobId: r.jobId });
    }
    return { jobId: r.jobId, ok: true, result: m as MeasurementResult };
  }
  const e = r.error as { code?: unknown; message?: unknown } | undefined;
  if (r.ok !== false || !e || typeof e.code !== "string" || typeof e.message !== "string") {
    throw invalid(`line ${line}: job ${r.jobId} has neither a result nor an error`, { line, jobId: r.jobId });
  }
  return r as BundleResult;
}

/**
 * Verify the signature (constant time) and the structure of a results bundle; returns its content.
 * Throws BUNDLE_INVALID on any tampering, truncation, wrong key or malformed line.
 */
export function verifyResultsBundle(text: string, key: string | Uint8Array): { header: ResultsHeader; results: BundleResult[] } {
  const lines = splitLines(text);
  if (lines.length < 2) throw invalid("truncated bundle");
  const sigLine = parseLine(lines[lines.length - 1], lines.length);
  const sig = typeof sigLine.signature === "string" ? /^hmac-sha256:([0-9a-f]{64})$/.exec(sigLine.signature)?.[1] : undefined;
  if (!sig) throw invalid("missing signature line");
  const body = lines.slice(0, -1).join("\n") + "\n";
  const expected = Buffer.from(hmac(key, body), "hex");
  if (!timingSafeEqual(expected, Buffer.from(sig, "hex")))
    throw invalid("signature mismatch: the bundle was altered or signed with another device token");
  const h = parseLine(lines[0], 1);
  if (h.format !== "nnlq-results" || h.version !== BUNDLE_VERSION || !isId(h.platform)) throw invalid("not a results bundle");
  const results: BundleResult[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length - 1; i++) {
    const r = checkResult(parseLine(lines[i], i + 1), h.platform as string, i + 1);
    if (seen.has(r.jobId)) throw invalid(`job ${r.jobId} appears twice`, { jobId: r.jobId });
    seen.add(r.jobId);
    results.push(r);
  }
  if (results.length !== h.count) throw invalid(`header announces ${String(h.count)} results, bundle has ${results.length}`);
  return { header: h as unknown as ResultsHeader, results };
}

/**
 * Device side: measure every job of a jobs bundle (isolated, one at a time) and return the signed results
 * bundle. A job that fails (unsupported operator, crash, timeout) becomes an error line; the run goes on.
 */
export async function measureJobsBundle(
  text: string,
  o: {
    key: string | Uint8Array;
    deviceId?: string;
    measure?: MeasureInChildOptions;
    onProgress?: (done: number, total: number, r: BundleResult) => void;
  },
): Promise<string> {
  // not bundled: the server imports this module for the formats only (offline export), never this function
  const { measureInChild } = await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ "./runner");
  const { header, jobs } = decodeJobsBundle(text);
  const results: BundleResult[] = [];
  for (const job of jobs) {
    let r: BundleResult;
    try {
      const result = await measureInChild(job.model, job.platform, {
        ...o.measure,
        batch: job.batch,
        ...(job.inputs ? { inputs: job.inputs } : {}),
      });
      r = { jobId: job.jobId, ok: true, result };
    } catch (e) {
      const err = e as NnlqError;
      r = {
        jobId: job.jobId,
        ok: false,
        error: { code: err.code ?? "MEASUREMENT_FAILED", message: err.message, ...(err.details ? { details: err.details } : {}) },
      };
    }
    results.push(r);
    o.onProgress?.(results.length, jobs.length, r);
  }
  return signResultsBundle({ platform: header.platform, deviceId: o.deviceId }, results, o.key);
}
