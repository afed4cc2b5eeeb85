/**
 * Measurement protocol v1 (runProtocol, kept for comparison: bench:repeat) and v2 (runProtocolV2, the
 * default; see its comment). v1: warm-up, then timed runs until the 95% confidence interval of the median (from
 * order statistics, distribution-free) is within ±targetRelCi of the median, or the time budget ends.
 * A measurement whose coefficient of variation stays above maxCv is re-taken up to `attempts` times and
 * flagged noisy if it never settles; the calmest attempt is kept. Pure apart from the injected clock and
 * run function, so the statistics are unit-testable.
 */

import type { Grade, LabelKind } from "@/lib/quality";
import { windowInterference, type InterferenceProbe, type WindowInterference } from "./interference";

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

/* ───────────────────────────── protocol v2 ───────────────────────────── */


/**
 * Grade of a stored latency:
 * - clean: the label is the median wall time of runs in windows the host left alone (see runProtocolV2);
 * - estimated: no quiet window came before the deadline on a single-threaded platform, so the label is the
 *   median CPU time of the measuring process: a documented estimate of the idle latency (time-slicing
 *   does not inflate it, contention for the core's caches and memory bandwidth does, by 0.8–1.3× in bench:repeat);
 * - contended: no quiet window came on a multi-threaded platform: the label is the median wall time of all
 *   runs, slower than the idle latency by an unknown amount;
 * - legacy: measured by protocol v1 (interference not recorded): kept as history, never a label.
 * Only clean rows are labels (browse, leaderboards, query answers, training sets) by default.
 */
export { GRADES, LABEL_KINDS, type Grade, type LabelKind } from "@/lib/quality";

/** The quality of one measurement, stored with every row (schema, API, CLI --json, portal). */
export interface MeasurementQuality {
  protocol: 1 | 2;
  grade: Grade;
  labelKind: LabelKind;
  /** timed runs in clean windows / all timed runs */
  cleanRuns: number;
  runs: number;
  /** half-width of the label's 95% CI relative to the label */
  ciRel: number;
  /** median wall time / median per-thread CPU time over all runs (≈ 1 on an idle single-threaded platform) */
  wallCpuRatio: number;
  /** host CPU time outside the measuring process / (wall × cores), over all timed windows (0..1) */
  interferenceShare: number;
  /** run-queue delay of the measuring threads / wall, over all timed windows (NaN where unknown) */
  runqShare: number;
  /** involuntary context switches of the measuring process during timed runs */
  nivcsw: number;
  /** time spent waiting for a quiet host, and in runs of contended windows (ms) */
  waitMs: number;
  windows: number;
  cleanWindows: number;
  /** idle-latency estimate from CPU time (single-threaded platforms), ms; always recorded */
  cpuMedianMs: number;
  /** median wall time of every timed run, clean or not (ms) */
  wallMedianAllMs: number;
}

export interface ProtocolV2Options {
  /** nominal budget of the timed phase (ms); grown to latency × runsPerBudget, capped at maxBudgetMs */
  timeBudgetMs: number;
  targetRelCi?: number;
  /** clean runs needed for a clean label (default 10; fewer, down to 3, for models slower than maxBudgetMs / 10) */
  minCleanRuns?: number;
  maxRuns?: number;
  warmupRuns?: number;
  warmupShare?: number;
  /** runs are judged in windows of at least this much wall time (default 250 ms: /proc/stat's 10 ms ticks) */
  windowMs?: number;
  /** a window is clean when foreign CPU share ≤ this (default 0.06) ... */
  maxForeignShare?: number;
  /** ... and the run-queue delay share of the measuring threads ≤ this (default 0.02) ... */
  maxRunqShare?: number;
  /** ... and, on single-threaded platforms, each run's wall ≤ CPU × this (default 1.05) */
  maxWallCpuRatio?: number;
  /** the timed phase lasts at least latency × this (default 30 runs' worth) */
  runsPerBudget?: number;
  maxBudgetMs?: number;
  /** extra time allowed past the budget to find quiet windows (default 30 s) */
  maxWaitMs?: number;
  /** poll interval while waiting for quiet (default 200 ms) */
  quietPollMs?: number;
  /** threads of the platform (1 = single-threaded: CPU-time estimate and per-run wall/CPU check) */
  threads: number;
  /** logical CPUs of the host */
  cores: number;
}

export const V2_DEFAULTS = {
  targetRelCi: 0.01,
  minCleanRuns: 10,
  windowMs: 250,
  maxForeignShare: 0.06,
  maxRunqShare: 0.02,
  maxWallCpuRatio: 1.05,
  runsPerBudget: 30,
  maxBudgetMs: 60_000,
  maxWaitMs: 30_000,
  quietPollMs: 200,
} as const;

