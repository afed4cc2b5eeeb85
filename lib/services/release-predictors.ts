/**
 * Trained predictors shipped with the data release, so a fresh install predicts at once (issue 17):
 *
 *   data/release-v2/predictors/<version>/model.json (+ weights.bin)   a promoted version's files, as the
 *                                                                    predictor store holds them
 *   MANIFEST.json "predictors"                                       one entry per version: method, platforms,
 *                                                                    feature set, training-set size, metrics,
 *                                                                    sha256 of each file
 *
 * Export (`bundlesOfPromoted`) takes the promoted versions of the database being exported, their files from
 * the predictor store (lib/predict/node/store.ts). Import (`registerShippedPredictors`) copies each version
 * into the store and registers a predictor_versions row — promoted when its method has no promoted version
 * yet, else evaluated (kept beside the one that serves) — after loading it once with this build's loader: a
 * version this build cannot read (another feature set) or whose files do not match the manifest is skipped
 * with the reason, never served. Idempotent:
 * a version already registered is left as it is (its files restored when they are gone). The trainer then
 * evolves from the shipped version (it retrains when the data has grown past its training-set size).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { NnlqError, isNnlqError } from "@/lib/errors";
import type { Db } from "@/lib/db/client";
import { listPredictorVersions } from "@/lib/db/browse";
import { listPlatforms } from "@/lib/db/platforms";
import * as predDb from "@/lib/db/predictors";
import { fromArtifacts } from "@/lib/predict";
import { readArtifacts } from "@/lib/predict/node/io";
import {
  isVersionName, manifestPathOf, predictorDirs, predictorStoreDir, predictorUrl, removeVersion, VERSION_FILE, versionFiles, writeVersion,
} from "@/lib/predict/node/store";
import { invalidate } from "./read-cache";

/** The release's folder of shipped predictor versions. */
export const PREDICTORS_FOLDER = "predictors";

/** A shipped version as MANIFEST.json lists it. */
export interface ShippedPredictor {
  version: string;
  method: string;
  /** platform slugs it has heads for */
  platforms: string[];
  featureSetVersion: string;
  /** measured pairs it was trained on (the trainer retrains when the data grows past this by its growth factor) */
  trainingSetSize: number;
  /** the version's validation metrics as its predictor_versions row recorded them */
  metrics: Record<string, unknown> | null;
  /** file name (inside predictors/<version>/) → size and sha256 */
  files: Record<string, { bytes: number; sha256: string }>;
}

/** A shipped version with its files' bytes. */
export interface PredictorBundle {
  entry: ShippedPredictor;
  files: Record<string, Buffer>;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function entryOf(
  v: { name: string; method: string; featureSetVersion: string; trainingSetSize: number; metrics: Record<string, unknown> | null },
  files: Record<string, Buffer>,
): ShippedPredictor {
  let platforms: string[] = [];
  try {
    const m = JSON.parse(files["model.json"]!.toString("utf8")) as { platforms?: unknown };
    if (Array.isArray(m.platforms)) platforms = m.platforms.map(String);
  } catch {
    throw new NnlqError("VALIDATION", `predictor ${v.name}: model.json is not JSON`);
  }
  return {
    version: v.name,
    method: v.method,
    platforms,
    featureSetVersion: v.featureSetVersion,
    trainingSetSize: v.trainingSetSize,
    metrics: v.metrics ?? null,
    files: Object.fromEntries(
      Object.keys(files)
        .sort(cmp)
        .map((f) => [f, { bytes: files[f]!.length, sha256: sha256(files[f]!) }]),
    ),
  };
}

/**
 * The promoted versions of the database with their files from the predictor store (`dirs`: where to look,
 * default the store and the legacy folder), sorted by version. A promoted version whose files are gone is
 * a NOT_FOUND: the release would ship a predictor it cannot have. Versions over MAX_SHIPPED_BYTES are left
 * out (listed in `skipped` when given).
 */
export async function bundlesOfPromoted(
  db: Db,
  dirs: string[] = predictorDirs(),
  skipped?: { version: string; method: string; bytes: number }[],
): Promise<PredictorBundle[]> {
  const promoted = (await listPredictorVersions(db)).filter((v) => v.status === "promoted" && v.weightsUri);
  const out: PredictorBundle[] = [];
  for (const v of promoted) {
    const file = manifestPathOf(v.weightsUri, dirs);
    const files = file ? versionFiles(path.basename(path.dirname(file)), [path.dirname(path.dirname(file))]) : null;
    if (!files)
      throw new NnlqError("NOT_FOUND", `the files of promoted predictor ${v.name} (${v.weightsUri}) are missing from ${dirs.join(", ")}`, {
        version: v.name,
      });
    const bytes = Object.values(files).reduce((a, b) => a + b.length, 0);
    if (bytes > MAX_SHIPPED_BYTES) {
      // a release is compact (specs, measurements, small weights): a big model (kernel forests, ~35 MB) is trained
      // again by the evolving trainer after the first start instead
      skipped?.push({ version: v.name, method: v.method, bytes });
      continue;
    }
    out.push({ entry: entryOf(v, files), files });
  }
  return out.sort((a, b) => cmp(a.entry.version, b.entry.version));
}

/** Largest promoted version (all its files) a release ships: 2 MB. */
export const MAX_SHIPPED_BYTES = 2_000_000;

/** The shipped versions of the release at `dir` (files checked against `entries`' sha256). */
export function readBundles(dir: string, entries: readonly ShippedPredictor[]): PredictorBundle[] {
  return entries.map((entry) => {
    if (!isVersionName(entry.version)) throw new NnlqError("VALIDATION", `shipped predictor '${entry.version}' has no valid version name`);
    const files: Record<string, Buffer> = {};
    for (const [f, want] of Object.entries(entry.files)) {
      if (!VERSION_FILE.test(f)) throw new NnlqError("VALIDATION", `shipped predictor ${entry.version} lists a bad file name '${f}'`);
      const p = path.join(dir, PREDICTORS_FOLDER, entry.version, f);
      if (!fs.existsSync(p)) throw new NnlqError("NOT_FOUND", `${PREDICTORS_FOLDER}/${entry.version}/${f} of the release at ${dir} is missing`);
      const b = fs.readFileSync(p);
      if (sha256(b) !== want.sha256)
        throw new NnlqError("VALIDATION", `${PREDICTORS_FOLDER}/${entry.version}/${f} of the release at ${dir} does not match its MANIFEST.json sha256`);
      files[f] = b;
    }
    if (!files["model.json"]) throw new NnlqError("VALIDATION", `shipped predictor ${entry.version} has no model.json`);
    return { entry, files };
  });
}

/**
 * Writes `predictors/<version>/` for each bundle into the release at `dir` and removes the version folders
 * it no longer ships (the whole folder when none); returns the manifest entries.
 */
export function writeBundles(dir: string, bundles: readonly PredictorBundle[]): ShippedPredictor[] {
  const root = path.join(dir, PREDICTORS_FOLDER);
  const keep = new Set(bundles.map((b) => b.entry.version));
  if (fs.existsSync(root))
    for (const d of fs.readdirSync(root)) if (!keep.has(d)) fs.rmSync(path.join(root, d), { recursive: true, force: true });
  for (const { entry, files } of bundles) {
    const vdir = path.join(root, entry.version);
    fs.rmSync(vdir, { recursive: true, force: true });
    fs.mkdirSync(vdir, { recursive: true });
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(vdir, f), b);
  }
  if (!bundles.length) fs.rmSync(root, { recursive: true, force: true });
  return [...bundles].map((b) => b.entry).sort((a, b) => cmp(a.version, b.version));
}

