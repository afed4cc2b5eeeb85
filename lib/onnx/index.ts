/**
 * lib/onnx public API (isomorphic: no Node-only imports; runs in browsers, Web Workers and Node).
 * Every malformed input throws NnlqError with an ONNX_* code (see lib/errors.ts).
 */
export { decodeModel, fromProto, MAX_OPSET, type OnnxModel, type ExternalRef } from "./model";
export { buildGraph, forEachNode, type GraphIR, type NodeIR, type TensorIR, type Dim, type Shape, type ConstValue } from "./graph";
export { inferShapes, resolveOverrides, type ShapeOverrides, type InferOptions, type DefaultedDim } from "./shapes";
export { SUPPORTED_OPS } from "./shape-ops";
export { computeCost, type CostSummary, type NodeCost } from "./cost";
export { structureHash } from "./hash";
export { detectFamily, type FamilyResult } from "./family";
export { extractFeatures, FEATURE_SET_VERSION, FEATURE_NAMES, GRAPH_FEATURE_NAMES, OP_VOCAB, type GraphFeatures } from "./features";
export { stripWeights, stripModel, isStructureOnly, materializeWeights, materializedProto, STRUCTURE_ONLY_KEY } from "./strip";
export { analyzeUpload, checkNodeCount, graphTooLarge, type UploadAnalysis, type UploadOptions } from "./upload";
export { analyze, symbolicInputs, type ModelSummary, type SymbolicInput } from "./analyze";
export { DETECTABLE_FAMILIES, type DetectableFamily } from "./families";
