/** Shared bits of the predictor scripts (train, eval): dataset resolution and epoch log lines. */
import fs from "node:fs";
import path from "node:path";
import type { EpochLog } from "../gnn/train";
import { predictorStoreDir } from "./store";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
export const RELEASE_DIR = path.join(REPO_ROOT, "data/release-v2");
export const DEV_DATA = path.join(REPO_ROOT, ".data/devdata.jsonl");
/** where `npm run train:predict` writes versions: the predictor store the app serves (.data/predictors by default) */
export const PREDICTORS_DIR = predictorStoreDir();

/** --data, else the data release when present, else the dev data. */
export function defaultDataset(arg?: string): string {
  if (arg) return path.resolve(arg);
  return fs.existsSync(path.join(RELEASE_DIR, "MANIFEST.json")) ? RELEASE_DIR : DEV_DATA;
}

const secs = (ms: number) => (ms >= 90_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

export function epochLine(e: EpochLog): string {
  const val = e.valMape === null ? "" : ` val MAPE ${e.valMape.toFixed(2)}% (best ${e.bestValMape?.toFixed(2)}% @${e.bestEpoch})`;
  return `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} aux ${e.auxLoss.toFixed(4)}${val} lr ${e.lr.toExponential(1)} ${secs(e.elapsedMs)}, ETA ${secs(e.etaMs)}`;
}
