/**
 * The guard: a served prediction is never worse than physics, and its σ tells the truth.
 *
 * A learned predictor is only as good as the graphs it was trained on; on a network unlike them (unseen
 * operators, sizes beyond the trained range, work the cost model cannot count) it can be off by orders of
 * magnitude while its ensemble agrees with itself (issue 17: an 8-node super-resolution CNN predicted at
 * 0.036 ms that takes 70 ms, σ 2–4% on models off by 50%). The guard wraps any predictor:
 *
 *   analytical model   per platform, latency ≈ c + a·GFLOPs + b·MB + n·nodes (n: each compute node's dispatch
 *                      cost, which dominates small graphs; no-op and view nodes not counted), fitted on the training samples in two
 *                      ways — non-negative least squares on the relative error, and the same form fitted in log
 *                      space (Nelder–Mead on the squared log ratio) — and the one with the smaller RMS log
 *                      error on the validation samples kept (both figures stored)
 *   floor              per platform, the fixed per-inference cost: the smaller of the fitted cost of a one-node
 *                      inference (min of c and n) and the 5% quantile of the measured latencies of the smallest
 *                      tenth of the training graphs (half that quantile when the fit has neither)
 *   distribution       operator types seen, and the 0.5–99.5% quantiles (over training graphs) of ln(1+x) of
 *                      MACs, memory bytes, node count and input elements
 *   regime             "extrapolated" when a graph has an unseen op type (no-ops and views excepted), a value outside those ranges, nodes
 *                      of unknown cost (GraphFeatures.graph.unknownNodes where lib/onnx reports it), a model
 *                      estimate below the floor, or |ln(model / analytical)| above the platform's threshold
 *                      (the 99% quantile of the analytical model's own |ln error| on training, at least ln 2);
 *                      otherwise "in-distribution"
 *   blend              extrapolated: ln y = (1 − w)·ln model + w·ln analytical with w = 1 − e^(−d), d summing
 *                      how far out the graph is (per decade outside a range 1, per unseen op type or unknown-
 *                      cost presence 0.25 + 2 × the share of nodes concerned, per threshold of excess
 *                      disagreement 1)
 *   clamps             always: y within [analytical / 10, analytical × 10], and y ≥ floor
 *   σ                  relative σ = max(minRel, factor · spread), spread = the inner predictor's relative σ
 *                      (GNN ensemble) or 1 (methods without one: a constant relative residual model); the
 *                      factor is conformal — the smallest that puts 95% of the validation measurements inside
 *                      ±2σ; extrapolated answers widen it so that ±2σ spans both the model's and the analytical
 *                      answer, plus w × the analytical model's own 95% error
 * Everything is plain JSON (manifest.guard): load() wraps a predictor whose manifest carries it.
 */
import { NnlqError } from "@/lib/errors";
import type { GraphFeatures } from "@/lib/onnx";
import type { Sample } from "./dataset";
import { nelderMead } from "./numeric";
import {
  BasePredictor,
  byPlatform,
  type PredictionGrid,
  type PredictionInfo,
  type PredictorArtifacts,
} from "./predictor";

export const GUARD_FORMAT = "nnlq-guard/1";

/** Predictions stay within analytical / CLAMP … analytical × CLAMP. */
export const CLAMP = 10;
/** Quantiles of the training distribution that bound "in distribution". */
export const RANGE_QUANTILES: [number, number] = [0.005, 0.995];
/** Least disagreement (|ln model/analytical|) that counts as extrapolated: 2×. */
export const MIN_DISAGREE_LOG = Math.log(2);
/** ±2σ should hold this share of the validation measurements. */
export const TARGET_COVERAGE = 0.95;
/** Relative σ never below 3% (the labels' own repeatability on the measured hosts is a few percent). */
export const MIN_REL_SIGMA = 0.03;
/** Platforms with fewer validation samples are calibrated on every platform's together. */
export const MIN_CALIBRATION_SAMPLES = 20;

