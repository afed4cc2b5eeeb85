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
