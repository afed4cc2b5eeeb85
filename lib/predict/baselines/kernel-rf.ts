/**
 * Kernel-level random forests (nn-Meter-style).
 *
 * Kernels are the fused groups the runtime really executed (ORT profile: each kernel with the original
 * nodes fused into it). Training learns, per platform:
 *  - fusion rules: for an edge u→v where u has one consumer, how often v ran in u's kernel, keyed by
 *    (op of the kernel's first node, op u, op v); and which ops the runtime eliminates (no kernel at all);
 *  - one random forest (ml-random-forest) per kernel type (the kernel's op sequence, e.g.
 *    "Conv+BatchNormalization+Relu") on kernel features (summed FLOPs/bytes/params, the anchor node's
 *    kernel size, strides, channels and shapes), predicting log µs; rare types share a fallback forest
 *    that also sees the anchor op;
 *  - a scale + offset from summed kernel time to measured latency (weighted least squares, relative).
 * Prediction detects kernels on the plain graph with the learned rules, predicts each, sums.
 */
import { RandomForestRegression } from "ml-random-forest";
import { OP_VOCAB, type GraphFeatures } from "@/lib/onnx";
import type { Sample } from "../dataset";
import { COL, nodeCosts, opIndex, seededRandom, shuffle, weightedLeastSquares } from "../numeric";
import { registerMethod } from "../registry";
import { BasePredictor, byPlatform, type PredictionGrid } from "../predictor";

type ForestJson = ReturnType<RandomForestRegression["toJSON"]>;

interface PlatformModel {
  /** "anchorOp|opU>opV" → [fused, seen] */
  rules: Record<string, [number, number]>;
  /** op index → [eliminated, seen] */
  eliminated: Record<string, [number, number]>;
  forests: Record<string, ForestJson>;
  fallback: ForestJson | null;
  scale: number;
  offsetMs: number;
}

export interface KernelRfOptions {
  version?: string;
  /** kernels of a type needed for its own forest (default 24) */
  minKernels?: number;
  nEstimators?: number;
  maxDepth?: number;
  /** at most this many kernels per forest (random subsample, default 300) */
  maxSamples?: number;
  seed?: number;
}

const opName = (k: number) => (k < OP_VOCAB.length ? OP_VOCAB[k] : "other");

/** Kernel type: ops of its nodes in graph order, each once. */
function kernelType(rows: number[], ops: Int32Array): string {
  return [...new Set(rows.map((r) => opName(ops[r])))].join("+");
}

interface GraphCtx { f: GraphFeatures; ops: Int32Array; costs: ReturnType<typeof nodeCosts>; outDeg: Int32Array; preds: number[][] }

function ctxOf(f: GraphFeatures): GraphCtx {
  const outDeg = new Int32Array(f.numNodes);
  const preds: number[][] = Array.from({ length: f.numNodes }, () => []);
  for (let e = 0; e < f.edgeSrc.length; e++) {
    outDeg[f.edgeSrc[e]]++;
    preds[f.edgeDst[e]].push(f.edgeSrc[e]);
  }
  return { f, ops: opIndex(f), costs: nodeCosts(f), outDeg, preds };
}

/** Features of a kernel made of `rows` (sorted). */
function kernelFeatures(c: GraphCtx, rows: number[], withOp: boolean): number[] {
  const { f, costs } = c;
  let fl = 0, mem = 0, par = 0, anchor = rows[0];
  for (const r of rows) {
    fl += costs.flops[r];
    mem += costs.mem[r];
    par += costs.params[r];
    if (costs.flops[r] > costs.flops[anchor]) anchor = r;
  }
  const X = f.nodeFeatures, base = anchor * f.numFeatures;
  const cols = [COL.kh, COL.kw, COL.sh, COL.sh + 1, COL.group, COL.cin, COL.cout];
  const shape = (start: number) => Array.from({ length: 7 }, (_, i) => X[base + start + i]);
  return [
    Math.log1p(fl), Math.log1p(mem), Math.log1p(par), rows.length,
    ...cols.map((j) => X[base + j]), ...shape(COL.in0), ...shape(COL.in1), ...shape(COL.out0),
    ...(withOp ? [c.ops[anchor]] : []),
  ];
}

