/**
 * train(method, samples, options) → Predictor: one entry point for every method, used by the trainer
 * script, the evaluation and the worker. The GNN trains asynchronously (it yields between epochs);
 * baselines fit in one go.
 */
import { NnlqError } from "@/lib/errors";
import { KernelRfPredictor, type KernelRfOptions } from "./baselines/kernel-rf";
import { LinearPredictor } from "./baselines/linear";
import { LookupTablePredictor } from "./baselines/lookup";
import { RooflinePredictor } from "./baselines/roofline";
import type { Sample } from "./dataset";
import { trainGnn, type GnnTrainOptions } from "./gnn/train";
import { evaluate } from "./evaluate";
import { guardPredictor, type GuardOptions } from "./guard";
import type { Metrics } from "./metrics";
import type { BasePredictor } from "./predictor";
import { randomSplit } from "./splits";

export const METHODS = ["gnn", "flops-linear", "flops-mem-linear", "roofline", "lookup-table", "kernel-rf"] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_LABELS: Record<Method, string> = {
  gnn: "GNN (GraphSAGE, per-platform heads)",
  "flops-linear": "FLOPs linear regression",
  "flops-mem-linear": "FLOPs + memory-access regression",
  roofline: "Roofline (PALEO-style)",
  "lookup-table": "Operator lookup table (FBNet-style)",
  "kernel-rf": "Kernel random forests (nn-Meter-style)",
};

export interface TrainOptions {
  version?: string;
  /** validation samples (GNN model selection) */
  val?: Sample[];
  gnn?: Omit<GnnTrainOptions, "val" | "version">;
  kernelRf?: Omit<KernelRfOptions, "version">;
}

export function isMethod(m: string): m is Method {
  return (METHODS as readonly string[]).includes(m);
}

export async function train(method: Method, samples: Sample[], o: TrainOptions = {}): Promise<BasePredictor> {
  if (!samples.length) throw new NnlqError("VALIDATION", `cannot train ${method}: no training samples`);
  const version = o.version ?? method;
  switch (method) {
    case "gnn":
      return trainGnn(samples, { ...o.gnn, val: o.val, version });
    case "flops-linear":
    case "flops-mem-linear":
      return LinearPredictor.train(samples, { method, version });
    case "roofline":
      return RooflinePredictor.train(samples, { version });
    case "lookup-table":
      return LookupTablePredictor.train(samples, { version });
    case "kernel-rf":
      return KernelRfPredictor.train(samples, { ...o.kernelRf, version });
    default:
      throw new NnlqError("VALIDATION", `unknown predictor method ${JSON.stringify(method)}`);
  }
}

export interface TrainedVersion {
  predictor: BasePredictor;
  /** validation metrics per platform (the promotion criterion) */
  val: Record<string, Metrics>;
  /** mean validation MAPE over platforms */
  valMape: number;
  trainSamples: number;
  valSamples: number;
  /** the validation samples, so that the current version can be scored on the same split before promoting */
  valSet: Sample[];
}

/**
 * What a trainer (script or worker) runs: split the samples 90/10 by graph, train on the 90 (GNN model
 * selection on the 10), wrap the result in the guard (lib/predict/guard.ts: analytical model, floor and
 * training distribution from the 90, σ calibrated on the 10; `guard: false` leaves it bare), and report the
 * validation metrics a promotion decision compares — of the predictor as it will be served.
 */
export async function trainVersion(
  method: Method,
  samples: Sample[],
  o: TrainOptions & { seed?: number; valFraction?: number; guard?: false | GuardOptions } = {},
): Promise<TrainedVersion> {
  const vf = o.valFraction ?? 0.1;
  const { train: tr, val, test } = randomSplit(samples, { seed: o.seed ?? 1, fractions: [1 - vf, vf, 0] });
  const valAll = [...val, ...test];
  const bare = await train(method, tr, { ...o, val: valAll });
  const predictor = o.guard === false ? bare : guardPredictor(bare, tr, valAll, o.guard ?? {});
  const m = evaluate(predictor, valAll);
  return { predictor, val: m, valMape: meanMape(m), trainSamples: tr.length, valSamples: valAll.length, valSet: valAll };
}

/** Mean MAPE over platforms of a per-platform metrics record. */
export function meanMape(m: Record<string, Metrics>): number {
  const xs = Object.values(m).map((x) => x.mape);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/**
 * Promotion rule of the evolving predictor: the candidate replaces the current version when its mean
 * validation MAPE, on the candidate's validation split and over the platforms both model, is lower.
 */
export function shouldPromote(
  candidate: TrainedVersion,
  current: BasePredictor | null,
): { promote: boolean; candidateMape: number; currentMape: number | null } {
  if (!current) return { promote: true, candidateMape: candidate.valMape, currentMape: null };
  const shared = candidate.valSet.filter((s) => current.platforms.includes(s.platform));
  const cur = meanMape(evaluate(current, shared));
  const cand = meanMape(evaluate(candidate.predictor, shared));
  return { promote: !(cur <= cand), candidateMape: cand, currentMape: cur };
}
