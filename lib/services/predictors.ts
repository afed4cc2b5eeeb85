/**
 * The evolving predictor: train every method on the database's public measurements, register
 * each trained version with its validation metrics, promote a version only when it beats the method's
 * current one on the same validation split, and store the promoted version's prediction for every
 * measured model × platform (the predicted-vs-measured pairs the portal draws). Retraining happens when
 * the database has grown by ≥ 10% since the promoted version was trained, or when forced.
 *
 * Serving: `predictModels` answers /api/v1/predict for zoo specs, structure-only ONNX models or stored
 * models with the promoted predictor (GNN first), in the compute pool's threads (loaded once per version
 * there; concurrent requests' items micro-batched into one inference call).
 */
import path from "node:path";
import { NnlqError, isNnlqError } from "@/lib/errors";
import type { Db, DbOrTx } from "@/lib/db/client";
import * as rel from "@/lib/db/release";
import * as predDb from "@/lib/db/predictors";
import { getAccessibleModel, getStructureBytes } from "@/lib/db/model-access";
import { listPlatforms } from "@/lib/db/platforms";
import type { Principal } from "@/lib/auth/principal";
import { FEATURE_SET_VERSION } from "@/lib/onnx";
import {
  fromArtifacts, samplesFromRelease, shouldPromote, trainVersion, METHODS,
  type LabelStat, type Method, type Predictor, type Sample, type EpochLog, type ReleaseModelLike, type ReleaseMeasurementLike,
} from "@/lib/predict";
import { readArtifacts, saveArtifacts } from "@/lib/predict/node/io";
import { computePool, computeSettings } from "@/lib/compute/pool";
import type { PredictItemOutcome, PredictJobItem } from "@/lib/compute/tasks";
import { compactProfile } from "./release";
import { currentPredictor } from "./portal-predictor";
import { manifestPathOf, predictorDirs, predictorStoreDir, predictorUrl } from "@/lib/predict/node/store";
import { callerTeamIds } from "./caller";
import type { QualityFilter } from "@/lib/quality";

// ───────────────────────────── the training set ─────────────────────────────

export interface DatabaseDataset {
  samples: Sample[];
  /** which grades were kept: clean (the default: labels only) or all (experiments) */
  quality: QualityFilter;
  /** stored measurements the samples were built from (after the quality filter), and how many were left out */
  measurements: number;
  excluded: number;
  /** model hash → model id; platform slug → platform id (to store predictions) */
  modelIds: Map<string, number>;
  platformIds: Map<string, number>;
}

/**
 * The public zoo and corpus measurements of the database as training samples: per model × platform ×
 * batch, the median of its measurements' medians (`label`: median or min), with the newest profile.
 * Clean measurements only unless `quality: "all"` (estimated, contended and legacy rows too: experiments).
 */
export async function datasetFromDatabase(
  db: DbOrTx,
  { label = "median", quality = "clean" }: { label?: LabelStat; quality?: QualityFilter } = {},
): Promise<DatabaseDataset> {
  const models = await rel.releaseModels(db);
  const stored = await rel.releaseMeasurements(db);
  const rows = quality === "all" ? stored : stored.filter((r) => r.grade === "clean");
  const measured = new Set(rows.map((r) => r.hash));
  const bytes = new Map<string, Uint8Array | null>();
  for (const m of models) if (measured.has(m.hash) && !m.zooSpec) bytes.set(m.hash, await getStructureBytes(db, { modelId: m.id }));
  const modelLike: ReleaseModelLike[] = models
    .filter((m) => measured.has(m.hash))
    .map((m) => ({ hash: m.hash, family: m.family, zooSpec: m.zooSpec, storageKey: m.storageKey }) as ReleaseModelLike);
  const measLike: ReleaseMeasurementLike[] = rows.map(
    (r) =>
      ({
        model: r.hash,
        platform: r.slug,
        batch: r.batch,
        measuredAt: r.measuredAt.toISOString(),
        stats: { medianMs: r.medianMs, meanMs: r.meanMs, minMs: r.minMs, p90Ms: r.p90Ms, p99Ms: r.p99Ms, stdMs: r.stdMs },
        profile: compactProfile(r.profile),
        quality: { grade: r.grade },
      }) as ReleaseMeasurementLike,
  );
  const samples = samplesFromRelease(modelLike, measLike, { label, resolveModel: (m) => bytes.get(m.hash) ?? null });
  return {
    samples,
    quality,
    measurements: rows.length,
    excluded: stored.length - rows.length,
    modelIds: new Map(models.map((m) => [m.hash, m.id])),
    platformIds: new Map((await listPlatforms(db, { activeOnly: false })).map((p) => [p.slug, p.id])),
  };
}