/** Detect kernels with the learned fusion rules: groups of rows (eliminated rows dropped). */
function detectKernels(c: GraphCtx, m: PlatformModel): number[][] {
  const n = c.f.numNodes;
  const group = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  const rate = (x: [number, number] | undefined) => (x ? x[0] / Math.max(1, x[1]) : 0);
  for (let v = 0; v < n; v++) {
    if (rate(m.eliminated[c.ops[v]]) > 0.5) continue;
    let g = -1;
    for (const u of c.preds[v]) {
      if (group[u] < 0 || c.outDeg[u] !== 1) continue;
      const anchor = opName(c.ops[groups[group[u]][0]]);
      if (rate(m.rules[`${anchor}|${opName(c.ops[u])}>${opName(c.ops[v])}`]) > 0.5) {
        g = group[u];
        break;
      }
    }
    if (g < 0) {
      g = groups.length;
      groups.push([]);
    }
    group[v] = g;
    groups[g].push(v);
  }
  return groups;
}

/**
 * One forest. ml-cart tries every boundary between distinct targets at every node (O(n²) per feature), so
 * each type's kernels are randomly subsampled to `maxSamples` first.
 */
function forest(X: number[][], y: number[], o: Required<Omit<KernelRfOptions, "version">>, seed: number): RandomForestRegression {
  let Xs = X, ys = y;
  if (X.length > o.maxSamples) {
    const idx = shuffle(X.map((_, i) => i), seededRandom(seed)).slice(0, o.maxSamples);
    Xs = idx.map((i) => X[i]);
    ys = idx.map((i) => y[i]);
  }
  const rf = new RandomForestRegression({
    nEstimators: o.nEstimators, maxFeatures: 0.6, replacement: true, useSampleBagging: true, noOOB: true, seed,
    treeOptions: { maxDepth: o.maxDepth, minNumSamples: 3 },
  });
  rf.train(Xs, ys);
  return rf;
}

export class KernelRfPredictor extends BasePredictor {
  readonly method = "kernel-rf";
  private readonly live = new Map<string, RandomForestRegression>();
  constructor(version: string, readonly models: Record<string, PlatformModel>, trainingSetSize = 0) {
    super(version, Object.keys(models).sort(), trainingSetSize);
  }

