/**
 * An upload's analysis at explicit input shapes, shared by the compute pool's analyze job (the server) and
 * `nnlq query --input` (which analyses locally first, as the server will): the shapes are checked against
 * the model's declared inputs, then written into the structure by stripping — also when the upload carries
 * no weights — so the stored model, its structure hash and every measurement of it are at that size. No
 * shapes: lib/onnx analyzeUpload as before (symbolic dims defaulted, and the summary's warnings say so).
 * Pure: no Node, no database.
 */
import { analyze, analyzeUpload, buildGraph, checkNodeCount, decodeModel, isStructureOnly, stripModel, type UploadAnalysis } from "@/lib/onnx";
import { checkInputShapes, type InputShapes } from "@/lib/api/schemas/input-shapes";

export interface ShapedUploadOptions {
  /** batch for a symbolic batch dimension (analyze's default otherwise) */
  batch?: number;
  /** explicit input shapes (input name → full shape) */
  inputs?: InputShapes;
  /** refuse graphs of more main-graph nodes than this (GRAPH_TOO_LARGE) */
  maxNodes?: number;
}

export function analyzeUploadAt(bytes: Uint8Array, o: ShapedUploadOptions = {}): UploadAnalysis {
  if (!o.inputs || !Object.keys(o.inputs).length) return analyzeUpload(bytes, { batch: o.batch, maxNodes: o.maxNodes });
  const decoded = decodeModel(bytes);
  if (o.maxNodes !== undefined) checkNodeCount(decoded, o.maxNodes);
  checkInputShapes(buildGraph(decoded), o.inputs);
  // the stripped model is analysed as built, not decoded from its bytes again
  const structure = stripModel(decoded, { inputs: o.inputs });
  const summary = analyze(structure, o.batch ? { batch: o.batch } : undefined);
  return { stripped: !isStructureOnly(decoded), structure: structure.bytes, summary };
}