/** "trained on 1234 clean measurements (56 estimated/contended/legacy left out)" — a version's metadata and log say it. */
export function trainedOn(d: Pick<DatabaseDataset, "quality" | "measurements" | "excluded">): string {
  return d.quality === "all"
    ? `trained on ${d.measurements} measurements of every grade (clean, estimated, contended, legacy)`
    : `trained on ${d.measurements} clean measurements` + (d.excluded ? ` (${d.excluded} estimated/contended/legacy left out)` : "");
}

// ───────────────────────────── evolving ─────────────────────────────

export interface EvolveOptions {
  methods?: readonly Method[];
  /** train even when the database has not grown enough */
  force?: boolean;
  /** retrain once the training set has grown by this fraction (default 0.1) */
  growth?: number;
  /** GNN time budget (minutes, default 15) and epochs (default the trainer's) */
  budgetMin?: number;
  epochs?: number;
  seed?: number;
  label?: LabelStat;
  /** the training set's grades: clean measurements only (default) or all of them (experiments) */
  quality?: QualityFilter;
  /** where versions are written (default the predictor store, served under /predictors/<version>/) */
  storeDir?: string;
  /** @deprecated the former name of storeDir */
  publicDir?: string;
  log?: (line: string) => void;
  onEpoch?: (method: Method, e: EpochLog) => void;
}

export interface EvolveOutcome {
  method: Method;
  /** the new version's name, null when skipped */
  version: string | null;
  action: "skipped" | "promoted" | "kept-current" | "failed";
  reason: string;
  samples: number;
  candidateMape: number | null;
  currentMape: number | null;
  predictionsStored: number;
}

/** Where new versions are written: the predictor store (NNLQ_PREDICTORS_DIR, default .data/predictors),
 * served at /predictors/<version>/ by the app. */
export const predictorsDir = () => predictorStoreDir();
/** The folders a version is looked up in: `dir` (where this run writes) first, then the store and legacy public/predictors. */
const lookupDirs = (dir: string) => [...new Set([dir, ...predictorDirs()])];

const stampOf = (d = new Date()) => d.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");

/** Loads a stored version's weights (null when its files are gone). */
function loadStored(dir: string, weightsUri: string | null): Predictor | null {
  const file = manifestPathOf(weightsUri, lookupDirs(dir));
  if (!file) return null;
  return fromArtifacts(readArtifacts(file));
}

/** Platforms with fewer measured graphs are not trained (nor predicted): the evaluation's threshold. */
export const MIN_GRAPHS_PER_PLATFORM = 30;