export type RangeKey = "logMacs" | "logMemory" | "logNodes" | "logInputElements";
export const RANGE_LABELS: Record<RangeKey, string> = {
  logMacs: "MACs",
  logMemory: "memory traffic (bytes)",
  logNodes: "node count",
  logInputElements: "input elements",
};

export type AnalyticalForm = "relative-nnls" | "log-space";

export interface AnalyticalModel {
  form: AnalyticalForm;
  interceptMs: number;
  msPerGflop: number;
  msPerMb: number;
  /** per compute node (kernel dispatch and its fixed costs); absent in guards fitted before it existed (0) */
  msPerNode?: number;
  /** RMS of ln(analytical / measured) of each candidate fit on the samples it was chosen on */
  candidates: Record<AnalyticalForm, number>;
  /** what the candidates were compared on */
  chosenOn: "validation" | "training";
  /** 95% quantile of |ln(analytical / measured)| on the training samples */
  logErrQ95: number;
}

export interface Calibration {
  /** "ensemble": σ scales the inner predictor's own relative σ; "constant": one relative σ for all */
  spread: "ensemble" | "constant";
  factor: number;
  minRel: number;
  /** samples it was fitted on (0: not calibrated, factor 1) */
  n: number;
  fittedOn: "validation" | "training" | "none";
  /** fitted on every platform's samples together (fewer than MIN_CALIBRATION_SAMPLES of this one) */
  pooled: boolean;
  /** share (%) of those samples inside ±2σ after calibration */
  coverage: number;
}

export interface GuardPlatform {
  analytical: AnalyticalModel;
  floorMs: number;
  /** |ln(model / analytical)| beyond this is a disagreement (extrapolated) */
  disagreeLog: number;
  calibration: Calibration;
}

export interface GuardState {
  format: typeof GUARD_FORMAT;
  /** "guard": regime, blend, clamps and calibrated σ; "calibrate": calibrated σ only (a method evaluated as is) */
  mode: "guard" | "calibrate";
  opsSeen: string[];
  /** ln(1 + x) bounds per quantity (absent: the features did not carry it) */
  ranges: Partial<Record<RangeKey, [number, number]>>;
  quantiles: [number, number];
  trainingGraphs: number;
  platforms: Record<string, GuardPlatform>;
}

/* ---------- small statistics ---------- */

/** Linear-interpolated quantile of unsorted values (NaN for none). */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Array.from(xs).filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = Math.floor(pos);
  return lo + 1 < s.length ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

const rmsLog = (pred: number[], y: number[]) =>
  Math.sqrt(y.reduce((a, t, i) => a + Math.log(Math.max(pred[i], 1e-12) / t) ** 2, 0) / Math.max(1, y.length));

/* ---------- what a graph is made of ---------- */

export interface GraphProfile {
  /** op type → nodes of it */
  opCounts: Map<string, number>;
  nodeCount: number;
  /** nodes that do work (computeNodes) */
  computeNodes: number;
  unknownNodes: number;
  gflops: number;
  mb: number;
  values: Partial<Record<RangeKey, number>>;
}

const inputCols = new WeakMap<readonly string[], { rank: number; dims: number[] } | null>();
function inputColumns(names: readonly string[]): { rank: number; dims: number[] } | null {
  let c = inputCols.get(names);
  if (c === undefined) {
    const rank = names.indexOf("in0_rank");
    const dims = Array.from({ length: 6 }, (_, i) => names.indexOf(`in0_log_d${i}`));
    c = rank >= 0 && dims.every((d) => d >= 0) ? { rank, dims } : null;
    inputCols.set(names, c);
  }
  return c;
}

/**
 * Elements of the largest first input read by a node without predecessors (the graph's input as the
 * network sees it; NaN when the feature set has no input-shape columns). Dims are stored as ln(1+d), 0 for
 * an absent or symbolic dim.
 */
