/**
 * The worker protocol (/api/v1/worker/*): what any worker, in any language, sends and receives.
 * Human-readable description: docs/worker-protocol.md. Worker calls carry `X-Worker-Token` (register)
 * or `X-Device-Token` (everything else), never an Authorization header.
 */
import { z } from "zod";
import { GRADES, LABEL_KINDS } from "@/lib/quality";
import { isoTime, PLATFORM_SLUG, precision } from "./common";
import { stats as storedStats } from "./models";

export const WORKER_TOKEN_HEADER = "x-worker-token";
export const DEVICE_TOKEN_HEADER = "x-device-token";

const ms = z.number({ error: "must be a number of milliseconds" }).finite().min(0, "must be ≥ 0");

const IDENTITY = ["hardware", "runtime", "runtimeVersion", "precision", "threads"] as const;

export const platformSpec = z
  .object({
    slug: z
      .string()
      .max(160)
      .regex(PLATFORM_SLUG, "must be a platform slug like x86-epyc-2c/ort-cpu-1.30/fp32/t1")
      .optional()
      .describe(
        "`<hardware>/<runtime>-<version>/<precision>/t<threads>`; derived from the fields when omitted; given " +
          "with them, it must equal the derived one (an existing platform may be named by its slug alone)",
      ),
    name: z.string().trim().min(1).regex(/\S/, "must not be blank").max(200).optional(),
    hardware: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]*$/, "must be lowercase letters, digits, . _ - (e.g. x86-8c, jetson-orin, pixel8)")
      .max(120)
      .optional(),
    runtime: z
      .string()
      .regex(/^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/, "must be lowercase words joined by - (e.g. ort-cpu, trt, tflite)")
      .max(64)
      .optional(),
    runtimeVersion: z
      .string()
      .regex(/^\d+\.\d+$/, "must be major.minor, e.g. 1.30")
      .optional(),
    precision: precision.optional(),
    threads: z.number().int("must be an integer").min(1, "must be ≥ 1").max(4096, "must be ≤ 4096").optional(),
    config: z
      .object({
        adapter: z.string().min(1).max(64).optional().describe("runtime adapter the worker uses (default: runtime)"),
        passes: z.array(z.string().min(1).max(64)).max(32).optional().describe("conversion passes, in order"),
        options: z.record(z.string(), z.unknown()).optional().describe("adapter options; `gflops` (number) tunes the quota estimate"),
      })
      .optional(),
    description: z.string().max(2000).optional(),
  })
  .refine((p) => p.slug !== undefined || IDENTITY.every((k) => p[k] !== undefined), {
    message: `needs a slug or all of ${IDENTITY.join(", ")}`,
  })
  .meta({ anyOf: [{ required: ["slug"] }, { required: [...IDENTITY] }] });

export const registerBody = z.object({
  hostName: z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .regex(/\S/, "is required")
    .max(255, "must be at most 255 characters"),
  hostInfo: z
    .record(z.string(), z.unknown())
    .default({})
    .describe("CPU/GPU model, cores, memory, OS, driver... (free form, shown as provenance)"),
  platforms: z.array(platformSpec).min(1, "must list at least one platform").max(32, "must list at most 32 platforms"),
});

export const workerPlatform = z.object({
  id: z.number(),
  slug: z.string(),
  runtime: z.string(),
  runtimeVersion: z.string(),
  precision,
  threads: z.number(),
  config: z.object({ adapter: z.string(), passes: z.array(z.string()), options: z.record(z.string(), z.unknown()).optional() }),
  active: z.boolean(),
});

export const leaseTerms = z.object({
  leaseSeconds: z.number().describe("a lease lasts this long after a claim or heartbeat"),
  heartbeatSeconds: z.number().describe("send a heartbeat at least this often while measuring"),
  maxWaitSeconds: z.number().describe("longest long-poll a claim may ask for"),
});

export const registerResponse = z.object({
  devices: z.array(
    z.object({
      deviceId: z.number(),
      deviceToken: z.string().describe("send as X-Device-Token on every other worker call; rotated by each registration"),
      platform: workerPlatform,
      platformCreated: z.boolean(),
      releasedJobs: z.array(z.number()).describe("jobs this device held before (a previous process died) that went back to the queue"),
    }),
  ),
  lease: leaseTerms,
});

export const claimBody = z.object({
  waitSeconds: z.number().min(0, "must be ≥ 0").max(30, "must be ≤ 30").default(0).describe("long-poll: wait up to this long for a job"),
});

/**
 * Priority of a retake (a result graded estimated/contended measured again at a quieter moment): below users'
 * (0) and campaigns' (-10) work; no team. Workers wait for a quiet host before measuring such a job.
 */
export const RETAKE_PRIORITY = -20;

export const claimedJob = z.object({
  id: z.number(),
  attempt: z.number(),
  maxAttempts: z.number(),
  batch: z.number().describe("measure at this batch size (may differ from model.batch)"),
  priority: z.number(),
  leaseExpiresAt: isoTime,
  leaseSeconds: z.number(),
  heartbeatSeconds: z.number(),
  model: z.object({
    id: z.number(),
    hash: z.string(),
    batch: z.number(),
    inputShapes: z.record(z.string(), z.array(z.number())),
    opset: z.number().nullable(),
    flops: z.number(),
    url: z.string().describe("GET it with X-Device-Token: structure-only ONNX (application/octet-stream)"),
  }),
  platform: workerPlatform,
});

export const claimResponse = z.object({ job: claimedJob.nullable() });

export const heartbeatBody = z.object({
  progress: z.object({ phase: z.string().max(64).optional(), message: z.string().max(500).optional() }).optional(),
});

