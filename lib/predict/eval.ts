/**
 * Evaluation of predictors on identical data: random 80/10/10 split, leave-one-family-out, few-shot
 * transfer to a held-out platform (pretrained GNN fine-tuned — all weights or heads only — vs trained from
 * scratch on the same N, plus cheap baselines fitted on the N shots). Model selection uses the validation
 * part only (GNN best epoch); few-shot runs use a fixed step budget (there is no validation data there).
 * Produces a JSON report (what the UI reads) and Markdown tables.
 */
import { NnlqError } from "@/lib/errors";
import type { Sample } from "./dataset";
import { familiesOf, graphKeysOf, platformsOf } from "./dataset";
import { evaluate } from "./evaluate";
import type { KernelRfOptions } from "./baselines/kernel-rf";
import type { GnnPredictor } from "./gnn/predictor";
import { trainGnn, type EpochLog, type GnnTrainOptions } from "./gnn/train";
import type { Metrics } from "./metrics";
import type { BasePredictor } from "./predictor";
import { seededRandom, shuffle } from "./numeric";
import { fewShotSplit, leaveOneFamilyOut, randomSplit } from "./splits";
import { METHOD_LABELS, METHODS, train, type Method } from "./train";

export { evaluate };

export interface EvalRow { split: "random" | "lofo"; fold: string | null; platform: string; method: string; metrics: Metrics }
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
  splits?: { random?: boolean; lofo?: boolean | string[]; fewShot?: boolean | string[] };
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
  const push = (split: EvalRow["split"], fold: string | null, method: string, m: Record<string, Metrics>) => {
    for (const [platform, metrics] of Object.entries(m)) rows.push({ split, fold, platform, method, metrics });
  };

  if (o.splits?.random !== false) {
    const sp = randomSplit(samples, { seed });
    log(`random split: ${graphKeysOf(sp.train).length}/${graphKeysOf(sp.val).length}/${graphKeysOf(sp.test).length} graphs`);
    for (const method of methods) {
      const p = await timed(`random:${method}`, () =>
        train(method, sp.train, { val: sp.val, gnn: gnnOpts(`random/${method}`), kernelRf: o.kernelRf }),
      );
      const m = evaluate(p, sp.test);
      push("random", null, method, m);
      log(`  random ${method}: ${fmtRow(m)} (${timings[`random:${method}`].toFixed(1)} s)`);
      p.dispose();
    }
  }

  if (o.splits?.lofo) {
    const folds = Array.isArray(o.splits.lofo) ? o.splits.lofo : families;
    for (const family of folds) {
      const sp = leaveOneFamilyOut(samples, family, { seed });
      if (!sp.test.length || !sp.train.length) continue;
      for (const method of methods) {
        const p = await timed(`lofo:${method}`, () =>
          train(method, sp.train, {
            val: sp.val,
            gnn: gnnOpts(`lofo/${family}/${method}`, o.lofoEpochs ? { epochs: o.lofoEpochs } : {}),
            kernelRf: o.kernelRf,
          }),
        );
        const m = evaluate(p, sp.test);
        push("lofo", family, method, m);
        log(`  lofo ${family} ${method}: ${fmtRow(m)}`);
        p.dispose();
      }
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
        for (const [name, fit] of runs) {
          const p = await timed(`fewshot:${name}`, fit);
          const m = evaluate(p, sp.test)[platform];
          if (m) fewShot.push({ platform, n, method: name, metrics: m });
          log(`  few-shot ${platform} N=${n} ${name}: ${m ? `MAPE ${m.mape.toFixed(1)}% Acc@10 ${m.acc10.toFixed(1)}%` : "n/a"}`);
          p.dispose();
        }
      }
      pre.dispose();
    }
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
    methods: [...methods],
    rows,
    fewShot,
    timings,
    notes,
  };
}

