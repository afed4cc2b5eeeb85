/**
 * bench:repeat — repeatability of measurement protocols v1 and v2 under an intermittent load (issue 16).
 *
 *   npm run bench:repeat -- [--models 100] [--platform t1,tN,wasm,int8|<slug>] [--load ort|yes|off] [--load-procs 2]
 *                           [--on-ms 2000] [--off-ms 2000] [--budget 1000] [--resolution 128] [--seed 7] [--json FILE]
 *                           [--slice-s 60]
 *
 * N zoo models (round-robin over the zoo families, batch 1) are measured on every selected local platform
 * through the real isolated runner: twice by v1 and twice by v2 while bench/load.ts injects an intermittent
 * load (default: two onnxruntime loops, 2 s on / 2 s off), then once more by v2 with the load paused (its
 * processes sleep: the bias check, does v2 under load report the quiet latency?), model after model
 * (Ctrl-C prints the figures of the models done so far). Per platform, v1 and v2 side by side:
 *   - median and p90 of |Δ| = |take₁ − take₂| / mean(take₁, take₂) of the two takes under load;
 *   - share of v2 results graded clean, time spent waiting for quiet (Σ quality.waitMs), measurement time
 *     (Σ of the measuring child's own duration: conversion, session, protocol);
 *   - v2 quiet vs v2 under load: median |Δ| over every (quiet, load take) pair, and over the pairs where both
 *     are clean;
 * with the goals (PASS/MISS): single-threaded platforms median ≤ 1.5%, p90 ≤ 4%; multi-threaded ≤ 2% / 6%;
 * quiet vs load median ≤ 2%. Then a diagnosis of v2 per platform (grades, interference, wall/CPU of clean
 * results). Other processes on the host (a campaign) also interleave with these measurements: they are
 * part of the noise v2 must cope with. Bad arguments: a message and exit code 2.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { intArg, listArg, parseArgsOrExit, splitList, UsageError, validOrExit } from "@/lib/args";
import { acquireFileLock, detectHost, localPlatforms, runChild, type MeasurementResult, type PlatformSpec } from "@/lib/measure";
import { othersWaiting } from "@/lib/measure/runner";
import type { MeasurementQuality } from "@/lib/measure/protocol";
import { generate, sampleSpecs, ZOO_FAMILIES, type ZooFamily, type ZooSpec } from "@/lib/zoo";
import { LOAD_KINDS, startLoad, type Load, type LoadKind } from "./load";

const NAME = "bench:repeat";
const USAGE = `usage: npm run bench:repeat -- [--models 100] [--platform t1,tN,wasm,int8|<slug>] [--load ort|yes|off] [--load-procs 2]
                            [--on-ms 2000] [--off-ms 2000] [--budget 1000] [--resolution 128] [--seed 7] [--json FILE]
                            [--slice-s 60]`;

const { values } = parseArgsOrExit(
  NAME,
  {
    options: {
      models: { type: "string" },
      platform: { type: "string", multiple: true },
      load: { type: "string" },
      "load-procs": { type: "string" },
      "on-ms": { type: "string" },
      "off-ms": { type: "string" },
      budget: { type: "string" },
      resolution: { type: "string" },
      seed: { type: "string" },
      json: { type: "string" },
      "slice-s": { type: "string" },
      help: { type: "boolean" },
    },
  },
  USAGE,
);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const host = detectHost();
const ALL = localPlatforms(host);
const ALIASES: Record<string, (p: PlatformSpec) => boolean> = {
  t1: (p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads === 1,
  tN: (p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads > 1,
  wasm: (p) => p.runtime === "ort-wasm",
  int8: (p) => p.precision === "int8",
};

const opts = validOrExit(
  NAME,
  () => {
    const wanted = splitList(values.platform);
    for (const w of wanted) {
      if (!ALIASES[w] && !ALL.some((p) => p.slug === w)) {
        throw new UsageError(`--platform: unknown '${w}' (known: ${Object.keys(ALIASES).join(", ")}, ${ALL.map((p) => p.slug).join(", ")})`);
      }
    }
    const loads = listArg("load", values.load ?? "ort", [...LOAD_KINDS, "off"] as const);
    if (loads.length !== 1) throw new UsageError("--load takes one of: ort, yes, off");
    const jsonFile = values.json;
    if (jsonFile !== undefined && jsonFile.trim() === "") throw new UsageError("--json needs a file name");
    return {
      models: intArg("models", values.models, 1, 100_000, 100),
      platforms: wanted.length ? ALL.filter((p) => wanted.some((w) => w === p.slug || ALIASES[w]?.(p))) : ALL,
      load: loads[0] as LoadKind | "off",
      loadProcs: intArg("load-procs", values["load-procs"], 1, 64, 2),
      onMs: intArg("on-ms", values["on-ms"], 1, 600_000, 2000),
      offMs: intArg("off-ms", values["off-ms"], 0, 600_000, 2000),
      budget: intArg("budget", values.budget, 50, 600_000, 1000),
      resolution: intArg("resolution", values.resolution, 32, 640, 128),
      seed: intArg("seed", values.seed, 0, 2 ** 31 - 1, 7),
      json: jsonFile,
      sliceMs: 1000 * intArg("slice-s", values["slice-s"], 0, 86_400, 60),
    };
  },
  USAGE,
);

/* ───────────────────────── models and measurements ───────────────────────── */

