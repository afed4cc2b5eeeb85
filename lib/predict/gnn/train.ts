/**
 * GNN training: relative-error loss (squared log ratio of predicted to measured latency, averaged over
 * every measured (graph, platform) pair), bootstrap weights per ensemble head, an auxiliary node-level loss
 * on the ORT profile kernels (the summed contributions of the nodes fused into a kernel should match the
 * kernel's share of the latency), Adam with cosine decay, model selection by validation MAPE (best epoch
 * kept, early stop on patience). Fine-tuning (few-shot transfer) starts from a trained predictor and trains
 * the heads only or everything.
 */
import * as tf from "@tensorflow/tfjs";
import { NnlqError } from "@/lib/errors";
import type { Sample } from "../dataset";
import { mape } from "../metrics";
import { median, seededRandom, shuffle, weightedLeastSquares } from "../numeric";
import { Csr, spmm } from "../sparse";
import { DEFAULT_GNN_CONFIG, GnnModel, nodeFeaturesOf, type GnnConfig } from "./model";
import { GnnPredictor } from "./predictor";
import { fitNormalizer, makeBatch, prepareGraph, type Normalizer, type PreparedGraph } from "./prep";

export interface EpochLog {
  epoch: number;
  epochs: number;
  loss: number;
  auxLoss: number;
  /** mean over platforms of the validation MAPE (%), null without validation data */
  valMape: number | null;
  bestValMape: number | null;
  bestEpoch: number;
  lr: number;
  elapsedMs: number;
  etaMs: number;
}

export interface GnnTrainOptions {
  version?: string;
  config?: Partial<GnnConfig>;
  epochs?: number;
  /** graphs per step */
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** weight of the kernel-level auxiliary loss (0 disables it) */
  auxWeight?: number;
  /**
   * Weight of a penalty on the nodes' log-rate deviations from their head's base rates (mean square):
   * keeps the model near the FLOPs + memory regression it starts from unless the data asks otherwise, so
   * an operator pattern absent from training extrapolates less (0, the default, disables it).
   */
  deviationWeight?: number;
  /**
   * Relative-error loss on r = log(predicted / measured): "sq" = r² (default), "huber" = Huber(r, 0.1)
   * (quadratic within ±10%, linear beyond: robust to outlier measurements).
   */
  loss?: "sq" | "huber";
  /** validation samples for model selection / early stopping */
  val?: Sample[];
  /** epochs without validation improvement before stopping */
  patience?: number;
  /**
   * Wall-clock budget: after the first epoch the number of epochs shrinks to what fits (the learning-rate
   * schedule follows), and training stops after an epoch that exceeds it.
   */
  timeBudgetMs?: number;
  /** start from this trained predictor (its normaliser and weights; it is not modified) */
  init?: GnnPredictor;
  /** with init: train only the heads of the platforms in the training set, or everything */
  trainable?: "all" | "heads";
  /**
   * with init, a new platform's head starts as the pretrained head that fits its samples best after one
   * scale factor ("nearest", default), or as the FLOPs + memory regression of its samples ("regression")
   */
  headInit?: "nearest" | "regression";
  onHeadInit?: (info: { platform: string; from: string; scale: number; mape: number; regressionMape: number }) => void;
  onEpoch?: (log: EpochLog) => void;
}

interface TrainGraph {
  g: PreparedGraph;
  /** log latency (ms) per platform index, NaN = not measured */
  target: Float32Array;
  /** bootstrap weight per (platform, head) */
  boot: Float32Array;
  /** per platform: kernels as feature rows and log target (ms) */
  kernels: { rows: number[]; logMs: number }[][];
}

const EPS_MS = 2e-3;

function groupByGraph(samples: Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) {
    const l = m.get(s.graph.key);
    if (l) l.push(s);
    else m.set(s.graph.key, [s]);
  }
  return m;
}

function poisson1(rand: () => number): number {
  const L = Math.exp(-1);
  let k = 0, p = 1;
  do {
    k++;
    p *= rand();
  } while (p > L);
  return k - 1;
}

