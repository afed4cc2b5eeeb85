/**
 * lib/predict — latency predictors (isomorphic: features, inference and training run in Node and browsers;
 * Node-only helpers live in lib/predict/node).
 *
 *   load(url | artifacts)                → Predictor (any method)
 *   predictor.predict(graphs, platforms?) → { platform, latencyMs, uncertaintyMs }[] (per graph)
 *   predictor.save() / dispose()
 *   train(method, samples, opts)          → Predictor;  trainVersion(...) adds a validation split, the guard
 *                                           (analytical floor/clamps, regime, calibrated σ) and metrics
 *   runEvaluation(samples, opts)          → EvalReport; renderMarkdown(report)
 * Datasets: parseJsonl / samplesFromRows (dev data), samplesFromRelease (the data release),
 * buildSamples (plain records, e.g. from the database via lib/services).
 */
export {
  buildSamples,
  compactProfile,
  familiesOf,
  featureRowNames,
  graphInput,
  graphKeysOf,
  mapKernels,
  parseJsonl,
  platformsOf,
  samplesFromRelease,
  samplesFromRows,
  type DataRow,
  type GraphInput,
  type KernelRecord,
  type LabelStat,
  type ProfileSummary,
  type RawRecord,
  type ReleaseMeasurementLike,
  type ReleaseModelLike,
  type Sample,
  type SampleKernel,
} from "./dataset";
export {
  ARTIFACT_FORMAT,
  BasePredictor,
  toFeatures,
  type PlatformPrediction,
  type PredictionInfo,
  type Regime,
  type SamplePredictions,
  type PredictInput,
  type Predictor,
  type PredictorArtifacts,
  type PredictorManifest,
} from "./predictor";
export { load, fromArtifacts, decodeWeights } from "./load";
export {
  train,
  trainVersion,
  shouldPromote,
  meanMape,
  METHODS,
  METHOD_LABELS,
  isMethod,
  type Method,
  type TrainOptions,
  type TrainedVersion,
} from "./train";
export { evaluate } from "./evaluate";
export {
  GuardedPredictor,
  guardPredictor,
  fitGuard,
  calibrate,
  conformalFactor,
  graphProfile,
  isGuardState,
  GUARD_FORMAT,
  type GuardState,
  type GuardPlatform,
  type GuardOptions,
  type Calibration,
  type AnalyticalModel,
} from "./guard";
export {
  runEvaluation,
  renderMarkdown,
  mergeReports,
  shortPlatform,
  goalRows,
  coverageBySplit,
  type SplitName,
  type EvalOptions,
  type EvalReport,
  type EvalRow,
  type FewShotRow,
} from "./eval";
export {
  computeMetrics, mape, rmspe, accWithin, kendallTau, kendallTauWithin, coverage2Sigma, medianHalfWidth, type Metrics,
} from "./metrics";
export {
  randomSplit, leaveOneFamilyOut, fewShotSplit, realWorldSplit, zooMembership, type Split, type FewShotSplit,
} from "./splits";
export { GnnPredictor } from "./gnn/predictor";
export { trainGnn, type EpochLog, type GnnTrainOptions } from "./gnn/train";
export { DEFAULT_GNN_CONFIG, type GnnConfig } from "./gnn/model";
export { LinearPredictor } from "./baselines/linear";
export { RooflinePredictor } from "./baselines/roofline";
export { LookupTablePredictor } from "./baselines/lookup";
export { KernelRfPredictor } from "./baselines/kernel-rf";
export { Csr, spmm } from "./sparse";
