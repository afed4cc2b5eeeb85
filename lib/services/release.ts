/**
 * The data release: the public measurement database as compact, diffable data —
 *
 *   data/release-v1/platforms.json         platform rows the measurements refer to (slug = key)
 *   data/release-v1/specs.jsonl.gz         one model per line: structure hash, zoo spec (or corpus path),
 *                                          and the analysis columns (so loading needs no ONNX work)
 *   data/release-v1/measurements.<platform>.jsonl.gz
 *                                          one file per platform (e.g. x86-epyc-2c.ort-cpu-1.30.fp32.t1), so each stays a few MB:
 *                                          one measurement per line: model hash, platform slug, batch, every
 *                                          statistic, device seconds, provenance env (CPU, cores, runtime,
 *                                          load/busy flag, conversion log...), per-operator profile summary
 *                                          (readers also accept the single measurements.jsonl.gz of older releases)
 *   data/release-v1/MANIFEST.json          format version, zoo version, counts, platform × family matrix,
 *                                          sha256 of each file
 *
 * No ONNX bytes: zoo models regenerate from their spec (lib/zoo); corpus networks keep `corpus:<path>` as
 * provenance and load without bytes. Profiles are stored compactly: per op type and per kernel type totals
 * plus one tuple [name, op, kernelType|null, ms, fusedFromNodes] per kernel (shapes, provider, mean and
 * share are dropped; the shapes follow from the spec by shape inference). The compact form is what an
 * import writes to the database, and compacting it again is the identity, so export → import → export
 * reproduces the files byte for byte.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { NnlqError } from "@/lib/errors";
import type { Db } from "@/lib/db/client";
import type { Model, NewModel, OperatorProfile, Platform } from "@/lib/db/schema";
import * as rel from "@/lib/db/release";
import type { PlatformInput } from "@/lib/db/platforms";
import { analyze } from "@/lib/onnx";
import { generate, ZOO_VERSION } from "@/lib/zoo";
import { invalidate } from "./read-cache";

export const RELEASE_FORMAT = "nnlq-data-release";
export const RELEASE_VERSION = 1;
// (inside a Next server bundle import.meta.dirname is undefined: the server runs from the repository root)
export const DEFAULT_RELEASE_DIR = path.resolve(
  import.meta.dirname ? path.resolve(import.meta.dirname, "../..") : process.cwd(),
  "data/release-v1",
);
const FILES = { platforms: "platforms.json", specs: "specs.jsonl.gz", manifest: "MANIFEST.json" } as const;
/**
 * measurements.<platform>.jsonl.gz, the slug's "/" as "." (x86-epyc-2c.ort-cpu-1.30.fp32.t1); readers also
 * accept the per-hardware files and the single measurements.jsonl.gz of older releases
 */
export const MEASUREMENT_FILE = /^measurements(\.[a-z0-9_.-]+)?\.jsonl\.gz$/;
/** rows per measurements file before it is cut into .partN files (keeps each file well under 5 MB) */
export const MEASUREMENTS_PER_FILE = 1000;
export const measurementFileOf = (platformSlug: string) =>
  `measurements.${platformSlug
    .toLowerCase()
    .replace(/\//g, ".")
    .replace(/[^a-z0-9_.-]/g, "_")}.jsonl.gz`;

// ───────────────────────────── line shapes ─────────────────────────────

/** A platform as the registry describes it (lib/db/platforms PlatformInput), with its stored description and state. */
export interface ReleasePlatform extends Omit<PlatformInput, "description"> {
  description: string | null;
  active: boolean;
}

export interface ReleaseModel {
  hash: string;
  name: string;
  family: string;
  familyConfidence: number | null;
  batch: number;
  inputShapes: Record<string, number[]>;
  opset: number | null;
  flops: number;
  macs: number | null;
  params: number;
  memoryAccess: number;
  activationMemory: number | null;
  nodeCount: number;
  opHistogram: Record<string, number>;
  source: Model["source"];
  zooSpec: Record<string, unknown> | null;
  storageKey: string | null;
  onnxBytes: number | null;
}

/** [name, op, kernelType (null when equal to op), median ms per run, original nodes it implements] */
export type KernelTuple = [string, string, string | null, number, string[]];

