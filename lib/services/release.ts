/**
 * The data release: the public measurement database as compact, diffable data (format 2) —
 *
 *   data/release-v2/platforms.json         platform rows the measurements refer to (slug = key)
 *   data/release-v2/specs.jsonl.gz         one model per line: structure hash, zoo spec (or corpus path),
 *                                          and the analysis columns (so loading needs no ONNX work)
 *   data/release-v2/measurements.<platform>[.partN].jsonl.gz
 *                                          one file per platform (e.g. x86-zen3-avx2-2c.ort-cpu-1.30.fp32.t1), cut
 *                                          into parts under ~3.5 MB: one measurement per line: model hash,
 *                                          platform slug, batch, every statistic, its `quality` (protocol,
 *                                          grade, label kind, clean runs, CI, wall/CPU, interference...), device
 *                                          seconds, provenance env, per-operator profile summary
 *   data/release-v2/MANIFEST.json          format version, zoo version, counts (by grade, clean totals),
 *                                          platform × batch × family (all grades / clean), identity ×
 *                                          platform × batch × family × grade, sha256 of each file, and the
 *                                          shipped predictor versions
 *   data/release-v2/predictors/<version>/  the promoted predictor versions (model.json + weights.bin) a fresh
 *                                          install registers and serves at once (./release-predictors.ts)
 *
 * Two kinds of rows: protocol v2 measurements (graded clean / estimated / contended, full provenance) and
 * the HISTORY of release v1 (protocol 1, graded legacy, label kind wall-v1): re-identified from the host
 * they recorded (lib/measure/host.ts hardwareSlugOfRecord: the v1 "x86-epyc-2c" rows ran on a Zen 4 with
 * AVX-512, the "x86-xeon-2c" ones on a Sapphire Rapids with AMX), without their per-kernel profile (stats,
 * env.host, env.cpu, the campaign's load flags and device seconds kept). Legacy rows are never labels.
 * A format 1 release still reads: its rows are re-identified and graded legacy on the way in.
 *
 * `exportRelease` writes the database's rows plus the legacy history rows of the release already in the
 * target directory (or `history`), so `npm run data:export` alone regenerates the whole directory; the
 * history itself comes from release v1 once, through `rewriteV1Release` (scripts/release-rewrite-v1.ts).
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
import { hardwareSlugOfRecord } from "@/lib/measure/host";
import { GRADES, LABEL_KINDS, type Grade, type LabelKind } from "@/lib/quality";
import { generate, ZOO_VERSION } from "@/lib/zoo";
import { invalidate } from "./read-cache";
import {
  bundlesOfPromoted, readBundles, registerShippedPredictors, writeBundles,
  type PredictorBundle, type RegisteredPredictor, type ShippedPredictor,
} from "./release-predictors";

export const RELEASE_FORMAT = "nnlq-data-release";
export const RELEASE_VERSION = 2;
/** format versions readRelease accepts (format 1: every row re-identified and graded legacy on the way in) */
export const READABLE_VERSIONS = [1, 2] as const;
// (inside a Next server bundle import.meta.dirname is undefined: the server runs from the repository root)
export const DEFAULT_RELEASE_DIR = path.resolve(
  import.meta.dirname ? path.resolve(import.meta.dirname, "../..") : process.cwd(),
  "data/release-v2",
);
const FILES = { platforms: "platforms.json", specs: "specs.jsonl.gz", manifest: "MANIFEST.json" } as const;
/**
 * measurements.<platform>.jsonl.gz, the slug's "/" as "." (x86-epyc-2c.ort-cpu-1.30.fp32.t1); readers also
 * accept the per-hardware files and the single measurements.jsonl.gz of older releases
 */
