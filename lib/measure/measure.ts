/**
 * One measurement, in the current process (the child entry calls this; runner.ts isolates it):
 * convert the model for the platform; for fp16, check first in a short profiled session that the kernels
 * really run in fp16 (before any timed run, and whether or not the profile is collected: an fp32 fallback
 * must never be stored as an fp16 latency); create the session, run the protocol, then profile in a second
 * session (profiling perturbs timings, so it never overlaps the timed runs), and record peak memory.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";
import { isNnlqError, NnlqError } from "@/lib/errors";
import { decodeModelProto } from "@/lib/onnx/proto";
import { detectHost, processMemory, type HostInfo } from "./host";
import { convertForPlatform, DEFAULT_WEIGHT_SEED, type Converted, type PassLog } from "./passes";
import { translateRuntimeError, verifyPrecision } from "./passes/ops";
import type { PlatformSpec } from "./platforms";
import { INT8_KERNELS, parseProfile, type OperatorProfile } from "./profile";
import { linuxProbe } from "./interference";
import {
  legacyQuality,
  runProtocol,
  runProtocolV2,
  type CpuStats,
  type LatencyStats,
  type MeasurementQuality,
  type ProtocolOptions,
  type ProtocolV2Options,
} from "./protocol";
import { randomFeeds, runtimeAdapter, scratchDir, type RuntimeSession } from "./runtime";

export interface MeasureOptions {
  batch?: number;
  inputs?: Record<string, number[]>;
  /** budget of one timed attempt, warm-up included (ms) */
  timeBudgetMs: number;
  seed?: number;
  /** collect the per-operator profile (default true) and over how many runs (default 10; fewer, down to 3,
   *  when that would take longer than the time budget) */
  profile?: boolean;
  profileRuns?: number;
  /**
   * protocol version (default 2: interference-aware, graded; 1: the old wall-time protocol, kept for
   * bench:repeat's comparison) and overrides (CI target, thresholds, waits...)
   */
  protocol?: { version?: 1 | 2 } & Partial<Omit<ProtocolOptions, "timeBudgetMs">> &
    Partial<Omit<ProtocolV2Options, "timeBudgetMs" | "threads" | "cores">>;
}

export interface MeasurementResult {
  platform: string;
  runtime: string;
  /** full runtime version, e.g. "1.30.0" */
  runtimeVersion: string;
  precision: string;
  threads: number;
  batch: number;
  inputs: Record<string, number[]>;
  /** statistics of the label's samples (clean runs' wall time; CPU time when estimated; all runs when contended) */
  stats: LatencyStats;
  /** how trustworthy the label is: grade, clean runs, interference... (protocol.ts MeasurementQuality) */
  quality: MeasurementQuality;
  /**
   * CPU time per timed run of the measuring process (ms, all its threads). On a single-threaded platform it
   * approximates the latency of an idle device; `busyRatio` = stats.median / (cpu.median / threads) well above
   * 1 means the CPU was shared with other work while measuring.
   */
  cpu: CpuStats & { busyRatio: number };
  attempts: number;
  noisy: boolean;
  attemptCvs: number[];
  sessionCreateMs: number;
  conversion: PassLog[];
  memory: {
    /** VmHWM of the measuring process, reset just before the session is created when the kernel allows */
    peakRssBytes: number;
    /** VmRSS right before session creation */
    baselineRssBytes: number;
    peakResetApplied: boolean;
    /** ORT CPU arena figures from the profile, when reported */
    ortInUsePeakBytes?: number;
    ortArenaHeldBytes?: number;
  };
  profile: OperatorProfile | null;
  /** what the runtime really executed: quantized integer kernels and the share of time they took */
  precisionCheck: { precision: string; int8Kernels: number; int8Share: number };
  pinnedCpu: number | null;
  host: Pick<
    HostInfo,
    | "hostname"
    | "cpuModel"
    | "cores"
    | "arch"
    | "memoryBytes"
    | "kernel"
    | "nodeVersion"
    | "cpuFlags"
    | "cpuVendor"
    | "cpuFamily"
    | "cpuModelNumber"
    | "cpuStepping"
    | "microarch"
    | "isa"
  >;
  measuredAt: string;
  /** wall time of the whole measurement including conversion (ms) */
  durationMs: number;
}

/** Reset VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs). */
function resetPeakRss(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

async function createSession(
  bytes: Uint8Array,
  platform: PlatformSpec,
  o: { profile?: boolean; optimizedModelPath?: string } = {},
): Promise<RuntimeSession> {
  try {
    return await runtimeAdapter(platform.runtime).createSession(bytes, { threads: platform.threads, ...o });
  } catch (e) {
    throw isNnlqError(e) ? e : translateRuntimeError(e, platform.slug, "session creation");
  }
}

async function guardRun<T>(platform: PlatformSpec, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw isNnlqError(e) ? e : translateRuntimeError(e, platform.slug, "inference");
  }
}