interface ZooModel {
  name: string;
  family: ZooFamily;
  spec: ZooSpec;
  bytes: Uint8Array;
}

/** N models stratified by family: model i is the (i div F)-th draw of family i mod F. */
function models(n: number): ZooModel[] {
  const perFamily = Math.ceil(n / ZOO_FAMILIES.length);
  const drawn = new Map<ZooFamily, ZooSpec[]>();
  const out: ZooModel[] = [];
  for (let i = 0; i < n; i++) {
    const family = ZOO_FAMILIES[i % ZOO_FAMILIES.length];
    const k = Math.floor(i / ZOO_FAMILIES.length);
    if (!drawn.has(family)) {
      const want = Math.min(perFamily, Math.ceil((n - (i % ZOO_FAMILIES.length)) / ZOO_FAMILIES.length));
      drawn.set(family, sampleSpecs(family, want, opts.seed, { batch: 1, resolution: opts.resolution }));
    }
    const spec = drawn.get(family)![k];
    out.push({ name: `${family}#${k}`, family, spec, bytes: generate(spec) });
  }
  return out;
}

type Phase = "load" | "quiet";

interface Row {
  model: string;
  family: ZooFamily;
  platform: string;
  threads: number;
  phase: Phase;
  protocol: 1 | 2;
  take: number;
  /** the label (stats.median) in ms; NaN when the measurement failed */
  medianMs: number;
  cpuMedianMs: number;
  grade: MeasurementQuality["grade"] | "failed";
  quality?: MeasurementQuality;
  stats?: MeasurementResult["stats"];
  /** the measuring child's own duration (conversion, session, protocol), ms */
  durationMs: number;
  /** wall time of measureInChild, queueing for the device lock included, ms */
  wallMs: number;
  loadOn: boolean;
  error?: string;
  spec: ZooSpec;
}

const rows: Row[] = [];

/**
 * The host's measurement lock (the file lock of measureInChild's device queue), held in slices like the
 * campaign does: taken once, kept over several measurements, handed over after --slice-s when another
 * process waits. While this bench waits for the lock the injected load is paused: it must disturb this
 * bench's measurements, not another process's (a campaign whose v2 would wait for quiet and hold us up).
 */
class DeviceSlices {
  private release?: () => void;
  private since = 0;
  readonly lockFile: string;
  load?: Load;
  /** time spent waiting for the lock (ms) */
  waitedMs = 0;
  constructor(device: string) {
    this.lockFile = path.join(os.tmpdir(), `nnlq-device-${device.replace(/[^a-zA-Z0-9_.-]/g, "_")}.lock`);
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.release) {
      this.load?.pause();
      const t0 = performance.now();
      this.release = await acquireFileLock(this.lockFile);
      this.waitedMs += performance.now() - t0;
      this.since = performance.now();
      this.load?.resume();
    }
    try {
      return await fn();
    } finally {
      if (performance.now() - this.since >= opts.sliceMs && othersWaiting(this.lockFile)) this.end();
    }
  }
  end(): void {
    this.release?.();
    this.release = undefined;
  }
}
const slices = new DeviceSlices(ALL[0].hardware);