export const MEASUREMENT_FILE = /^measurements(\.[a-z0-9_.-]+)?\.jsonl\.gz$/;
/** compressed bytes above which a platform's measurements file is cut into .partN files of equal row counts */
export const PART_BYTES = 3_500_000;
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
  /** format 2: the measurement's quality (lib/measure/protocol.ts MeasurementQuality; null where not recorded) */
  quality: ReleaseQuality;
  env: Record<string, unknown> | null;
  profile: CompactProfile | null;
}

/** The quality columns of a measurement (lib/db/schema.ts measurements), as a release line carries them. */
export interface ReleaseQuality {
  protocol: number;
  grade: Grade;
  labelKind: LabelKind;
  cleanRuns: number | null;
  runs: number | null;
  ciRel: number | null;
  wallCpuRatio: number | null;
  interferenceShare: number | null;
  runqShare: number | null;
  waitMs: number | null;
  cpuMedianMs: number | null;
}

export interface Manifest {
  format: typeof RELEASE_FORMAT;
  version: number;
  zooVersion: string;
  measuredFrom: string | null;
  measuredTo: string | null;
  counts: {
    platforms: number;
    models: number;
    zooModels: number;
    corpusModels: number;
    measurements: number;
    deviceSeconds: number;
    /** format 2: measurements per grade */
    byGrade?: Partial<Record<Grade, number>>;
  };
  /** format 2: clean measurements, model × platform × batch results with a clean row, models with one */
  clean?: { measurements: number; results: number; models: number };
  /** platform slug → "b<batch>" → family → distinct models measured (any grade) */
  matrix: Record<string, Record<string, Record<string, number>>>;
  /** format 2: the same for models with a clean measurement (what clean-only reads count); platforms without one left out */
  matrixClean?: Record<string, Record<string, Record<string, number>>>;
  /** format 2: hardware identity → platform slug → "b<batch>" → family → grade → measurements */
  grades?: Record<string, Record<string, Record<string, Record<string, Partial<Record<Grade, number>>>>>>;
  files: Record<string, { bytes: number; sha256: string }>;
  /** trained predictor versions shipped in predictors/<version>/ (absent when the release ships none) */
  predictors?: ShippedPredictor[];
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

// ───────────────────────────── quality and identity ─────────────────────────────

const finite = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);
const isGrade = (g: unknown): g is Grade => GRADES.includes(g as Grade);
const isLabelKind = (k: unknown): k is LabelKind => LABEL_KINDS.includes(k as LabelKind);

/**
 * Quality of a protocol-1 row (no interference was recorded): graded legacy, label kind wall-v1; the run
 * count, the protocol's CI and — single-threaded platforms only, where the process CPU time is one thread's —
 * the CPU median and wall/CPU ratio it recorded.
 */
export function legacyQuality(
  stats: { medianMs: number; runs: number },
  env: Record<string, unknown> | null,
  threads: number,
): ReleaseQuality {
  const e = (env ?? {}) as { ciRel?: unknown; cpu?: { median?: unknown } };
  const cpu = threads === 1 ? finite(e.cpu?.median) : null;
  return {
    protocol: 1,
    grade: "legacy",
    labelKind: "wall-v1",
    cleanRuns: null,
    runs: stats.runs,
    ciRel: finite(e.ciRel),
    wallCpuRatio: cpu ? Number((stats.medianMs / cpu).toFixed(4)) : null,
    interferenceShare: null,
    runqShare: null,
    waitMs: null,
    cpuMedianMs: cpu,
  };
}

/** Quality from a protocol v2 result's env.quality (lib/measure/protocol.ts MeasurementQuality); null when absent. */
export function qualityOfEnv(env: Record<string, unknown> | null): ReleaseQuality | null {
  const q = (env ?? {}).quality as Record<string, unknown> | undefined;
  if (!q || q.protocol !== 2 || !isGrade(q.grade) || q.grade === "legacy" || !isLabelKind(q.labelKind)) return null;
  return {
    protocol: 2,
    grade: q.grade,
    labelKind: q.labelKind,
    cleanRuns: finite(q.cleanRuns),
    runs: finite(q.runs),
    ciRel: finite(q.ciRel),
    wallCpuRatio: finite(q.wallCpuRatio),
    interferenceShare: finite(q.interferenceShare),
    runqShare: finite(q.runqShare),
    waitMs: finite(q.waitMs),
    cpuMedianMs: finite(q.cpuMedianMs),
  };
}