export const heartbeatResponse = z.object({
  cancel: z.boolean().describe("stop working on the job and send nothing more for it"),
  reason: z.enum(["cancelled", "lease_lost", "ended"]).nullable(),
  leaseExpiresAt: isoTime.nullable(),
});

export const deviceHeartbeatBody = z.object({ status: z.enum(["online", "busy"]).default("online") });
export const deviceHeartbeatResponse = z.object({ ok: z.literal(true), serverTime: isoTime });

/** a figure of the quality report: finite, or null where the worker computed NaN / Infinity (JSON has neither) */
const figure = z.number().finite().nullable();
const count = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/**
 * Protocol v2's quality report (lib/measure/protocol.ts MeasurementQuality). A result without it comes from
 * a protocol v1 worker and is stored as grade legacy (history, never a label).
 */
export const resultQuality = z.object({
  protocol: z.literal(2, { error: "must be 2 (protocol v1 workers send no quality)" }),
  grade: z.enum(GRADES.filter((g) => g !== "legacy") as ["clean", "estimated", "contended"], {
    error: "must be clean, estimated or contended",
  }),
  labelKind: z.enum(LABEL_KINDS.filter((k) => k !== "wall-v1") as ["wall-clean", "cpu-estimate", "wall-contended"], {
    error: "must be wall-clean, cpu-estimate or wall-contended",
  }),
  cleanRuns: count.describe("timed runs in clean windows"),
  runs: count.describe("timed runs in all"),
  ciRel: figure.describe("half-width of the label's 95% CI relative to the label"),
  wallCpuRatio: figure.describe("median wall time / median CPU time over all runs"),
  interferenceShare: figure.describe("host CPU time outside the measuring process / (wall × cores), 0..1"),
  runqShare: figure.optional().describe("run-queue delay of the measuring threads / wall"),
  nivcsw: figure.optional(),
  waitMs: figure.describe("time spent waiting for a quiet host, and in runs of contended windows (ms)"),
  windows: figure.optional(),
  cleanWindows: figure.optional(),
  cpuMedianMs: figure.optional().describe("idle-latency estimate from CPU time (ms)"),
  wallMedianAllMs: figure.optional(),
});

export const resultBody = z.object({
  runtimeVersion: z.string({ error: "is required" }).min(1).max(32).describe("full runtime version, e.g. 1.30.0"),
  stats: z.object({
    medianMs: ms,
    meanMs: ms,
    minMs: ms,
    maxMs: ms.optional(),
    p90Ms: ms,
    p99Ms: ms,
    stdMs: ms,
    cv: z.number().finite().min(0).optional(),
    runs: z
      .number()
      .int()
      .min(1, "must be ≥ 1")
      .max(2 ** 31 - 1, "must be at most 2147483647"),
    warmups: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1, "must be at most 2147483647"),
  }),
  peakMemoryBytes: z.number().int().min(0).optional(),
  profile: z
    .object({
      kernels: z.array(
        z
          .object({ name: z.string(), op: z.string(), ms: z.number(), count: z.number().optional(), nodes: z.array(z.string()).optional() })
          .loose(),
      ),
    })
    .loose()
    .optional()
    .describe("per-operator (kernel) profile"),
  env: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("provenance: host (CPU identity: the server checks it against the platform's hardware), OS, noisy flag, attempts..."),
  quality: resultQuality.optional().describe("protocol v2's grade and figures; absent: a protocol v1 worker (stored as legacy)"),
  deviceSeconds: z
    .number({ error: "is required" })
    .finite()
    .min(0, "must be ≥ 0")
    .max(86400)
    .describe("device time used (conversion + warm-up + timed runs): what the quota is charged"),
  measuredAt: z.iso.datetime({ error: "must be an ISO-8601 time" }).optional(),
});

export const resultResponse = z.object({
  job: z.object({ id: z.number(), state: z.literal("done") }),
  measurementId: z.number(),
  chargedSeconds: z.number().nullable(),
  result: storedStats,
  retakeJobId: z
    .number()
    .nullable()
    .optional()
    .describe("a result graded estimated or contended: the retake queued for a quieter moment (null: none queued)"),
});

export const failBody = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, "must be an error code like UNSUPPORTED_OPERATOR"),
  message: z.string({ error: "is required" }).min(1, "is required").max(4000),
  retry: z.boolean().optional().describe("requeue if attempts remain (default false; UNSUPPORTED_OPERATOR and ONNX_* never retry)"),
  deviceSeconds: z.number().finite().min(0).max(86400).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const failResponse = z.object({
  job: z.object({ id: z.number(), state: z.enum(["queued", "failed"]), attempts: z.number(), maxAttempts: z.number() }),
});

export const offlineResponse = z.object({ releasedJobs: z.array(z.number()) });

export const workerJobParams = z.object({
  jobId: z.coerce.number().int().positive("must be a positive integer"),
});
export const workerModelParams = z.object({
  file: z.string().regex(/^\d+\.onnx$/, "must be <modelId>.onnx"),
});

export type PlatformSpecInput = z.infer<typeof platformSpec>;
export type RegisterBody = z.input<typeof registerBody>;
export type RegisterResponse = z.infer<typeof registerResponse>;
export type ClaimedJob = z.infer<typeof claimedJob>;
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;
export type WorkerResult = z.infer<typeof resultBody>;
export type ResultQuality = z.infer<typeof resultQuality>;
export type WorkerFailure = z.infer<typeof failBody>;
export type WorkerPlatform = z.infer<typeof workerPlatform>;
export type ClaimResponse = z.infer<typeof claimResponse>;
export type ResultResponse = z.infer<typeof resultResponse>;
export type FailResponse = z.infer<typeof failResponse>;
export type DeviceHeartbeatResponse = z.infer<typeof deviceHeartbeatResponse>;
export type OfflineResponse = z.infer<typeof offlineResponse>;