function prepareTrain(samples: Sample[], platforms: string[], norm: Normalizer, K: number, rand: () => number): TrainGraph[] {
  const P = platforms.length;
  const pIndex = new Map(platforms.map((p, i) => [p, i]));
  return [...groupByGraph(samples).values()].map((list) => {
    const target = new Float32Array(P).fill(NaN);
    const kernels: TrainGraph["kernels"] = platforms.map(() => []);
    for (const s of list) {
      const p = pIndex.get(s.platform)!;
      target[p] = Math.log(s.latencyMs);
      if (s.kernels && s.kernelSumUs && s.kernelSumUs > 0) {
        const scale = s.latencyMs / s.kernelSumUs; // kernel µs → ms share of the measured latency
        kernels[p] = s.kernels.filter((k) => k.rows.length).map((k) => ({ rows: k.rows, logMs: Math.log(k.us * scale + EPS_MS) }));
      }
    }
    const boot = new Float32Array(P * K);
    for (let i = 0; i < P * K; i++) boot[i] = i % K === 0 ? 1 : poisson1(rand);
    return { g: prepareGraph(list[0].features, norm), target, boot, kernels };
  });
}

const HUBER_DELTA = 0.1;

/** Elementwise loss of log ratios. */
function relLoss(r: tf.Tensor, kind: "sq" | "huber"): tf.Tensor {
  if (kind === "sq") return tf.square(r);
  const a = tf.abs(r);
  const q = tf.minimum(a, HUBER_DELTA);
  // 2·Huber: q² + 2δ(|r| − q) — equals r² within ±δ, continues linearly with the same slope beyond
  return tf.add(tf.mul(q, q), tf.mul(2 * HUBER_DELTA, tf.sub(a, q)));
}

function batchLoss(
  model: GnnModel,
  items: TrainGraph[],
  platforms: string[],
  auxWeight: number,
  kind: "sq" | "huber" = "sq",
  deviationWeight = 0,
): { total: tf.Scalar; main: tf.Scalar; aux: tf.Scalar } {
  const batch = makeBatch(items.map((t) => t.g));
  const P = platforms.length,
    K = model.config.heads,
    G = items.length;
  const W = new Float32Array(G * P * K),
    T = new Float32Array(G * P * K);
  items.forEach((t, g) => {
    for (let p = 0; p < P; p++) {
      if (Number.isNaN(t.target[p])) continue;
      for (let k = 0; k < K; k++) {
        W[g * P * K + p * K + k] = t.boot[p * K + k];
        T[g * P * K + p * K + k] = t.target[p];
      }
    }
  });
  const { latency, nodeMs, deviation } = model.forward(batch, platforms);
  const logY = tf.log(latency);
  const w = tf.tensor2d(W, [G, P * K]);
  const main = tf.div(
    tf.sum(tf.mul(w, relLoss(tf.sub(logY, tf.tensor2d(T, [G, P * K])), kind))),
    Math.max(
      1e-6,
      W.reduce((a, b) => a + b, 0),
    ),
  ) as tf.Scalar;
  let aux = tf.scalar(0);
  if (auxWeight > 0) {
    const parts: tf.Scalar[] = [];
    let count = 0;
    for (let p = 0; p < P; p++) {
      const r: number[] = [], c: number[] = [], y: number[] = [];
      items.forEach((t, g) =>
        t.kernels[p].forEach((k) => {
          for (const row of k.rows) {
            r.push(y.length);
            c.push(batch.offsets[g] + row);
          }
          y.push(k.logMs);
        }),
      );
      if (!y.length) continue;
      const Kp = Csr.fromCoo(y.length, batch.numNodes, r, c);
      const perNode = tf.mean(tf.slice(nodeMs, [0, p * K], [batch.numNodes, K]), 1, true) as tf.Tensor2D;
      const pred = tf.log(tf.add(spmm(Kp, perNode), EPS_MS));
      parts.push(tf.sum(relLoss(tf.sub(pred, tf.tensor2d(y, [y.length, 1])), kind)) as tf.Scalar);
      count += y.length;
    }
    if (parts.length) aux = tf.div(tf.addN(parts), count) as tf.Scalar;
  }
  let total = tf.add(main, tf.mul(aux, auxWeight)) as tf.Scalar;
  if (deviationWeight > 0) total = tf.add(total, tf.mul(tf.mean(tf.square(deviation)), deviationWeight)) as tf.Scalar;
  return { total, main, aux };
}

