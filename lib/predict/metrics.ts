/**
 * Accuracy metrics of latency predictors (NNLQP / nn-Meter conventions), on paired arrays of predicted and
 * measured latencies. Relative errors are |pred − true| / true. With the predictions' uncertainties (σ, ms)
 * the calibration metrics join them: the share of measurements inside pred ± 2σ (the goal is 90–98%: a σ
 * that says "±2σ" should hold about 95% of the time) and the median relative half-width 2σ / pred, so a
 * coverage bought with uselessly wide intervals shows.
 */

export interface Metrics {
  n: number;
  /** mean absolute percentage error, in percent */
  mape: number;
  /** root mean squared percentage error, in percent */
  rmspe: number;
  /** share of predictions within ±5% / ±10% of the measurement, in percent */
  acc5: number;
  acc10: number;
  /** share of predictions within ±25% of the measurement, in percent */
  acc25: number;
  /** Kendall τ-b between predicted and measured, averaged over families (NaN when no family has 2 samples) */
  kendallTau: number;
  /** share (percent) of measurements inside prediction ± 2σ (only where the predictions carry a σ) */
  coverage?: number;
  /** median of 2σ / prediction, in percent (only with σ) */
  halfWidth?: number;
  /** share (percent) of predictions the guard answered as extrapolated (only for guarded predictors) */
  extrapolated?: number;
}

function check(pred: ArrayLike<number>, truth: ArrayLike<number>): void {
  if (pred.length !== truth.length) throw new Error(`metrics: ${pred.length} predictions for ${truth.length} measurements`);
}

const relErrors = (pred: ArrayLike<number>, truth: ArrayLike<number>) => Array.from(truth, (t, i) => Math.abs(pred[i] - t) / t);

export function mape(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  check(pred, truth);
  const e = relErrors(pred, truth);
  return e.length ? (100 * e.reduce((a, b) => a + b, 0)) / e.length : NaN;
}

export function rmspe(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  check(pred, truth);
  const e = relErrors(pred, truth);
  return e.length ? 100 * Math.sqrt(e.reduce((a, b) => a + b * b, 0) / e.length) : NaN;
}

/** Share (percent) of predictions within ±tol (e.g. 0.1) of the measurement. */
export function accWithin(pred: ArrayLike<number>, truth: ArrayLike<number>, tol: number): number {
  check(pred, truth);
  const e = relErrors(pred, truth);
  // a tiny slack so that an error of exactly tol (up to rounding) counts as within
  return e.length ? (100 * e.filter((x) => x <= tol + 1e-12).length) / e.length : NaN;
}

/** Kendall τ-b (ties handled) of two paired samples; NaN with fewer than 2 pairs or no ordering. O(n²). */
export function kendallTau(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b);
  const n = a.length;
  let conc = 0, disc = 0, tieA = 0, tieB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(a[i] - a[j]), db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tieA++;
      else if (db === 0) tieB++;
      else if (da === db) conc++;
      else disc++;
    }
  }
  const denom = Math.sqrt((conc + disc + tieA) * (conc + disc + tieB));
  return denom > 0 ? (conc - disc) / denom : NaN;
}

/** Kendall τ within each group (family), averaged over groups with ≥ 2 members weighted equally. */
export function kendallTauWithin(pred: ArrayLike<number>, truth: ArrayLike<number>, groups: ArrayLike<string>): number {
  check(pred, truth);
  const by = new Map<string, number[]>();
  for (let i = 0; i < truth.length; i++) {
    const g = by.get(groups[i]) ?? [];
    g.push(i);
    by.set(groups[i], g);
  }
  const taus = [...by.values()]
    .filter((ix) => ix.length >= 2)
    .map((ix) =>
      kendallTau(
        ix.map((i) => pred[i]),
        ix.map((i) => truth[i]),
      ),
    )
    .filter(Number.isFinite);
  return taus.length ? taus.reduce((x, y) => x + y, 0) / taus.length : NaN;
}

/**
 * Share (percent) of measurements inside pred ± 2σ (σ in ms, per prediction; a NaN σ counts as not
 * covering). NaN for no pairs.
 */