async function measure(m: ZooModel, p: PlatformSpec, phase: Phase, protocol: 1 | 2, take: number, loadOn: boolean): Promise<Row> {
  const t0 = performance.now();
  const base = { model: m.name, family: m.family, platform: p.slug, threads: p.threads, phase, protocol, take, loadOn, spec: m.spec };
  let row: Row;
  try {
    const r = await slices.run(() =>
      runChild(m.bytes, p.slug, { host, timeBudgetMs: opts.budget, profile: false, protocol: { version: protocol } }),
    );
    row = {
      ...base,
      medianMs: r.stats.median,
      cpuMedianMs: r.cpu.median,
      grade: r.quality.grade,
      quality: r.quality,
      stats: r.stats,
      durationMs: r.durationMs,
      wallMs: performance.now() - t0,
    };
  } catch (e) {
    row = { ...base, medianMs: NaN, cpuMedianMs: NaN, grade: "failed", durationMs: 0, wallMs: performance.now() - t0, error: (e as Error).message };
  }
  rows.push(row);
  const q = row.quality;
  process.stderr.write(
    `  ${phase} v${protocol} take ${take} ${short(p)} ${m.name}: ` +
      (row.error
        ? `FAILED ${row.error.split("\n")[0].slice(0, 160)}\n`
        : `${row.medianMs.toFixed(3)} ms ${row.grade}` +
          (q && protocol === 2 ? ` (${q.cleanRuns}/${q.runs} clean runs, foreign ${pct(q.interferenceShare)}, wait ${(q.waitMs / 1000).toFixed(1)} s)` : "") +
          ` [${(row.wallMs / 1000).toFixed(1)} s]\n`),
  );
  return row;
}

/* ───────────────────────── figures ───────────────────────── */

const quantile = (xs: readonly number[], q: number) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
};
const median = (xs: readonly number[]) => quantile(xs, 0.5);
const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "—");
const rel = (a: number, b: number) => Math.abs(a - b) / ((a + b) / 2);
const short = (p: PlatformSpec) => p.slug.split("/").slice(1).join("/");
const verdict = (x: number, goal: number) => (Number.isFinite(x) ? (x <= goal ? "PASS" : "MISS") : "n/a");

function goals(p: PlatformSpec) {
  return p.threads === 1 ? { median: 0.015, p90: 0.04 } : { median: 0.02, p90: 0.06 };
}
const BIAS_GOAL = 0.02;

function find(p: PlatformSpec, m: ZooModel, phase: Phase, protocol: 1 | 2, take: number): Row | undefined {
  return rows.find((r) => r.platform === p.slug && r.model === m.name && r.phase === phase && r.protocol === protocol && r.take === take);
}

