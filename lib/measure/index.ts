/**
 * lib/measure public API (Node only): platforms of this host, conversion passes, the measurement protocol
 * and the isolated runner, per-operator profiles, and offline bundles. Workers and the queue build on this.
 */
export { detectHost, hardwareSlug, processMemory, type HostInfo } from "./host";
export {
  localPlatforms,
  platformFromSlug,
  parsePlatformSlug,
  makePlatform,
  PRECISIONS,
  type PlatformSpec,
  type Precision,
  type PassName,
  type ParsedSlug,
} from "./platforms";
export { measureInChild, runChild, deviceQueue, DeviceQueue, acquireFileLock, type MeasureInChildOptions } from "./runner";
export { measureModel, type MeasureOptions, type MeasurementResult } from "./measure";
export {
  runProtocol,
  measureOnce,
  summarize,
  medianCi,
  quantile,
  processCpuMs,
  type LatencyStats,
  type CpuStats,
  type ProtocolOptions,
  type ProtocolResult,
} from "./protocol";
export { parseProfile, mapFusion, INT8_KERNELS, type OperatorProfile, type KernelProfile, type OpTypeSummary } from "./profile";
export {
  runtimeAdapter,
  randomFeeds,
  RUNTIME_IDS,
  type RuntimeId,
  type RuntimeAdapter,
  type RuntimeSession,
  type TraceEvent,
} from "./runtime";
export { convertForPlatform, ortCalibrator, DEFAULT_WEIGHT_SEED, type PassContext, type PassLog, type Converted } from "./passes";
export { setShapes, resolveInputShapes, readInputSpecs, type ShapeOptions, type InputSpec } from "./passes/shapes";
export {
  quantizeInt8,
  planQuantization,
  applyQdq,
  foldBatchNorm,
  exposeTensors,
  QUANTIZED_OPS,
  type Calibrator,
  type Range,
} from "./passes/quantize";
export { convertToFp16, convertModelToFp16 } from "./passes/fp16";
export { checkOperators, translateRuntimeError, verifyPrecision, OPERATOR_SUPPORT, type OperatorSupport } from "./passes/ops";
export {
  encodeJobsBundle,
  decodeJobsBundle,
  signResultsBundle,
  verifyResultsBundle,
  measureJobsBundle,
  BUNDLE_VERSION,
  type BundleJob,
  type BundleResult,
  type JobsHeader,
  type ResultsHeader,
} from "./bundle";