export function inputElements(f: GraphFeatures): number {
  const c = inputColumns(f.featureNames);
  if (!c || !f.numNodes) return NaN;
  const hasPred = new Uint8Array(f.numNodes);
  for (let e = 0; e < f.edgeDst.length; e++) hasPred[f.edgeDst[e]] = 1;
  let best = 0;
  for (let r = 0; r < f.numNodes; r++) {
    if (hasPred[r]) continue;
    const row = r * f.numFeatures;
    if (!(f.nodeFeatures[row + c.rank] > 0)) continue;
    let n = 1;
    for (const d of c.dims) {
      const v = f.nodeFeatures[row + d];
      if (v > 0) n *= Math.expm1(v);
    }
    best = Math.max(best, n);
  }
  return best;
}

export function graphProfile(f: GraphFeatures): GraphProfile {
  const g = f.graph as GraphFeatures["graph"] & { unknownNodes?: number; unknownCostNodes?: number };
  const unknown = Number(g.unknownNodes ?? g.unknownCostNodes ?? 0) || 0;
  const inEl = inputElements(f);
  const lg = (x: number) => Math.log1p(Math.max(0, Number.isFinite(x) ? x : 0));
  const opCounts = new Map<string, number>();
  for (const o of f.nodeOps) opCounts.set(o, (opCounts.get(o) ?? 0) + 1);
  return {
    opCounts,
    nodeCount: f.numNodes,
    computeNodes: computeNodes(f),
    unknownNodes: unknown,
    gflops: Math.max(0, g.flops || 0) / 1e9,
    mb: Math.max(0, g.memoryAccess || 0) / 1e6,
    values: {
      logMacs: lg(g.macs),
      logMemory: lg(g.memoryAccess),
      logNodes: lg(f.numNodes),
      ...(Number.isFinite(inEl) ? { logInputElements: lg(inEl) } : {}),
    },
  };
}

/* ---------- the analytical model ---------- */

export function analyticalMs(
  m: Pick<AnalyticalModel, "interceptMs" | "msPerGflop" | "msPerMb" | "msPerNode">,
  gflops: number,
  mb: number,
  nodes = 0,
): number {
  return m.interceptMs + m.msPerGflop * gflops + m.msPerMb * mb + (m.msPerNode ?? 0) * nodes;
}

/**
 * min Σ ((x·β − y) / y)² subject to β ≥ 0, for the three columns [1, GFLOPs, MB]: the optimum lies on one of
 * the 7 faces of the orthant, so every subset of free columns is solved and the best feasible one kept.
 */
export function fitRelativeNnls(gflops: number[], mb: number[], y: number[], nodes?: number[]): number[] {
  const cols = [(_: number) => 1, (i: number) => gflops[i], (i: number) => mb[i], ...(nodes ? [(i: number) => nodes[i]] : [])];
  const K = cols.length;
  let best: number[] = new Array(K).fill(0);
  let bestLoss = Infinity;
  for (let mask = 1; mask < 1 << K; mask++) {
    const free = [...Array(K).keys()].filter((j) => mask & (1 << j));
    const k = free.length;
    // normal equations of the relative-error least squares on the free columns
    const A = Array.from({ length: k }, () => new Float64Array(k + 1));
    for (let i = 0; i < y.length; i++) {
      const w = 1 / (y[i] * y[i]);
      for (let a = 0; a < k; a++) {
        const xa = cols[free[a]](i) * w;
        for (let b = 0; b < k; b++) A[a][b] += xa * cols[free[b]](i);
        A[a][k] += xa * y[i];
      }
    }
    const beta = solve(A);
    if (!beta || beta.some((b) => !(b >= 0))) continue;
    const coef: number[] = new Array(K).fill(0);
    free.forEach((j, a) => (coef[j] = beta[a]));
    let loss = 0;
    for (let i = 0; i < y.length; i++) {
      let p = 0;
      for (let j = 0; j < K; j++) p += coef[j] * cols[j](i);
      loss += ((p - y[i]) / y[i]) ** 2;
    }
    if (loss < bestLoss) {
      bestLoss = loss;
      best = coef;
    }
  }
  return best;
}