export function coverage2Sigma(pred: ArrayLike<number>, truth: ArrayLike<number>, sigma: ArrayLike<number>): number {
  check(pred, truth);
  check(sigma, truth);
  if (!truth.length) return NaN;
  let inside = 0;
  // the same slack as accWithin: a measurement exactly on the interval's edge counts as inside
  for (let i = 0; i < truth.length; i++) if (Math.abs(truth[i] - pred[i]) <= 2 * sigma[i] * (1 + 1e-12) + 1e-15) inside++;
  return (100 * inside) / truth.length;
}

/** Median of the relative half-width 2σ / pred, in percent. */
export function medianHalfWidth(pred: ArrayLike<number>, sigma: ArrayLike<number>): number {
  check(pred, sigma);
  const w = Array.from(pred, (p, i) => (200 * sigma[i]) / p).filter(Number.isFinite).sort((a, b) => a - b);
  if (!w.length) return NaN;
  const m = w.length >> 1;
  return w.length % 2 ? w[m] : (w[m - 1] + w[m]) / 2;
}

export function computeMetrics(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  families?: ArrayLike<string>,
  o: { sigma?: ArrayLike<number> | null; extrapolated?: ArrayLike<number> | null } = {},
): Metrics {
  check(pred, truth);
  return {
    n: truth.length,
    mape: mape(pred, truth),
    rmspe: rmspe(pred, truth),
    acc5: accWithin(pred, truth, 0.05),
    acc10: accWithin(pred, truth, 0.1),
    acc25: accWithin(pred, truth, 0.25),
    kendallTau: families ? kendallTauWithin(pred, truth, families) : kendallTau(pred, truth),
    ...(o.sigma ? { coverage: coverage2Sigma(pred, truth, o.sigma), halfWidth: medianHalfWidth(pred, o.sigma) } : {}),
    ...(o.extrapolated && truth.length
      ? { extrapolated: (100 * Array.from(o.extrapolated).filter((x) => x > 0).length) / truth.length }
      : {}),
  };
}

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Metrics averaged over rows (folds), coverage and extrapolated share weighted by n. */
export function meanMetrics(ms: Metrics[]): Metrics {
  const avg = (k: "mape" | "rmspe" | "acc5" | "acc10" | "acc25" | "kendallTau") => meanOf(ms.map((m) => m[k]).filter((v) => v !== undefined) as number[]);
  const weighted = (k: "coverage" | "halfWidth" | "extrapolated") => {
    const xs = ms.filter((m) => m[k] !== undefined && Number.isFinite(m[k]));
    const n = xs.reduce((a, m) => a + m.n, 0);
    return xs.length && n ? xs.reduce((a, m) => a + m[k]! * m.n, 0) / n : undefined;
  };
  const cov = weighted("coverage"), hw = weighted("halfWidth"), ex = weighted("extrapolated");
  return {
    n: ms.reduce((a, m) => a + m.n, 0),
    mape: avg("mape"), rmspe: avg("rmspe"), acc5: avg("acc5"), acc10: avg("acc10"), acc25: avg("acc25"), kendallTau: avg("kendallTau"),
    ...(cov !== undefined ? { coverage: cov } : {}),
    ...(hw !== undefined ? { halfWidth: hw } : {}),
    ...(ex !== undefined ? { extrapolated: ex } : {}),
  };
}

/**
 * ±2σ coverage per split (folds and few-shot N pooled, weighted by n), method and platform: the
 * calibration summary the predictors page shows too.
 */
export function coverageBySplit(r: {
  rows: { split: string; platform: string; method: string; metrics: Metrics }[];
  fewShot?: { platform: string; method: string; metrics: Metrics }[];
}): { split: string; platform: string; method: string; coverage: number; n: number }[] {
  const groups = new Map<string, Metrics[]>();
  const add = (split: string, platform: string, method: string, m: Metrics) => {
    if (m.coverage === undefined) return;
    const k = JSON.stringify([split, platform, method]);
    groups.set(k, [...(groups.get(k) ?? []), m]);
  };
  for (const x of r.rows) add(x.split, x.platform, x.method, x.metrics);
  for (const x of r.fewShot ?? []) add("few-shot", x.platform, x.method, x.metrics);
  return [...groups].map(([k, ms]) => {
    const [split, platform, method] = JSON.parse(k) as [string, string, string];
    const m = meanMetrics(ms);
    return { split, platform, method, coverage: m.coverage!, n: m.n };
  });
}