  static train(samples: Sample[], opts: KernelRfOptions = {}): KernelRfPredictor {
    const o = { minKernels: 24, nEstimators: 20, maxDepth: 12, maxSamples: 300, seed: 1, ...opts };
    const models: Record<string, PlatformModel> = {};
    for (const [platform, list] of byPlatform(samples)) {
      const profiled = list.filter((s) => s.kernels?.some((k) => k.rows.length));
      if (!profiled.length) continue;
      const rules: PlatformModel["rules"] = {};
      const eliminated: PlatformModel["eliminated"] = {};
      const byType = new Map<string, { X: number[][]; y: number[] }>();
      const all = { X: [] as number[][], y: [] as number[] };
      for (const s of profiled) {
        const c = ctxOf(s.features);
        const kernelOf = new Int32Array(c.f.numNodes).fill(-1);
        const kernels = s.kernels!.filter((k) => k.rows.length);
        kernels.forEach((k, i) => k.rows.forEach((r) => (kernelOf[r] = i)));
        for (let r = 0; r < c.f.numNodes; r++) {
          const e = (eliminated[c.ops[r]] ??= [0, 0]);
          e[1]++;
          if (kernelOf[r] < 0) e[0]++;
        }
        for (let e = 0; e < c.f.edgeSrc.length; e++) {
          const u = c.f.edgeSrc[e], v = c.f.edgeDst[e];
          if (c.outDeg[u] !== 1 || kernelOf[u] < 0 || kernelOf[v] < 0) continue;
          const anchor = opName(c.ops[kernels[kernelOf[u]].rows[0]]);
          const rule = (rules[`${anchor}|${opName(c.ops[u])}>${opName(c.ops[v])}`] ??= [0, 0]);
          rule[1]++;
          if (kernelOf[u] === kernelOf[v]) rule[0]++;
        }
        for (const k of kernels) {
          const type = kernelType(k.rows, c.ops);
          const t = byType.get(type) ?? { X: [], y: [] };
          const target = Math.log(k.us + 1);
          t.X.push(kernelFeatures(c, k.rows, false));
          t.y.push(target);
          byType.set(type, t);
          all.X.push(kernelFeatures(c, k.rows, true));
          all.y.push(target);
        }
      }
      const model: PlatformModel = { rules, eliminated, forests: {}, fallback: null, scale: 1, offsetMs: 0 };
      let seed = o.seed;
      for (const [type, d] of byType) if (d.X.length >= o.minKernels) model.forests[type] = forest(d.X, d.y, o, seed++).toJSON();
      model.fallback = forest(all.X, all.y, o, seed++).toJSON();
      models[platform] = model;
      // calibrate summed kernel time → latency on every training graph of the platform
      const tmp = new KernelRfPredictor("tmp", { [platform]: model });
      const sums = list.map((s) => tmp.kernelSumMs(s.features, platform));
      const y = list.map((s) => s.latencyMs);
      const [scale, offset] = weightedLeastSquares(sums.map((v) => [v, 1]), y, y.map((v) => 1 / (v * v)));
      model.scale = scale > 0 ? scale : 1;
      model.offsetMs = scale > 0 ? offset : 0;
    }
    return new KernelRfPredictor(opts.version ?? "kernel-rf", models, samples.length);
  }

  static fromState(version: string, state: { models: Record<string, PlatformModel> }, trainingSetSize = 0): KernelRfPredictor {
    return new KernelRfPredictor(version, state.models, trainingSetSize);
  }

  private rf(platform: string, type: string | null): RandomForestRegression | null {
    const key = `${platform}\u0000${type ?? ""}`;
    let rf = this.live.get(key);
    if (!rf) {
      const json = type === null ? this.models[platform].fallback : this.models[platform].forests[type];
      if (!json) return null;
      rf = RandomForestRegression.load(json);
      this.live.set(key, rf);
    }
    return rf;
  }

  /** Detected kernels of a graph with their types (diagnostics, UI). */
  kernelsOf(f: GraphFeatures, platform: string): { type: string; rows: number[] }[] {
    const c = ctxOf(f);
    return detectKernels(c, this.models[platform]).map((rows) => ({ type: kernelType(rows, c.ops), rows }));
  }

  /** Sum of the predicted kernel times (ms), before calibration. */
  kernelSumMs(f: GraphFeatures, platform: string): number {
    const c = ctxOf(f);
    const groups = detectKernels(c, this.models[platform]);
    const byRf = new Map<RandomForestRegression, number[][]>();
    for (const rows of groups) {
      const own = this.rf(platform, kernelType(rows, c.ops));
      const rf = own ?? this.rf(platform, null)!;
      const l = byRf.get(rf) ?? [];
      l.push(kernelFeatures(c, rows, own === null));
      byRf.set(rf, l);
    }
    let us = 0;
    for (const [rf, X] of byRf) for (const v of rf.predict(X)) us += Math.max(0, Math.exp(v) - 1);
    return us / 1000;
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const P = platforms.length;
    const latency = new Float64Array(features.length * P);
    features.forEach((f, g) =>
      platforms.forEach((p, j) => {
        const m = this.models[p];
        latency[g * P + j] = Math.max(1e-4, m.scale * this.kernelSumMs(f, p) + m.offsetMs);
      }),
    );
    return { latency, uncertainty: null };
  }

  protected state() {
    return { state: { models: this.models } };
  }
}

registerMethod("kernel-rf", (version, state, n) => KernelRfPredictor.fromState(version, state, n));