/** Gaussian elimination with partial pivoting of an augmented k × (k+1) system; null when singular. */
function solve(A: Float64Array[]): number[] | null {
  const k = A.length;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    if (!(Math.abs(A[p][c]) > 1e-300)) return null;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const m = A[r][c] / A[c][c];
      if (m !== 0) for (let j = c; j <= k; j++) A[r][j] -= m * A[c][j];
    }
  }
  return A.map((row, i) => row[k] / row[i]);
}

/** The same form fitted in log space (Nelder–Mead on the squared log ratio, coefficients kept ≥ 0 by exp). */
export function fitLogSpace(gflops: number[], mb: number[], y: number[], start: number[], nodes?: number[]): number[] {
  const cols = [gflops.map(() => 1), gflops, mb, ...(nodes ? [nodes] : [])];
  const scale = y.reduce((a, b) => a + b, 0) / Math.max(1, y.length);
  const means = cols.map((c) => c.reduce((a, b) => a + b, 0) / Math.max(1, c.length) || 1);
  // a coefficient at 0 starts at a small share of the typical latency instead (ln 0 has no gradient)
  const x0 = cols.map((_, j) => Math.log(Math.max(start[j] ?? 0, (1e-3 * scale) / means[j])));
  const loss = (x: number[]) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      let p = 0;
      for (let j = 0; j < cols.length; j++) p += Math.exp(x[j]) * cols[j][i];
      s += Math.log(p / y[i]) ** 2;
    }
    return s / Math.max(1, y.length);
  };
  let best = nelderMead(loss, x0, { step: 1, iterations: 400 });
  best = nelderMead(loss, best.x, { step: 0.1, iterations: 300 });
  return best.x.map(Math.exp);
}

/** Fit both forms on `train`, keep the one with the smaller RMS log error on `val` (on `train` without it). */
export function fitAnalytical(train: Sample[], val: Sample[] = []): AnalyticalModel {
  const xs = (s: Sample[]) => ({
    g: s.map((x) => Math.max(0, x.stats.flops || 0) / 1e9),
    m: s.map((x) => Math.max(0, x.stats.memoryAccess || 0) / 1e6),
    n: s.map((x) => computeNodes(x.features)),
    y: s.map((x) => x.latencyMs),
  });
  const t = xs(train);
  const nnls = fitRelativeNnls(t.g, t.m, t.y, t.n);
  const logFit = fitLogSpace(t.g, t.m, t.y, nnls, t.n);
  const on = val.length ? xs(val) : t;
  const err = (c: number[]) => rmsLog(on.y.map((_, i) => c[0] + c[1] * on.g[i] + c[2] * on.m[i] + c[3] * on.n[i]), on.y);
  const candidates = { "relative-nnls": err(nnls), "log-space": err(logFit) };
  const form: AnalyticalForm = candidates["log-space"] < candidates["relative-nnls"] ? "log-space" : "relative-nnls";
  const c = form === "log-space" ? logFit : nnls;
  const model = { interceptMs: c[0], msPerGflop: c[1], msPerMb: c[2], msPerNode: c[3] };
  const logErrQ95 = quantile(
    t.y.map((y, i) => Math.abs(Math.log(Math.max(analyticalMs(model, t.g[i], t.m[i], t.n[i]), 1e-12) / y))),
    0.95,
  );
  return { form, ...model, candidates, chosenOn: val.length ? "validation" : "training", logErrQ95 };
}

/** The platform's fixed per-inference floor (see the module comment). */
export function fitFloor(samples: Sample[], interceptMs: number, msPerNode = 0): number {
  const byFlops = [...samples].sort((a, b) => a.stats.flops - b.stats.flops);
  const small = byFlops.slice(0, Math.max(5, Math.ceil(byFlops.length / 10)));
  const low = quantile(
    small.map((s) => s.latencyMs),
    0.05,
  );
  // the fitted cost of the smallest inference there is — one node of no work: the fixed per-inference cost
  // plus one dispatch (a training set of big graphs cannot tell the two apart well, so the smaller of the
  // intercept and one node's cost bounds it from below)
  const oneNode = msPerNode > 0 ? Math.min(interceptMs > 0 ? interceptMs : Infinity, msPerNode) : interceptMs;
  return Math.min(low, oneNode > 0 && Number.isFinite(oneNode) ? oneNode : low / 2);
}