/**
 * A stored row's quality: its quality columns when it is a protocol 2 row (migration 0006 applied), else
 * its env.quality when a v2 worker recorded one, else legacy.
 */
function qualityOfRow(r: rel.ReleaseMeasurementRow, threads: number): ReleaseQuality {
  if (r.protocol === 2 && r.grade !== "legacy")
    return {
      protocol: 2,
      grade: r.grade,
      labelKind: r.labelKind,
      cleanRuns: r.cleanRuns,
      runs: r.allRuns ?? finite(((r.env ?? {}).quality as { runs?: unknown } | undefined)?.runs) ?? r.runs,
      ciRel: r.ciRel,
      wallCpuRatio: r.wallCpuRatio,
      interferenceShare: r.interferenceShare,
      runqShare: r.runqShare,
      waitMs: r.waitMs,
      cpuMedianMs: r.cpuMedianMs,
    };
  return qualityOfEnv(r.env) ?? legacyQuality(r, r.env, threads);
}

/** "<hardware>/<rest>" → the slug with another hardware part */
const withHardware = (slug: string, hardware: string) => `${hardware}/${slug.split("/").slice(1).join("/")}`;

/** A platform row re-identified: the hardware part of slug and name replaced (a v1 platform → its true identity). */
export function reidentifyPlatform(p: ReleasePlatform, hardware: string): ReleasePlatform {
  if (p.hardware === hardware) return p;
  return { ...p, slug: withHardware(p.slug, hardware), hardware, name: p.name.split(p.hardware).join(hardware) };
}

/**
 * env keys a legacy history row keeps (the rest of v1's provenance — conversion log, memory, attempts —
 * goes); formerPlatform: the slug it was stored or released under before it was re-identified.
 */
const LEGACY_ENV_KEYS = ["host", "cpu", "noisy", "ciRel", "campaign", "formerPlatform"] as const;

/**
 * A protocol-1 row as release history: platform slug re-identified from the host it recorded, graded
 * legacy, no per-kernel profile, env trimmed to LEGACY_ENV_KEYS (plus the v1 slug it was released under,
 * as env.formerPlatform, when that differs). Applying it twice is the identity.
 */
export function historyLine(m: ReleaseMeasurement, threads: number): ReleaseMeasurement {
  const env = (m.env ?? {}) as Record<string, unknown> & { host?: Parameters<typeof hardwareSlugOfRecord>[0] };
  const hardware = env.host?.cpuModel ? hardwareSlugOfRecord(env.host) : m.platform.split("/")[0]!;
  const platform = withHardware(m.platform, hardware);
  const kept: Record<string, unknown> = {};
  for (const k of LEGACY_ENV_KEYS) if (env[k] !== undefined) kept[k] = env[k];
  if (platform !== m.platform && kept.formerPlatform === undefined) kept.formerPlatform = m.platform;
  return {
    model: m.model,
    platform,
    batch: m.batch,
    measuredAt: m.measuredAt,
    runtimeVersion: m.runtimeVersion,
    stats: m.stats,
    peakMemoryBytes: m.peakMemoryBytes,
    deviceSeconds: m.deviceSeconds,
    quality: m.quality?.grade === "legacy" ? m.quality : legacyQuality(m.stats, m.env, threads),
    env: kept,
    profile: null,
  };
}