function fmtRow(m: Record<string, Metrics>): string {
  return Object.entries(m).map(([p, x]) => `${shortPlatform(p)} MAPE ${x.mape.toFixed(1)}% Acc@10 ${x.acc10.toFixed(1)}%`).join("; ");
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
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

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

export function renderMarkdown(r: EvalReport): string {
  const out: string[] = [];
  const label = (m: string) => METHOD_LABELS[m as Method] ?? m;
  out.push(
    `Dataset: **${r.dataset.name}** — ${r.dataset.samples} measurements of ${r.dataset.graphs} graphs, ${r.dataset.families.length} ` +
      `families, ${r.dataset.platforms.length} platforms; label = ${r.dataset.label} latency. Generated ${r.createdAt}.`,
  );
  const best = (rows: { method: string; v: number }[]) => Math.min(...rows.map((x) => x.v).filter(Number.isFinite));

  const random = r.rows.filter((x) => x.split === "random");
  if (random.length) {
    out.push(`\n## Random split (80/10/10 by graph)\n`);
    for (const platform of r.dataset.platforms) {
      const rows = random.filter((x) => x.platform === platform);
      if (!rows.length) continue;
      const b = best(rows.map((x) => ({ method: x.method, v: x.metrics.mape })));
      out.push(`### ${platform}\n`);
      out.push(
        table(
          ["method", "n", "MAPE %", "RMSPE %", "Acc@5 %", "Acc@10 %", "Kendall τ (within family)"],
          rows.map((x) => [
            label(x.method),
            String(x.metrics.n),
            x.metrics.mape === b ? `**${f1(x.metrics.mape)}**` : f1(x.metrics.mape),
            f1(x.metrics.rmspe),
            f1(x.metrics.acc5),
            f1(x.metrics.acc10),
            f2(x.metrics.kendallTau),
          ]),
        ),
      );
      out.push("");
    }
  }

  const lofo = r.rows.filter((x) => x.split === "lofo");
  if (lofo.length) {
    out.push(`\n## Leave-one-family-out\n`);
    out.push(`Mean over held-out families of MAPE % (Acc@10 % in parentheses).\n`);
    const methods = r.methods.filter((m) => lofo.some((x) => x.method === m));
    out.push(table(["method", ...r.dataset.platforms.map(shortPlatform)], methods.map((m) => [
      label(m),
      ...r.dataset.platforms.map((p) => {
        const xs = lofo.filter((x) => x.method === m && x.platform === p);
        return xs.length ? `${f1(mean(xs.map((x) => x.metrics.mape)))} (${f1(mean(xs.map((x) => x.metrics.acc10)))})` : "—";
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

  if (r.fewShot.length) {
    out.push(`\n## Few-shot transfer to a held-out platform\n`);
    out.push(
      `Pretrained on the other platforms; adapted with N graphs of the held-out platform; tested on a fixed half of its graphs. MAPE % / Acc@10 %.\n`,
    );
    const ns = [...new Set(r.fewShot.map((x) => x.n))].sort((a, b) => a - b);
    for (const platform of [...new Set(r.fewShot.map((x) => x.platform))]) {
      const rows = r.fewShot.filter((x) => x.platform === platform);
      const methods = [...new Set(rows.map((x) => x.method))];
      out.push(`### ${platform}\n`);
      out.push(table(["method", ...ns.map((n) => `N=${n}`)], methods.map((m) => [m, ...ns.map((n) => {
        const x = rows.find((y) => y.method === m && y.n === n);
        return x ? `${f1(x.metrics.mape)} / ${f1(x.metrics.acc10)}` : "—";
      })])));
      out.push("");
    }
  }

  if (Object.keys(r.timings).length) {
    out.push(`\n## Training time (s)\n`);
    out.push(table(["phase", "seconds"], Object.entries(r.timings).map(([k, v]) => [k, v.toFixed(1)])));
  }
  if (r.notes.length) out.push(`\n## Notes\n\n${r.notes.map((n) => `- ${n}`).join("\n")}`);
  return out.join("\n") + "\n";
}