/** Validation MAPE (%) per platform, predicted with the current weights. */
export function validationMape(pred: GnnPredictor, val: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  const y = pred.predictSamples(val);
  const by = new Map<string, number[]>();
  val.forEach((s, i) => {
    const l = by.get(s.platform);
    if (l) l.push(i);
    else by.set(s.platform, [i]);
  });
  for (const [p, idx] of by) out[p] = mape(idx.map((i) => y[i]), idx.map((i) => val[i].latencyMs));
  return out;
}

/**
 * Starting rates of a new head from a FLOPs + memory regression of the platform's samples (non-negative
 * least squares by clamping): the untrained model starts out as that regression.
 */
export function initialRates(list: Sample[]): [[number, number, number], number] {
  const y = list.map((s) => s.latencyMs);
  const X = list.map((s) => [s.stats.flops / 1e9, s.stats.memoryAccess / 1e6, s.stats.nodeCount]);
  const typical = median(y);
  let [a, b, c] = weightedLeastSquares(X, y, y.map((v) => 1 / (v * v)));
  const fl = median(X.map((x) => x[0])), mb = median(X.map((x) => x[1])), nodes = median(X.map((x) => x[2]));
  // keep every term positive and no smaller than 2% of the typical latency it explains
  a = Math.max(a, (0.02 * typical) / Math.max(fl, 1e-9));
  b = Math.max(b, (0.02 * typical) / Math.max(mb, 1e-9));
  c = Math.max(c, (0.02 * typical) / Math.max(nodes, 1));
  return [[Math.log(a), Math.log(b), Math.log(c)], Math.log(0.05 * typical)];
}

/**
 * The pretrained head whose predictions, times one fitted scale (the median ratio), best fit a new
 * platform's samples — if it beats the new head's regression start on them; null otherwise.
 */
function nearestHead(
  pred: GnnPredictor,
  candidates: readonly string[],
  platform: string,
  list: Sample[],
): { platform: string; scale: number; mape: number; regressionMape: number } | null {
  const y = list.map((s) => s.latencyMs);
  const fitOf = (yhat: ArrayLike<number>) => {
    const scale = Math.exp(median(y.map((v, i) => Math.log(v / Math.max(yhat[i], 1e-9)))));
    return {
      scale,
      mape: mape(
        Array.from(yhat, (v) => v * scale),
        y,
      ),
    };
  };
  const regressionMape = mape(pred.predictSamples(list), y);
  let best: { platform: string; scale: number; mape: number; regressionMape: number } | null = null;
  for (const q of candidates) {
    if (q === platform) continue;
    const f = fitOf(pred.predictSamples(list.map((s) => ({ ...s, platform: q }))));
    if (!best || f.mape < best.mape) best = { platform: q, ...f, regressionMape };
  }
  return best && best.mape < regressionMape ? best : null;
}

