/**
 * Which trained predictor the browser preview loads: the promoted predictor version of the database (its
 * weights_uri under /predictors/), else the newest version found in public/predictors/<version>/model.json
 * (what `npm run train:predict` writes), the GNN preferred. Null until a predictor has been trained.
 */
import fs from "node:fs";
import path from "node:path";
import type { DbOrTx } from "@/lib/db/client";
import { listPredictorVersions } from "@/lib/db/browse";

export interface PredictorInfo {
  /** manifest URL, e.g. /predictors/gnn-20251121-1/model.json */
  url: string;
  version: string;
  method: string;
  /** platform slugs it has heads for */
  platforms: string[];
}

/** the public/ folder the app serves (NNLQ_PUBLIC_DIR overrides it: tests) */
export const publicDir = () => process.env.NNLQ_PUBLIC_DIR ?? path.resolve(process.cwd(), "public");
const PUBLIC = publicDir;

interface ManifestHead {
  format?: string;
  method?: string;
  version?: string;
  platforms?: string[];
  createdAt?: string;
}

function readManifest(url: string): ManifestHead | null {
  if (!url.startsWith("/predictors/") || url.includes("..")) return null;
  try {
    return JSON.parse(fs.readFileSync(path.join(PUBLIC(), url), "utf8")) as ManifestHead;
  } catch {
    return null;
  }
}

const info = (url: string, m: ManifestHead, fallbackVersion: string): PredictorInfo => ({
  url,
  version: m.version ?? fallbackVersion,
  method: m.method ?? "unknown",
  platforms: Array.isArray(m.platforms) ? m.platforms : [],
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
  let dirs: string[] = [];
  try {
    dirs = fs.readdirSync(path.join(PUBLIC(), "predictors"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return null;
  }
  const found = dirs
    .map((d) => ({ url: `/predictors/${d}/model.json`, dir: d }))
    .map((x) => ({ ...x, m: readManifest(x.url) }))
    .filter((x): x is { url: string; dir: string; m: ManifestHead } => !!x.m && x.m.format?.startsWith("nnlq-predictor") === true);
  found.sort((a, b) => Number(b.m.method === "gnn") - Number(a.m.method === "gnn") || String(b.m.createdAt ?? "").localeCompare(String(a.m.createdAt ?? "")));
  const best = found[0];
  return best ? info(best.url, best.m, best.dir) : null;
}