function measurementLine(r: rel.ReleaseMeasurementRow, threads: number): ReleaseMeasurement {
  const line: ReleaseMeasurement = {
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
    quality: qualityOfRow(r, threads),
    env: r.env,
    profile: compactProfile(r.profile),
  };
  return line.quality.grade === "legacy" ? historyLine(line, threads) : line;
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

const keyOf = (m: Pick<ReleaseMeasurement, "model" | "platform" | "batch" | "measuredAt">) =>
  `${m.model}|${m.platform}|${m.batch}|${m.measuredAt}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** gzip of the lines cut into the fewest equal parts that each stay under PART_BYTES */
function gzParts(list: ReleaseMeasurement[]): Buffer[] {
  for (let k = 1; ; k++) {
    const size = Math.ceil(list.length / k);
    const parts = Array.from({ length: k }, (_, i) => gz(list.slice(i * size, (i + 1) * size)));
    if (parts.every((b) => b.length <= PART_BYTES) || size <= 1) return parts;
  }
}

export interface ReleaseContent {
  platforms: ReleasePlatform[];
  models: ReleaseModel[];
  measurements: ReleaseMeasurement[];
  /** predictor versions to ship; undefined keeps those the release at the target directory ships */
  predictors?: PredictorBundle[];
}

/** The predictor versions the release at `dir` ships now (none when there is no release there). */
function currentBundles(dir: string): PredictorBundle[] {
  const file = path.join(dir, FILES.manifest);
  if (!fs.existsSync(file)) return [];
  const m = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Manifest>;
  return readBundles(dir, m.predictors ?? []);
}

/**
 * Writes a format 2 release: measurements deduplicated by model × platform × batch × time (the first
 * given wins) and sorted, platforms and models those rows refer to (a re-identified row's platform is
 * derived from the one it was released under), per-platform files cut into parts, the manifest.
 */
export function writeRelease(dir: string, c: ReleaseContent): Manifest {
  const bundles = c.predictors ?? currentBundles(dir); // read before anything is overwritten
  const seen = new Set<string>();
  const measOut = c.measurements
    .filter((m) => !seen.has(keyOf(m)) && !!seen.add(keyOf(m)))
    .sort((a, b) => cmp(a.platform, b.platform) || cmp(a.model, b.model) || a.batch - b.batch || cmp(a.measuredAt, b.measuredAt));
  const known = new Map<string, ReleasePlatform>();
  for (const p of c.platforms) if (!known.has(p.slug)) known.set(p.slug, p);
  const plat = new Map<string, ReleasePlatform>();
  for (const m of measOut) {
    if (plat.has(m.platform)) continue;
    const from = known.get(m.platform) ?? known.get(String((m.env ?? {}).formerPlatform ?? ""));
    if (!from) throw new NnlqError("VALIDATION", `measurement on platform ${m.platform} that no platform row describes`);
    plat.set(m.platform, reidentifyPlatform(from, m.platform.split("/")[0]!));
  }
  const plats = [...plat.values()].sort((a, b) => cmp(a.slug, b.slug));
  const measured = new Set(measOut.map((m) => m.model));
  const modelSeen = new Set<string>();
  const modelsOut = c.models
    .filter((m) => measured.has(m.hash) && !modelSeen.has(m.hash) && !!modelSeen.add(m.hash))
    .sort((a, b) => cmp(a.hash, b.hash));
  const missing = [...measured].filter((h) => !modelSeen.has(h));
  if (missing.length) throw new NnlqError("VALIDATION", `measurements of ${missing.length} models without a spec line (e.g. ${missing[0]})`);

  const files: Record<string, Buffer> = {
    [FILES.platforms]: Buffer.from(JSON.stringify({ platforms: plats }, null, 2) + "\n"),
    [FILES.specs]: gz(modelsOut),
  };
  const byFile = new Map<string, ReleaseMeasurement[]>();
  for (const m of measOut) {
    const f = measurementFileOf(m.platform);
    (byFile.get(f) ?? byFile.set(f, []).get(f)!).push(m);
  }
  for (const [f, list] of [...byFile].sort(([a], [b]) => cmp(a, b))) {
    const parts = gzParts(list);
    if (parts.length === 1) files[f] = parts[0]!;
    else parts.forEach((b, i) => (files[f.replace(/\.jsonl\.gz$/, `.part${i + 1}.jsonl.gz`)] = b));
  }

  const familyOf = new Map(modelsOut.map((m) => [m.hash, m.family]));
  const matrixSets: Record<string, Record<string, Record<string, Set<string>>>> = {};
  const cleanSets: Record<string, Record<string, Record<string, Set<string>>>> = {};
  const grades: NonNullable<Manifest["grades"]> = {};
  const byGrade: Partial<Record<Grade, number>> = {};
  const cleanResults = new Set<string>();
  const cleanModels = new Set<string>();
  for (const m of measOut) {
    const fam = familyOf.get(m.model) ?? "other";
    const b = `b${m.batch}`;
    ((matrixSets[m.platform] ??= {})[b] ??= {})[fam] ??= new Set();
    matrixSets[m.platform]![b]![fam]!.add(m.model);
    const cell = ((((grades[m.platform.split("/")[0]!] ??= {})[m.platform] ??= {})[b] ??= {})[fam] ??= {});
    cell[m.quality.grade] = (cell[m.quality.grade] ?? 0) + 1;
    byGrade[m.quality.grade] = (byGrade[m.quality.grade] ?? 0) + 1;
    if (m.quality.grade === "clean") {
      (((cleanSets[m.platform] ??= {})[b] ??= {})[fam] ??= new Set()).add(m.model);
      cleanResults.add(`${m.model}|${m.platform}|${m.batch}`);
      cleanModels.add(m.model);
    }
  }
  const sortKeys = <T>(o: Record<string, T>, f: (v: T) => unknown = (v) => v): Record<string, unknown> =>
    Object.fromEntries(Object.keys(o).sort(cmp).map((k) => [k, f(o[k]!)]));
  const sizes = (sets: typeof matrixSets) =>
    sortKeys(sets, (byBatch) => sortKeys(byBatch, (fams) => sortKeys(fams, (set) => set.size))) as Manifest["matrix"];
  const matrix = sizes(matrixSets);
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
      byGrade: Object.fromEntries(GRADES.filter((g) => byGrade[g]).map((g) => [g, byGrade[g]])),
    },
    clean: { measurements: byGrade.clean ?? 0, results: cleanResults.size, models: cleanModels.size },
    matrix,
    matrixClean: sizes(cleanSets),
    grades: sortKeys(grades, (ps) => sortKeys(ps, (bs) => sortKeys(bs, (fs) => sortKeys(fs)))) as Manifest["grades"],
    files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, { bytes: b.length, sha256: sha256(b) }])),
  };
  fs.mkdirSync(dir, { recursive: true });
  // measurement files of an earlier export that this one does not write (a hardware gone, a part fewer)
  for (const n of fs.readdirSync(dir)) if (MEASUREMENT_FILE.test(n) && !files[n]) fs.rmSync(path.join(dir, n));
  for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), b);
  const shipped = writeBundles(dir, bundles);
  if (shipped.length) manifest.predictors = shipped;
  fs.writeFileSync(path.join(dir, FILES.manifest), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** The legacy (history) rows of the release at `dir` with their models and platforms; empty when there is none. */
export function releaseHistory(dir: string): ReleaseContent {
  if (!fs.existsSync(path.join(dir, FILES.manifest))) return { platforms: [], models: [], measurements: [] };
  const r = readRelease(dir);
  return { platforms: r.platforms, models: r.models, measurements: r.measurements.filter((m) => m.quality.grade === "legacy") };
}

/**
 * Writes the release of the database's public zoo / corpus data to `dir`, merged with the legacy history
 * rows of the release at `history` (default: `dir` itself, read before it is overwritten), so the history
 * of release v1 survives every export without living in the source database. A legacy row both hold is
 * written once, as the history has it; the database's other rows come first. The source database is only read.
 *
 * Predictors (`predictors`, default true): the database's promoted versions, their files from the predictor
 * store (`predictorDirs`, default the store and the legacy folder), replace those the release ships; a
 * database without a promoted version keeps the ones the release at `dir` ships. false ships none.
 */
export async function exportRelease(
  db: Db,
  dir: string = DEFAULT_RELEASE_DIR,
  o: {
    history?: string | null;
    predictors?: boolean;
    predictorDirs?: string[];
    /** filled with the promoted versions left out for their size (MAX_SHIPPED_BYTES) */
    skippedPredictors?: { version: string; method: string; bytes: number }[];
  } = {},
): Promise<Manifest> {
  const promoted = o.predictors === false ? [] : await bundlesOfPromoted(db, o.predictorDirs, o.skippedPredictors);
  const predictors = o.predictors === false ? [] : promoted.length ? promoted : undefined;
  const hist = o.history === null ? { platforms: [], models: [], measurements: [] } : releaseHistory(o.history ?? dir);
  const modelRows = await rel.releaseModels(db);
  const measRows = await rel.releaseMeasurements(db);
  const dbPlats = (await rel.platformsByIds(db, [...new Set(measRows.map((m) => m.platformId))])).map(platformLine);
  const threadsOf = new Map(dbPlats.map((p) => [p.slug, p.threads]));
  const lines = measRows.map((r) => measurementLine(r, threadsOf.get(r.slug) ?? 1));
  return writeRelease(dir, {
    platforms: [...dbPlats, ...hist.platforms],
    models: [...modelRows.map(modelLine), ...hist.models],
    // a legacy row both hold is written as the history has it (stable across databases that stored it differently)
    measurements: [...lines.filter((m) => m.quality.grade !== "legacy"), ...hist.measurements, ...lines.filter((m) => m.quality.grade === "legacy")],
    ...(predictors ? { predictors } : {}),
  });
}

/**
 * Release v1 → release v2 history: every row of the format 1 release at `from` re-identified and graded
 * legacy (readRelease does that to a format 1 release), merged into the release at `to` (its rows kept,
 * written first). Deterministic and idempotent: running it again writes the same bytes.
 */
export function rewriteV1Release(from: string, to: string = DEFAULT_RELEASE_DIR): Manifest {
  const v1 = readRelease(from);
  if (v1.manifest.version !== 1) throw new NnlqError("VALIDATION", `${from} is a format ${v1.manifest.version} release, not release v1`);
  const cur = fs.existsSync(path.join(to, FILES.manifest)) ? readRelease(to) : { platforms: [], models: [], measurements: [] };
  return writeRelease(to, {
    platforms: [...cur.platforms, ...v1.platforms],
    models: [...cur.models, ...v1.models],
    measurements: [...cur.measurements, ...v1.measurements],
  });
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

/** Reads and checks a release directory (file hashes against the manifest); a format 1 release comes back as history rows. */
export function readRelease(dir: string = DEFAULT_RELEASE_DIR): Release {
  const at = (n: string) => path.join(dir, n);
  if (!fs.existsSync(at(FILES.manifest))) throw new NnlqError("NOT_FOUND", `no data release at ${dir} (${FILES.manifest} missing)`);
  const manifest = JSON.parse(fs.readFileSync(at(FILES.manifest), "utf8")) as Manifest;
  if (manifest.format !== RELEASE_FORMAT || !(READABLE_VERSIONS as readonly number[]).includes(manifest.version)) {
    throw new NnlqError(
      "VALIDATION",
      `${dir} is not a ${RELEASE_FORMAT} of version ${READABLE_VERSIONS.join(" or ")} (format ${manifest.format}, version ${manifest.version})`,
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
  let platforms = (JSON.parse(bufs[FILES.platforms]!.toString("utf8")) as { platforms: ReleasePlatform[] }).platforms;
  let measurements = measurementFiles.flatMap((n) => parseLines<ReleaseMeasurement>(bufs[n]!, n));
  if (manifest.version === 1) {
    // format 1: protocol-1 rows under the old hardware slugs → history rows under the identity they recorded
    const bySlug = new Map(platforms.map((p) => [p.slug, p]));
    measurements = measurements.map((m) => historyLine(m, bySlug.get(m.platform)?.threads ?? 1));
    const out = new Map<string, ReleasePlatform>();
    for (const m of measurements) {
      const from = bySlug.get(String((m.env ?? {}).formerPlatform ?? m.platform));
      if (from && !out.has(m.platform)) out.set(m.platform, reidentifyPlatform(from, m.platform.split("/")[0]!));
    }
    platforms = [...out.values()].sort((a, b) => cmp(a.slug, b.slug));
  } else {
    for (const m of measurements)
      if (!m.quality || !isGrade(m.quality.grade) || !isLabelKind(m.quality.labelKind))
        throw new NnlqError("VALIDATION", `a measurement of ${m.model} on ${m.platform} in ${dir} has no valid quality`);
  }
  return { manifest, platforms, models: parseLines<ReleaseModel>(bufs[FILES.specs]!, FILES.specs), measurements };
}

/**
 * The release as lib/predict's data rows (lib/predict/dataset.ts DataRow: spec, family, platform, batch,
 * stats, profile...) with each row's grade, zoo models only (corpus networks have no spec); `grades` keeps only
 * rows of those grades (["clean"]: labels only).
 */
export function releaseDataRows(r: Release, o: { grades?: readonly Grade[] } = {}) {
  const byHash = new Map(r.models.map((m) => [m.hash, m]));
  return r.measurements.flatMap((m) => {
    const model = byHash.get(m.model);
    if (!model?.zooSpec) return [];
    if (o.grades && !o.grades.includes(m.quality.grade)) return [];
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
        grade: m.quality.grade,
        labelKind: m.quality.labelKind,
        runtimeVersion: m.runtimeVersion,
        measuredAt: m.measuredAt,
        cpuModel: env.host?.cpuModel,
        profile: m.profile ? expandProfile(m.profile) : null,
      },
    ];
  });
}

// ───────────────────────────── repeatability ─────────────────────────────

export interface Repeatability {
  platform: string;
  batch: number;
  /** model × platform × batch pairs with two selected measurements */
  pairs: number;
  /** |Δ| / latency of the median (and of the min latency) between the two newest selected measurements */
  medianRel: { median: number; p90: number; max: number };
  minRel: { median: number; p90: number };
}

const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
};

/**
 * Repeatability per platform × batch from re-measured samples: for each model × platform × batch with two
 * or more measurements that `select` keeps (e.g. clean ones), |Δ| / latency between the two newest,
 * relative to the older; median, p90 and max over the pairs (docs/data-release.md).
 */
export function repeatability(measurements: ReleaseMeasurement[], select: (m: ReleaseMeasurement) => boolean): Repeatability[] {
  const runs = new Map<string, ReleaseMeasurement[]>();
  for (const m of measurements)
    if (select(m)) {
      const k = `${m.platform}|${m.batch}|${m.model}`;
      (runs.get(k) ?? runs.set(k, []).get(k)!).push(m);
    }
  const groups = new Map<string, { platform: string; batch: number; med: number[]; min: number[] }>();
  for (const list of runs.values()) {
    if (list.length < 2) continue;
    const [a, b] = [...list].sort((x, y) => cmp(x.measuredAt, y.measuredAt)).slice(-2) as [ReleaseMeasurement, ReleaseMeasurement];
    const k = `${a.platform}|${a.batch}`;
    const g = groups.get(k) ?? groups.set(k, { platform: a.platform, batch: a.batch, med: [], min: [] }).get(k)!;
    g.med.push(Math.abs(b.stats.medianMs - a.stats.medianMs) / a.stats.medianMs);
    g.min.push(Math.abs(b.stats.minMs - a.stats.minMs) / a.stats.minMs);
  }
  return [...groups.values()]
    .sort((x, y) => cmp(x.platform, y.platform) || x.batch - y.batch)
    .map((g) => ({
      platform: g.platform,
      batch: g.batch,
      pairs: g.med.length,
      medianRel: { median: quantile(g.med, 0.5), p90: quantile(g.med, 0.9), max: Math.max(...g.med) },
      minRel: { median: quantile(g.min, 0.5), p90: quantile(g.min, 0.9) },
    }));
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
  /** the shipped predictor versions and what became of each (./release-predictors.ts) */
  predictors: RegisteredPredictor[];
  ms: number;
}

/**
 * Loads a release (idempotent: models by hash, measurements by model × platform × batch × time are skipped
 * when present), each measurement with its quality columns; latest_measurements keeps the newest clean row
 * of a pair where one exists. A format 1 release loads as legacy history under the re-identified slugs.
 * Analysis columns come from the release; `verify` zoo specs (spread over the file) are
 * regenerated and hashed to catch a zoo that no longer produces the same structures.
 */
export async function importRelease(
  db: Db,
  dir: string = DEFAULT_RELEASE_DIR,
  o: {
    verify?: number;
    /** register the predictor versions the release ships (default true) */
    predictors?: boolean;
    /** where their files go (default the predictor store, NNLQ_PREDICTORS_DIR) */
    predictorStore?: string;
  } = {},
): Promise<ImportResult> {
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
      protocol: m.quality.protocol, grade: m.quality.grade, labelKind: m.quality.labelKind, cleanRuns: m.quality.cleanRuns,
      allRuns: m.quality.protocol === 2 ? m.quality.runs : null,
      ciRel: m.quality.ciRel, wallCpuRatio: m.quality.wallCpuRatio, interferenceShare: m.quality.interferenceShare,
      runqShare: m.quality.runqShare, waitMs: m.quality.waitMs, cpuMedianMs: m.quality.cpuMedianMs,
    });
  }
  await rel.insertMeasurementsBulk(db, rows);
  await rel.rebuildLatest(db, [...new Set(rows.map((x) => x.modelId))]);
  invalidate(); // platforms, models and results changed under every cache
  const predictors =
    o.predictors === false ? [] : await registerShippedPredictors(db, dir, r.manifest.predictors ?? [], { store: o.predictorStore });
  return {
    models: r.models.length,
    modelsInserted: inserted,
    measurements: r.measurements.length,
    measurementsInserted: rows.length,
    platformsCreated,
    verified: { checked: verify, mismatched },
    predictors,
    ms: performance.now() - t0,
  };
}

/**
 * Start-command hook: registers the predictor versions the release at `dir` ships that the database does not
 * have yet (a database that holds data already skips loadReleaseIfEmpty, but a new release's predictors still
 * reach it); reads only the manifest and the predictor files. [] without a release or shipped predictors.
 */
export async function registerReleasePredictors(
  db: Db,
  dir: string = DEFAULT_RELEASE_DIR,
  o: { store?: string } = {},
): Promise<RegisteredPredictor[]> {
  const file = path.join(dir, FILES.manifest);
  if (!fs.existsSync(file)) return [];
  const m = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Manifest>;
  return registerShippedPredictors(db, dir, m.predictors ?? [], o);
}

/** Start-command hook: loads the release into a database that has no measurement yet. Null when skipped. */
export async function loadReleaseIfEmpty(db: Db, dir: string = DEFAULT_RELEASE_DIR): Promise<ImportResult | null> {
  if (!fs.existsSync(path.join(dir, FILES.manifest))) return null;
  if ((await rel.measurementCount(db)) > 0) return null;
  return importRelease(db, dir);
}
