/**
 * Runtime adapters: one small interface over onnxruntime-node (CPU execution provider) and
 * onnxruntime-web (WASM SIMD, run inside Node from the wasm files in node_modules: nothing is fetched).
 * Each adapter creates sessions with a thread count, optional profiling (per-kernel trace after fusion)
 * and optionally saves the optimized graph so the profile can be mapped back to the original nodes.
 * Runtimes are imported lazily, so a child process loads only the runtime its platform needs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { env } from "@/lib/env";
import { DataType } from "@/lib/onnx/proto";
import { NnlqError } from "@/lib/errors";
import type { InputSpec } from "./passes/shapes";
import { floatToHalf } from "@/lib/onnx/float16";
import { seededRandom } from "@/lib/onnx/rng";
import { normals, numel, seedFor } from "./passes/tensor";
import { DEFAULT_INT_BOUND } from "./passes/values";

export type RuntimeId = "ort-cpu" | "ort-wasm";
export const RUNTIME_IDS: readonly RuntimeId[] = ["ort-cpu", "ort-wasm"];

/** One event of ORT's Chrome-trace profile. */
export interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  ts: number;
  args?: Record<string, unknown>;
}

export type HostTensor = {
  type: string;
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Float64Array;
  dims: number[];
};
export type HostFeeds = Record<string, HostTensor>;
export type Outputs = Record<string, { data: ArrayLike<number | bigint>; dims: readonly number[]; type: string }>;

export interface SessionOptions {
  threads: number;
  profile?: boolean;
  /** write the runtime-optimized graph here (ort-cpu only) */
  optimizedModelPath?: string;
}

export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Bind feeds once; the returned function runs one inference (what the protocol times). */
  prepare(feeds: HostFeeds): () => Promise<Outputs>;
  /** Stop profiling and return the trace events (empty when the session was not profiling). */
  endProfiling(): Promise<TraceEvent[]>;
  release(): Promise<void>;
}

export interface RuntimeAdapter {
  readonly id: RuntimeId;
  /** full version, e.g. "1.30.0" */
  readonly version: string;
  createSession(bytes: Uint8Array, o: SessionOptions): Promise<RuntimeSession>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type OrtModule = any;

function wrapSession(ort: OrtModule, session: any, readProfile: () => Promise<TraceEvent[]>): RuntimeSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    prepare(feeds) {
      const bound: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(feeds)) bound[name] = new ort.Tensor(t.type, t.data, t.dims);
      // fetch tensor outputs only (maps/sequences, e.g. ZipMap, cannot be read back by the JS bindings)
      const meta: { name: string; isTensor: boolean }[] | undefined = session.outputMetadata;
      const fetches = meta ? meta.filter((m) => m.isTensor).map((m) => m.name) : undefined;
      return async () => {
        const out = fetches ? await session.run(bound, fetches) : await session.run(bound);
        return out as Outputs;
      };
    },
    endProfiling: readProfile,
    release: async () => {
      await session.release?.();
    },
  };
}

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Where a measurement writes temp files: the per-child directory the runner removes, else the OS's. */
export function scratchDir(): string {
  return env().NNLQ_MEASURE_TMPDIR || os.tmpdir();
}

function packageVersion(pkg: string): string {
  const file = path.join(REPO_ROOT, "node_modules", pkg, "package.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")).version as string;
  } catch {
    return "unknown";
  }
}

const ortCpu: RuntimeAdapter = {
  id: "ort-cpu",
  get version() {
    return packageVersion("onnxruntime-node");
  },
  async createSession(bytes, o) {
    const ort: OrtModule = await import("onnxruntime-node");
    const profDir = o.profile ? fs.mkdtempSync(path.join(scratchDir(), "nnlq-prof-")) : undefined;
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ["cpu"],
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      enableProfiling: !!o.profile,
      ...(profDir ? { profileFilePrefix: path.join(profDir, "ort") } : {}),
      ...(o.optimizedModelPath ? { optimizedModelFilePath: o.optimizedModelPath } : {}),
    });
    return wrapSession(ort, session, async () => {
      if (!profDir) return [];
      session.endProfiling();
      try {
        const file = fs.readdirSync(profDir).find((f) => f.endsWith(".json"));
        return file ? (JSON.parse(fs.readFileSync(path.join(profDir, file), "utf8")) as TraceEvent[]) : [];
      } finally {
        fs.rmSync(profDir, { recursive: true, force: true });
      }
    });
  },
};

let wasmThreads: number | undefined;