function report(list: ZooModel[], loadDesc: string): void {
  const out: string[] = [];
  const line = (...cells: string[]) => out.push(cells.join(" "));
  out.push("");
  out.push(`Repeatability under load (${loadDesc}): two takes per model, |Δ| = |take₁ − take₂| / mean; goals: single-threaded`);
  out.push("median ≤ 1.5% and p90 ≤ 4%, multi-threaded ≤ 2% / 6%; quiet vs load (v2) median ≤ 2%.");
  line(
    "platform".padEnd(24), "proto".padEnd(5), "pairs".padStart(5), "median|Δ|".padStart(10), "goal".padStart(11),
    "p90|Δ|".padStart(8), "goal".padStart(10), "clean".padStart(9), "wait s".padStart(7), "measure s".padStart(10),
  );
  for (const p of opts.platforms) {
    const g = goals(p);
    for (const proto of [1, 2] as const) {
      const pairs = list.map((m) => [find(p, m, "load", proto, 1), find(p, m, "load", proto, 2)] as const).filter(([a, b]) => a?.quality && b?.quality);
      const deltas = pairs.map(([a, b]) => rel(a!.medianMs, b!.medianMs));
      const results = rows.filter((r) => r.platform === p.slug && r.phase === "load" && r.protocol === proto && r.quality);
      const clean = results.filter((r) => r.grade === "clean").length;
      const md = median(deltas), p90 = quantile(deltas, 0.9);
      line(
        short(p).padEnd(24), `v${proto}`.padEnd(5), String(pairs.length).padStart(5), pct(md).padStart(10),
        `${verdict(md, g.median)} ≤${pct(g.median, 1)}`.padStart(11), pct(p90).padStart(8), `${verdict(p90, g.p90)} ≤${pct(g.p90, 0)}`.padStart(10),
        (proto === 2 ? `${clean}/${results.length}` : "—").padStart(9),
        (results.reduce((s, r) => s + (r.quality?.waitMs ?? 0), 0) / 1000).toFixed(1).padStart(7),
        (results.reduce((s, r) => s + r.durationMs, 0) / 1000).toFixed(1).padStart(10),
      );
      if (proto === 2) {
        const both = pairs.filter(([a, b]) => a!.grade === "clean" && b!.grade === "clean");
        const cd = both.map(([a, b]) => rel(a!.medianMs, b!.medianMs));
        line(
          "".padEnd(24), "v2 cl".padEnd(5), String(both.length).padStart(5), pct(median(cd)).padStart(10),
          `${verdict(median(cd), g.median)} ≤${pct(g.median, 1)}`.padStart(11), pct(quantile(cd, 0.9)).padStart(8),
          `${verdict(quantile(cd, 0.9), g.p90)} ≤${pct(g.p90, 0)}`.padStart(10), "(pairs where both takes are clean)",
        );
      }
    }
  }
  out.push("(clean = v2 results graded clean / v2 results; wait s = Σ quality.waitMs; measure s = Σ of the measuring children's durations)");

  out.push("");
  out.push("Bias check, v2 on the quiet machine (load paused) vs v2 under load: median |Δ| over (quiet, load take) pairs; goal ≤ 2%");
  line("platform".padEnd(24), "pairs".padStart(5), "all".padStart(8), "goal".padStart(6), "clean pairs".padStart(12), "clean".padStart(8), "goal".padStart(6),
    "quiet clean".padStart(12), "quiet wait s".padStart(13));
  for (const p of opts.platforms) {
    const all: number[] = [], clean: number[] = [];
    for (const m of list) {
      const q = find(p, m, "quiet", 2, 3);
      if (!q?.quality) continue;
      for (const take of [1, 2]) {
        const l = find(p, m, "load", 2, take);
        if (!l?.quality) continue;
        const d = rel(q.medianMs, l.medianMs);
        all.push(d);
        if (q.grade === "clean" && l.grade === "clean") clean.push(d);
      }
    }
    const quiet = rows.filter((r) => r.platform === p.slug && r.phase === "quiet" && r.quality);
    line(
      short(p).padEnd(24), String(all.length).padStart(5), pct(median(all)).padStart(8), verdict(median(all), BIAS_GOAL).padStart(6),
      String(clean.length).padStart(12), pct(median(clean)).padStart(8), verdict(median(clean), BIAS_GOAL).padStart(6),
      `${quiet.filter((r) => r.grade === "clean").length}/${quiet.length}`.padStart(12),
      (quiet.reduce((s, r) => s + (r.quality?.waitMs ?? 0), 0) / 1000).toFixed(1).padStart(13),
    );
  }

  out.push("");
  out.push("Diagnosis of v2 under load (medians over results): grades, clean runs / runs, interference, wall/CPU");
  line("platform".padEnd(24), "clean/est/cont".padStart(15), "clean runs".padStart(11), "foreign".padStart(8), "runq".padStart(7),
    "nivcsw".padStart(7), "clean win".padStart(10), "wall/CPU(clean)".padStart(16), "wall/CPU(other)".padStart(16), "CPU-time |Δ|".padStart(13));
  for (const p of opts.platforms) {
    const v2 = rows.filter((r) => r.platform === p.slug && r.phase === "load" && r.protocol === 2 && r.quality);
    const n = (g: string) => v2.filter((r) => r.grade === g).length;
    const q = (f: (x: MeasurementQuality) => number, rs = v2) => median(rs.map((r) => f(r.quality!)));
    const cpuD = list
      .map((m) => [find(p, m, "load", 2, 1), find(p, m, "load", 2, 2)] as const)
      .filter(([a, b]) => a?.quality && b?.quality)
      .map(([a, b]) => rel(a!.quality!.cpuMedianMs, b!.quality!.cpuMedianMs));
    line(
      short(p).padEnd(24), `${n("clean")}/${n("estimated")}/${n("contended")}`.padStart(15),
      pct(q((x) => x.cleanRuns / Math.max(1, x.runs)), 0).padStart(11), pct(q((x) => x.interferenceShare), 1).padStart(8),
      pct(q((x) => x.runqShare), 1).padStart(7), q((x) => x.nivcsw).toFixed(0).padStart(7),
      pct(q((x) => x.cleanWindows / Math.max(1, x.windows)), 0).padStart(10),
      q((x) => x.wallCpuRatio, v2.filter((r) => r.grade === "clean")).toFixed(3).padStart(16),
      q((x) => x.wallCpuRatio, v2.filter((r) => r.grade !== "clean")).toFixed(3).padStart(16),
      pct(median(cpuD)).padStart(13),
    );
  }
  out.push("(wall/CPU = median wall of all runs / (median CPU / threads); CPU-time |Δ| = |Δ| of the CPU-time medians of the two takes)");
  const failed = rows.filter((r) => r.error);
  if (failed.length) {
    out.push("", `Failures (${failed.length}):`);
    for (const r of failed) out.push(`  ${r.phase} v${r.protocol} take ${r.take} ${r.platform} ${r.model}: ${r.error!.split("\n")[0].slice(0, 200)}`);
  }
  console.log(out.join("\n"));
}

