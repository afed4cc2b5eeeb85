/**
 * Evaluation of predictors on identical data: random 80/10/10 split, leave-one-family-out, the real-world
 * split (trained on the zoo's generated models, tested on the corpus networks people bring), few-shot
 * transfer to a held-out platform (pretrained GNN fine-tuned — all weights or heads only — vs trained from
 * scratch on the same N, plus cheap baselines fitted on the N shots). Model selection uses the validation
 * part only (GNN best epoch); few-shot runs use a fixed step budget (there is no validation data there).
 *
 * Every method's σ is calibrated on the split's validation part (lib/predict/guard.ts, calibrate-only: the
 * latencies are the method's own), so each row reports its ±2σ coverage on the test part; the GNN is also
 * reported as served — guarded ("gnn-guarded": analytical blend, floor, ×10 clamp, calibrated σ), and GNN
 * variants (e.g. the v1 node features) beside it. Produces a JSON report (what the UI reads) and Markdown
 * tables, with the issue-17 goals checked per platform.
 */
import { NnlqError } from "@/lib/errors";
import type { Sample } from "./dataset";
import { familiesOf, graphKeysOf, platformsOf } from "./dataset";
import { evaluate } from "./evaluate";
import type { KernelRfOptions } from "./baselines/kernel-rf";
import type { GnnConfig } from "./gnn/model";
import type { GnnPredictor } from "./gnn/predictor";
import { trainGnn, type EpochLog, type GnnTrainOptions } from "./gnn/train";
import { calibrate, fitGuard, guardPredictor, GuardedPredictor } from "./guard";
import { coverageBySplit, meanMetrics, type Metrics } from "./metrics";

export { coverageBySplit, meanMetrics };
import type { BasePredictor } from "./predictor";
import { seededRandom, shuffle } from "./numeric";
import { fewShotSplit, leaveOneFamilyOut, randomSplit, realWorldSplit, type Split } from "./splits";
import { METHOD_LABELS, METHODS, train, type Method } from "./train";

export { evaluate };

export type SplitName = "random" | "lofo" | "real-world";
export interface EvalRow { split: SplitName; fold: string | null; platform: string; method: string; metrics: Metrics }
export interface FewShotRow { platform: string; n: number; method: string; metrics: Metrics }

export interface EvalReport {
  format: "nnlq-predictor-eval/1";
  createdAt: string;
  dataset: { name: string; samples: number; graphs: number; platforms: string[]; families: string[]; label: string };
  methods: string[];
  rows: EvalRow[];
  fewShot: FewShotRow[];
  /** seconds spent per phase */
  timings: Record<string, number>;
  notes: string[];
}

export interface EvalOptions {
  methods?: readonly Method[];
  /** which parts to run */
  splits?: { random?: boolean; lofo?: boolean | string[]; realWorld?: boolean; fewShot?: boolean | string[] };
  /**
   * Zoo membership for the real-world split (splits.ts zooMembership builds it from a data release); without
   * it, or with no sample outside the zoo, the split is skipped with a note
   */
  isZoo?: (s: Sample) => boolean;
  /** GNN variants reported beside "gnn" (name → config override), e.g. { "gnn-v1": { nodeFeatures: "v1" } } */
  gnnVariants?: Record<string, Partial<GnnConfig>>;
  /** report the guarded GNN ("gnn-guarded", and "<variant>-guarded") too (default true) */
  guarded?: boolean;
  shots?: number[];
  seed?: number;
  gnn?: Omit<GnnTrainOptions, "val" | "version" | "onEpoch">;
  kernelRf?: Omit<KernelRfOptions, "version">;
  /** GNN epochs for the leave-one-family-out folds (default: gnn.epochs) */
  lofoEpochs?: number;
  /** GNN epochs of the few-shot pretraining (default: gnn.epochs) */
  pretrainEpochs?: number;
  /** optimisation steps of few-shot adaptation (default 300) */
  fewShotSteps?: number;
  /** platforms with fewer measured graphs are left out of the evaluation (default 30) */
  minGraphsPerPlatform?: number;
  datasetName?: string;
  label?: string;
  log?: (msg: string) => void;
  onEpoch?: (phase: string, e: EpochLog) => void;
}