export interface CompactProfile {
  runs?: number;
  runMedianUs?: number;
  kernelSumUs?: number;
  byOpType?: Record<string, unknown>;
  byKernelType?: Record<string, unknown>;
  kernels: KernelTuple[];
}

export interface ReleaseMeasurement {
  model: string;
  platform: string;
  batch: number;
  measuredAt: string;
  runtimeVersion: string;
  stats: {
    medianMs: number;
    meanMs: number;
    minMs: number;
    maxMs: number | null;
    p90Ms: number;
    p99Ms: number;
    stdMs: number;
    cv: number | null;
    runs: number;
    warmups: number;
  };
  peakMemoryBytes: number | null;
  deviceSeconds: number | null;
  env: Record<string, unknown> | null;
  profile: CompactProfile | null;
}

export interface Manifest {
  format: typeof RELEASE_FORMAT;
  version: number;
  zooVersion: string;
  measuredFrom: string | null;
  measuredTo: string | null;
  counts: { platforms: number; models: number; zooModels: number; corpusModels: number; measurements: number; deviceSeconds: number };
  /** platform slug → "b<batch>" → family → distinct models measured */
  matrix: Record<string, Record<string, Record<string, number>>>;
  files: Record<string, { bytes: number; sha256: string }>;
}

// ───────────────────────────── profiles ─────────────────────────────

type LooseKernel = {
  name?: string;
  op?: string;
  opType?: string;
  kernelType?: string | null;
  ms?: number;
  medianUs?: number;
  nodes?: string[];
  fusedFrom?: string[];
};

/** Any stored profile (full worker profile or an expanded compact one) → the compact release form. */
export function compactProfile(p: unknown): CompactProfile | null {
  if (!p || typeof p !== "object" || !Array.isArray((p as { kernels?: unknown }).kernels)) return null;
  const src = p as {
    kernels: (LooseKernel | KernelTuple)[];
    runs?: number;
    runMedianUs?: number;
    kernelSumUs?: number;
    byOpType?: Record<string, unknown>;
    byKernelType?: Record<string, unknown>;
  };
  const kernels = src.kernels.map((k): KernelTuple => {
    if (Array.isArray(k)) return k;
    const op = String(k.op ?? k.opType ?? "?");
    const type = k.kernelType ?? op;
    const ms = k.ms ?? (k.medianUs !== undefined ? Number((k.medianUs / 1000).toFixed(6)) : 0);
    return [String(k.name ?? ""), op, type === op ? null : type, ms, (k.nodes ?? k.fusedFrom ?? []).map(String)];
  });
  return {
    ...(src.runs !== undefined ? { runs: src.runs } : {}),
    ...(src.runMedianUs !== undefined ? { runMedianUs: src.runMedianUs } : {}),
    ...(src.kernelSumUs !== undefined ? { kernelSumUs: src.kernelSumUs } : {}),
    ...(src.byOpType ? { byOpType: src.byOpType } : {}),
    ...(src.byKernelType ? { byKernelType: src.byKernelType } : {}),
    kernels,
  };
}

/** The compact form as the database stores it (kernel objects {name, op, kernelType, ms, nodes}). */
export function expandProfile(c: CompactProfile): OperatorProfile {
  const { kernels, ...rest } = c;
  return {
    ...rest,
    kernels: kernels.map(([name, op, kernelType, ms, nodes]) => ({ name, op, kernelType: kernelType ?? op, ms, nodes })),
  };
}

// ───────────────────────────── export ─────────────────────────────

function modelLine(m: Model): ReleaseModel {
  return {
    hash: m.hash,
    name: m.name,
    family: m.family,
    familyConfidence: m.familyConfidence,
    batch: m.batch,
    inputShapes: m.inputShapes,
    opset: m.opset,
    flops: m.flops,
    macs: m.macs,
    params: m.params,
    memoryAccess: m.memoryAccess,
    activationMemory: m.activationMemory,
    nodeCount: m.nodeCount,
    opHistogram: m.opHistogram,
    source: m.source,
    zooSpec: m.zooSpec,
    storageKey: m.storageKey,
    onnxBytes: m.onnxBytes,
  };
}