export interface ProtocolV2Result extends ProtocolResult {
  quality: MeasurementQuality;
  /** per timed run: wall and CPU ms, and whether its window was clean */
  runs: { wallMs: number; cpuMs: number; clean: boolean }[];
  windows: WindowInterference[];
}

export interface ProtocolV2Deps {
  now?: Clock;
  cpu?: Clock;
  probe: InterferenceProbe;
  sleep?: (ms: number) => Promise<void>;
}

/** Whether a window's interference is below the thresholds (unknown interference is never clean). */
export function windowIsClean(w: WindowInterference, o: Pick<ProtocolV2Options, "maxForeignShare" | "maxRunqShare">): boolean {
  if (!w.known || !Number.isFinite(w.foreignShare)) return false;
  if (w.foreignShare > (o.maxForeignShare ?? V2_DEFAULTS.maxForeignShare)) return false;
  return !(Number.isFinite(w.runqShare) && w.runqShare > (o.maxRunqShare ?? V2_DEFAULTS.maxRunqShare));
}

/** The grade and label from the runs of a v2 measurement (pure; exported for tests). */
export function gradeRuns(
  runs: readonly { wallMs: number; cpuMs: number; clean: boolean }[],
  o: { threads: number; minCleanRuns: number },
): { grade: Exclude<Grade, "legacy">; labelKind: LabelKind; labelSamples: number[] } {
  const clean = runs.filter((r) => r.clean).map((r) => r.wallMs);
  if (clean.length >= o.minCleanRuns) return { grade: "clean", labelKind: "wall-clean", labelSamples: clean };
  if (o.threads === 1) return { grade: "estimated", labelKind: "cpu-estimate", labelSamples: runs.map((r) => r.cpuMs) };
  return { grade: "contended", labelKind: "wall-contended", labelSamples: runs.map((r) => r.wallMs) };
}

/**
 * Protocol v2: every timed run records wall and CPU time; runs are grouped into windows of ≥ windowMs and
 * each window records the interference it suffered (foreign host CPU, run-queue delay, involuntary
 * switches: interference.ts). A run is clean when its window is below the thresholds and, on a
 * single-threaded platform, its own wall time is within maxWallCpuRatio of its CPU time. The label is the
 * median of clean runs only. After warm-up the timed phase lasts until the clean runs' median CI is within
 * ±targetRelCi (≥ minCleanRuns clean runs), or the budget (≥ latency × runsPerBudget) ends with enough clean
 * runs, or — still short of them — maxWaitMs more have passed. A contended window stops the runs: the
 * protocol waits (sleeping, adding no load) until a poll interval is quiet, re-warms with one run and goes
 * on. With too few clean runs at the end the result is graded estimated (single-threaded: CPU-time
 * label) or contended (wall label), never clean.
 */
