/**
 * Browser entry of lib/predict: inference only (load a predictor version from a URL, predict, dispose) —
 * no training code and no random-forest library in the bundle (kernel-rf predictors still load: load()
 * imports them on demand). Use "@/lib/predict" in Node for training and evaluation.
 */
export { load, fromArtifacts, decodeWeights } from "./load";
export {
  ARTIFACT_FORMAT,
  BasePredictor,
  toFeatures,
  type PlatformPrediction,
  type PredictInput,
  type Predictor,
  type PredictorArtifacts,
  type PredictorManifest,
} from "./predictor";
export { GnnPredictor } from "./gnn/predictor";
export { computeMetrics, type Metrics } from "./metrics";