/** One round of the evolving predictor for every method (see the module comment). */
export async function evolvePredictors(db: Db, o: EvolveOptions = {}): Promise<EvolveOutcome[]> {
  const log = o.log ?? (() => {});
  // versions left in "training" by a trainer that was stopped mid-way (one trainer per deployment)
  const interrupted = await predDb.failInterruptedVersions(db);
  if (interrupted) log(`${interrupted} version(s) left in training by a stopped trainer marked failed`);
  const storeDir = o.storeDir ?? o.publicDir ?? predictorsDir();
  const growth = o.growth ?? 0.1;
  // the growth check is one COUNT; the samples (zoo models regenerated, features extracted) are built only to train
  const n = await rel.measuredPairCount(db);
  let dataset: DatabaseDataset | null = null;
  const samplesOf = async () => {
    if (!dataset) {
      const t0 = performance.now();
      const all = await datasetFromDatabase(db, { label: o.label, quality: o.quality });
      // a platform with a handful of measurements would get a head fitted to noise: leave it out
      const graphsOf = new Map<string, Set<string>>();
      for (const s of all.samples) (graphsOf.get(s.platform) ?? graphsOf.set(s.platform, new Set()).get(s.platform)!).add(s.graph.key);
      const few = [...graphsOf].filter(([, g]) => g.size < MIN_GRAPHS_PER_PLATFORM).map(([p, g]) => `${p} (${g.size})`);
      dataset = { ...all, samples: all.samples.filter((s) => graphsOf.get(s.platform)!.size >= MIN_GRAPHS_PER_PLATFORM) };
      log(
        `training set: ${trainedOn(all)}; ` +
          `${dataset.samples.length} measured (model, platform, batch) pairs over ` +
          `${new Set(dataset.samples.map((s) => s.graph.key)).size} graphs (${((performance.now() - t0) / 1000).toFixed(1)} s)` +
          (few.length ? `; left out (fewer than ${MIN_GRAPHS_PER_PLATFORM} graphs): ${few.join(", ")}` : ""),
      );
    }
    return dataset;
  };
  const out: EvolveOutcome[] = [];
  for (const method of o.methods ?? METHODS) {
    const base = { method, samples: n, candidateMape: null, currentMape: null, predictionsStored: 0 };
    const current = await predDb.promotedVersion(db, { method });
    if (n < 30) {
      out.push({ ...base, version: null, action: "skipped", reason: `only ${n} measurements: too few to train on` });
      continue;
    }
    if (!o.force && current && n < current.trainingSetSize * (1 + growth)) {
      const pct = ((n / Math.max(1, current.trainingSetSize) - 1) * 100).toFixed(1);
      out.push({
        ...base,
        version: null,
        action: "skipped",
        reason: `the database grew ${pct}% since ${current.name} (retrains at ${(growth * 100).toFixed(0)}%; --force to train now)`,
      });
      continue;
    }
    const name = `${method}-${stampOf()}-s${o.seed ?? 1}`;
    const row = await predDb.insertPredictorVersion(db, {
      name,
      method,
      platformIds: [],
      featureSetVersion: FEATURE_SET_VERSION,
      trainingSetSize: n,
      status: "training",
      parentId: current?.id ?? null,
    });
    try {
      const data = await samplesOf();
      const t1 = performance.now();
      log(`${method}: training ${name} on ${data.samples.length} samples (${trainedOn(data)})`);
      const r = await trainVersion(method, data.samples, {
        version: name,
        seed: o.seed ?? 1,
        gnn: {
          ...(o.epochs ? { epochs: o.epochs } : {}),
          timeBudgetMs: (o.budgetMin ?? 15) * 60_000,
          ...(o.onEpoch ? { onEpoch: (e: EpochLog) => o.onEpoch!(method, e) } : {}),
        },
      });
      const trainingSet = { quality: data.quality, measurements: data.measurements, excluded: data.excluded, description: trainedOn(data) };
      saveArtifacts(path.join(storeDir, name), r.predictor.save(), { metrics: { validation: r.val }, trainingSet });
      const weightsUri = predictorUrl(name);
      const previous = current ? loadStored(storeDir, current.weightsUri) : null;
      const decision = shouldPromote(r, previous as never);
      previous?.dispose();
      const platformIds = r.predictor.platforms.map((s) => data.platformIds.get(s)).filter((x): x is number => x !== undefined);
      await predDb.updatePredictorVersion(db, row.id, {
        status: "evaluated",
        weightsUri,
        platformIds,
        metrics: {
          validation: r.val,
          validationMape: r.valMape,
          trainSamples: r.trainSamples,
          validationSamples: r.valSamples,
          comparedWith: current ? { version: current.name, mape: decision.currentMape } : null,
          trainSeconds: Number(((performance.now() - t1) / 1000).toFixed(1)),
          trainingSet,
        },
      });
      const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : `${x.toFixed(2)}%`);
      if (!decision.promote) {
        r.predictor.dispose();
        out.push({
          ...base,
          version: name,
          action: "kept-current",
          reason: `validation MAPE ${fmt(decision.candidateMape)} does not beat ${current!.name}'s ${fmt(decision.currentMape)}`,
          candidateMape: decision.candidateMape,
          currentMape: decision.currentMape,
        });
        log(`${method}: ${name} kept as evaluated (MAPE ${fmt(decision.candidateMape)} vs current ${fmt(decision.currentMape)})`);
        continue;
      }
      await predDb.promoteVersion(db, { id: row.id, method });
      const stored = await storePredictions(db, row.id, r.predictor, data);
      r.predictor.dispose();
      out.push({
        ...base,
        version: name,
        action: "promoted",
        predictionsStored: stored,
        candidateMape: decision.candidateMape,
        currentMape: decision.currentMape,
        reason: current
          ? `validation MAPE ${fmt(decision.candidateMape)} beats ${current.name}'s ${fmt(decision.currentMape)}`
          : "the first version of this method",
      });
      log(`${method}: promoted ${name} (validation MAPE ${fmt(decision.candidateMape)}); ${stored} predictions stored`);
    } catch (e) {
      const message = (isNnlqError(e) || e instanceof Error ? e.message : String(e)).slice(0, 2000);
      await predDb.updatePredictorVersion(db, row.id, { status: "failed", metrics: { error: message } });
      out.push({ ...base, version: name, action: "failed", reason: message });
      log(`${method}: ${name} failed: ${message}`);
    }
  }
  return out;
}