const FEW_SHOT_BASELINES: Method[] = ["flops-linear", "flops-mem-linear", "roofline"];

/** The method's own latencies with σ calibrated on `cal` (its `fittedOn` says what `cal` is). */
function calibrated(p: BasePredictor, train: Sample[], cal: Sample[], fittedOn: "validation" | "training"): GuardedPredictor {
  const g = new GuardedPredictor(p, fitGuard(train, [], { mode: "calibrate" }));
  calibrate(g, cal, fittedOn);
  return g;
}

export async function runEvaluation(all: Sample[], o: EvalOptions = {}): Promise<EvalReport> {
  const methods = o.methods ?? METHODS;
  const log = o.log ?? (() => {});
  const notes: string[] = [];
  const minGraphs = o.minGraphsPerPlatform ?? 30;
  const sparse = platformsOf(all).filter((p) => graphKeysOf(all.filter((s) => s.platform === p)).length < minGraphs);
  if (sparse.length) {
    const msg = `left out (fewer than ${minGraphs} measured graphs): ${sparse.map((p) => `${p} (${graphKeysOf(all.filter((s) => s.platform === p)).length})`).join(", ")}`;
    log(msg);
    notes.push(`Platforms ${msg}.`);
  }
  const samples = all.filter((s) => !sparse.includes(s.platform));
  const seed = o.seed ?? 1;
  const rows: EvalRow[] = [];
  const fewShot: FewShotRow[] = [];
  const timings: Record<string, number> = {};
  const platforms = platformsOf(samples);
  const families = familiesOf(samples);
  const gnnOpts = (phase: string, extra: Partial<GnnTrainOptions> = {}): Omit<GnnTrainOptions, "val" | "version"> => ({
    seed, ...o.gnn, ...extra, onEpoch: (e) => o.onEpoch?.(phase, e),
  });
  const timed = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[key] = (timings[key] ?? 0) + (performance.now() - t0) / 1000;
    }
  };
  const push = (split: SplitName, fold: string | null, method: string, m: Record<string, Metrics>) => {
    for (const [platform, metrics] of Object.entries(m)) rows.push({ split, fold, platform, method, metrics });
  };

  const gnnRuns: [string, Partial<GnnConfig> | undefined][] = [["gnn", undefined], ...Object.entries(o.gnnVariants ?? {})];
  /** Train every method (and GNN variant) on a split; rows: each method with calibrated σ, the guarded GNNs. */
  const runSplit = async (split: SplitName, fold: string | null, sp: Split, extra: Partial<GnnTrainOptions> = {}) => {
    const where = fold ? `${split} ${fold}` : split;
    for (const method of methods) {
      for (const [name, config] of method === "gnn" ? gnnRuns : [[method, undefined] as const]) {
        const gnn = { ...gnnOpts(`${where}/${name}`, extra), ...(config ? { config: { ...o.gnn?.config, ...config } } : {}) };
        const p = await timed(`${split}:${name}`, () => train(method, sp.train, { val: sp.val, gnn, kernelRf: o.kernelRf }));
        const m = evaluate(calibrated(p, sp.train, sp.val.length ? sp.val : sp.train, sp.val.length ? "validation" : "training"), sp.test);
        push(split, fold, name, m);
        log(`  ${where} ${name}: ${fmtRow(m)}`);
        if (method === "gnn" && o.guarded !== false) {
          const g = evaluate(guardPredictor(p, sp.train, sp.val), sp.test);
          push(split, fold, `${name}-guarded`, g);
          log(`  ${where} ${name}-guarded: ${fmtRow(g)}`);
        }
        p.dispose();
      }
    }
  };

  if (o.splits?.random !== false) {
    const sp = randomSplit(samples, { seed });
    log(`random split: ${graphKeysOf(sp.train).length}/${graphKeysOf(sp.val).length}/${graphKeysOf(sp.test).length} graphs`);
    await runSplit("random", null, sp);
  }

  if (o.splits?.lofo) {
    const folds = Array.isArray(o.splits.lofo) ? o.splits.lofo : families;
    for (const family of folds) {
      const sp = leaveOneFamilyOut(samples, family, { seed });
      if (!sp.test.length || !sp.train.length) continue;
      await runSplit("lofo", family, sp, o.lofoEpochs ? { epochs: o.lofoEpochs } : {});
    }
  }

  if (o.splits?.realWorld) {
    const sp = o.isZoo ? realWorldSplit(samples, o.isZoo, { seed }) : null;
    if (!sp || !sp.test.length || !sp.train.length) {
      const why = !o.isZoo
        ? "no zoo membership was given (the dataset is not a data release)"
        : !sp!.test.length
          ? "the dataset has no measured network outside the zoo"
          : "the dataset has no zoo samples to train on";
      log(`real-world split skipped: ${why}`);
      notes.push(`Real-world split skipped: ${why}.`);
    } else {
      log(
        `real-world split: ${graphKeysOf(sp.train).length}/${graphKeysOf(sp.val).length} zoo graphs, ${graphKeysOf(sp.test).length} corpus graphs ` +
          `(${familiesOf(sp.test).join(", ")})`,
      );
      await runSplit("real-world", null, sp);
    }
  }

  if (o.splits?.fewShot && platforms.length > 1) {
    const held = Array.isArray(o.splits.fewShot) ? o.splits.fewShot : platforms;
    const shots = o.shots ?? [16, 32, 100];
    const steps = o.fewShotSteps ?? 300;
    for (const platform of held) {
      const base = fewShotSplit(samples, platform, 0, { seed });
      const pre = (await timed(`fewshot:pretrain`, () =>
        trainGnn(base.pretrain, {
          ...gnnOpts(`fewshot/${platform}/pretrain`, o.pretrainEpochs ? { epochs: o.pretrainEpochs } : {}),
          val: base.preval,
          version: "pretrained",
        }),
      )) as GnnPredictor;
      for (const n of shots) {
        const sp = fewShotSplit(samples, platform, n, { seed });
        if (sp.shots.length < n) {
          log(`  few-shot ${platform} N=${n}: only ${sp.shots.length} graphs available, skipped`);
          continue;
        }
        // the GNN variants fit on 3/4 of the shots and pick their epoch on the other 1/4 (never on the test
        // graphs); the regressions fit all N
        const nVal = Math.max(2, Math.round(n / 4));
        const mixed = shuffle(sp.shots, seededRandom(seed * 101 + n));
        const fit = mixed.slice(0, n - nVal),
          val = mixed.slice(n - nVal);
        const batchSize = Math.min(16, fit.length);
        const epochs = Math.max(1, Math.ceil(steps / Math.ceil(fit.length / batchSize)));
        const headLog = (i: { from: string; scale: number; mape: number; regressionMape: number }) =>
          log(
            `    new head from ${i.from} × ${i.scale.toFixed(3)} (MAPE on the shots ${i.mape.toFixed(1)}% vs ${i.regressionMape.toFixed(1)}% for the regression start)`,
          );
        const fixed = { epochs, batchSize, patience: Infinity, val, onHeadInit: headLog };
        // σ: the GNN runs calibrate on their validation quarter; the regressions, fitted on all N, on the
        // shots themselves (in-sample: optimistic, said so in the report)
        const runs: [string, () => Promise<BasePredictor>][] = [
          [
            "gnn-finetune",
            () => trainGnn(fit, { ...gnnOpts(`fewshot/${platform}/${n}/finetune`), ...fixed, lr: 1e-3, init: pre, trainable: "all" }),
          ],
          [
            "gnn-finetune-heads",
            () => trainGnn(fit, { ...gnnOpts(`fewshot/${platform}/${n}/heads`), ...fixed, lr: 3e-3, init: pre, trainable: "heads" }),
          ],
          ["gnn-scratch", () => trainGnn(fit, { ...gnnOpts(`fewshot/${platform}/${n}/scratch`), ...fixed, lr: 3e-3 })],
          ...FEW_SHOT_BASELINES.filter((m) => methods.includes(m)).map((m): [string, () => Promise<BasePredictor>] => [
            m,
            () => train(m, sp.shots),
          ]),
        ];
        for (const [name, fitRun] of runs) {
          const p = await timed(`fewshot:${name}`, fitRun);
          const gnnRun = name.startsWith("gnn");
          const cal = calibrated(p, sp.shots, gnnRun ? val : sp.shots, gnnRun ? "validation" : "training");
          const m = evaluate(cal, sp.test)[platform];
          if (m) fewShot.push({ platform, n, method: name, metrics: m });
          log(`  few-shot ${platform} N=${n} ${name}: ${m ? fmtMetrics(m) : "n/a"}`);
          p.dispose();
        }
      }
      pre.dispose();
    }
    notes.push(
      "Few-shot σ: the GNN runs are calibrated on their validation quarter of the shots; the regressions, fitted on all N shots, on the shots themselves (in-sample, so their coverage is optimistic).",
    );
  }

  return {
    format: "nnlq-predictor-eval/1",
    createdAt: new Date().toISOString(),
    dataset: {
      name: o.datasetName ?? "dataset",
      samples: samples.length,
      graphs: graphKeysOf(samples).length,
      platforms,
      families,
      label: o.label ?? "median",
    },
    methods: (() => {
      const reported = [...new Set([...rows.map((x) => x.method), ...fewShot.map((x) => x.method)])];
      return reported.length ? reported : [...methods];
    })(),
    rows,
    fewShot,
    timings,
    notes,
  };
}