async function profileModel(
  { bytes, model: original }: Pick<Converted, "bytes" | "model">,
  platform: PlatformSpec,
  feedsSeed: number,
  runs: number,
  inputs: Parameters<typeof randomFeeds>[0],
): Promise<OperatorProfile> {
  const dir = fs.mkdtempSync(path.join(scratchDir(), "nnlq-opt-"));
  const optimizedModelPath = platform.runtime === "ort-cpu" ? path.join(dir, "optimized.onnx") : undefined;
  try {
    const session = await createSession(bytes, platform, { profile: true, optimizedModelPath });
    const run = session.prepare(randomFeeds(inputs, feedsSeed));
    const warm = 2;
    await guardRun(platform, async () => {
      for (let i = 0; i < warm + runs; i++) await run();
    });
    const events = await session.endProfiling();
    await session.release();
    const optimized =
      optimizedModelPath && fs.existsSync(optimizedModelPath) ? decodeModelProto(fs.readFileSync(optimizedModelPath)) : undefined;
    return parseProfile(events, { skipRuns: warm, original, optimized });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureModel(
  model: Uint8Array,
  platform: PlatformSpec,
  o: MeasureOptions,
  ctx: { pinnedCpu?: number | null; host?: HostInfo } = {},
): Promise<MeasurementResult> {
  const pinnedCpu = ctx.pinnedCpu ?? null;
  const started = performance.now();
  const seed = o.seed ?? DEFAULT_WEIGHT_SEED;
  const converted = await convertForPlatform(model, { platform, batch: o.batch, inputs: o.inputs, seed });
  const feeds = randomFeeds(converted.inputs, seed);

  // the precision check needs the kernels the runtime chose, which only a profiled session shows; it runs
  // before the timed protocol (an unsupported platform costs no measuring time) and before the peak-memory
  // reset below (its session does not count towards the measurement's memory)
  if (platform.precision === "fp16") {
    const check = await profileModel(converted, platform, seed, 1, converted.inputs);
    verifyPrecision(check.kernels, platform.precision, platform.slug);
  }

  const baselineRssBytes = processMemory().rssBytes;
  const peakResetApplied = resetPeakRss();
  const t0 = performance.now();
  const session = await createSession(converted.bytes, platform);
  const sessionCreateMs = performance.now() - t0;
  const run = session.prepare(feeds);
  await guardRun(platform, run); // surface runtime errors before timing
  const host = ctx.host ?? detectHost();
  const { version = 2, ...protocolOptions } = o.protocol ?? {};
  const measured =
    version === 1
      ? await guardRun(platform, async () => {
          const r = await runProtocol(run, { ...protocolOptions, timeBudgetMs: o.timeBudgetMs });
          return { ...r, quality: legacyQuality(r, platform.threads) };
        })
      : await guardRun(platform, () =>
          runProtocolV2(
            run,
            {
              maxWaitMs: env().NNLQ_MEASURE_MAX_WAIT_S * 1000,
              ...protocolOptions,
              timeBudgetMs: o.timeBudgetMs,
              threads: platform.threads,
              cores: host.cores,
            },
            { probe: linuxProbe },
          ),
        );
  const peakRssBytes = processMemory().peakRssBytes;
  await session.release();

  let profile: OperatorProfile | null = null;
  if (o.profile !== false) {
    // profiled runs: up to profileRuns, but about one time budget's worth for slow models (at least 3)
    const affordable = Math.floor(o.timeBudgetMs / Math.max(measured.stats.median, 1e-3));
    const runs = Math.max(3, Math.min(o.profileRuns ?? 10, affordable));
    profile = await profileModel(converted, platform, seed, runs, converted.inputs);
  }
  const int8 = profile?.kernels.filter((k) => INT8_KERNELS.has(k.opType)) ?? [];
  const quantizedNodes = Number(converted.log.find((l) => l.name === "quantize-int8-qdq")?.notes?.quantizedNodes ?? 0);
  if (platform.precision === "int8" && profile && quantizedNodes > 0 && int8.length === 0) {
    throw new NnlqError(
      "MEASUREMENT_FAILED",
      `the int8 model of platform ${platform.slug} ran no quantized kernel: the runtime did not fuse the QDQ graph`,
      { platform: platform.slug },
    );
  }
  return {
    platform: platform.slug,
    runtime: platform.runtime,
    runtimeVersion: runtimeAdapter(platform.runtime).version,
    precision: platform.precision,
    threads: platform.threads,
    batch: converted.inputs[0]?.dims[0] ?? 1,
    inputs: Object.fromEntries(converted.inputs.map((i) => [i.name, i.dims])),
    stats: measured.stats,
    quality: measured.quality,
    cpu: { ...measured.cpu, busyRatio: measured.cpu.median > 0 ? measured.stats.median / (measured.cpu.median / platform.threads) : 0 },
    attempts: measured.attempts,
    noisy: measured.noisy,
    attemptCvs: measured.attemptCvs,
    sessionCreateMs,
    conversion: converted.log,
    memory: {
      peakRssBytes, baselineRssBytes, peakResetApplied,
      ...(profile?.memory ? { ortInUsePeakBytes: profile.memory.inUsePeakBytes, ortArenaHeldBytes: profile.memory.arenaHeldBytes } : {}),
    },
    profile,
    precisionCheck: { precision: platform.precision, int8Kernels: int8.length, int8Share: int8.reduce((a, k) => a + k.share, 0) },
    pinnedCpu,
    host: {
      hostname: host.hostname,
      cpuModel: host.cpuModel,
      cores: host.cores,
      arch: host.arch,
      memoryBytes: host.memoryBytes,
      kernel: host.kernel,
      nodeVersion: host.nodeVersion,
      cpuFlags: host.cpuFlags,
      ...(host.cpuVendor !== undefined ? { cpuVendor: host.cpuVendor } : {}),
      ...(host.cpuFamily !== undefined ? { cpuFamily: host.cpuFamily } : {}),
      ...(host.cpuModelNumber !== undefined ? { cpuModelNumber: host.cpuModelNumber } : {}),
      ...(host.cpuStepping !== undefined ? { cpuStepping: host.cpuStepping } : {}),
      microarch: host.microarch,
      isa: host.isa,
    },
    measuredAt: new Date().toISOString(),
    durationMs: performance.now() - started,
  };
}
