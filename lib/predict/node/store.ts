/**
 * Where trained predictor versions live on disk, and how the app finds one version's files.
 *
 * A version is a directory `<store>/<version>/` with model.json (+ weights.bin). The store is
 * `NNLQ_PREDICTORS_DIR` (relative paths from the repository root), default `.data/predictors`, created on
 * demand — outside public/ on purpose: `next start` serves only the public/ files that existed when it was
 * built, so a version promoted later must be served by the app itself (app/predictors/[version]/[file]).
 * Versions that older releases wrote to public/predictors/<version>/ are still found there (read-only).
 *
 * URLs stay `/predictors/<version>/<file>` (what predictor_versions.weights_uri stores); version and file
 * names are checked against strict patterns before any path is built, so no request reaches outside.
 * The data release ships promoted versions (lib/services/release-predictors.ts): `versionFiles` reads a
 * version's files for it, `writeVersion` puts a shipped version into the store.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";
import { NnlqError } from "@/lib/errors";

// this file's repository when it runs from source (tsx: the trainer, scripts, tests); inside a Next server
// bundle import.meta.dirname is undefined or a chunk folder, and the server runs from the repository root
const fromModule = import.meta.dirname ? path.resolve(import.meta.dirname, "../../..") : null;
const REPO_ROOT = fromModule && fs.existsSync(path.join(fromModule, "lib/predict/node/store.ts")) ? fromModule : process.cwd();

/** A version name: letters, digits, '-', '_' and single dots, starting with a letter or digit, ≤ 128 chars. */
export const VERSION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,127}$/;
/** A file of a version: model.json, weights.bin (or another .json/.bin name a manifest gives). */
export const VERSION_FILE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.(?:json|bin)$/;

export const isVersionName = (s: string) => VERSION_NAME.test(s);

/** The store new versions are written to (NNLQ_PREDICTORS_DIR, default <repo>/.data/predictors). */
export function predictorStoreDir(): string {
  const dir = env().NNLQ_PREDICTORS_DIR?.trim();
  return dir ? path.resolve(REPO_ROOT, dir) : path.join(REPO_ROOT, ".data", "predictors");
}

/** Where earlier releases wrote versions (public/predictors; NNLQ_PUBLIC_DIR overrides public/): read only. */
export function legacyPredictorsDir(): string {
  return path.join(env().NNLQ_PUBLIC_DIR ?? path.join(REPO_ROOT, "public"), "predictors");
}

/** Directories searched for a version, newest location first. */
export const predictorDirs = () => [...new Set([predictorStoreDir(), legacyPredictorsDir()])];

/** The URL a version's file is served at. */
export function predictorUrl(version: string, file = "model.json"): string {
  return `/predictors/${version}/${file}`;
}

/** `/predictors/<version>/<file>` → its parts (null for anything else, e.g. traversal attempts). */
export function parsePredictorUrl(url: string): { version: string; file: string } | null {
  const m = /^\/predictors\/([^/]+)\/([^/]+)$/.exec(url);
  if (!m || !VERSION_NAME.test(m[1]!) || !VERSION_FILE.test(m[2]!)) return null;
  return { version: m[1]!, file: m[2]! };
}

/**
 * The absolute path of an existing file of a version (the store first, then the legacy folder), or null
 * when the names are not valid or the file does not exist.
 */
export function predictorFile(version: string, file: string, dirs: string[] = predictorDirs()): string | null {
  if (!VERSION_NAME.test(version) || !VERSION_FILE.test(file)) return null;
  for (const dir of dirs) {
    const p = path.join(dir, version, file);
    if (path.dirname(path.dirname(p)) !== path.resolve(dir)) continue; // (the patterns already rule this out)
    try {
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not in this folder */
    }
  }
  return null;
}

/** A version's manifest path from its URL (`/predictors/<version>/model.json`), or null. */
export function manifestPathOf(url: string | null | undefined, dirs?: string[]): string | null {
  const parts = url ? parsePredictorUrl(url) : null;
  return parts ? predictorFile(parts.version, parts.file, dirs) : null;
}

/** Version directory names found in the store and the legacy folder (valid names only). */
export function storedVersionNames(dirs: string[] = predictorDirs()): string[] {
  const names = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const d of fs.readdirSync(dir, { withFileTypes: true })) if (d.isDirectory() && VERSION_NAME.test(d.name)) names.add(d.name);
    } catch {
      /* folder absent */
    }
  }
  return [...names];
}

/**
 * The files of a stored version (model.json and the weights file its manifest names, when there is one),
 * by file name, or null when the version or its manifest is not found. The data release ships these.
 */
export function versionFiles(version: string, dirs: string[] = predictorDirs()): Record<string, Buffer> | null {
  const manifest = predictorFile(version, "model.json", dirs);
  if (!manifest) return null;
  const out: Record<string, Buffer> = { "model.json": fs.readFileSync(manifest) };
  let weightsFile: unknown;
  let hasWeights = false;
  try {
    const m = JSON.parse(out["model.json"]!.toString("utf8")) as { weightsFile?: unknown; weightSpecs?: unknown };
    weightsFile = m.weightsFile;
    hasWeights = Array.isArray(m.weightSpecs);
  } catch {
    return null; // not a manifest
  }
  const name = typeof weightsFile === "string" ? weightsFile : "weights.bin";
  if (!VERSION_FILE.test(name)) return null;
  const weights = path.join(path.dirname(manifest), name);
  if (fs.existsSync(weights)) out[name] = fs.readFileSync(weights);
  else if (hasWeights) return null; // a manifest whose weights are gone
  return out;
}

/**
 * Writes a version's files into the store as `<store>/<version>/` (through a temporary folder renamed into
 * place, so a reader never sees half a version). A version already there with the same bytes is left as it
 * is ("present"); one with other bytes is a CONFLICT (version names are unique: never overwritten).
 */
export function writeVersion(version: string, files: Record<string, Uint8Array>, store: string = predictorStoreDir()): "written" | "present" {
  if (!VERSION_NAME.test(version)) throw new NnlqError("VALIDATION", `'${version}' is not a predictor version name`);
  for (const f of Object.keys(files)) if (!VERSION_FILE.test(f)) throw new NnlqError("VALIDATION", `'${f}' is not a predictor file name`);
  const target = path.join(store, version);
  if (fs.existsSync(target)) {
    const same = Object.entries(files).every(([f, b]) => {
      const p = path.join(target, f);
      return fs.existsSync(p) && Buffer.compare(fs.readFileSync(p), Buffer.from(b)) === 0;
    });
    if (same) return "present";
    throw new NnlqError("CONFLICT", `predictor version ${version} already exists in ${store} with other files`, { version });
  }
  fs.mkdirSync(store, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(store, `.${version}-`));
  try {
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(tmp, f), b);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return "written";
}

/** Removes a version's folder from the store (a registration that failed half-way). */
export function removeVersion(version: string, store: string = predictorStoreDir()): void {
  if (VERSION_NAME.test(version)) fs.rmSync(path.join(store, version), { recursive: true, force: true });
}
