/** Small shared helpers of lib/onnx (isomorphic). */
import { NnlqError, type ErrorCode } from "../errors";

export function onnxError(code: ErrorCode, message: string, details?: Record<string, unknown>): NnlqError {
  return new NnlqError(code, message, details);
}

/** "" and "ai.onnx" are the same domain. */
export function normDomain(d: string | undefined): string {
  return !d || d === "ai.onnx" ? "" : d;
}

/** Op key "domain::op" for non-default domains, plain op type for ai.onnx. */
export function opKey(domain: string, opType: string): string {
  return domain ? `${domain}::${opType}` : opType;
}

/** Operators that only move data (a runtime that generates them around a fused kernel gives them no compute). */
export const MOVEMENT_OPS: ReadonlySet<string> = new Set(["Reshape", "Squeeze", "Unsqueeze", "Flatten", "Transpose", "Identity"]);

/**
 * The original node an onnxruntime kernel name derives from: "conv1_nchwc", "r1_token_3" and
 * "Reshape_24_new_reshape" name their stem; "MatMul_11/MatMulAddFusion" names the node before the first "/".
 */
export function kernelStem(name: string): string {
  const slash = name.indexOf("/");
  const head = slash > 0 ? name.slice(0, slash) : name;
  return head.replace(/(_nchwc|_token_\d+|_new_reshape)+$/, "");
}
