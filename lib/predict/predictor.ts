/**
 * The one predictor interface every method implements (GNN and baselines), so the leaderboard compares
 * them on identical inputs, and the serialised form they share (a JSON manifest plus optional binary
 * weights) that the browser loads from /public or an API URL.
 */
import { NnlqError } from "@/lib/errors";
import { buildGraph, decodeModel, extractFeatures, FEATURE_SET_VERSION, inferShapes, type GraphFeatures, type GraphIR } from "@/lib/onnx";
import type { GraphInput, Sample } from "./dataset";

/** ONNX bytes (structure-only is enough), a graph IR, lib/onnx features, or a dataset graph. */
export type PredictInput = Uint8Array | GraphIR | GraphFeatures | GraphInput;

export type Regime = "in-distribution" | "extrapolated";

export interface PlatformPrediction {
  platform: string;
  latencyMs: number;
  /**
   * σ (ms): calibrated on held-out data for a guarded predictor (±2σ holds about 95% of measured values);
   * the raw ensemble spread of an unguarded GNN; null where the method has none
   */
  uncertaintyMs: number | null;
  /** which regime answered (guarded predictors, lib/predict/guard.ts) */
  regime?: Regime;
  /** the platform's analytical estimate (floor + FLOPs + bytes), ms (guarded predictors) */
  analyticalMs?: number;
  /** why the graph counts as extrapolated (empty when in distribution) */
  reasons?: string[];
}

export const ARTIFACT_FORMAT = "nnlq-predictor/1";

export interface PredictorManifest {
  format: typeof ARTIFACT_FORMAT;
  method: string;
  version: string;
  featureSetVersion: string;
  platforms: string[];
  createdAt: string;
  trainingSetSize: number;
  /** method-specific JSON state (coefficients, tables, forests, normalisation, architecture) */
  state: unknown;
  /** layout of the binary weights (GNN): name, shape and float offset into weights.bin */
  weightSpecs?: { name: string; shape: number[]; offset: number }[];
  /** file name of the binary weights relative to the manifest (default weights.bin) */
  weightsFile?: string;
  metrics?: unknown;
  /**
   * The guard (lib/predict/guard.ts): per-platform analytical model and floor, the training distribution and
   * the σ calibration. Present → load() serves the predictor wrapped in a GuardedPredictor; manifests written
   * before it existed load unchanged.
   */
  guard?: unknown;
}

export interface PredictorArtifacts {
  manifest: PredictorManifest;
  /** little-endian float32 weights (GNN only) */
  weights?: Float32Array;
}

export interface Predictor {
  readonly method: string;
  readonly version: string;
  readonly platforms: readonly string[];
  /** one graph → one prediction per platform (all platforms by default) */
  predict(input: PredictInput, platforms?: readonly string[]): PlatformPrediction[];
  /** many graphs → per graph, one prediction per platform */
  predict(inputs: PredictInput[], platforms?: readonly string[]): PlatformPrediction[][];
  save(): PredictorArtifacts;
  dispose(): void;
}

/** Features of any accepted input; refuses features of another feature-set version. */
export function toFeatures(input: PredictInput): GraphFeatures {
  let f: GraphFeatures;
  if (input instanceof Uint8Array) f = extractFeatures(inferShapes(buildGraph(decodeModel(input))));
  else if ("nodeFeatures" in input) f = input;
  else if ("features" in input && "nodeNames" in input) f = input.features;
  else if ("nodes" in input && "order" in input) f = extractFeatures(input.shapesInferred ? input : inferShapes(input));
  else throw new NnlqError("VALIDATION", "predict: expected ONNX bytes, a graph IR or lib/onnx features");
  if (f.version !== FEATURE_SET_VERSION) {
    throw new NnlqError("VALIDATION", `features of version ${f.version}, this predictor reads ${FEATURE_SET_VERSION}`, {
      version: f.version,
    });
  }
  return f;
}

/** What a guarded prediction adds: regime, analytical estimate, reasons. */
export interface PredictionInfo { regime: Regime; analyticalMs: number; reasons: string[] }

/** Result grid of a batch: latency (and optional uncertainty, guard info) at [graph * platforms + platform]. */
export interface PredictionGrid {
  latency: Float64Array;
  uncertainty: Float64Array | null;
  /** per cell (guarded predictors), null where a cell has none */
  info?: (PredictionInfo | null)[];
}