/**
 * Compute nodes of a graph for the analytical model's per-node term: inference no-ops (Dropout, Identity)
 * and pure views are left out (runtimes drop or alias them).
 */
export function computeNodes(f: GraphFeatures): number {
  let n = 0;
  for (const o of f.nodeOps) if (!FREE_OPS.has(o)) n++;
  return n;
}

/** Ops that do no work at inference (removed or aliased by the runtimes): never out of distribution. */
export const FREE_OPS = new Set(["Dropout", "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze"]);

/* ---------- fitting the guard ---------- */

export interface GuardOptions {
  mode?: GuardState["mode"];
  /** relative σ floor (default MIN_REL_SIGMA) */
  minRel?: number;
  /** ±2σ target coverage (default TARGET_COVERAGE) */
  target?: number;
}

/**
 * The guard's training-time state from the training samples (analytical models, floors, the distribution);
 * validation samples, when given, choose the analytical form. Calibration is left at factor 1 (see calibrate).
 */
export function fitGuard(train: Sample[], val: Sample[] = [], o: GuardOptions = {}): GuardState {
  if (!train.length) throw new NnlqError("VALIDATION", "cannot fit the prediction guard: no training samples");
  const graphs = new Map<string, GraphProfile>();
  for (const s of train) if (!graphs.has(s.graph.key)) graphs.set(s.graph.key, graphProfile(s.features));
  const profiles = [...graphs.values()];
  const opsSeen = [...new Set(profiles.flatMap((p) => [...p.opCounts.keys()]))].sort();
  const ranges: GuardState["ranges"] = {};
  for (const k of Object.keys(RANGE_LABELS) as RangeKey[]) {
    const v = profiles.map((p) => p.values[k]).filter((x): x is number => x !== undefined);
    if (v.length === profiles.length) ranges[k] = [quantile(v, RANGE_QUANTILES[0]), quantile(v, RANGE_QUANTILES[1])];
  }
  const valBy = byPlatform(val);
  const platforms: Record<string, GuardPlatform> = {};
  for (const [platform, list] of byPlatform(train)) {
    const analytical = fitAnalytical(list, valBy.get(platform) ?? []);
    const floorMs = fitFloor(list, analytical.interceptMs, analytical.msPerNode);
    const errs = list.map((s) =>
      Math.abs(
        Math.log(
          Math.max(analyticalMs(analytical, s.stats.flops / 1e9, s.stats.memoryAccess / 1e6, computeNodes(s.features)), floorMs) /
            s.latencyMs,
        ),
      ),
    );
    platforms[platform] = {
      analytical,
      floorMs,
      disagreeLog: Math.max(MIN_DISAGREE_LOG, quantile(errs, 0.99)),
      calibration: {
        spread: "ensemble", factor: 1, minRel: o.minRel ?? MIN_REL_SIGMA, n: 0, fittedOn: "none", pooled: false, coverage: NaN,
      },
    };
  }
  return {
    format: GUARD_FORMAT, mode: o.mode ?? "guard", opsSeen, ranges, quantiles: RANGE_QUANTILES, trainingGraphs: profiles.length, platforms,
  };
}

/* ---------- serving ---------- */

/** One guarded answer before σ calibration: latency, the inner relative spread, the extra relative σ. */
export interface GuardedCell {
  latencyMs: number;
  /** the inner predictor's relative σ (σ / its prediction), NaN when it has none */
  spread: number;
  /** relative σ the extrapolation adds (0 in distribution) */
  extraRel: number;
  info: PredictionInfo | null;
}

const fmtNum = (x: number) =>
  !Number.isFinite(x) ? String(x) : x >= 1e4 || (x > 0 && x < 1e-2) ? x.toExponential(1) : Number(x.toPrecision(3)).toString();

