/**
 * The decoded model every analysis works on (what decodeModel in model.ts returns), declared apart from
 * the decoder so the graph IR (graph.ts) can name it without importing the decoder. Types only.
 */
import type { FunctionProto, ModelProto } from "./messages";

export interface ExternalRef { tensor: string; location: string; offset?: number; length?: number }

export interface OnnxModel {
  proto: ModelProto;
  /** The decoded bytes (weights in proto stay views into these). */
  bytes: Uint8Array;
  /** ai.onnx opset version (1 for IR < 3 models without opset_import). */
  opset: number;
  /** domain → version ("" for ai.onnx). */
  opsets: Record<string, number>;
  irVersion: number;
  /** Model-local functions by "domain::name". */
  functions: Map<string, FunctionProto>;
  /** External-data references (by name only; never opened). */
  externalData: ExternalRef[];
}