function fmtMetrics(x: Metrics): string {
  const cov = x.coverage !== undefined ? ` ±2σ ${x.coverage.toFixed(0)}%` : "";
  const ex = x.extrapolated !== undefined ? ` extrapolated ${x.extrapolated.toFixed(0)}%` : "";
  return `MAPE ${x.mape.toFixed(1)}% Acc@10 ${x.acc10.toFixed(1)}%${cov}${ex}`;
}

function fmtRow(m: Record<string, Metrics>): string {
  return Object.entries(m).map(([p, x]) => `${shortPlatform(p)} ${fmtMetrics(x)}`).join("; ");
}

/** "x86-epyc-2c/ort-cpu-1.30/fp32/t1" → "epyc-2c ort-cpu fp32 t1" (table headers). */
export function shortPlatform(slug: string): string {
  const parts = slug.split("/");
  return parts.length === 4
    ? `${parts[0]!.replace(/^(x86|arm)-/, "")} ${parts[1]!.replace(/-\d+\.\d+$/, "")} ${parts[2]} ${parts[3]}`
    : slug;
}

/* ---------- Markdown ---------- */

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "—");

function table(header: string[], body: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/**
 * One report from several runs over the same dataset (e.g. the random and few-shot splits in one process and
 * leave-one-family-out in another, on two cores). Rows, timings and notes are concatenated; the datasets
 * must agree (name, samples, label), else a VALIDATION error names the difference.
 */
export function mergeReports(reports: EvalReport[]): EvalReport {
  if (!reports.length) throw new NnlqError("VALIDATION", "mergeReports: no reports");
  const [first] = reports;
  for (const r of reports) {
    if (r.format !== first.format)
      throw new NnlqError("VALIDATION", `cannot merge evaluation reports of formats ${first.format} and ${r.format}`);
    for (const k of ["name", "samples", "label"] as const) {
      if (r.dataset[k] !== first.dataset[k])
        throw new NnlqError(
          "VALIDATION",
          `cannot merge evaluation reports over different datasets: ${k} ${first.dataset[k]} ≠ ${r.dataset[k]}`,
        );
    }
  }
  const timings: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.timings)) timings[k] = (timings[k] ?? 0) + v;
  return {
    ...first,
    createdAt: reports.map((r) => r.createdAt).sort().at(-1)!,
    dataset: { ...first.dataset, platforms: [...new Set(reports.flatMap((r) => r.dataset.platforms))].sort() },
    methods: [...new Set(reports.flatMap((r) => r.methods))],
    rows: reports.flatMap((r) => r.rows),
    fewShot: reports.flatMap((r) => r.fewShot),
    timings,
    notes: [...new Set(reports.flatMap((r) => r.notes))],
  };
}