const seenSets = new WeakMap<GuardState, Set<string>>();
const opsSeenOf = (st: GuardState) => {
  let s = seenSets.get(st);
  if (!s) seenSets.set(st, (s = new Set(st.opsSeen)));
  return s;
};

/** Reasons and out-of-distribution score d of a graph (platform-independent part). */
export function checkGraph(st: GuardState, p: GraphProfile): { reasons: string[]; d: number } {
  const reasons: string[] = [];
  let d = 0;
  const seen = opsSeenOf(st);
  const unseen = [...p.opCounts.keys()].filter((o) => !seen.has(o) && !FREE_OPS.has(o));
  if (unseen.length) {
    reasons.push(`op types not seen in training: ${unseen.slice(0, 6).join(", ")}${unseen.length > 6 ? ` (+${unseen.length - 6})` : ""}`);
    const nodes = unseen.reduce((a, o) => a + (p.opCounts.get(o) ?? 0), 0);
    d += 0.25 + 2 * Math.min(1, nodes / Math.max(1, p.nodeCount));
  }
  for (const k of Object.keys(RANGE_LABELS) as RangeKey[]) {
    const r = st.ranges[k], v = p.values[k];
    if (!r || v === undefined) continue;
    const ex = Math.max(0, r[0] - v, v - r[1]);
    if (ex > 0) {
      reasons.push(
        `${RANGE_LABELS[k]} ${fmtNum(Math.expm1(v))} ${v < r[0] ? "below" : "above"} the trained range ${fmtNum(Math.expm1(r[0]))}–${fmtNum(Math.expm1(r[1]))}`,
      );
      d += ex / Math.LN10;
    }
  }
  if (p.unknownNodes > 0) {
    reasons.push(`${p.unknownNodes} node${p.unknownNodes === 1 ? "" : "s"} of unknown cost`);
    d += 0.25 + 2 * Math.min(1, p.unknownNodes / Math.max(1, p.nodeCount));
  }
  return { reasons, d };
}

/** The guarded answer of one graph on one platform from the inner prediction (ms) and σ (ms or null). */
export function guardCell(
  st: GuardState,
  gp: GuardPlatform,
  p: GraphProfile,
  graphCheck: { reasons: string[]; d: number },
  modelMs: number,
  modelSigma: number | null,
): GuardedCell {
  const spread = modelSigma !== null && modelMs > 0 ? modelSigma / modelMs : NaN;
  if (st.mode === "calibrate") return { latencyMs: modelMs, spread, extraRel: 0, info: null };
  const a = Math.max(gp.floorMs, analyticalMs(gp.analytical, p.gflops, p.mb, p.computeNodes));
  const m = Math.max(modelMs, 1e-12);
  const reasons = [...graphCheck.reasons];
  let d = graphCheck.d;
  const dis = Math.abs(Math.log(m / a));
  if (dis > gp.disagreeLog) {
    reasons.push(`model ${fmtNum(m)} ms vs analytical ${fmtNum(a)} ms (${fmtNum(Math.exp(dis))}× apart)`);
    d += (dis - gp.disagreeLog) / gp.disagreeLog;
  }
  if (m < gp.floorMs) {
    reasons.push(`model ${fmtNum(m)} ms below the platform's per-inference floor ${fmtNum(gp.floorMs)} ms`);
    d += 0.5;
  }
  const w = reasons.length ? 1 - Math.exp(-d) : 0;
  let y = Math.exp((1 - w) * Math.log(m) + w * Math.log(a));
  y = Math.max(gp.floorMs, Math.min(a * CLAMP, Math.max(a / CLAMP, y)));
  let extraRel = 0;
  if (reasons.length) {
    const apart = Math.max(Math.abs(y - m), Math.abs(y - a)) / y;
    const own = w * Math.expm1(gp.analytical.logErrQ95);
    extraRel = Math.sqrt((apart / 2) ** 2 + (own / 2) ** 2);
  }
  return {
    latencyMs: y,
    spread,
    extraRel,
    info: { regime: reasons.length ? "extrapolated" : "in-distribution", analyticalMs: a, reasons },
  };
}