const ortWasm: RuntimeAdapter = {
  id: "ort-wasm",
  get version() {
    return packageVersion("onnxruntime-web");
  },
  async createSession(bytes, o) {
    const ort: OrtModule = await import("onnxruntime-web");
    if (wasmThreads === undefined) {
      ort.env.wasm.numThreads = o.threads;
      ort.env.wasm.proxy = false;
      wasmThreads = o.threads;
    } else if (wasmThreads !== o.threads) {
      throw new NnlqError(
        "MEASUREMENT_FAILED",
        `onnxruntime-web was initialised with ${wasmThreads} threads in this process; ${o.threads} requested`,
      );
    }
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ["wasm"],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      enableProfiling: !!o.profile,
    });
    return wrapSession(ort, session, async () => {
      if (!o.profile) return [];
      // onnxruntime-web prints the trace to stdout (Emscripten's console.log) when profiling ends.
      return captureStdout(() => session.endProfiling());
    });
  },
};

/**
 * Run fn while capturing what is written to stdout (Emscripten's print uses fs.writeSync(1, ...) in Node);
 * parse it as ORT's JSON trace.
 */
function captureStdout(fn: () => void): TraceEvent[] {
  const chunks: string[] = [];
  const toText = (c: unknown) => (typeof c === "string" ? c : Buffer.from(c as Uint8Array).toString("utf8"));
  const write = process.stdout.write;
  const writeSync = fs.writeSync;
  process.stdout.write = ((chunk: string | Uint8Array) => (chunks.push(toText(chunk)), true)) as typeof process.stdout.write;
  (fs as { writeSync: unknown }).writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const text = toText(data);
    chunks.push(text);
    return Buffer.byteLength(text);
  };
  try {
    fn();
  } finally {
    process.stdout.write = write;
    (fs as { writeSync: unknown }).writeSync = writeSync;
  }
  const text = chunks.join("");
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start < 0 || end < start) return [];
  try {
    return JSON.parse(text.slice(start, end + 1)) as TraceEvent[];
  } catch {
    return [];
  }
}

export function runtimeAdapter(id: string): RuntimeAdapter {
  if (id === "ort-cpu") return ortCpu;
  if (id === "ort-wasm") return ortWasm;
  throw new NnlqError("NOT_FOUND", `unknown runtime '${id}' (known: ${RUNTIME_IDS.join(", ")})`);
}

/* ---------- synthetic inputs ---------- */

const TYPE_NAMES: Partial<Record<number, string>> = {
  [DataType.FLOAT]: "float32", [DataType.FLOAT16]: "float16", [DataType.DOUBLE]: "float64", [DataType.INT64]: "int64",
  [DataType.INT32]: "int32", [DataType.UINT8]: "uint8", [DataType.INT8]: "int8", [DataType.BOOL]: "bool",
};

/**
 * Deterministic random feeds for the given input specs: normals for floats; for integers, values in
 * 0..valueBound−1 when the input indexes a table (passes/values.ts: inside the smallest table it indexes),
 * else 0..7 (uint8 inputs with no index use and bools: zeros); an input with a `fill` (masks, generation
 * settings) gets that value everywhere.
 */
export function randomFeeds(specs: InputSpec[], seed: number): HostFeeds {
  const feeds: HostFeeds = {};
  for (const s of specs) {
    const type = TYPE_NAMES[s.elemType];
    if (!type)
      throw new NnlqError("ONNX_SHAPE", `input '${s.name}' has data type ${s.elemType}, which nnlq cannot synthesise`, { input: s.name });
    const n = numel(s.dims);
    const rand = seededRandom(seedFor(seed, s.name));
    const bound = s.valueBound ?? DEFAULT_INT_BOUND;
    const int = s.fill !== undefined ? () => s.fill! : () => Math.floor(rand() * bound);
    let data: HostTensor["data"];
    const floats = () => (s.fill !== undefined ? new Float32Array(n).fill(s.fill) : normals(n, rand));
    switch (type) {
      case "float32": data = floats(); break;
      case "float64": data = Float64Array.from(floats()); break;
      case "float16": data = Uint16Array.from(floats(), floatToHalf); break;
      case "int64": data = BigInt64Array.from({ length: n }, () => BigInt(int())); break;
      case "int32": data = Int32Array.from({ length: n }, int); break;
      case "int8": data = Int8Array.from({ length: n }, () => Math.min(int(), 127)); break;
      case "uint8": {
        const zeros = s.valueBound === undefined && s.fill === undefined;
        data = zeros ? new Uint8Array(n) : Uint8Array.from({ length: n }, () => Math.min(int(), 255));
        break;
      }
      default: data = new Uint8Array(n).fill(s.fill ? 1 : 0); // bool
    }
    feeds[s.name] = { type, data, dims: s.dims };
  }
  return feeds;
}
