/** Schemas of model upload, latency query and measurement browsing (/api/v1/models, /query, /measurements). */
import { z } from "zod";
import { ALL_FAMILIES } from "@/lib/onnx/families";
import { batch, cursor, id, isoTime, limit, measurementQuality, platformSlug, qualityFilter, structureHash, visibility } from "./common";
import { inputShapesParam } from "./input-shapes";

/** Upload size limit of POST /api/v1/models (raw bytes; a full ONNX is stripped server-side). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** The effective limit: NNLQ_MAX_UPLOAD_BYTES on the server when set (tests, small deployments), else 256 MiB. */
export function uploadLimit(): number {
  const v = Number(typeof process !== "undefined" ? process.env?.NNLQ_MAX_UPLOAD_BYTES : undefined);
  return Number.isInteger(v) && v > 0 ? v : MAX_UPLOAD_BYTES;
}

export const family = z.enum(ALL_FAMILIES as [string, ...string[]], { error: `must be one of ${ALL_FAMILIES.join(", ")}` });

export const uploadQuery = z.object({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .regex(/\S/, "must not be empty")
    .max(255, "must be at most 255 characters")
    .optional(),
  visibility: visibility.default("private"),
  teamId: id.optional().describe("team that owns the upload (needed when a signed-in user belongs to several teams)"),
  batch: batch.optional().describe("resolves a symbolic batch dimension (default 1)"),
  inputs: inputShapesParam
    .optional()
    .describe(
      "explicit input shapes for symbolic dims, name=DxDxD pairs separated by ';' (e.g. images=1x3x640x640): the structure is " +
        "stripped with them, so the stored model, its hash and its measurements are at that size; without them symbolic dims " +
        "are defaulted and the analysis warns. Each name must be one of the model's inputs, given once, with the input's rank " +
        "and its fixed dims (only symbolic dims take a size): otherwise VALIDATION, naming the input",
    ),
});

export const analysisView = z.object({
  hash: structureHash,
  flops: z.number(),
  macs: z.number(),
  params: z.number(),
  memoryAccess: z.number(),
  activationMemory: z.number(),
  nodeCount: z.number(),
  opHistogram: z.record(z.string(), z.number()),
  family: z.object({ name: z.string(), confidence: z.number() }),
  inputs: z.record(z.string(), z.array(z.number())),
  outputs: z.record(z.string(), z.array(z.union([z.number(), z.string()]))),
  batch: z.number(),
  opset: z.number(),
  irVersion: z.number(),
  structureOnly: z.boolean(),
  warnings: z
    .array(z.string())
    .describe("what the analysis could not do as asked: symbolic input dims defaulted (give inputs), nodes of unknown cost..."),
});

export const modelView = z.object({
  id: z.number(),
  hash: structureHash,
  name: z.string(),
  family: z.string(),
  familyConfidence: z.number().nullable(),
  batch: z.number(),
  inputShapes: z.record(z.string(), z.array(z.number())),
  opset: z.number().nullable(),
  flops: z.number(),
  macs: z.number().nullable(),
  params: z.number(),
  memoryAccess: z.number(),
  activationMemory: z.number().nullable(),
  nodeCount: z.number(),
  opHistogram: z.record(z.string(), z.number()),
  visibility,
  source: z.enum(["upload", "zoo", "api"]),
  ownedByCaller: z.boolean().describe("true when one of the caller's teams owns the model"),
  onnxBytes: z.number().nullable().describe("size of the stored structure-only ONNX"),
  createdAt: isoTime,
});

export const uploadResponse = z.object({
  model: modelView
    .nullable()
    .describe("the stored (or already known and accessible) model; null for an anonymous lookup of an unknown structure"),
  analysis: analysisView,
  created: z.boolean().describe("a new model row was stored"),
  stored: z.boolean().describe("false for anonymous uploads: they are analysed and looked up, never stored"),
  stripped: z.boolean().describe("the upload carried weights and the server stripped them"),
  receivedBytes: z.number(),
  structureBytes: z.number(),
});

export const modelParams = z.object({ modelId: id });

/** A stored model row as GET /api/v1/teams/{teamId}/models lists it (the team's own models). */
export const teamModelRow = modelView.omit({ ownedByCaller: true }).extend({
  ownerTeamId: z.number().nullable(),
  uploadedBy: z.number().nullable(),
  zooSpec: z.record(z.string(), z.unknown()).nullable().describe("the zoo spec that regenerates the model (zoo models)"),
  storageKey: z.string().nullable(),
});
export const teamModelsResponse = z.object({ models: z.array(teamModelRow) });

// ── query ──