/** The promoted version's prediction for every measured model graph on every platform it models. */
async function storePredictions(db: DbOrTx, versionId: number, predictor: Predictor, data: DatabaseDataset): Promise<number> {
  const graphs = new Map<string, Sample>();
  for (const s of data.samples) if (!graphs.has(s.graph.key)) graphs.set(s.graph.key, s);
  const list = [...graphs.values()];
  const rows: predDb.PredictionRow[] = [];
  const CHUNK = 256;
  for (let i = 0; i < list.length; i += CHUNK) {
    const part = list.slice(i, i + CHUNK);
    const preds = predictor.predict(part.map((s) => s.graph));
    part.forEach((s, k) => {
      const modelId = data.modelIds.get(s.graph.key.split("@")[0]!);
      if (modelId === undefined) return;
      for (const p of preds[k]!) {
        const platformId = data.platformIds.get(p.platform);
        if (platformId === undefined || !Number.isFinite(p.latencyMs)) continue;
        rows.push({ modelId, platformId, batch: s.batch, valueMs: p.latencyMs, uncertaintyMs: p.uncertaintyMs });
      }
    });
  }
  await predDb.upsertPredictions(db, versionId, rows);
  return rows.length;
}

// ───────────────────────────── serving ─────────────────────────────

/**
 * The predictor /api/v1/predict serves (the promoted GNN, else another promoted method, else the newest on
 * disk): its version, platforms and manifest file. The weights are loaded by the compute pool's threads,
 * once per version per thread (lib/compute/tasks.ts), never on the request thread.
 */
export async function servingPredictorInfo(db: DbOrTx | null) {
  // looked up at most every 2 s (a database query and a manifest read): a newly promoted version serves within 2 s
  const now = Date.now();
  if (servingCache && servingCache.withDb === !!db && now - servingCache.at < 2000) return servingCache.info;
  const info = await lookUpServing(db);
  servingCache = { at: now, withDb: !!db, info };
  return info;
}

let servingCache: { at: number; withDb: boolean; info: Awaited<ReturnType<typeof lookUpServing>> } | null = null;

async function lookUpServing(db: DbOrTx | null) {
  const info = await currentPredictor(db);
  if (!info)
    throw new NnlqError(
      "NOT_FOUND",
      "No predictor has been trained yet: run `npm run worker:train` (the start command trains one in the background on first start)",
    );
  const file = manifestPathOf(info.url);
  if (!file) throw new NnlqError("NOT_FOUND", `The files of predictor ${info.version} are missing (${info.url})`);
  return { ...info, file };
}

/** A model to predict; `inputs` gives its symbolic dims a size (lib/api/schemas/input-shapes.ts). */
export type PredictItem =
  | { spec: unknown }
  | { onnx: Uint8Array; inputs?: Record<string, number[]> }
  | { modelId: number; inputs?: Record<string, number[]> };

