/**
 * Per-platform operator support: a static check before the runtime sees the model (operator domains the
 * runtime registers, operators a runtime is known to lack), translation of the runtime's own
 * session-creation errors into the same typed result, and a post-hoc precision check on the profile
 * (ORT's CPU provider accepts fp16 graphs but runs most nodes in fp32 through inserted Casts).
 * Every finding is NnlqError('UNSUPPORTED_OPERATOR', 'operator X is not supported on platform Y').
 */
import type { ModelProto } from "@/lib/onnx/proto";
import { NnlqError } from "@/lib/errors";
import type { KernelProfile } from "../profile";
import { graphOf } from "./tensor";

export interface OperatorSupport {
  /** operator domains the runtime registers kernels for ("" = ai.onnx) */
  domains: readonly string[];
  /** "domain:Op" or "Op" (default domain) the runtime cannot run at all */
  unsupported: readonly string[];
}

const ORT_DOMAINS = ["", "ai.onnx", "ai.onnx.ml", "com.microsoft", "com.microsoft.nchwc", "ai.onnx.preview.training"];

/**
 * Static tables. Both ORT 1.30 builds register the full ONNX operator set (probed: no default-domain op
 * among the current opset is missing from the wasm build), so what fails there is operator × data type,
 * caught from session creation below. Platforms of other runtimes (TFLite, TensorRT...) list theirs here.
 */
export const OPERATOR_SUPPORT: Record<string, OperatorSupport> = {
  "ort-cpu": { domains: ORT_DOMAINS, unsupported: [] },
  "ort-wasm": { domains: ORT_DOMAINS, unsupported: [] },
};

export function unsupported(op: string, platform: string, details: Record<string, unknown> = {}, why = ""): NnlqError {
  return new NnlqError("UNSUPPORTED_OPERATOR", `operator ${op} is not supported on platform ${platform}${why ? ` (${why})` : ""}`, {
    operator: op,
    platform,
    ...details,
  });
}

/** Throws UNSUPPORTED_OPERATOR for the first operator the runtime cannot register. */
export function checkOperators(model: ModelProto, runtime: string, platform: string): void {
  const support = OPERATOR_SUPPORT[runtime];
  if (!support) return;
  const local = new Set((model.functions ?? []).map((f) => `${f.domain ?? ""}:${f.name ?? ""}`));
  const deny = new Set(support.unsupported.map((u) => (u.includes(":") ? u : `:${u}`)));
  for (const n of graphOf(model).node ?? []) {
    const domain = n.domain ?? "";
    const key = `${domain === "ai.onnx" ? "" : domain}:${n.op_type ?? ""}`;
    if (local.has(`${domain}:${n.op_type ?? ""}`)) continue;
    const label = domain && domain !== "ai.onnx" ? `${domain}:${n.op_type}` : (n.op_type ?? "?");
    if (!support.domains.includes(domain))
      throw unsupported(label, platform, { node: n.name, domain }, `unknown operator domain '${domain}'`);
    if (deny.has(key)) throw unsupported(label, platform, { node: n.name, domain });
  }
}

/** Turn a runtime error (session creation or run) into a typed NnlqError. */
export function translateRuntimeError(e: unknown, platform: string, phase: string): NnlqError {
  const msg = String((e as Error)?.message ?? e).replace(/^.*ERROR_MESSAGE: /s, "");
  let m = msg.match(/Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'/);
  if (m)
    return unsupported(
      m[1],
      platform,
      { opsetVersion: Number(m[2]), node: m[3], runtimeMessage: msg },
      "no kernel for this operator and data type",
    );
  m = msg.match(/No Op registered for (\w+) with domain_version of (\d+)/);
  if (m) return unsupported(m[1], platform, { opset: Number(m[2]), runtimeMessage: msg }, `not registered at opset ${m[2]}`);
  m = msg.match(/([\w.]*):(\w+)\(-?\d+\) is not a registered function\/op/);
  if (m) return unsupported(m[1] && m[1] !== "ai.onnx" ? `${m[1]}:${m[2]}` : m[2], platform, { domain: m[1], runtimeMessage: msg });
  if (/invalid model|ShapeInferenceError|Type Error|schema\(|Required attribute/i.test(msg)) {
    return new NnlqError("ONNX_INVALID", `the runtime rejected the model: ${msg.slice(0, 500)}`, { platform, phase });
  }
  return new NnlqError("MEASUREMENT_FAILED", `${phase} failed on platform ${platform}: ${msg.slice(0, 500)}`, { platform, phase });
}

const LAYOUT_OR_CAST = new Set([
  "Cast",
  "ReorderInput",
  "ReorderOutput",
  "QuantizeLinear",
  "DequantizeLinear",
  "MemcpyFromHost",
  "MemcpyToHost",
]);

/**
 * fp16: every compute kernel must consume float16 (not float) tensors. ORT CPU converts unsupported fp16
 * nodes to fp32 behind inserted Casts, which would make a "fp16" latency a lie: reject instead.
 */
export function verifyPrecision(kernels: KernelProfile[], precision: string, platform: string): void {
  if (precision !== "fp16") return;
  const fp32 = kernels.filter((k) => !LAYOUT_OR_CAST.has(k.opType) && k.inputTypes.includes("float"));
  if (fp32.length > 0) {
    const ops = [...new Set(fp32.map((k) => k.opType))];
    throw new NnlqError(
      "UNSUPPORTED_OPERATOR",
      ops.length > 1
        ? `operators ${ops.join(", ")} are not supported in fp16 on platform ${platform} (the runtime would run them in fp32 behind inserted Casts)`
        : `operator ${ops[0]} is not supported in fp16 on platform ${platform} (the runtime would run it in fp32 behind an inserted Cast)`,
      { operator: ops[0], operators: ops, platform, precision },
    );
  }
}