/** Relative σ of a cell under a calibration. */
export function relSigma(c: Calibration, spread: number, extraRel: number): number {
  const s = c.spread === "ensemble" ? (Number.isFinite(spread) ? spread : 0) : 1;
  const base = Math.max(c.minRel, c.factor * s);
  return Math.sqrt(base * base + extraRel * extraRel);
}

/* ---------- calibration ---------- */

/**
 * The conformal factor: the smallest k with which ±2σ, σ_rel = √(max(minRel, k·sᵢ)² + extraᵢ²), covers a
 * share `target` of the residuals eᵢ = |measured − predicted| / predicted (the finite-sample quantile
 * ⌈(n+1)·target⌉ / n of the per-sample k each would need). Spreads of 0 need an infinite k: capped at 1e4.
 */
export function conformalFactor(e: number[], s: number[], extra: number[], minRel: number, target = TARGET_COVERAGE): number {
  const n = e.length;
  if (!n) return 1;
  const need = e.map((ei, i) => {
    const half = ei / 2;
    if (half <= Math.sqrt(minRel * minRel + extra[i] * extra[i])) return 0;
    const r = Math.sqrt(half * half - extra[i] * extra[i]);
    return s[i] > 0 ? r / s[i] : Infinity;
  });
  need.sort((a, b) => a - b);
  const k = need[Math.min(n - 1, Math.max(0, Math.ceil((n + 1) * target) - 1))];
  return Math.min(1e4, k);
}

interface CalibrationPoint { platform: string; e: number; spread: number; extraRel: number }

function fitCalibration(points: CalibrationPoint[], minRel: number, target: number, useEnsemble: boolean): Omit<Calibration, "fittedOn" | "pooled"> {
  const spread = useEnsemble ? "ensemble" : "constant";
  const s = points.map((p) => (useEnsemble ? (Number.isFinite(p.spread) ? p.spread : 0) : 1));
  const factor = conformalFactor(
    points.map((p) => p.e),
    s,
    points.map((p) => p.extraRel),
    minRel,
    target,
  );
  const c = { spread, factor, minRel, n: points.length, coverage: NaN } as const;
  const inside = points.filter((p, i) => p.e <= 2 * relSigma({ ...c, fittedOn: "none", pooled: false }, s[i], p.extraRel) + 1e-12).length;
  return { ...c, coverage: points.length ? (100 * inside) / points.length : NaN };
}

/**
 * Fit the σ calibration of every platform of a guarded predictor on held-out samples (`fittedOn` says what
 * they were). The inner predictor's spread is used where it reports one for (nearly) every sample.
 */
export function calibrate(g: GuardedPredictor, samples: Sample[], fittedOn: Calibration["fittedOn"] = "validation", o: GuardOptions = {}): void {
  const target = o.target ?? TARGET_COVERAGE;
  const list = samples.filter((s) => g.guard.platforms[s.platform]);
  if (!list.length) return;
  const cells = g.cellsOfSamples(list);
  const points: CalibrationPoint[] = list.map((s, i) => ({
    platform: s.platform,
    e: Math.abs(s.latencyMs - cells[i].latencyMs) / cells[i].latencyMs,
    spread: cells[i].spread,
    extraRel: cells[i].extraRel,
  }));
  const withSpread = points.filter((p) => Number.isFinite(p.spread) && p.spread > 0).length;
  const useEnsemble = withSpread >= 0.9 * points.length;
  for (const [platform, gp] of Object.entries(g.guard.platforms)) {
    const own = points.filter((p) => p.platform === platform);
    const minRel = o.minRel ?? gp.calibration.minRel;
    const pooled = own.length < MIN_CALIBRATION_SAMPLES;
    const use = pooled ? points : own;
    if (!use.length) continue;
    gp.calibration = { ...fitCalibration(use, minRel, target, useEnsemble), fittedOn, pooled };
  }
}

/* ---------- the wrapper ---------- */