/** Predictions of samples, each on its own platform (evaluation). */
export interface SamplePredictions {
  latency: Float64Array;
  uncertainty: Float64Array | null;
  /** 1 where the guard answered "extrapolated" (guarded predictors), else null */
  extrapolated: Uint8Array | null;
}

/** Shared predict() plumbing: input conversion, platform selection, result shaping. */
export abstract class BasePredictor implements Predictor {
  abstract readonly method: string;
  constructor(readonly version: string, readonly platforms: readonly string[], readonly trainingSetSize = 0) {}

  /** Predict `features` on `platforms` (all known to this predictor). */
  protected abstract run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid;
  protected abstract state(): { state: unknown; weights?: Float32Array; weightSpecs?: PredictorManifest["weightSpecs"] };

  predict(input: PredictInput, platforms?: readonly string[]): PlatformPrediction[];
  predict(inputs: PredictInput[], platforms?: readonly string[]): PlatformPrediction[][];
  predict(inputs: PredictInput | PredictInput[], platforms?: readonly string[]): PlatformPrediction[] | PlatformPrediction[][] {
    const many = Array.isArray(inputs);
    const list = many ? inputs : [inputs];
    const plats = platforms ?? this.platforms;
    for (const p of plats) {
      if (!this.platforms.includes(p))
        throw new NnlqError("NOT_FOUND", `predictor ${this.version} has no model of platform ${p}`, {
          platform: p,
          platforms: [...this.platforms],
        });
    }
    const grid = this.run(list.map(toFeatures), plats);
    const P = plats.length;
    const out = list.map((_, g) =>
      plats.map((platform, p): PlatformPrediction => {
        const info = grid.info?.[g * P + p];
        return {
          platform,
          latencyMs: grid.latency[g * P + p],
          uncertaintyMs: grid.uncertainty ? grid.uncertainty[g * P + p] : null,
          ...(info ? { regime: info.regime, analyticalMs: info.analyticalMs, reasons: info.reasons } : {}),
        };
      }),
    );
    return many ? out : out[0];
  }

  /**
   * The raw result grid of features on platforms this predictor models (no input conversion or checks):
   * what a wrapper (lib/predict/guard.ts) builds on.
   */
  predictGrid(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    return this.run(features, platforms);
  }

  /** Predicted latency of each sample on its own platform (evaluation). */
  predictSamples(samples: Sample[]): Float64Array {
    return this.predictSamplesFull(samples).latency;
  }

  /** Latency, uncertainty and regime of each sample on its own platform (evaluation, calibration). */
  predictSamplesFull(samples: Sample[]): SamplePredictions {
    const latency = new Float64Array(samples.length);
    let uncertainty: Float64Array | null = null;
    let extrapolated: Uint8Array | null = null;
    const byPlatform = new Map<string, number[]>();
    samples.forEach((s, i) => {
      const l = byPlatform.get(s.platform);
      if (l) l.push(i);
      else byPlatform.set(s.platform, [i]);
    });
    for (const [platform, idx] of byPlatform) {
      const grid = this.run(idx.map((i) => samples[i].features), [platform]);
      idx.forEach((i, k) => {
        latency[i] = grid.latency[k];
        if (grid.uncertainty) (uncertainty ??= new Float64Array(samples.length).fill(NaN))[i] = grid.uncertainty[k];
        const info = grid.info?.[k];
        if (info) (extrapolated ??= new Uint8Array(samples.length))[i] = info.regime === "extrapolated" ? 1 : 0;
      });
    }
    return { latency, uncertainty, extrapolated };
  }

  save(): PredictorArtifacts {
    const { state, weights, weightSpecs } = this.state();
    return {
      manifest: {
        format: ARTIFACT_FORMAT, method: this.method, version: this.version, featureSetVersion: FEATURE_SET_VERSION,
        platforms: [...this.platforms], createdAt: new Date().toISOString(), trainingSetSize: this.trainingSetSize, state,
        ...(weightSpecs ? { weightSpecs, weightsFile: "weights.bin" } : {}),
      },
      ...(weights ? { weights } : {}),
    };
  }

  dispose(): void {}
}

/** Samples grouped by platform (sorted platform order). */
export function byPlatform(samples: Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of [...samples].sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0))) {
    const l = m.get(s.platform) ?? [];
    l.push(s);
    m.set(s.platform, l);
  }
  return m;
}