export interface RegisteredPredictor {
  version: string;
  method: string;
  /**
   * promoted: registered and serving (its method had no promoted version); registered: kept as evaluated
   * beside the method's promoted one; present: already registered (files restored when gone); skipped: this
   * build cannot load it (reason)
   */
  action: "promoted" | "registered" | "present" | "skipped";
  reason?: string;
}

/**
 * Registers the shipped versions of the release at `dir` (see the module comment): files into `store`
 * (default the predictor store), a predictor_versions row each.
 */
export async function registerShippedPredictors(
  db: Db,
  dir: string,
  entries: readonly ShippedPredictor[],
  o: { store?: string } = {},
): Promise<RegisteredPredictor[]> {
  if (!entries.length) return [];
  const store = o.store ?? predictorStoreDir();
  const rows = new Map((await listPredictorVersions(db)).map((v) => [v.name, v]));
  const idOf = new Map((await listPlatforms(db, { activeOnly: false })).map((p) => [p.slug, p.id]));
  const out: RegisteredPredictor[] = [];
  for (const entry of entries) {
    const base = { version: entry.version, method: entry.method };
    let files: Record<string, Buffer>;
    try {
      files = readBundles(dir, [entry])[0]!.files;
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      out.push({ ...base, action: "skipped", reason: e.message }); // damaged or missing files: never served
      continue;
    }
    const existing = rows.get(entry.version);
    if (existing) {
      // registered before: restore its files if the store lost them (a fresh checkout of an old database)
      if (!manifestPathOf(existing.weightsUri, [store, ...predictorDirs()])) writeVersion(entry.version, files, store);
      out.push({ ...base, action: "present" });
      continue;
    }
    const written = writeVersion(entry.version, files, store);
    try {
      // the tfjs backend the GNN's weights load into (lazily: registering is rare, the import is not small)
      await (await import("@/lib/predict/node/backend")).initTfNode();
      fromArtifacts(readArtifacts(path.join(store, entry.version))).dispose();
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      if (written === "written") removeVersion(entry.version, store);
      out.push({ ...base, action: "skipped", reason: e.message });
      continue;
    }
    const row = await predDb.insertPredictorVersion(db, {
      name: entry.version,
      method: entry.method,
      platformIds: entry.platforms.map((s) => idOf.get(s)).filter((x): x is number => x !== undefined),
      featureSetVersion: entry.featureSetVersion,
      trainingSetSize: entry.trainingSetSize,
      status: "evaluated",
    });
    await predDb.updatePredictorVersion(db, row.id, {
      weightsUri: predictorUrl(entry.version),
      // as shipped (an export of this database ships the same bytes again)
      metrics: entry.metrics,
    });
    if (await predDb.promotedVersion(db, { method: entry.method })) out.push({ ...base, action: "registered" });
    else {
      await predDb.promoteVersion(db, { id: row.id, method: entry.method });
      out.push({ ...base, action: "promoted" });
    }
  }
  invalidate();
  return out;
}