export function isGuardState(x: unknown): x is GuardState {
  const g = x as GuardState;
  return (
    !!g && typeof g === "object" && g.format === GUARD_FORMAT && (g.mode === "guard" || g.mode === "calibrate") &&
    Array.isArray(g.opsSeen) && !!g.ranges && typeof g.ranges === "object" && !!g.platforms && typeof g.platforms === "object" &&
    Object.values(g.platforms).every(
      (p) =>
        !!p && Number.isFinite(p.floorMs) && Number.isFinite(p.disagreeLog) && !!p.analytical &&
        ["interceptMs", "msPerGflop", "msPerMb"].every((k) => Number.isFinite((p.analytical as never)[k])) &&
        !!p.calibration && Number.isFinite(p.calibration.factor) && Number.isFinite(p.calibration.minRel),
    )
  );
}

/** A predictor wrapped in the guard (same method, version and platforms as the inner one). */
export class GuardedPredictor extends BasePredictor {
  readonly method: string;
  constructor(readonly inner: BasePredictor, readonly guard: GuardState) {
    super(inner.version, inner.platforms, inner.trainingSetSize);
    this.method = inner.method;
    if (!isGuardState(guard)) throw new NnlqError("VALIDATION", `predictor ${inner.version}: malformed guard state`);
  }

  /** Uncalibrated guarded cells of features × platforms, [graph · P + platform]. */
  cells(features: GraphFeatures[], platforms: readonly string[]): GuardedCell[] {
    const grid = this.inner.predictGrid(features, platforms);
    const P = platforms.length;
    const out: GuardedCell[] = new Array(features.length * P);
    features.forEach((f, g) => {
      const prof = graphProfile(f);
      const check = checkGraph(this.guard, prof);
      platforms.forEach((platform, j) => {
        const k = g * P + j;
        const m = grid.latency[k];
        const sigma = grid.uncertainty ? grid.uncertainty[k] : null;
        const gp = this.guard.platforms[platform];
        out[k] = gp
          ? guardCell(this.guard, gp, prof, check, m, sigma)
          : { latencyMs: m, spread: sigma !== null ? sigma / m : NaN, extraRel: 0, info: null };
      });
    });
    return out;
  }

  /** Cells of samples, each on its own platform. */
  cellsOfSamples(samples: Sample[]): GuardedCell[] {
    const out: GuardedCell[] = new Array(samples.length);
    for (const [platform, idx] of groupIndices(samples)) {
      const c = this.cells(idx.map((i) => samples[i].features), [platform]);
      idx.forEach((i, k) => (out[i] = c[k]));
    }
    return out;
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const cells = this.cells(features, platforms);
    const P = platforms.length;
    const latency = new Float64Array(cells.length);
    const uncertainty = new Float64Array(cells.length);
    const info: (PredictionInfo | null)[] = new Array(cells.length);
    cells.forEach((c, k) => {
      latency[k] = c.latencyMs;
      const gp = this.guard.platforms[platforms[k % P]];
      uncertainty[k] = gp
        ? c.latencyMs * relSigma(gp.calibration, c.spread, c.extraRel)
        : Number.isFinite(c.spread) ? c.spread * c.latencyMs : NaN;
      info[k] = c.info;
    });
    return { latency, uncertainty, info };
  }

  protected state() {
    return { state: null };
  }

  save(): PredictorArtifacts {
    const a = this.inner.save();
    return { ...a, manifest: { ...a.manifest, guard: this.guard } };
  }

  dispose(): void {
    this.inner.dispose();
  }
}

function groupIndices(samples: Sample[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const l = m.get(s.platform);
    if (l) l.push(i);
    else m.set(s.platform, [i]);
  });
  return m;
}

/**
 * Wrap a trained predictor: fit the guard on its training samples and calibrate σ on `val` (on the
 * training samples, marked so, when there is no validation data).
 */
export function guardPredictor(inner: BasePredictor, train: Sample[], val: Sample[], o: GuardOptions = {}): GuardedPredictor {
  const g = new GuardedPredictor(inner, fitGuard(train, val, o));
  calibrate(g, val.length ? val : train, val.length ? "validation" : "training", o);
  return g;
}