function measurementLine(r: rel.ReleaseMeasurementRow): ReleaseMeasurement {
  return {
    model: r.hash,
    platform: r.slug,
    batch: r.batch,
    measuredAt: r.measuredAt.toISOString(),
    runtimeVersion: r.runtimeVersion,
    stats: {
      medianMs: r.medianMs,
      meanMs: r.meanMs,
      minMs: r.minMs,
      maxMs: r.maxMs,
      p90Ms: r.p90Ms,
      p99Ms: r.p99Ms,
      stdMs: r.stdMs,
      cv: r.cv,
      runs: r.runs,
      warmups: r.warmups,
    },
    peakMemoryBytes: r.peakMemoryBytes,
    deviceSeconds: r.deviceSeconds,
    env: r.env,
    profile: compactProfile(r.profile),
  };
}

function platformLine(p: Platform): ReleasePlatform {
  return {
    slug: p.slug,
    name: p.name,
    hardware: p.hardware,
    runtime: p.runtime,
    runtimeVersion: p.runtimeVersion,
    precision: p.precision,
    threads: p.threads,
    config: p.config,
    description: p.description,
    active: p.active,
  };
}

const gz = (lines: unknown[]) =>
  zlib.gzipSync(Buffer.from(lines.map((l) => JSON.stringify(l)).join("\n") + (lines.length ? "\n" : "")), { level: 9 });
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Writes the release of the database's public zoo / corpus data to `dir`. */
export async function exportRelease(db: Db, dir: string = DEFAULT_RELEASE_DIR): Promise<Manifest> {
  const modelRows = await rel.releaseModels(db);
  const measRows = await rel.releaseMeasurements(db);
  const platformIds = [...new Set(measRows.map((m) => m.platformId))];
  const plats = (await rel.platformsByIds(db, platformIds)).map(platformLine);
  const measured = new Set(measRows.map((m) => m.hash));
  const modelsOut = modelRows.filter((m) => measured.has(m.hash)).map(modelLine);
  const measOut = measRows.map(measurementLine);

  const files: Record<string, Buffer> = {
    [FILES.platforms]: Buffer.from(JSON.stringify({ platforms: plats }, null, 2) + "\n"),
    [FILES.specs]: gz(modelsOut),
  };
  const parts = new Map<string, ReleaseMeasurement[]>();
  for (const m of measOut) {
    const f = measurementFileOf(m.platform);
    const list = parts.get(f);
    if (list) list.push(m);
    else parts.set(f, [m]);
  }
  for (const [f, list] of [...parts].sort(([a], [b]) => a.localeCompare(b))) {
    // a platform with many rows is cut into parts (int8 profiles are long: 1,600 rows ≈ 5 MB compressed)
    if (list.length <= MEASUREMENTS_PER_FILE) files[f] = gz(list);
    else
      for (let i = 0; i * MEASUREMENTS_PER_FILE < list.length; i++)
        files[f.replace(/\.jsonl\.gz$/, `.part${i + 1}.jsonl.gz`)] = gz(
          list.slice(i * MEASUREMENTS_PER_FILE, (i + 1) * MEASUREMENTS_PER_FILE),
        );
  }
  const familyOf = new Map(modelsOut.map((m) => [m.hash, m.family]));
  const matrixSets: Record<string, Record<string, Record<string, Set<string>>>> = {};
  for (const m of measOut) {
    const fam = familyOf.get(m.model) ?? "other";
    ((matrixSets[m.platform] ??= {})[`b${m.batch}`] ??= {})[fam] ??= new Set();
    matrixSets[m.platform]![`b${m.batch}`]![fam]!.add(m.model);
  }
  const matrix = Object.fromEntries(
    Object.entries(matrixSets).map(([p, byBatch]) => [
      p,
      Object.fromEntries(
        Object.entries(byBatch).map(([b, fams]) => [
          b,
          Object.fromEntries(
            Object.entries(fams)
              .sort()
              .map(([f, s]) => [f, s.size]),
          ),
        ]),
      ),
    ]),
  );
  const times = measOut.map((m) => m.measuredAt).sort();
  const manifest: Manifest = {
    format: RELEASE_FORMAT,
    version: RELEASE_VERSION,
    zooVersion: ZOO_VERSION,
    measuredFrom: times[0] ?? null,
    measuredTo: times[times.length - 1] ?? null,
    counts: {
      platforms: plats.length,
      models: modelsOut.length,
      zooModels: modelsOut.filter((m) => m.zooSpec).length,
      corpusModels: modelsOut.filter((m) => m.storageKey?.startsWith("corpus:")).length,
      measurements: measOut.length,
      deviceSeconds: Number(measOut.reduce((a, m) => a + (m.deviceSeconds ?? 0), 0).toFixed(1)),
    },
    matrix,
    files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, { bytes: b.length, sha256: sha256(b) }])),
  };
  fs.mkdirSync(dir, { recursive: true });
  // measurement files of an earlier export that this one does not write (a hardware gone, the old single file)
  for (const n of fs.readdirSync(dir)) if (MEASUREMENT_FILE.test(n) && !files[n]) fs.rmSync(path.join(dir, n));
  for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), b);
  fs.writeFileSync(path.join(dir, FILES.manifest), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

// ───────────────────────────── reading ─────────────────────────────

export interface Release {
  manifest: Manifest;
  platforms: ReleasePlatform[];
  models: ReleaseModel[];
  measurements: ReleaseMeasurement[];
}

function parseLines<T>(buf: Buffer, file: string): T[] {
  const text = zlib.gunzipSync(buf).toString("utf8");
  return text.split("\n").filter(Boolean).map((l, i) => {
    try {
      return JSON.parse(l) as T;
    } catch {
      throw new NnlqError("VALIDATION", `${file} line ${i + 1} is not JSON`);
    }
  });
}

/** Reads and checks a release directory (file hashes against the manifest). */
export function readRelease(dir: string = DEFAULT_RELEASE_DIR): Release {
  const at = (n: string) => path.join(dir, n);
  if (!fs.existsSync(at(FILES.manifest))) throw new NnlqError("NOT_FOUND", `no data release at ${dir} (${FILES.manifest} missing)`);
  const manifest = JSON.parse(fs.readFileSync(at(FILES.manifest), "utf8")) as Manifest;
  if (manifest.format !== RELEASE_FORMAT || manifest.version !== RELEASE_VERSION) {
    throw new NnlqError(
      "VALIDATION",
      `${dir} is not a ${RELEASE_FORMAT} v${RELEASE_VERSION} (format ${manifest.format}, version ${manifest.version})`,
    );
  }
  const bufs: Record<string, Buffer> = {};
  const measurementFiles = Object.keys(manifest.files)
    .filter((n) => MEASUREMENT_FILE.test(n))
    .sort();
  for (const n of [FILES.platforms, FILES.specs, ...measurementFiles]) {
    const b = fs.readFileSync(at(n));
    const want = manifest.files[n];
    if (!want || sha256(b) !== want.sha256)
      throw new NnlqError("VALIDATION", `${n} of the release at ${dir} does not match its MANIFEST.json sha256`);
    bufs[n] = b;
  }
  return {
    manifest,
    platforms: (JSON.parse(bufs[FILES.platforms]!.toString("utf8")) as { platforms: ReleasePlatform[] }).platforms,
    models: parseLines<ReleaseModel>(bufs[FILES.specs]!, FILES.specs),
    measurements: measurementFiles.flatMap((n) => parseLines<ReleaseMeasurement>(bufs[n]!, n)),
  };
}

/**
 * The release as lib/predict's data rows (lib/predict/dataset.ts DataRow: spec, family, platform, batch,
 * stats, profile...), zoo models only (corpus networks have no spec).
 */
export function releaseDataRows(r: Release) {
  const byHash = new Map(r.models.map((m) => [m.hash, m]));
  return r.measurements.flatMap((m) => {
    const model = byHash.get(m.model);
    if (!model?.zooSpec) return [];
    const env = (m.env ?? {}) as { noisy?: boolean; host?: { cpuModel?: string } };
    return [
      {
        spec: model.zooSpec,
        family: model.family,
        platform: m.platform,
        batch: m.batch,
        stats: {
          median: m.stats.medianMs,
          mean: m.stats.meanMs,
          min: m.stats.minMs,
          p90: m.stats.p90Ms,
          p99: m.stats.p99Ms,
          std: m.stats.stdMs,
          cv: m.stats.cv ?? undefined,
          runs: m.stats.runs,
        },
        noisy: env.noisy,
        runtimeVersion: m.runtimeVersion,
        measuredAt: m.measuredAt,
        cpuModel: env.host?.cpuModel,
        profile: m.profile ? expandProfile(m.profile) : null,
      },
    ];
  });
}

// ───────────────────────────── import ─────────────────────────────

export interface ImportResult {
  models: number;
  modelsInserted: number;
  measurements: number;
  measurementsInserted: number;
  platformsCreated: number;
  /** zoo specs regenerated and re-hashed to check the stored analysis (a sample) */
  verified: { checked: number; mismatched: string[] };
  ms: number;
}

/**
 * Loads a release (idempotent: models by hash, measurements by model × platform × batch × time are skipped
 * when present). Analysis columns come from the release; `verify` zoo specs (spread over the file) are
 * regenerated and hashed to catch a zoo that no longer produces the same structures.
 */
export async function importRelease(db: Db, dir: string = DEFAULT_RELEASE_DIR, o: { verify?: number } = {}): Promise<ImportResult> {
  const t0 = performance.now();
  const r = readRelease(dir);
  const before = new Set((await db.query.platforms.findMany({ columns: { slug: true } })).map((p) => p.slug));
  const platformIds = await rel.ensurePlatforms(db, r.platforms.map((p) => ({ ...p })));
  const platformsCreated = r.platforms.filter((p) => !before.has(p.slug)).length;

  const verify = Math.min(o.verify ?? 12, r.models.filter((m) => m.zooSpec).length);
  const zoo = r.models.filter((m) => m.zooSpec);
  const mismatched: string[] = [];
  for (let i = 0; i < verify; i++) {
    const m = zoo[Math.floor((i * zoo.length) / verify)]!;
    if (analyze(generate(m.zooSpec)).hash !== m.hash) mismatched.push(m.hash);
  }

  const modelRows: NewModel[] = r.models.map((m) => ({ ...m, visibility: "public" as const, ownerTeamId: null, uploadedBy: null }));
  const { ids, inserted } = await rel.insertModelsBulk(db, modelRows);
  const existing = await rel.existingMeasurementKeys(db, [...ids.values()]);
  const rows = [];
  for (const m of r.measurements) {
    const modelId = ids.get(m.model);
    const platformId = platformIds.get(m.platform);
    if (!modelId) throw new NnlqError("VALIDATION", `measurement of unknown model ${m.model} in ${dir}`);
    if (!platformId) throw new NnlqError("VALIDATION", `measurement on unknown platform ${m.platform} in ${dir}`);
    const measuredAt = new Date(m.measuredAt);
    const key = `${modelId}|${platformId}|${m.batch}|${measuredAt.getTime()}`;
    if (existing.has(key)) continue;
    existing.add(key);
    rows.push({
      modelId, platformId, batch: m.batch, deviceId: null, jobId: null, runtimeVersion: m.runtimeVersion,
      ...m.stats,
      peakMemoryBytes: m.peakMemoryBytes, profile: m.profile ? expandProfile(m.profile) : null, env: m.env,
      deviceSeconds: m.deviceSeconds, measuredAt,
    });
  }
  await rel.insertMeasurementsBulk(db, rows);
  await rel.rebuildLatest(db, [...new Set(rows.map((x) => x.modelId))]);
  invalidate(); // platforms, models and results changed under every cache
  return {
    models: r.models.length,
    modelsInserted: inserted,
    measurements: r.measurements.length,
    measurementsInserted: rows.length,
    platformsCreated,
    verified: { checked: verify, mismatched },
    ms: performance.now() - t0,
  };
}

/** Start-command hook: loads the release into a database that has no measurement yet. Null when skipped. */
export async function loadReleaseIfEmpty(db: Db, dir: string = DEFAULT_RELEASE_DIR): Promise<ImportResult | null> {
  if (!fs.existsSync(path.join(dir, FILES.manifest))) return null;
  if ((await rel.measurementCount(db)) > 0) return null;
  return importRelease(db, dir);
}