/** Labels of the rows the evaluation adds to the methods' own. */
function methodLabel(m: string): string {
  if (m in METHOD_LABELS) return METHOD_LABELS[m as Method];
  const guarded = m.endsWith("-guarded");
  const base = guarded ? m.slice(0, -"-guarded".length) : m;
  const variant = /^gnn-(.+)$/.exec(base)?.[1];
  const name = base === "gnn" ? "GNN" : variant ? `GNN (${variant})` : base;
  return guarded ? `${name}, guarded (as served)` : name;
}

const pct1 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(1));

/** The row of the method as served: the guarded GNN where evaluated, else the GNN. */
function servedMethod(r: EvalReport): string | null {
  const all = new Set(r.rows.map((x) => x.method));
  return all.has("gnn-guarded") ? "gnn-guarded" : all.has("gnn") ? "gnn" : null;
}

/**
 * Issue 17's goals per platform, for the method as served: random MAPE ≤ 4% and Acc@10 ≥ 90%; leave-one-
 * family-out mean MAPE ≤ 12% and no fold worse than the FLOPs+memory regression by more than 5 points;
 * real-world MAPE ≤ 20% and at most half the FLOPs baseline's; ±2σ coverage 90–98% on each split.
 */
export function goalRows(r: EvalReport): { goal: string; platform: string; met: boolean | null; value: string }[] {
  const served = servedMethod(r);
  if (!served) return [];
  const out: { goal: string; platform: string; met: boolean | null; value: string }[] = [];
  const add = (goal: string, platform: string, met: boolean | null, value: string) => out.push({ goal, platform, met, value });
  for (const platform of r.dataset.platforms) {
    const rows = (split: SplitName, method = served) =>
      r.rows.filter((x) => x.split === split && x.platform === platform && x.method === method);
    const [rand] = rows("random");
    if (rand) {
      add("random: MAPE ≤ 4%", platform, rand.metrics.mape <= 4, pct1(rand.metrics.mape));
      add("random: Acc@10 ≥ 90%", platform, rand.metrics.acc10 >= 90, pct1(rand.metrics.acc10));
    }
    const folds = rows("lofo");
    if (folds.length) {
      const m = meanMetrics(folds.map((x) => x.metrics));
      add("leave-one-family-out: mean MAPE ≤ 12%", platform, m.mape <= 12, pct1(m.mape));
      const reg = new Map(rows("lofo", "flops-mem-linear").map((x) => [x.fold, x.metrics.mape]));
      if (reg.size) {
        const worse = folds
          .map((x) => ({ fold: x.fold!, d: x.metrics.mape - (reg.get(x.fold) ?? Infinity) }))
          .filter((x) => x.d > 5);
        add(
          "leave-one-family-out: no fold > 5 points worse than FLOPs+memory",
          platform,
          worse.length === 0,
          worse.length ? worse.map((x) => `${x.fold} +${x.d.toFixed(1)}`).join(", ") : "none",
        );
      }
    }
    const [rw] = rows("real-world");
    if (rw) {
      add("real-world: MAPE ≤ 20%", platform, rw.metrics.mape <= 20, pct1(rw.metrics.mape));
      const [fl] = rows("real-world", "flops-linear");
      if (fl) add("real-world: ≤ half the FLOPs baseline's MAPE", platform, rw.metrics.mape <= fl.metrics.mape / 2, `${pct1(rw.metrics.mape)} vs ${pct1(fl.metrics.mape)}`);
    }
    for (const split of ["random", "lofo", "real-world"] as const) {
      const xs = rows(split);
      if (!xs.length) continue;
      const c = meanMetrics(xs.map((x) => x.metrics)).coverage;
      add(`${split}: ±2σ coverage 90–98%`, platform, c === undefined ? null : c >= 90 && c <= 98, pct1(c));
    }
  }
  return out;
}

