/**
 * Portal use cases around models and predictors: the model page (structure, runs per platform with
 * statistics and history, graph coloured by the profile, predictions per predictor version, similar
 * models), predicted-vs-measured comparison with the evaluation tables, and side-by-side views of models
 * or platforms. Everything returned is plain JSON (ISO times) so it can be cached, sent to client
 * components, or served by the API for private models.
 */
import fs from "node:fs";
import path from "node:path";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Measurement, Model } from "@/lib/db/schema";
import { getAccessibleModel, getStructureBytes } from "@/lib/db/model-access";
import { listPlatforms } from "@/lib/db/platforms";
import * as browseDb from "@/lib/db/browse";
import { buildGraph, computeCost, decodeModel, inferShapes, type CostSummary, type GraphIR } from "@/lib/onnx";
import { generate } from "@/lib/zoo";
import { accWithin, mape, rmspe } from "@/lib/predict/metrics";
import { PLATFORM_SLUG } from "@/lib/api/schemas/common";
import type { Stats } from "@/lib/api/schemas/models";
import type { MeasurementQualityView } from "@/lib/api/schemas/common";
import type { Grade, QualityFilter } from "@/lib/quality";
import { graphFeed, nodeTimes, type GraphFeed, type ProfileLike } from "@/lib/portal/graph-layout";
import { modelDisplayName } from "./caller";
import { modelView } from "./query";
import { qualityOf, statsOf } from "./results";
import { familyLabel } from "./portal";

// ───────────────────────────── model page ─────────────────────────────

export interface RunView {
  measurementId: number;
  medianMs: number;
  measuredAt: string;
  runtimeVersion: string;
  cv: number | null;
  quality: MeasurementQualityView;
}

export interface PlatformResultView {
  platform: string;
  platformName: string;
  batch: number;
  /** the shown measurement: the newest clean one where one exists, else the newest (latest_measurements' rule) */
  stats: Stats;
  quality: MeasurementQualityView;
  measurementId: number;
  measuredAt: string;
  runtimeVersion: string;
  env: Record<string, unknown> | null;
  deviceSeconds: number | null;
  /** every stored measurement, oldest first, each with its grade and quality figures */
  history: RunView[];
  /** op type → share of kernel time in the newest profile (null without a profile) */
  opShare: Record<string, number> | null;
}

export interface PredictionView {
  platform: string;
  batch: number;
  predictor: string;
  method: string;
  status: string;
  predictedMs: number;
  uncertaintyMs: number | null;
  measuredMs: number | null;
  /** (predicted − measured) / measured, percent */
  errorPct: number | null;
}

export interface SimilarView {
  id: number;
  name: string;
  family: string;
  flops: number;
  params: number;
  nodeCount: number;
  /** 0 = identical op mix; the ranking key combines this with log-FLOPs and log-params distance */
  distance: number;
  opCosine: number;
  latency: { platform: string; medianMs: number } | null;
}

/** The graph feed (lib/portal/graph-layout graphFeed); the browser lays it out. */
export interface GraphView extends GraphFeed {
  /** platform slug → µs per node (-1 unknown), from the newest profile on that platform */
  times: Record<string, number[]>;
}

export interface ModelPageData {
  model: ReturnType<typeof modelView> & { familyLabel: string };
  results: PlatformResultView[];
  predictions: PredictionView[];
  similar: SimilarView[];
  /** inferred output shapes (null when the structure is not stored) */
  outputs: Record<string, (number | string)[]> | null;
  graph: GraphView | null;
  graphError: string | null;
}

const iso = (d: Date) => d.toISOString();
const MAX_GRAPH_NODES = 6000;

/** Op-type shares of a stored profile (lib/measure's byOpType, or summed kernels). */
function opShare(profile: ProfileLike | null): Record<string, number> | null {
  if (!profile) return null;
  const totals: Record<string, number> = {};
  if (profile.byOpType) for (const [op, s] of Object.entries(profile.byOpType)) totals[op] = s.totalUs ?? 0;
  else
    for (const k of profile.kernels ?? [])
      totals[k.opType ?? k.op ?? "?"] = (totals[k.opType ?? k.op ?? "?"] ?? 0) + (k.medianUs ?? (k.ms ?? 0) * 1000);
  const sum = Object.values(totals).reduce((a, b) => a + b, 0);
  if (!sum) return null;
  const shares = Object.entries(totals).map(([k, v]): [string, number] => [k, v / sum]);
  return Object.fromEntries(shares.sort((a, b) => b[1] - a[1]));
}