export const queryBody = z
  .object({
    modelId: id.optional(),
    hash: structureHash.optional(),
    platforms: z
      .array(platformSlug, { error: "must be a list of platform slugs" })
      .min(1, "must name at least one platform")
      .max(16, "must name at most 16 platforms"),
    batch: batch.optional().describe("default: the model's own batch"),
    teamId: id.optional().describe("team whose quota pays for measurements (API keys: their own team)"),
    priority: z.number().int("must be an integer").min(-10, "must be in -10…10").max(10, "must be in -10…10").default(0),
    remeasure: z.boolean().default(false).describe("queue a new measurement even when one exists"),
  })
  .refine((b) => (b.modelId === undefined) !== (b.hash === undefined), {
    message: "give exactly one of modelId or hash",
    path: ["modelId"],
  })
  // the refinement above, stated in the document (JSON Schema cannot be generated from a refine)
  .meta({ oneOf: [{ required: ["modelId"] }, { required: ["hash"] }], description: "exactly one of modelId or hash" });

export const stats = z.object({
  medianMs: z.number(),
  meanMs: z.number(),
  minMs: z.number(),
  maxMs: z.number().nullable(),
  p90Ms: z.number(),
  p99Ms: z.number(),
  stdMs: z.number(),
  cv: z.number().nullable(),
  runs: z.number(),
  warmups: z.number(),
  peakMemoryBytes: z.number().nullable(),
});

export const provenance = z.object({
  measurementId: z.number(),
  jobId: z.number().nullable(),
  device: z.object({ id: z.number(), hostName: z.string() }).nullable(),
  runtimeVersion: z.string(),
  measuredAt: isoTime,
  measurementCount: z.number().describe("how many runs of this model × platform × batch are stored"),
  deviceSeconds: z.number().nullable(),
  env: z.record(z.string(), z.unknown()).nullable(),
});

export const measuredResult = z.object({
  result: stats,
  provenance,
  quality: measurementQuality.describe("how trustworthy the label is: grade, clean runs / runs, CI, wall/CPU, interference"),
});

const errorInfo = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() });

export const queryItem = z.discriminatedUnion("status", [
  z.object({
    platform: z.string(),
    status: z.literal("measured"),
    result: stats,
    provenance,
    quality: measurementQuality,
    retake: z
      .object({ jobId: z.number(), state: z.enum(["queued", "running"]), queuePosition: z.number().nullable() })
      .nullable()
      .optional()
      .describe("a result graded estimated or contended (no clean one yet): the re-measurement queued for a quieter moment"),
    message: z.string().optional().describe("what an estimated or contended answer means, and what happens next"),
  }),
  z.object({
    platform: z.string(),
    status: z.enum(["queued", "running"]),
    jobId: z.number(),
    queuePosition: z.number().nullable().describe("queued jobs ahead of this one"),
    devicesOnline: z.number(),
  }),
  z.object({ platform: z.string(), status: z.literal("unsupported"), message: z.string(), jobId: z.number().nullable() }),
  z.object({ platform: z.string(), status: z.literal("not_measured"), message: z.string() }),
  z.object({ platform: z.string(), status: z.literal("error"), error: errorInfo }),
]);

export const queryResponse = z.object({
  model: z.object({ id: z.number(), hash: z.string(), name: z.string(), batch: z.number() }),
  batch: z.number(),
  results: z.array(queryItem),
});

/** GET /api/v1/models/{modelId}: the model and its newest result per platform × batch. */
export const modelResponse = z.object({
  model: modelView,
  results: z.array(measuredResult.extend({ platform: z.string(), batch: z.number() })),
});

// ── measurements ──

export const measurementsQuery = z.object({
  platform: platformSlug,
  family: family.optional(),
  batch: batch.optional(),
  teamId: id.optional().describe("only this team's models (members)"),
  quality: qualityFilter,
  cursor: cursor.optional(),
  limit: limit(200, 50),
});

export const measurementRow = z.object({
  model: z.object({ id: z.number(), hash: z.string(), name: z.string(), family: z.string(), flops: z.number(), params: z.number() }),
  platform: z.string(),
  batch: z.number(),
  visibility,
  result: stats,
  quality: measurementQuality,
  measurementId: z.number(),
  measurementCount: z.number(),
  measuredAt: isoTime,
});

export const measurementsResponse = z.object({
  items: z.array(measurementRow),
  nextCursor: z.string().nullable().describe("pass as ?cursor= for the next page (sorted by median latency)"),
});

export type UploadQuery = z.infer<typeof uploadQuery>;
export type AnalysisView = z.infer<typeof analysisView>;
export type ModelView = z.infer<typeof modelView>;
export type UploadResponse = z.infer<typeof uploadResponse>;
export type QueryBody = z.input<typeof queryBody>;
export type QueryItem = z.infer<typeof queryItem>;
export type QueryResponse = z.infer<typeof queryResponse>;
export type Stats = z.infer<typeof stats>;
export type Provenance = z.infer<typeof provenance>;
export type MeasuredResultView = z.infer<typeof measuredResult>;
export type ModelResponse = z.infer<typeof modelResponse>;
export type MeasurementsQuery = z.input<typeof measurementsQuery>;
export type MeasurementRow = z.infer<typeof measurementRow>;
export type MeasurementsResponse = z.infer<typeof measurementsResponse>;
