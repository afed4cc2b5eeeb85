/**
 * Small numeric helpers shared by the predictors: per-node quantities decoded from lib/onnx features,
 * weighted least squares, Nelder–Mead, seeded randomness, robust statistics.
 */
import { OP_VOCAB, type GraphFeatures } from "@/lib/onnx";
import { FEATURE_NAMES, FEATURE_NAMES_V1 } from "@/lib/onnx/features";

export { seededRandom } from "@/lib/onnx/rng";

export const NUM_OPS = OP_VOCAB.length + 1; // one-hot columns (+ "other")
export const DENSE_START = NUM_OPS;
/** Dense (non-one-hot) columns of the current feature set. */
export const DENSE_DIM = FEATURE_NAMES.length - NUM_OPS;

/**
 * Which node columns a model reads: "v1" = the first FEATURE_NAMES_V1.length columns of every row (the
 * feature set before the absolute-work columns; predictors saved then), "v2" = all of them.
 */
export type NodeFeatureSet = "v1" | "v2";
export const NODE_FEATURE_COLUMNS: Readonly<Record<NodeFeatureSet, number>> = { v1: FEATURE_NAMES_V1.length, v2: FEATURE_NAMES.length };
/** Dense columns a model of feature set `set` reads (starting at DENSE_START). */
export const denseDim = (set: NodeFeatureSet): number => NODE_FEATURE_COLUMNS[set] - NUM_OPS;
const col = (name: string) => {
  const i = FEATURE_NAMES.indexOf(name);
  if (i < 0) throw new Error(`feature ${name} missing from lib/onnx FEATURE_NAMES`);
  return i;
};
export const COL = {
  flops: col("log_flops"),
  macs: col("log_macs"),
  params: col("log_params"),
  mem: col("log_memory_access"),
  kh: col("kernel_h"),
  kw: col("kernel_w"),
  sh: col("stride_h"),
  group: col("log_group"),
  cin: col("log_in_channels"),
  cout: col("log_out_channels"),
  in0: col("in0_rank"),
  in1: col("in1_rank"),
  out0: col("out0_rank"),
} as const;

/** Op index of every row (position of the one-hot; NUM_OPS-1 = other). */
export function opIndex(f: GraphFeatures): Int32Array {
  const out = new Int32Array(f.numNodes);
  for (let r = 0; r < f.numNodes; r++) {
    const row = r * f.numFeatures;
    let k = NUM_OPS - 1;
    for (let j = 0; j < NUM_OPS; j++) if (f.nodeFeatures[row + j] === 1) { k = j; break; }
    out[r] = k;
  }
  return out;
}

/** Per-node FLOPs, memory access (bytes) and params, decoded from the log1p feature columns. */
export function nodeCosts(f: GraphFeatures): { flops: Float64Array; mem: Float64Array; params: Float64Array } {
  const n = f.numNodes, F = f.numFeatures, X = f.nodeFeatures;
  const flops = new Float64Array(n), mem = new Float64Array(n), params = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    flops[r] = Math.expm1(X[r * F + COL.flops]);
    mem[r] = Math.expm1(X[r * F + COL.mem]);
    params[r] = Math.expm1(X[r * F + COL.params]);
  }
  return { flops, mem, params };
}

/** Solve (XᵀWX + λI) β = XᵀWy for small dense problems (Gaussian elimination with partial pivoting). */
export function weightedLeastSquares(X: number[][], y: number[], w: number[], ridge = 1e-9): number[] {
  const k = X[0]?.length ?? 0;
  const A = Array.from({ length: k }, () => new Float64Array(k + 1));
  for (let i = 0; i < X.length; i++) {
    for (let a = 0; a < k; a++) {
      const xa = X[i][a] * w[i];
      for (let b = 0; b < k; b++) A[a][b] += xa * X[i][b];
      A[a][k] += xa * y[i];
    }
  }
  for (let a = 0; a < k; a++) A[a][a] += ridge * (1 + A[a][a]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    const d = A[c][c] || 1e-300;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const m = A[r][c] / d;
      if (m !== 0) for (let j = c; j <= k; j++) A[r][j] -= m * A[c][j];
    }
  }
  return A.map((row, i) => row[k] / (row[i] || 1e-300));
}

/** Nelder–Mead minimisation (unconstrained). */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  o: { step?: number; iterations?: number; tol?: number } = {},
): { x: number[]; value: number } {
  const n = x0.length,
    step = o.step ?? 0.5,
    iters = o.iterations ?? 400,
    tol = o.tol ?? 1e-10;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, v: f(x) }));
  for (let it = 0; it < iters; it++) {
    simplex.sort((a, b) => a.v - b.v);
    if (Math.abs(simplex[n].v - simplex[0].v) < tol) break;
    const c = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
    const worst = simplex[n];
    const at = (t: number) => c.map((cj, j) => cj + t * (worst.x[j] - cj));
    const r = { x: at(-1), v: 0 };
    r.v = f(r.x);
    if (r.v < simplex[0].v) {
      const e = { x: at(-2), v: 0 };
      e.v = f(e.x);
      simplex[n] = e.v < r.v ? e : r;
    } else if (r.v < simplex[n - 1].v) {
      simplex[n] = r;
    } else {
      const k = { x: at(r.v < worst.v ? -0.5 : 0.5), v: 0 };
      k.v = f(k.x);
      if (k.v < Math.min(worst.v, r.v)) simplex[n] = k;
      else
        simplex = simplex
          .map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => simplex[0].x[j] + 0.5 * (v - simplex[0].x[j])), v: 0 }))
          .map((p, i) => (i === 0 ? p : { ...p, v: f(p.x) }));
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0].x, value: simplex[0].v };
}

export function median(xs: ArrayLike<number>): number {
  const s = Array.from(xs).filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Mean squared log ratio (the relative-error objective of the fitted baselines). */
export function meanSqLogRatio(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < truth.length; i++) {
    const r = Math.log(Math.max(pred[i], 1e-9) / truth[i]);
    s += r * r;
  }
  return s / Math.max(1, truth.length);
}