function cosine(a: Record<string, number>, b: Record<string, number>): number {
  let dot = 0, na = 0, nb = 0;
  for (const [k, v] of Object.entries(a)) {
    na += v * v;
    dot += v * (b[k] ?? 0);
  }
  for (const v of Object.values(b)) nb += v * v;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** The structure-only ONNX of a model: stored bytes, or regenerated from its zoo spec. */
async function structureBytes(db: DbOrTx, m: Model): Promise<Uint8Array | null> {
  const stored = await getStructureBytes(db, { modelId: m.id });
  if (stored) return stored;
  return m.zooSpec ? generate(m.zooSpec) : null;
}

/** Everything the model page shows, for a caller who may see private models of `teamIds`. Null: not visible. */
export async function modelPage(
  db: DbOrTx,
  teamIds: readonly number[],
  id: number,
  o: { graph?: boolean } = {},
): Promise<ModelPageData | null> {
  const m = await getAccessibleModel(db, { id, teamIds });
  if (!m) return null;
  const [runs, preds, candidates, plats] = await Promise.all([
    browseDb.modelRuns(db, { modelId: m.id }),
    browseDb.modelPredictions(db, { modelId: m.id }),
    browseDb.nearestByFlops(db, { model: m, teamIds, limit: 60 }),
    listPlatforms(db, { activeOnly: false }),
  ]);
  const platName = new Map(plats.map((p) => [p.slug, p.name]));

  // runs grouped by platform × batch; the newest clean run (else the newest) carries the statistics
  const groups = new Map<string, (Measurement & { platformSlug: string })[]>();
  for (const r of runs) {
    const k = `${r.platformSlug}|${r.batch}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const latestProfile = new Map<string, ProfileLike>();
  const results: PlatformResultView[] = [...groups.values()].map((g) => {
    const newest = [...g].reverse().find((r) => r.grade === "clean") ?? g[g.length - 1]!;
    const withProfile = [...g].reverse().find((r) => r.profile);
    if (withProfile && !latestProfile.has(newest.platformSlug)) latestProfile.set(newest.platformSlug, withProfile.profile as ProfileLike);
    return {
      platform: newest.platformSlug,
      platformName: platName.get(newest.platformSlug) ?? newest.platformSlug,
      batch: newest.batch,
      stats: statsOf(newest),
      quality: qualityOf(newest),
      measurementId: newest.id,
      measuredAt: iso(newest.measuredAt),
      runtimeVersion: newest.runtimeVersion,
      env: newest.env,
      deviceSeconds: newest.deviceSeconds,
      history: g.map((r) => ({
        measurementId: r.id,
        medianMs: r.medianMs,
        measuredAt: iso(r.measuredAt),
        runtimeVersion: r.runtimeVersion,
        cv: r.cv,
        quality: qualityOf(r),
      })),
      opShare: opShare((withProfile?.profile as ProfileLike | undefined) ?? null),
    };
  });
  results.sort((a, b) => a.platform.localeCompare(b.platform) || a.batch - b.batch);

  // a prediction's error is judged against a clean measurement only
  const measuredAt = new Map(results.filter((r) => r.quality.grade === "clean").map((r) => [`${r.platform}|${r.batch}`, r.stats.medianMs]));
  const predictions: PredictionView[] = preds.map((p) => {
    const measured = measuredAt.get(`${p.platformSlug}|${p.batch}`) ?? null;
    return {
      platform: p.platformSlug,
      batch: p.batch,
      predictor: p.version.name,
      method: p.version.method,
      status: p.version.status,
      predictedMs: p.valueMs,
      uncertaintyMs: p.uncertaintyMs,
      measuredMs: measured,
      errorPct: measured ? ((p.valueMs - measured) / measured) * 100 : null,
    };
  });

  // "models like this": same family, re-ranked by log-FLOPs, log-params and op-mix distance
  const lf = (x: number) => Math.log10(Math.max(1, x));
  const ranked = candidates
    .map((c) => {
      const opCosine = cosine(m.opHistogram, c.opHistogram);
      return { c, opCosine, distance: Math.abs(lf(c.flops) - lf(m.flops)) + Math.abs(lf(c.params) - lf(m.params)) + (1 - opCosine) };
    })
    .sort((a, b) => a.distance - b.distance || a.c.id - b.c.id)
    .slice(0, 8);
  // their latency on this model's platform when measured there, else on the first platform they have
  const refId = plats.find((p) => p.slug === results.find((r) => r.batch === m.batch)?.platform)?.id;
  const slugOf = new Map(plats.map((p) => [p.id, p.slug]));
  const grid = (await browseDb.latestGrid(db, { modelIds: ranked.map((r) => r.c.id), batch: 1 })).filter((g) => g.grade === "clean");
  const similar: SimilarView[] = ranked.map(({ c, opCosine, distance }) => {
    const mine = grid
      .filter((g) => g.modelId === c.id)
      .sort((a, b) => (slugOf.get(a.platformId) ?? "").localeCompare(slugOf.get(b.platformId) ?? ""));
    const l = mine.find((g) => g.platformId === refId) ?? mine[0];
    return { ...c, distance, opCosine, latency: l ? { platform: slugOf.get(l.platformId) ?? "?", medianMs: l.medianMs } : null };
  });

  let graph: GraphView | null = null;
  let graphError: string | null = null;
  let outputs: ModelPageData["outputs"] = null;
  if (o.graph ?? true) {
    try {
      const bytes = await structureBytes(db, m);
      if (!bytes) graphError = "The structure of this model is not stored.";
      else {
        const model = decodeModel(bytes);
        let ir: GraphIR;
        let cost: CostSummary | null = null;
        try {
          ir = inferShapes(model);
          outputs = Object.fromEntries(ir.outputs.map((name) => [name, ir.tensors.get(name)?.shape ?? ["?"]]));
        } catch {
          ir = buildGraph(model);
        }
        if (ir.nodes.length > MAX_GRAPH_NODES)
          graphError = `The graph has ${ir.nodes.length} nodes; the view draws at most ${MAX_GRAPH_NODES}.`;
        else {
          if (ir.shapesInferred) {
            try {
              cost = computeCost(ir); // per-node MACs / FLOPs / parameters for the graph's side panel
            } catch {
              cost = null;
            }
          }
          const feed = graphFeed(ir, cost);
          const times: Record<string, number[]> = {};
          for (const [slug, prof] of latestProfile) times[slug] = nodeTimes(feed, prof);
          graph = { ...feed, times };
        }
      }
    } catch (e) {
      graphError = `The graph could not be drawn: ${(e as Error).message}`;
    }
  }

  return {
    model: { ...modelView(m, teamIds), name: modelDisplayName(m, teamIds), familyLabel: familyLabel(m.family) },
    results,
    predictions,
    similar,
    outputs,
    graph,
    graphError,
  };
}

// ───────────────────────────── predictor evaluation ─────────────────────────────

export interface EvalRow {
  split: string;
  platform: string;
  method: string;
  n: number | null;
  mape: number;
  rmspe: number | null;
  acc5: number | null;
  acc10: number | null;
  acc25: number | null;
  /** share of measured values inside the predicted ±2σ (%; calibrated methods) */
  coverage: number | null;
  kendallTau: number | null;
}

const METHOD_KEYS = /^(gnn|flops-linear|flops-mem-linear|roofline|lookup-table|kernel-rf)\b|gnn|baseline|predictor/i;
const WRAPPERS = new Set(["metrics", "results", "rows", "splits", "platforms", "methods", "data", "tables", "evaluation"]);

/**
 * Flattens an evaluation document (public/predictors/eval.json, written by the predictor evaluation) into rows. Accepts a list of
 * rows ({split, platform, method, mape, ...}) or nested objects keyed by split / platform slug / method in
 * any order; a leaf is any object with a numeric `mape`.
 */
export function flattenEval(doc: unknown, context: { split?: string; platform?: string; method?: string } = {}): EvalRow[] {
  const out: EvalRow[] = [];
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const walk = (v: unknown, ctx: { split?: string; platform?: string; method?: string }) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, ctx));
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    const here = {
      split: typeof o.split === "string" ? o.split : ctx.split,
      platform: typeof o.platform === "string" ? o.platform : ctx.platform,
      method: typeof o.method === "string" ? o.method : ctx.method,
    };
    const m = num(o.mape ?? o.MAPE);
    if (m !== null && here.platform && here.method) {
      out.push({
        split: here.split ?? "random",
        platform: here.platform,
        method: here.method,
        n: num(o.n),
        mape: m,
        rmspe: num(o.rmspe),
        acc5: num(o.acc5),
        acc10: num(o.acc10),
        acc25: num(o.acc25),
        coverage: num(o.coverage),
        kendallTau: num(o.kendallTau ?? o.kendall_tau ?? o.tau),
      });
      return;
    }
    for (const [k, child] of Object.entries(o)) {
      if (!child || typeof child !== "object") continue;
      if (WRAPPERS.has(k)) walk(child, here);
      else if (PLATFORM_SLUG.test(k)) walk(child, { ...here, platform: k });
      else if (METHOD_KEYS.test(k) && !here.method) walk(child, { ...here, method: k });
      else if (!here.split) walk(child, { ...here, split: k });
      else if (!here.method) walk(child, { ...here, method: k });
    }
  };
  walk(doc, context);
  return out;
}

type Metricsish = {
  n?: number; mape: number; rmspe?: number; acc5?: number; acc10?: number; acc25?: number; coverage?: number; kendallTau?: number;
};

/**
 * Rows of lib/predict's evaluation report (format nnlq-predictor-eval/1): the random split as is;
 * leave-one-family-out per held-out family ("lofo:<family>") plus their mean ("lofo (mean)"); few-shot
 * transfer per shot count ("few-shot N=<n>", on the held-out platform).
 */
export function evalReportRows(doc: {
  rows?: { split: string; fold: string | null; platform: string; method: string; metrics: Metricsish }[];
  fewShot?: { platform: string; n: number; method: string; metrics: Metricsish }[];
}): EvalRow[] {
  const row = (split: string, platform: string, method: string, m: Metricsish): EvalRow => ({
    split,
    platform,
    method,
    n: m.n ?? null,
    mape: m.mape,
    rmspe: m.rmspe ?? null,
    acc5: m.acc5 ?? null,
    acc10: m.acc10 ?? null,
    acc25: m.acc25 ?? null,
    coverage: m.coverage ?? null,
    kendallTau: Number.isFinite(m.kendallTau) ? m.kendallTau! : null,
  });
  const out = (doc.rows ?? []).map((r) => row(r.split === "lofo" && r.fold ? `lofo:${r.fold}` : r.split, r.platform, r.method, r.metrics));
  const folds = new Map<string, Metricsish[]>();
  for (const r of doc.rows ?? [])
    if (r.split === "lofo") folds.set(`${r.platform}|${r.method}`, [...(folds.get(`${r.platform}|${r.method}`) ?? []), r.metrics]);
  const mean = (ms: Metricsish[], k: keyof Metricsish) => {
    const v = ms.map((m) => m[k]).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  for (const [key, ms] of folds) {
    const [platform, method] = key.split("|") as [string, string];
    out.push(
      row("lofo (mean)", platform, method, {
        n: ms.reduce((a, m) => a + (m.n ?? 0), 0),
        mape: mean(ms, "mape")!,
        rmspe: mean(ms, "rmspe"),
        acc5: mean(ms, "acc5"),
        acc10: mean(ms, "acc10"),
        acc25: mean(ms, "acc25"),
        coverage: mean(ms, "coverage"),
        kendallTau: mean(ms, "kendallTau"),
      }),
    );
  }
  for (const f of doc.fewShot ?? []) out.push(row(`few-shot N=${f.n}`, f.platform, f.method, f.metrics));
  const order = (s: string) => (s === "random" ? 0 : s === "lofo (mean)" ? 1 : s.startsWith("few-shot") ? 2 : 3);
  return out.sort((a, b) => order(a.split) - order(b.split) || a.split.localeCompare(b.split, "en", { numeric: true }));
}

/** The evaluation tables the predictor evaluation writes for the UI, or null when the predictors are not evaluated yet. */
export function readEvaluation(): { rows: EvalRow[]; generatedAt: string | null } | null {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(path.join(process.cwd(), "public", "predictors", "eval.json"), "utf8"));
  } catch {
    return null;
  }
  const report = doc as { format?: unknown; generatedAt?: unknown; createdAt?: unknown };
  const rows = report?.format === "nnlq-predictor-eval/1" ? evalReportRows(doc as Parameters<typeof evalReportRows>[0]) : flattenEval(doc);
  const at = report?.generatedAt ?? report?.createdAt;
  return rows.length ? { rows, generatedAt: typeof at === "string" ? at : null } : null;
}

/** Predictors ranked per platform on one split: Acc@10% (desc), then MAPE (asc). */
export function rankPredictors(rows: EvalRow[], split?: string): Record<string, EvalRow[]> {
  const splits = [...new Set(rows.map((r) => r.split))];
  const use = split ?? (splits.find((s) => /random/i.test(s)) ?? splits[0]);
  const out: Record<string, EvalRow[]> = {};
  for (const r of rows.filter((x) => x.split === use)) (out[r.platform] ??= []).push(r);
  for (const list of Object.values(out)) list.sort((a, b) => (b.acc10 ?? -1) - (a.acc10 ?? -1) || a.mape - b.mape);
  return out;
}

// ───────────────────────────── predicted vs measured ─────────────────────────────

export interface AccuracyView {
  n: number;
  mape: number;
  rmspe: number;
  acc5: number;
  acc10: number;
}

function accuracy(pred: number[], truth: number[]): AccuracyView | null {
  if (!pred.length) return null;
  return {
    n: pred.length,
    mape: mape(pred, truth),
    rmspe: rmspe(pred, truth),
    acc5: accWithin(pred, truth, 0.05),
    acc10: accWithin(pred, truth, 0.1),
  };
}

export interface CompareData {
  /** the quality filter applied; accuracy and residuals are over clean labels only */
  quality: QualityFilter;
  predictors: { name: string; method: string; status: string; createdAt: string; platforms: string[] }[];
  platforms: string[];
  predictor: string | null;
  platform: string | null;
  total: number;
  /** predicted vs measured pairs (lib/db/browse PredictedPair without the batch, the model's id as `id`) */
  points: (Omit<browseDb.PredictedPair, "modelId" | "batch"> & { id: number })[];
  accuracy: AccuracyView | null;
  residuals: { family: string; label: string; n: number; medianPct: number; p10Pct: number; p90Pct: number; mape: number }[];
  evaluation: { rows: EvalRow[]; generatedAt: string | null } | null;
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};

/** Predicted vs measured for one predictor version on one platform (defaults: promoted GNN, first covered platform). */
export async function compareView(
  db: DbOrTx,
  teamIds: readonly number[],
  sel: { predictor?: string; platform?: string; maxPoints?: number; quality?: QualityFilter },
): Promise<CompareData> {
  const quality: QualityFilter = sel.quality ?? "clean";
  const [versions, coverage, plats] = await Promise.all([
    browseDb.listPredictorVersions(db),
    browseDb.predictionCoverage(db),
    listPlatforms(db, { activeOnly: false }),
  ]);
  const slugOf = new Map(plats.map((p) => [p.id, p.slug]));
  const covered = (vid: number) =>
    coverage
      .filter((c) => c.versionId === vid && c.count > 0)
      .map((c) => slugOf.get(c.platformId)!)
      .filter(Boolean)
      .sort();
  const predictors = versions
    .map((v) => ({ name: v.name, method: v.method, status: v.status, createdAt: iso(v.createdAt), platforms: covered(v.id), id: v.id }))
    .filter((v) => v.platforms.length);
  const chosen =
    (sel.predictor ? predictors.find((v) => v.name === sel.predictor) : undefined) ??
    predictors.find((v) => v.status === "promoted" && v.method === "gnn") ??
    predictors.find((v) => v.status === "promoted") ??
    predictors[0];
  if (sel.predictor && chosen?.name !== sel.predictor) throw new NnlqError("NOT_FOUND", `No predictions from predictor '${sel.predictor}'`);
  const evaluation = readEvaluation();
  const base = { quality, predictors: predictors.map(({ id: _id, ...v }) => v), evaluation };
  if (!chosen) return { ...base, platforms: [], predictor: null, platform: null, total: 0, points: [], accuracy: null, residuals: [] };
  const platform = sel.platform && chosen.platforms.includes(sel.platform) ? sel.platform : chosen.platforms[0]!;
  if (sel.platform && platform !== sel.platform)
    throw new NnlqError("NOT_FOUND", `Predictor '${chosen.name}' has no predictions on ${sel.platform}`);
  const platformId = plats.find((p) => p.slug === platform)!.id;
  const predictions = coverage.find((c) => c.versionId === chosen.id && c.platformId === platformId)?.count ?? 0;
  const { total, pairs } = await browseDb.predictedVsMeasured(db, {
    versionId: chosen.id,
    platformId,
    teamIds,
    limit: sel.maxPoints ?? 3000,
    predictions,
    quality,
  });
  // accuracy is judged against clean labels only (quality "all" shows the other points, marked)
  const clean = pairs.filter((p) => p.grade === "clean");
  const byFamily = new Map<string, typeof pairs>();
  for (const p of clean) byFamily.set(p.family, [...(byFamily.get(p.family) ?? []), p]);
  const residuals = [...byFamily]
    .map(([family, ps]) => {
      const err = ps.map((p) => ((p.predictedMs - p.measuredMs) / p.measuredMs) * 100);
      return {
        family,
        label: familyLabel(family),
        n: ps.length,
        medianPct: q(err, 0.5),
        p10Pct: q(err, 0.1),
        p90Pct: q(err, 0.9),
        mape: mape(ps.map((p) => p.predictedMs), ps.map((p) => p.measuredMs)),
      };
    })
    .sort((a, b) => b.mape - a.mape);
  return {
    ...base,
    platforms: chosen.platforms,
    predictor: chosen.name,
    platform,
    total,
    points: pairs.map((p) => ({
      id: p.modelId,
      name: p.name,
      family: p.family,
      predictedMs: p.predictedMs,
      measuredMs: p.measuredMs,
      uncertaintyMs: p.uncertaintyMs,
      grade: p.grade,
    })),
    accuracy: accuracy(
      clean.map((p) => p.predictedMs),
      clean.map((p) => p.measuredMs),
    ),
    residuals,
  };
}

// ───────────────────────────── side by side ─────────────────────────────

export interface ModelsSideBySide {
  models: { id: number; name: string; family: string; flops: number; params: number; nodeCount: number; batch: number }[];
  platforms: string[];
  /** platform → model id → median ms at the model's own batch size */
  latency: Record<string, Record<number, number>>;
  /** platform → model id → the grade of that latency (all clean unless quality "all") */
  grades: Record<string, Record<number, Grade>>;
  quality: QualityFilter;
  missing: number[];
}

/** Two or more models: structure figures and their newest latency on every platform (clean labels unless quality "all"). */
export async function compareModels(
  db: DbOrTx,
  teamIds: readonly number[],
  ids: number[],
  { quality = "clean" }: { quality?: QualityFilter } = {},
): Promise<ModelsSideBySide> {
  const found: Model[] = [];
  const missing: number[] = [];
  for (const id of [...new Set(ids)].slice(0, 8)) {
    const m = await getAccessibleModel(db, { id, teamIds });
    if (m) found.push(m);
    else missing.push(id);
  }
  const plats = await listPlatforms(db, { activeOnly: false });
  const grid = await browseDb.latestGrid(db, { modelIds: found.map((m) => m.id) });
  const latency: Record<string, Record<number, number>> = {};
  const grades: Record<string, Record<number, Grade>> = {};
  for (const g of grid) {
    const m = found.find((x) => x.id === g.modelId);
    if (!m || g.batch !== m.batch || (quality === "clean" && g.grade !== "clean")) continue;
    const slug = plats.find((p) => p.id === g.platformId)?.slug;
    if (!slug) continue;
    (latency[slug] ??= {})[g.modelId] = g.medianMs;
    (grades[slug] ??= {})[g.modelId] = g.grade;
  }
  return {
    models: found.map((m) => ({
      id: m.id,
      name: modelDisplayName(m, teamIds),
      family: m.family,
      flops: m.flops,
      params: m.params,
      nodeCount: m.nodeCount,
      batch: m.batch,
    })),
    platforms: Object.keys(latency).sort(),
    latency,
    grades,
    quality,
    missing,
  };
}

export interface PlatformsSideBySide {
  a: string;
  b: string;
  batch: number;
  total: number;
  /** the models measured on both platforms (lib/db/browse PlatformPair, the model's id as `id`) */
  points: (Omit<browseDb.PlatformPair, "modelId"> & { id: number })[];
  /** the quality filter applied; ratios are over pairs of clean labels only */
  quality: QualityFilter;
  /** per family: median of latency(b) / latency(a) */
  ratios: { family: string; label: string; n: number; medianRatio: number }[];
  geoMeanRatio: number | null;
}

/** Two platforms on the models measured on both: scatter points and per-family speed ratios. */
export async function comparePlatforms(
  db: DbOrTx,
  teamIds: readonly number[],
  { a, b, batch = 1, quality = "clean" }: { a: string; b: string; batch?: number; quality?: QualityFilter },
): Promise<PlatformsSideBySide> {
  const plats = await listPlatforms(db, { activeOnly: false });
  const pa = plats.find((p) => p.slug === a);
  const pb = plats.find((p) => p.slug === b);
  if (!pa || !pb) throw new NnlqError("NOT_FOUND", `Unknown platform '${!pa ? a : b}'`);
  const { total, pairs } = await browseDb.platformPairs(db, { a: pa.id, b: pb.id, batch, teamIds, limit: 3000, quality });
  const clean = pairs.filter((p) => p.aGrade === "clean" && p.bGrade === "clean");
  const fam = new Map<string, number[]>();
  for (const p of clean) fam.set(p.family, [...(fam.get(p.family) ?? []), p.bMs / p.aMs]);
  const logs = clean.map((p) => Math.log(p.bMs / p.aMs));
  return {
    a,
    b,
    batch,
    total,
    quality,
    points: pairs.map(({ modelId, ...p }) => ({ id: modelId, ...p })),
    ratios: [...fam]
      .map(([family, r]) => ({ family, label: familyLabel(family), n: r.length, medianRatio: q(r, 0.5) }))
      .sort((x, y) => x.medianRatio - y.medianRatio),
    geoMeanRatio: logs.length ? Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length) : null,
  };
}

// ───────────────────────────── predictor leaderboard ─────────────────────────────

export interface PredictorBoard {
  source: "eval.json" | "predictor versions" | null;
  split: string | null;
  splits: string[];
  generatedAt: string | null;
  /** platform → methods ranked by Acc@10% then MAPE */
  byPlatform: Record<string, EvalRow[]>;
}

/**
 * Predictors ranked per platform: public/predictors/eval.json (all methods on identical splits) when it
 * exists, else the metrics stored with each evaluated predictor version.
 */
export async function predictorBoard(db: DbOrTx, split?: string): Promise<PredictorBoard> {
  let rows: EvalRow[] = [];
  let source: PredictorBoard["source"] = null;
  let generatedAt: string | null = null;
  const file = readEvaluation();
  if (file) {
    rows = file.rows;
    source = "eval.json";
    generatedAt = file.generatedAt;
  } else {
    for (const v of await browseDb.listPredictorVersions(db)) {
      if (!v.metrics || v.status === "failed" || v.status === "training") continue;
      rows.push(...flattenEval(v.metrics, { method: `${v.method} (${v.name})` }));
    }
    if (rows.length) source = "predictor versions";
  }
  const splits = [...new Set(rows.map((r) => r.split))];
  const use = split && splits.includes(split) ? split : (splits.find((s) => /random/i.test(s)) ?? splits[0] ?? null);
  return { source, split: use, splits, generatedAt, byPlatform: use ? rankPredictors(rows, use) : {} };
}