/* ───────────────────────── main ───────────────────────── */

async function main() {
  const t0 = performance.now();
  const list = models(opts.models);
  const loadDesc = opts.load === "off" ? "no injected load" : `${opts.loadProcs} × ${opts.load}, ${opts.onMs} ms on / ${opts.offMs} ms off`;
  const avg = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`${NAME} — ${host.cpuModel}, ${host.cores} cores (${host.microarch}, ${host.isa}), load average ${avg()}`);
  console.log(
    `${list.length} zoo models (round-robin over ${ZOO_FAMILIES.length} families) at ${opts.resolution}×${opts.resolution}, batch 1, budget ` +
      `${opts.budget} ms; platforms: ${opts.platforms.map(short).join(", ")}; load: ${loadDesc}`,
  );

  let load: Load | undefined;
  const finish = (interrupted: boolean) => {
    slices.end();
    report(list, loadDesc);
    if (load) {
      const s = load.stats();
      console.log(`\nload processes: ${s.perProc.map((x) => `${x.iterations} iterations, ${(x.busyMs / 1000).toFixed(0)} s busy`).join("; ")}` +
        ` over ${(s.elapsedMs / 1000).toFixed(0)} s`);
    }
    console.log(`waited ${(slices.waitedMs / 1000).toFixed(0)} s for the host's measurement lock (other processes' measurements)`);
    console.log(`total ${((performance.now() - t0) / 60_000).toFixed(1)} min${interrupted ? " (interrupted: partial figures)" : ""}; ` +
      `load average at the end: ${avg()}`);
    writeJson();
  };
  // Ctrl-C: the figures of what was measured so far (registered before the load's own handler, which kills it)
  process.once("SIGINT", () => {
    finish(true);
    process.exit(130);
  });
  if (opts.load !== "off") load = await startLoad({ procs: opts.loadProcs, onMs: opts.onMs, offMs: opts.offMs, kind: opts.load });
  try {
    // model by model (an interrupted run has figures for every platform): take 1 on every platform by v1 and
    // v2 under the load, then take 2 (minutes later), then the load paused (its processes sleep) and v2 once
    // more on the quiet machine
    for (const m of list) {
      load?.resume();
      slices.load = load;
      for (const take of [1, 2]) {
        for (const p of opts.platforms) {
          await measure(m, p, "load", 1, take, !!load);
          await measure(m, p, "load", 2, take, !!load);
        }
      }
      slices.load = undefined;
      load?.pause();
      for (const p of opts.platforms) await measure(m, p, "quiet", 2, 3, false);
      writeJson();
    }
  } finally {
    slices.load = undefined;
    await load?.stop();
  }
  finish(false);
}

function writeJson(): void {
  if (!opts.json) return;
  const options = { ...opts, platforms: opts.platforms.map((p) => p.slug) };
  const hostInfo = { cpuModel: host.cpuModel, cores: host.cores, microarch: host.microarch };
  fs.writeFileSync(opts.json, JSON.stringify({ host: hostInfo, options, rows }, null, 1));
  console.log(`raw rows: ${opts.json} (${rows.length})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
