/**
 * Measurement protocol: warm-up, then timed runs until the 95% confidence interval of the median (from
 * order statistics, distribution-free) is within ±targetRelCi of the median, or the time budget ends.
 * A measurement whose coefficient of variation stays above maxCv is re-taken up to `attempts` times and
 * flagged noisy if it never settles; the calmest attempt is kept. Pure apart from the injected clock and
 * run function, so the statistics are unit-testable.
 */

export interface LatencyStats {
  /** all latencies in milliseconds */
  min: number;
  median: number;
  mean: number;
  p90: number;
  p99: number;
  max: number;
  std: number;
  /** coefficient of variation = std / mean */
  cv: number;
  /** 95% confidence interval of the median (order statistics) */
  ciLow: number;
  ciHigh: number;
  /** half-width of that interval relative to the median */
  ciRel: number;
  runs: number;
  warmups: number;
  /** true when the CI target was met before the budget ran out */
  converged: boolean;
}

export interface ProtocolOptions {
  /** total time budget for warm-up plus timed runs of one attempt (ms) */
  timeBudgetMs: number;
  /** target half-width of the median's 95% CI, relative (default 0.01 = ±1%) */
  targetRelCi?: number;
  /** minimum / maximum timed runs (defaults 10 / 100000) */
  minRuns?: number;
  maxRuns?: number;
  /** warm-up: at least this many runs and this share of the budget (defaults 3 runs, 10%) */
  warmupRuns?: number;
  warmupShare?: number;
  /** CV above which an attempt counts as noisy (default 0.10) and how many attempts to make (default 3) */
  maxCv?: number;
  attempts?: number;
}

export interface ProtocolResult {
  stats: LatencyStats;
  /** CPU time per run of the kept attempt (ms); wall / CPU ≫ 1 on a single-threaded platform = busy device */
  cpu: CpuStats;
  /** attempts made (1 when the first was calm) */
  attempts: number;
  noisy: boolean;
  /** CV of every attempt, in order */
  attemptCvs: number[];
  /** raw samples of the kept attempt (ms) */
  samples: number[];
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Distribution-free 95% CI of the median: order statistics j, k around n/2 ± 1.96·√n/2 (1-based). */
export function medianCi(sorted: readonly number[]): [number, number] {
  const n = sorted.length;
  if (n < 6) return [sorted[0], sorted[n - 1]];
  const half = (1.96 * Math.sqrt(n)) / 2;
  const j = Math.max(1, Math.floor(n / 2 - half));
  const k = Math.min(n, Math.ceil(1 + n / 2 + half));
  return [sorted[j - 1], sorted[k - 1]];
}

export function summarize(samples: readonly number[], warmups: number, converged: boolean): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const median = quantile(s, 0.5);
  const [ciLow, ciHigh] = medianCi(s);
  return {
    min: s[0], median, mean, p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s[n - 1], std,
    cv: mean > 0 ? std / mean : 0,
    ciLow, ciHigh, ciRel: median > 0 ? (ciHigh - ciLow) / 2 / median : Infinity,
    runs: n, warmups, converged,
  };
}

type Clock = () => number;

/** CPU time (user + system, all threads) of this process in ms: unaffected by waiting for a busy CPU. */
export const processCpuMs: Clock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Per-run CPU time of the process: on a single-threaded platform ≈ the latency of an idle device. */
export interface CpuStats { median: number; p90: number; cv: number }

function cpuStats(samples: number[]): CpuStats {
  const s = summarize(samples, 0, false);
  return { median: s.median, p90: s.p90, cv: s.cv };
}

/** One attempt: warm-up then timed runs until the CI target or the budget. */
export async function measureOnce(
  run: () => Promise<unknown>,
  o: ProtocolOptions,
  now: Clock = () => performance.now(),
  cpu: Clock = processCpuMs,
): Promise<{ stats: LatencyStats; samples: number[]; cpu: CpuStats }> {
  const target = o.targetRelCi ?? 0.01;
  const minRuns = o.minRuns ?? 10;
  const maxRuns = o.maxRuns ?? 100_000;
  const start = now();
  const deadline = start + o.timeBudgetMs;
  let warmups = 0;
  const warmupUntil = start + o.timeBudgetMs * (o.warmupShare ?? 0.1);
  while (warmups < (o.warmupRuns ?? 3) || now() < warmupUntil) {
    await run();
    warmups++;
    if (now() >= deadline) break;
  }
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  let converged = false;
  let nextCheck = minRuns;
  while (samples.length < maxRuns) {
    const c0 = cpu();
    const t0 = now();
    await run();
    samples.push(now() - t0);
    cpuSamples.push(cpu() - c0);
    if (samples.length >= nextCheck) {
      const sorted = [...samples].sort((a, b) => a - b);
      const [lo, hi] = medianCi(sorted);
      if ((hi - lo) / 2 <= target * quantile(sorted, 0.5)) {
        converged = true;
        break;
      }
      nextCheck = Math.ceil(samples.length * 1.25);
    }
    // always collect the minimum, even over budget, so a slow model still yields statistics
    if (now() >= deadline && samples.length >= Math.min(minRuns, 3)) break;
  }
  return { stats: summarize(samples, warmups, converged), samples, cpu: cpuStats(cpuSamples) };
}

/** The full protocol: attempts until calm (CV ≤ maxCv), keeping the calmest attempt. */
export async function runProtocol(run: () => Promise<unknown>, o: ProtocolOptions, now?: Clock, cpu?: Clock): Promise<ProtocolResult> {
  const maxCv = o.maxCv ?? 0.1;
  const attempts = Math.max(1, o.attempts ?? 3);
  let best: Awaited<ReturnType<typeof measureOnce>> | undefined;
  const cvs: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const r = await measureOnce(run, o, now, cpu);
    cvs.push(r.stats.cv);
    if (!best || r.stats.cv < best.stats.cv) best = r;
    if (r.stats.cv <= maxCv) break;
    // a model so slow that the budget allowed only a few runs: another attempt would not be more reliable
    if (r.stats.runs < (o.minRuns ?? 10)) break;
  }
  return {
    stats: best!.stats,
    cpu: best!.cpu,
    attempts: cvs.length,
    noisy: best!.stats.cv > maxCv,
    attemptCvs: cvs,
    samples: best!.samples,
  };
}
