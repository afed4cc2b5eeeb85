/**
 * Which trained predictor the browser loads: the promoted predictor version of the database (its
 * weights_uri, `/predictors/<version>/model.json`), else the newest version found on disk (what
 * `npm run train:predict` writes), the GNN preferred. Null until a predictor has been trained.
 *
 * Versions live in the predictor store (lib/predict/node/store.ts: NNLQ_PREDICTORS_DIR, default
 * .data/predictors; legacy public/predictors is still read) and are served by app/predictors/[version]/[file]
 * — so a version promoted after `next start` loads at once, without a rebuild or a restart.
 */
import fs from "node:fs";
import type { DbOrTx } from "@/lib/db/client";
import { listPredictorVersions } from "@/lib/db/browse";
import { NnlqError } from "@/lib/errors";
import { VERSION_FILE, VERSION_NAME, manifestPathOf, predictorFile, predictorUrl, storedVersionNames } from "@/lib/predict/node/store";

export interface PredictorInfo {
  /** manifest URL, e.g. /predictors/gnn-20251121-1/model.json */
  url: string;
  version: string;
  method: string;
  /** platform slugs it has heads for */
  platforms: string[];
  /** what it was trained on, e.g. "trained on 7512 clean measurements" (null for versions trained before it was recorded) */
  trainedOn: string | null;
}

interface ManifestHead {
  format?: string;
  method?: string;
  version?: string;
  platforms?: string[];
  createdAt?: string;
  trainingSet?: { description?: string };
}

function readManifest(url: string): ManifestHead | null {
  const file = manifestPathOf(url);
  if (!file) return null;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ManifestHead;
  } catch {
    return null;
  }
}

const info = (url: string, m: ManifestHead, fallbackVersion: string): PredictorInfo => ({
  url,
  version: m.version ?? fallbackVersion,
  method: m.method ?? "unknown",
  platforms: Array.isArray(m.platforms) ? m.platforms : [],
  trainedOn: typeof m.trainingSet?.description === "string" ? m.trainingSet.description : null,
});

export async function currentPredictor(db: DbOrTx | null): Promise<PredictorInfo | null> {
  if (db) {
    try {
      const promoted = (await listPredictorVersions(db)).filter((v) => v.status === "promoted" && v.weightsUri);
      promoted.sort((a, b) => Number(b.method === "gnn") - Number(a.method === "gnn"));
      for (const v of promoted) {
        const m = readManifest(v.weightsUri!);
        if (m) return info(v.weightsUri!, m, v.name);
      }
    } catch {
      /* no database (e.g. at build time): fall back to the files */
    }
  }
  const found = storedVersionNames()
    .map((d) => ({ url: predictorUrl(d), dir: d }))
    .map((x) => ({ ...x, m: readManifest(x.url) }))
    .filter((x): x is { url: string; dir: string; m: ManifestHead } => !!x.m && x.m.format?.startsWith("nnlq-predictor") === true);
  found.sort(
    (a, b) =>
      Number(b.m.method === "gnn") - Number(a.m.method === "gnn") || String(b.m.createdAt ?? "").localeCompare(String(a.m.createdAt ?? "")),
  );
  const best = found[0];
  return best ? info(best.url, best.m, best.dir) : null;
}

/** One file of a stored version, for app/predictors/[version]/[file] (NOT_FOUND for bad or unknown names). */
export function predictorVersionFile(version: string, file: string): { bytes: Buffer; contentType: string } {
  if (!VERSION_NAME.test(version))
    throw new NnlqError("NOT_FOUND", "No predictor version of that name (letters, digits, '-', '_' and '.')");
  if (!VERSION_FILE.test(file))
    throw new NnlqError("NOT_FOUND", `A predictor version has no file '${file.slice(0, 80)}' (model.json, weights.bin)`);
  const p = predictorFile(version, file);
  if (!p) throw new NnlqError("NOT_FOUND", `Predictor version ${version} has no file ${file}`);
  return {
    bytes: fs.readFileSync(p),
    contentType: file.endsWith(".json") ? "application/json; charset=utf-8" : "application/octet-stream",
  };
}
