/**
 * Platform registry. A platform = hardware × runtime adapter (+ version) × precision × threads, plus the
 * conversion passes that turn an uploaded model into that platform's executable form. Slug:
 *   <hardware>/<runtime>-<major.minor>/<precision>/t<threads>     e.g. x86-epyc-2c/ort-cpu-1.30/fp32/t1
 * Specs are plain JSON (stored as rows of the platforms table by lib/db).
 */
import { NnlqError } from "@/lib/errors";
import { detectHost, hardwareSlug, type HostInfo } from "./host";
import { runtimeAdapter, RUNTIME_IDS, type RuntimeId } from "./runtime";

export type Precision = "fp32" | "fp16" | "int8";
export const PRECISIONS: readonly Precision[] = ["fp32", "fp16", "int8"];

export type PassName = "materialize-weights" | "set-shapes" | "quantize-int8-qdq" | "convert-fp16" | "check-ops";

export interface PlatformSpec {
  slug: string;
  /** e.g. "x86-epyc-2c" */
  hardware: string;
  runtime: RuntimeId;
  /** major.minor as in the slug, e.g. "1.30" */
  runtimeVersion: string;
  precision: Precision;
  threads: number;
  /** conversion passes applied in order before measuring */
  passes: PassName[];
  /** pin the measuring process to one core (single-threaded platforms) */
  pinned: boolean;
  description: string;
  hardwareInfo: { cpuModel: string; arch: string; cores: number; memoryBytes: number; cpuFlags: string[] };
}

const PASSES: Record<Precision, PassName[]> = {
  fp32: ["materialize-weights", "set-shapes", "check-ops"],
  int8: ["materialize-weights", "set-shapes", "quantize-int8-qdq", "check-ops"],
  fp16: ["materialize-weights", "set-shapes", "convert-fp16", "check-ops"],
};

const RUNTIME_LABEL: Record<RuntimeId, string> = {
  "ort-cpu": "onnxruntime-node, CPU execution provider",
  "ort-wasm": "onnxruntime-web, WebAssembly SIMD (run in Node)",
};

const majorMinor = (v: string) => v.split(".").slice(0, 2).join(".");

export function runtimeVersionOf(runtime: RuntimeId): string {
  return majorMinor(runtimeAdapter(runtime).version);
}

export function makePlatform(host: HostInfo, runtime: RuntimeId, precision: Precision, threads: number): PlatformSpec {
  const hardware = hardwareSlug(host);
  const runtimeVersion = runtimeVersionOf(runtime);
  return {
    slug: `${hardware}/${runtime}-${runtimeVersion}/${precision}/t${threads}`,
    hardware, runtime, runtimeVersion, precision, threads,
    passes: [...PASSES[precision]],
    pinned: threads === 1,
    description: `${RUNTIME_LABEL[runtime]} ${runtimeVersion}, ${precision}, ${threads} thread${threads > 1 ? "s" : ""} on ${host.cpuModel} (${host.cores} cores)`,
    hardwareInfo: { cpuModel: host.cpuModel, arch: host.arch, cores: host.cores, memoryBytes: host.memoryBytes, cpuFlags: host.cpuFlags },
  };
}

/** The platforms this machine serves: ORT CPU 1 thread and all cores (fp32), ORT WASM SIMD (fp32), ORT CPU int8. */
export function localPlatforms(host: HostInfo = detectHost()): PlatformSpec[] {
  const list = [makePlatform(host, "ort-cpu", "fp32", 1)];
  if (host.cores > 1) list.push(makePlatform(host, "ort-cpu", "fp32", host.cores));
  list.push(makePlatform(host, "ort-wasm", "fp32", 1), makePlatform(host, "ort-cpu", "int8", 1));
  return list;
}

/**
 * A platform as a database row / worker-protocol registration describes it: the one mapping from the
 * registry to stored platforms (the seed, the local worker and the campaign all use it).
 */
export function platformRecord(p: PlatformSpec) {
  const runtimeName = p.runtime === "ort-wasm" ? "onnxruntime-web WASM SIMD" : "onnxruntime-node CPU";
  return {
    slug: p.slug,
    name: `${runtimeName}${p.precision === "fp32" ? "" : ` ${p.precision}`}, ${p.threads} thread${p.threads > 1 ? "s" : ""} (${p.hardware})`,
    hardware: p.hardware,
    runtime: p.runtime,
    runtimeVersion: p.runtimeVersion,
    precision: p.precision,
    threads: p.threads,
    config: { adapter: p.runtime, passes: [...p.passes], options: { pinned: p.pinned } },
    description: p.description,
  };
}

export interface ParsedSlug {
  hardware: string;
  runtime: string;
  runtimeVersion: string;
  precision: string;
  threads: number;
}

export function parsePlatformSlug(slug: string): ParsedSlug {
  const m = /^([a-z0-9][a-z0-9_.-]*)\/([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(\d+\.\d+)\/([a-z0-9]+)\/t(\d+)$/.exec(slug);
  if (!m)
    throw new NnlqError("VALIDATION", `'${slug}' is not a platform slug (<hardware>/<runtime>-<version>/<precision>/t<threads>)`, { slug });
  return { hardware: m[1], runtime: m[2], runtimeVersion: m[3], precision: m[4], threads: Number(m[5]) };
}

/**
 * Resolve any slug this host can execute: the local platforms, and other precision/thread combinations of
 * the local runtimes (e.g. fp16, which the measurement then reports as unsupported where it is).
 */
export function platformFromSlug(slug: string, host: HostInfo = detectHost()): PlatformSpec {
  const p = parsePlatformSlug(slug);
  const notHere = (why: string) => new NnlqError("NOT_FOUND", `platform ${slug} is not served by this host: ${why}`, { slug });
  if (p.hardware !== hardwareSlug(host)) throw notHere(`this host is ${hardwareSlug(host)}`);
  if (!(RUNTIME_IDS as readonly string[]).includes(p.runtime))
    throw notHere(`unknown runtime '${p.runtime}' (known: ${RUNTIME_IDS.join(", ")})`);
  const runtime = p.runtime as RuntimeId;
  if (p.runtimeVersion !== runtimeVersionOf(runtime)) throw notHere(`${runtime} is version ${runtimeVersionOf(runtime)} here`);
  if (!(PRECISIONS as readonly string[]).includes(p.precision))
    throw notHere(`unknown precision '${p.precision}' (known: ${PRECISIONS.join(", ")})`);
  if (p.threads < 1 || p.threads > host.cores) throw notHere(`threads must be 1..${host.cores}`);
  if (runtime === "ort-wasm" && p.threads !== 1) throw notHere("the WASM runtime is measured single-threaded");
  return makePlatform(host, runtime, p.precision as Precision, p.threads);
}
