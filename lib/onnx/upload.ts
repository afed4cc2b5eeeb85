/**
 * analyzeUpload: what the server, the campaign and the CLI do with a model someone hands in — decode it once,
 * refuse graphs over a node limit, strip its weights when it has any, and analyse the structure-only model
 * (the stripped model is analysed as built, not decoded from its bytes again).
 */
import { NnlqError } from "../errors";
import { analyze, type ModelSummary } from "./analyze";
import { decodeModel, type OnnxModel } from "./model";
import { isStructureOnly, stripModel } from "./strip";

export interface UploadAnalysis {
  /** true when the upload carried weights and they were stripped */
  stripped: boolean;
  /** structure-only ONNX bytes (the upload itself when it had no weights) */
  structure: Uint8Array;
  summary: ModelSummary;
}

export interface UploadOptions {
  /** batch for a symbolic batch dimension (analyze's default otherwise) */
  batch?: number;
  /** refuse graphs of more main-graph nodes than this (GRAPH_TOO_LARGE) */
  maxNodes?: number;
}

export function graphTooLarge(nodes: number, maxNodes: number): NnlqError {
  return new NnlqError("GRAPH_TOO_LARGE", `The graph has ${nodes} nodes; this server analyses at most ${maxNodes} (NNLQ_MAX_NODES)`, { nodes, maxNodes });
}

/** Throws GRAPH_TOO_LARGE when the main graph has more than `maxNodes` nodes. */
export function checkNodeCount(model: OnnxModel, maxNodes: number): void {
  const n = model.proto.graph?.node?.length ?? 0;
  if (n > maxNodes) throw graphTooLarge(n, maxNodes);
}

/** decode (once) → node-count check → strip when weighted → analyse the structure-only model. */
export function analyzeUpload(bytes: Uint8Array, o: UploadOptions = {}): UploadAnalysis {
  const decoded = decodeModel(bytes);
  if (o.maxNodes !== undefined) checkNodeCount(decoded, o.maxNodes);
  const stripped = !isStructureOnly(decoded);
  const structure = stripped ? stripModel(decoded) : decoded;
  const summary = analyze(structure, o.batch ? { batch: o.batch } : undefined);
  return { stripped, structure: structure.bytes, summary };
}
