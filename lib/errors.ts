/**
 * The one error class of nnlq. Every expected failure (bad input, missing permission, quota, malformed
 * ONNX...) is an NnlqError with a stable code and a human message. HTTP status is derived from the code
 * in one place (lib/api/http.ts); the CLI maps codes to exit codes. Isomorphic: no Node or Next imports.
 */
export const ERROR_CODES = {
  // generic input
  BAD_REQUEST: 400,
  VALIDATION: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  // auth
  UNAUTHENTICATED: 401,
  INVALID_API_KEY: 401,
  INVALID_WORKER_TOKEN: 401,
  DEVICE_DISABLED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** the path exists but not with this method; the response carries `Allow` */
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 402,
  // ONNX input (always the user's file: 4xx)
  ONNX_NOT_PROTOBUF: 422,
  ONNX_TRUNCATED: 422,
  ONNX_NO_GRAPH: 422,
  ONNX_DANGLING_INPUT: 422,
  ONNX_CYCLE: 422,
  ONNX_UNKNOWN_DOMAIN: 422,
  ONNX_UNSUPPORTED_OPSET: 422,
  ONNX_EXTERNAL_DATA: 422,
  ONNX_INVALID: 422,
  ONNX_SHAPE: 422,
  /** more graph nodes than the server analyses (NNLQ_MAX_NODES) */
  GRAPH_TOO_LARGE: 413,
  // platform / measurement
  UNSUPPORTED_OPERATOR: 422,
  MEASUREMENT_FAILED: 500,
  MEASUREMENT_TIMEOUT: 504,
  BUNDLE_INVALID: 422,
  LEASE_LOST: 409,
  /** a worker reported a result measured on a CPU other than its platform's hardware identity */
  HARDWARE_MISMATCH: 422,
  // server
  DB_UNAVAILABLE: 503,
  UNREACHABLE: 503,
  /** the compute pool (lib/compute): a job over its deadline, a thread that died, a full queue */
  COMPUTE_DEADLINE: 503,
  COMPUTE_FAILED: 503,
  COMPUTE_BUSY: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** True for a code of ERROR_CODES (e.g. one read back from a JSON error body). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export class NnlqError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "NnlqError";
    this.code = code;
    this.details = details;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isNnlqError(e: unknown): e is NnlqError {
  return e instanceof NnlqError || (typeof e === "object" && e !== null && (e as { name?: string }).name === "NnlqError");
}

/** HTTP status for an error code: the one mapping. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code] ?? 500;
}

/**
 * The part of an error text fit to store and show to users: stack frames ("    at f (/srv/x.ts:1:2)")
 * are dropped and absolute file paths are cut to their file name. Failure reasons come from workers, which
 * may be remote or old and send `error.stack`; stacks belong in the worker's own log.
 */
export function publicErrorText(text: string, max = 4000): string {
  const out = text
    .split(/\r?\n/)
    .filter((line) => !/^\s+at\s.*(?:\)|:\d+)\s*$/.test(line) && !/^\s+\.\.\. \d+ more/.test(line))
    .join("\n")
    .replace(/file:\/\//g, "")
    // POSIX paths of two or more segments (not URLs, not platform slugs like x86-8c/ort-cpu-1.20/fp32/t1)
    .replace(/(?<![\w.:/~-])(?:\/[^\s/:'"()]+)+\/([^\s/:'"()]+)/g, "$1")
    .replace(/\b[A-Za-z]:\\(?:[^\s\\:'"()]+\\)+([^\s\\:'"()]+)/g, "$1")
    .trim();
  return out.slice(0, max) || "failed without a message";
}