/** One table per platform of a split's rows (random, real-world). */
function splitTables(r: EvalReport, rows: EvalRow[], out: string[]): void {
  for (const platform of r.dataset.platforms) {
    const list = rows.filter((x) => x.platform === platform);
    if (!list.length) continue;
    const b = Math.min(...list.map((x) => x.metrics.mape).filter(Number.isFinite));
    out.push(`### ${platform}\n`);
    out.push(
      table(
        ["method", "n", "MAPE %", "RMSPE %", "Acc@10 %", "Acc@25 %", "±2σ cover %", "±2σ half-width %", "extrapolated %", "Kendall τ (within family)"],
        list.map((x) => [
          methodLabel(x.method),
          String(x.metrics.n),
          x.metrics.mape === b ? `**${f1(x.metrics.mape)}**` : f1(x.metrics.mape),
          f1(x.metrics.rmspe),
          f1(x.metrics.acc10),
          pct1(x.metrics.acc25),
          pct1(x.metrics.coverage),
          pct1(x.metrics.halfWidth),
          pct1(x.metrics.extrapolated),
          f2(x.metrics.kendallTau),
        ]),
      ),
    );
    out.push("");
  }
}

export function renderMarkdown(r: EvalReport): string {
  const out: string[] = [];
  out.push(
    `Dataset: **${r.dataset.name}** — ${r.dataset.samples} measurements of ${r.dataset.graphs} graphs, ${r.dataset.families.length} ` +
      `families, ${r.dataset.platforms.length} platforms; label = ${r.dataset.label} latency. Generated ${r.createdAt}.`,
  );
  out.push(
    `\nEvery method's σ is calibrated on its split's validation part (±2σ should hold 95%); "guarded (as served)" is the GNN ` +
      `behind the guard — analytical blend when out of distribution, per-inference floor, ×10 clamp (lib/predict/guard.ts).`,
  );

  const goals = goalRows(r);
  if (goals.length) {
    out.push(`\n## Goals (issue 17), ${methodLabel(servedMethod(r)!)}\n`);
    const names = [...new Set(goals.map((g) => g.goal))];
    const plats = r.dataset.platforms.filter((p) => goals.some((g) => g.platform === p));
    out.push(
      table(
        ["goal", ...plats.map(shortPlatform)],
        names.map((n) => [
          n,
          ...plats.map((p) => {
            const g = goals.find((x) => x.goal === n && x.platform === p);
            return g ? `${g.met === null ? "?" : g.met ? "✓" : "✗"} ${g.value}` : "—";
          }),
        ]),
      ),
    );
  }

  const random = r.rows.filter((x) => x.split === "random");
  if (random.length) {
    out.push(`\n## Random split (80/10/10 by graph)\n`);
    splitTables(r, random, out);
  }

  const lofo = r.rows.filter((x) => x.split === "lofo");
  if (lofo.length) {
    out.push(`\n## Leave-one-family-out\n`);
    out.push(`Mean over held-out families of MAPE % (Acc@10 %) [±2σ coverage %].\n`);
    const methods = r.methods.filter((m) => lofo.some((x) => x.method === m));
    out.push(table(["method", ...r.dataset.platforms.map(shortPlatform)], methods.map((m) => [
      methodLabel(m),
      ...r.dataset.platforms.map((p) => {
        const xs = lofo.filter((x) => x.method === m && x.platform === p);
        if (!xs.length) return "—";
        const mm = meanMetrics(xs.map((x) => x.metrics));
        return `${f1(mm.mape)} (${f1(mm.acc10)})${mm.coverage !== undefined ? ` [${f1(mm.coverage)}]` : ""}`;
      }),
    ])));
    for (const platform of r.dataset.platforms) {
      const rows = lofo.filter((x) => x.platform === platform);
      if (!rows.length) continue;
      const fams = [...new Set(rows.map((x) => x.fold!))];
      out.push(`\n### ${platform} — MAPE % per held-out family\n`);
      out.push(
        table(
          ["family", ...methods],
          fams.map((fam) => [fam, ...methods.map((m) => f1(rows.find((x) => x.fold === fam && x.method === m)?.metrics.mape ?? NaN))]),
        ),
      );
    }
    out.push("");
  }

  const realWorld = r.rows.filter((x) => x.split === "real-world");
  if (realWorld.length) {
    out.push(`\n## Real-world split (trained on the zoo, tested on the corpus networks)\n`);
    splitTables(r, realWorld, out);
  }

  if (r.fewShot.length) {
    out.push(`\n## Few-shot transfer to a held-out platform\n`);
    out.push(
      `Pretrained on the other platforms; adapted with N graphs of the held-out platform; tested on a fixed half of its graphs. MAPE % / Acc@10 % / ±2σ coverage %.\n`,
    );
    const ns = [...new Set(r.fewShot.map((x) => x.n))].sort((a, b) => a - b);
    for (const platform of [...new Set(r.fewShot.map((x) => x.platform))]) {
      const rows = r.fewShot.filter((x) => x.platform === platform);
      const methods = [...new Set(rows.map((x) => x.method))];
      out.push(`### ${platform}\n`);
      out.push(table(["method", ...ns.map((n) => `N=${n}`)], methods.map((m) => [m, ...ns.map((n) => {
        const x = rows.find((y) => y.method === m && y.n === n);
        return x ? `${f1(x.metrics.mape)} / ${f1(x.metrics.acc10)} / ${pct1(x.metrics.coverage)}` : "—";
      })])));
      out.push("");
    }
  }

  const cal = calibrationTable(r);
  if (cal) out.push(`\n## Calibration: ±2σ coverage % per split (goal 90–98)\n\n${cal}\n`);

  if (Object.keys(r.timings).length) {
    out.push(`\n## Training time (s)\n`);
    out.push(table(["phase", "seconds"], Object.entries(r.timings).map(([k, v]) => [k, v.toFixed(1)])));
  }
  if (r.notes.length) out.push(`\n## Notes\n\n${r.notes.map((n) => `- ${n}`).join("\n")}`);
  return out.join("\n") + "\n";
}

function calibrationTable(r: EvalReport): string | null {
  const cov = coverageBySplit(r);
  if (!cov.length) return null;
  const splits = ["random", "lofo", "real-world", "few-shot"].filter((s) => cov.some((c) => c.split === s));
  const keys = [...new Set(cov.map((c) => JSON.stringify([c.method, c.platform])))];
  return table(
    ["method", "platform", ...splits],
    keys.map((k) => {
      const [method, platform] = JSON.parse(k) as [string, string];
      return [
        methodLabel(method),
        shortPlatform(platform),
        ...splits.map((s) => pct1(cov.find((c) => c.split === s && c.method === method && c.platform === platform)?.coverage)),
      ];
    }),
  );
}