export async function trainGnn(train: Sample[], o: GnnTrainOptions = {}): Promise<GnnPredictor> {
  if (!train.length) throw new NnlqError("VALIDATION", "cannot train the GNN: no training samples");
  const seed = o.seed ?? 1;
  const rand = seededRandom(seed * 7919 + 13);
  const config: GnnConfig = o.init ? o.init.model.config : { ...DEFAULT_GNN_CONFIG, ...o.config };
  const trainPlatforms = [...new Set(train.map((s) => s.platform))].sort();
  const platforms = o.init ? [...o.init.platforms, ...trainPlatforms.filter((p) => !o.init!.platforms.includes(p))] : trainPlatforms;
  const norm = o.init ? o.init.norm : fitNormalizer([...groupByGraph(train).values()].map((l) => l[0].features), nodeFeaturesOf(config));
  const model = new GnnModel(config, [...platforms], seed);
  if (o.init) {
    const { specs, data } = o.init.model.exportWeights();
    model.importWeights(specs, data);
  }
  const data = prepareTrain(train, platforms, norm, config.heads, rand);
  const predictor = new GnnPredictor(o.version ?? "gnn", model, norm, seed, train.length);
  // heads without pretrained weights start at the data's typical scale: from scratch as the FLOPs + memory
  // regression of the platform's samples; in transfer as the pretrained head that, rescaled, fits them best
  // (or that regression, when it fits better)
  for (const p of trainPlatforms) {
    if (o.init?.platforms.includes(p)) continue;
    const list = train.filter((s) => s.platform === p);
    model.setHeadBias(p, ...initialRates(list));
    if (o.init && o.headInit !== "regression") {
      const best = nearestHead(predictor, o.init.platforms, p, list);
      if (best) {
        model.copyHead(best.platform, p, best.scale);
        o.onHeadInit?.({ platform: p, from: best.platform, scale: best.scale, mape: best.mape, regressionMape: best.regressionMape });
      }
    }
  }
  const vars = o.init && o.trainable === "heads" ? trainPlatforms.flatMap((p) => model.headVars(p)) : [...model.vars.values()];
  let epochs = o.epochs ?? 150;
  const B = o.batchSize ?? 32, lr0 = o.lr ?? 3e-3, aux = o.auxWeight ?? 0.3;
  const patience = o.patience ?? 40;
  const opt = tf.train.adam(lr0);
  const t0 = performance.now();
  let best = Infinity, bestEpoch = -1, snapshot: Map<string, Float32Array> | null = null;
  if (o.init && o.val?.length) {
    // in transfer the starting point is a candidate too: with a handful of shots, training can only make it worse
    const per = Object.values(validationMape(predictor, o.val));
    best = per.reduce((a, b) => a + b, 0) / per.length;
    snapshot = model.snapshot();
  }
  for (let epoch = 0; epoch < epochs; epoch++) {
    const lr = lr0 * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs)));
    (opt as unknown as { learningRate: number }).learningRate = lr; // AdamOptimizer reads it on every step
    const order = shuffle(data, rand);
    let lossSum = 0, auxSum = 0, steps = 0;
    for (let i = 0; i < order.length; i += B) {
      const items = order.slice(i, i + B);
      let parts: [number, number] = [0, 0];
      const cost = opt.minimize(() => {
        const { total, main, aux: a } = batchLoss(model, items, platforms, aux, o.loss ?? "sq", o.deviationWeight ?? 0);
        parts = [main.dataSync()[0], a.dataSync()[0]];
        return total;
      }, true, vars);
      cost?.dispose();
      lossSum += parts[0];
      auxSum += parts[1];
      steps++;
    }
    let valMape: number | null = null;
    if (o.val?.length) {
      const per = Object.values(validationMape(predictor, o.val));
      valMape = per.reduce((a, b) => a + b, 0) / per.length;
      if (valMape < best) {
        best = valMape;
        bestEpoch = epoch;
        snapshot = model.snapshot();
      }
    }
    const elapsedMs = performance.now() - t0;
    if (o.timeBudgetMs !== undefined && epoch === 0) epochs = Math.max(1, Math.min(epochs, Math.floor(o.timeBudgetMs / elapsedMs)));
    const stopBudget = o.timeBudgetMs !== undefined && elapsedMs > o.timeBudgetMs;
    const stopPatience = o.val?.length ? epoch - bestEpoch >= patience : false;
    o.onEpoch?.({
      epoch: epoch + 1,
      epochs,
      loss: lossSum / steps,
      auxLoss: auxSum / steps,
      valMape,
      bestValMape: Number.isFinite(best) ? best : null,
      bestEpoch: bestEpoch + 1,
      lr,
      elapsedMs,
      etaMs: (elapsedMs / (epoch + 1)) * (epochs - epoch - 1),
    });
    if (stopBudget || stopPatience) break;
    await new Promise((r) => setTimeout(r, 0));
  }
  opt.dispose();
  if (snapshot) model.restore(snapshot);
  return predictor;
}