/** One predicted item: the pool's outcome with the item's index in the request. */
export type PredictItemResult = PredictItemOutcome & { index: number };

/** Anonymous predict costs one rate-limit token per started block of this many items. */
export const PREDICT_ITEMS_PER_TOKEN = 50;

/**
 * Predicts each item on `platforms` (default: every platform the predictor models). A bad item gets its
 * own error (code + message) and the others are still answered: a NAS loop sends thousands at once.
 * An ONNX or stored item with `inputs` is analysed and predicted at those shapes (a shape that does not fit
 * the model is that item's VALIDATION error); every item says the shapes used and the analysis' warnings.
 * Analysis and inference run in the compute pool (lib/compute), micro-batched with other requests' items
 * of the same predictor version; a graph over NNLQ_MAX_NODES is that item's GRAPH_TOO_LARGE.
 */
export async function predictModels(
  db: DbOrTx | null,
  principal: Principal | null,
  items: PredictItem[],
  { platforms }: { platforms?: string[] } = {},
): Promise<{ predictor: { version: string; method: string; platforms: string[] }; results: PredictItemResult[] }> {
  const info = await servingPredictorInfo(db);
  if (platforms && !platforms.length)
    throw new NnlqError("VALIDATION", "platforms must list at least one platform (leave it out for every platform)", {
      fields: { platforms: "must list at least one platform" },
    });
  const unknown = (platforms ?? []).filter((p) => !info.platforms.includes(p));
  if (unknown.length) {
    throw new NnlqError(
      "VALIDATION",
      `The predictor ${info.version} does not model ${unknown.join(", ")} (it models: ${info.platforms.join(", ")})`,
      { unknown },
    );
  }
  const errors = new Map<number, { code: string; message: string }>();
  const jobItems: { index: number; item: PredictJobItem }[] = [];
  let teamIds: number[] | undefined;
  for (const [index, item] of items.entries()) {
    try {
      if ("spec" in item) jobItems.push({ index, item: { spec: item.spec } });
      else if ("onnx" in item) jobItems.push({ index, item: { onnx: item.onnx, ...(item.inputs ? { inputs: item.inputs } : {}) } });
      else {
        if (!db) throw new NnlqError("DB_UNAVAILABLE", "stored models need the database");
        const m = await getAccessibleModel(db, { id: item.modelId, teamIds: (teamIds ??= await callerTeamIds(db, principal)) });
        if (!m) throw new NnlqError("NOT_FOUND", `Model ${item.modelId} does not exist or is not visible to you`);
        // zoo models are stored as their spec and regenerated (in the pool); uploads keep their structure-only bytes
        if (m.zooSpec) {
          if (item.inputs && Object.keys(item.inputs).length) {
            throw new NnlqError(
              "VALIDATION",
              `Model ${item.modelId} is a zoo model: its input shapes are fixed by its spec (predict {spec} with another resolution instead)`,
            );
          }
          jobItems.push({ index, item: { spec: m.zooSpec } });
        } else {
          const b = await getStructureBytes(db, { modelId: m.id });
          if (!b) throw new NnlqError("NOT_FOUND", `Model ${item.modelId} has no stored structure`);
          jobItems.push({ index, item: { onnx: b, ...(item.inputs ? { inputs: item.inputs } : {}) } });
        }
      }
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      errors.set(index, { code: e.code, message: e.message });
    }
  }
  const pool = computePool();
  const out = jobItems.length
    ? await pool.predict(
        { predictor: { file: info.file, version: info.version }, platforms, maxNodes: computeSettings().maxNodes },
        jobItems.map((x) => x.item),
      )
    : null;
  const byIndex = new Map(jobItems.map((x, k) => [x.index, out!.results[k]!]));
  const results: PredictItemResult[] = items.map((_, index) => {
    const e = errors.get(index);
    return e ? { index, error: e } : { index, ...byIndex.get(index)! };
  });
  return { predictor: out?.predictor ?? { version: info.version, method: info.method, platforms: [...info.platforms] }, results };
}