export async function runProtocolV2(run: () => Promise<unknown>, o: ProtocolV2Options, deps: ProtocolV2Deps): Promise<ProtocolV2Result> {
  const now = deps.now ?? (() => performance.now());
  const cpu = deps.cpu ?? processCpuMs;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const d = { ...V2_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<ProtocolV2Options>;
  const start = now();

  // warm-up: ≥ warmupRuns and ≥ warmupShare of the nominal budget; its fastest run estimates the latency
  let warmups = 0;
  let est = Infinity;
  const warmupUntil = start + o.timeBudgetMs * (o.warmupShare ?? 0.1);
  while (warmups < (o.warmupRuns ?? 3) || now() < warmupUntil) {
    const t0 = now();
    await run();
    est = Math.min(est, now() - t0);
    warmups++;
    if (now() - start >= d.maxBudgetMs) break;
  }
  const budgetMs = Math.min(d.maxBudgetMs, Math.max(o.timeBudgetMs, est * d.runsPerBudget));
  const minClean = Math.max(3, Math.min(d.minCleanRuns, Math.floor(d.maxBudgetMs / Math.max(est, 1e-6))));
  const timedStart = now();
  const deadline = timedStart + budgetMs;
  const waitDeadline = deadline + d.maxWaitMs;
  const maxRuns = o.maxRuns ?? 100_000;

  const runs: { wallMs: number; cpuMs: number; clean: boolean }[] = [];
  const windows: WindowInterference[] = [];
  let cleanRuns = 0;
  let waitMs = 0;
  let converged = false;
  let nextCheck = minClean;
  // with every core running a measuring thread, each ms of foreign CPU delays one of them: the run-queue share
  // follows the foreign share × threads (bench:repeat saw runq ≈ 1.8–2.7 × foreign on t2), so the run-queue
  // allowance of a multi-threaded platform grows by the foreign allowance per thread
  const maxRunqShare = d.maxRunqShare + (o.threads > 1 ? d.maxForeignShare * Math.min(o.threads, o.cores) : 0);
  const quiet = (w: WindowInterference) => windowIsClean(w, { maxForeignShare: d.maxForeignShare, maxRunqShare });

  while (runs.length < maxRuns) {
    // one window of runs
    const a = deps.probe();
    const first = runs.length;
    const w0 = now();
    do {
      const c0 = cpu();
      const t0 = now();
      await run();
      const wall = now() - t0;
      runs.push({ wallMs: wall, cpuMs: cpu() - c0, clean: false });
    } while (now() - w0 < d.windowMs && runs.length < maxRuns);
    const w = windowInterference(a, deps.probe(), o.cores);
    windows.push(w);
    const windowClean = quiet(w);
    for (let i = first; i < runs.length; i++) {
      const r = runs[i];
      r.clean = windowClean && (o.threads > 1 || r.wallMs <= r.cpuMs * d.maxWallCpuRatio + 0.02);
      if (r.clean) cleanRuns++;
    }
    if (!windowClean) waitMs += now() - w0;

    if (cleanRuns >= nextCheck) {
      const sorted = runs.filter((r) => r.clean).map((r) => r.wallMs).sort((x, y) => x - y);
      const [lo, hi] = medianCi(sorted);
      if ((hi - lo) / 2 <= d.targetRelCi * quantile(sorted, 0.5)) {
        converged = true;
        break;
      }
      nextCheck = Math.ceil(cleanRuns * 1.25);
    }
    const t = now();
    const enough = cleanRuns >= minClean;
    if (t >= deadline && enough) break;
    // no quiet window came before waitDeadline: one more budget of runs, judged as they come, so a fallback
    // label is the median of a full budget, never of one 250 ms window
    if (t >= waitDeadline + budgetMs) break;

    if (!windowClean && t < waitDeadline) {
      // wait for quiet without adding load: poll the host until an interval is quiet or time is up
      const limit = enough ? deadline : waitDeadline;
      const g0 = now();
      while (now() < limit) {
        const pa = deps.probe();
        await sleep(d.quietPollMs);
        const pw = windowInterference(pa, deps.probe(), o.cores);
        // while this process sleeps its own threads are idle: only the foreign share matters
        if (windowIsClean({ ...pw, runqShare: NaN }, d)) break;
      }
      waitMs += now() - g0;
      if (enough && now() >= deadline) break;
      await run(); // re-warm caches after the pause (not timed)
    }
  }

  const { grade, labelKind, labelSamples } = gradeRuns(runs, { threads: o.threads, minCleanRuns: minClean });
  const stats = summarize(labelSamples, warmups, grade === "clean" && converged);
  const allWall = runs.map((r) => r.wallMs);
  const allCpu = runs.map((r) => r.cpuMs);
  const cpuS = cpuStats(allCpu);
  const wallMedianAll = quantile([...allWall].sort((x, y) => x - y), 0.5);
  const known = windows.filter((w) => w.known);
  const interferenceShare = known.length
    ? known.reduce((s, w) => s + w.foreignMs, 0) / Math.max(1e-9, known.reduce((s, w) => s + w.wallMs, 0) * Math.max(1, o.cores))
    : NaN;
  const rq = windows.filter((w) => Number.isFinite(w.runqShare));
  const rqWall = rq.reduce((s, w) => s + w.wallMs, 0);
  const runqShare = rq.length ? rq.reduce((s, w) => s + w.runqShare * w.wallMs, 0) / Math.max(1e-9, rqWall) : NaN;
  const quality: MeasurementQuality = {
    protocol: 2,
    grade,
    labelKind,
    cleanRuns,
    runs: runs.length,
    ciRel: stats.ciRel,
    wallCpuRatio: cpuS.median > 0 ? wallMedianAll / (cpuS.median / o.threads) : NaN,
    interferenceShare,
    runqShare,
    nivcsw: windows.reduce((s, w) => s + w.nivcsw, 0),
    waitMs,
    windows: windows.length,
    cleanWindows: windows.filter(quiet).length,
    cpuMedianMs: cpuS.median,
    wallMedianAllMs: wallMedianAll,
  };
    return {
    stats,
    cpu: cpuS,
    attempts: 1,
    noisy: grade !== "clean",
    attemptCvs: [stats.cv],
    samples: labelSamples,
    quality,
    runs,
    windows,
  };
}

/** The quality record of a protocol v1 result (interference unknown): legacy, never a label. */
export function legacyQuality(r: ProtocolResult, threads: number): MeasurementQuality {
  return {
    protocol: 1,
    grade: "legacy",
    labelKind: "wall-v1",
    cleanRuns: 0,
    runs: r.stats.runs,
    ciRel: r.stats.ciRel,
    wallCpuRatio: r.cpu.median > 0 ? r.stats.median / (r.cpu.median / threads) : NaN,
    interferenceShare: NaN,
    runqShare: NaN,
    nivcsw: 0,
    waitMs: 0,
    windows: 0,
    cleanWindows: 0,
    cpuMedianMs: r.cpu.median,
    wallMedianAllMs: r.stats.median,
  };
}
