/**
 * Schemas of the public portal reads: /api/v1/browse (filtered, sorted, keyset pages of newest results),
 * /api/v1/stats/matrix (platform × family counts and median latencies) and /api/v1/leaderboards.
 * Isomorphic: the pages parse their search params with the same schemas.
 */
import { z } from "zod";
import { batch, cursor, grade, id, isoTime, limit, measurementQuality, PLATFORM_SLUG, platformSlug, qualityFilter, visibility } from "./common";
import { family, modelView, stats } from "./models";

const SI: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/**
 * A non-negative number with an optional SI suffix: "4.1G", "300M", "12.5", "1e9". Up to 40 digits after the
 * point: JavaScript writes 1.0000000000000113e-6 as 0.0000010000000011307402 (22), and a client may too.
 */
const SI_NUMBER = /^\s*([0-9]{0,20}\.?[0-9]{1,40}(?:e(?:[+-]?\d{1,2}|-\d{3}))?)\s*([kKMGT]?)\s*$/;

/** "4.1G" → 4.1e9, "300M", "12.5", "1e9"; anything else → NaN. */
export function parseSi(v: string): number {
  const m = SI_NUMBER.exec(v);
  return m ? Number(m[1]) * (m[2] ? SI[m[2]]! : 1) : NaN;
}

/** The rule is in the schema (so the OpenAPI document states it): a number ≥ 0, or a string of one with an SI suffix. */
const num = (what: string) =>
  z
    .union([z.number().min(0).max(1e99), z.string().regex(SI_NUMBER)], {
      error: `must be a non-negative ${what} (SI suffixes k, M, G, T allowed)`,
    })
    .transform((v) => (typeof v === "string" ? parseSi(v) : v))
    .pipe(z.number().finite(`must be a non-negative ${what} (SI suffixes k, M, G, T allowed)`));

export const BROWSE_SORTS = ["latency", "flops", "params"] as const;
export const source = z.enum(["upload", "zoo", "api"], { error: "must be upload, zoo or api" });

export const browseQuery = z
  .object({
    platform: platformSlug.optional().describe("default: the first platform (by slug) that has results"),
    family: family.optional(),
    batch: batch.optional(),
    source: source.optional(),
    flopsMin: num("number of FLOPs").optional().describe("FLOPs at the model's batch size; at most flopsMax"),
    flopsMax: num("number of FLOPs").optional(),
    latencyMin: num("latency in ms").optional().describe("median latency, ms; at most latencyMax"),
    latencyMax: num("latency in ms").optional(),
    sort: z.enum(BROWSE_SORTS, { error: `must be one of ${BROWSE_SORTS.join(", ")}` }).default("latency"),
    dir: z.enum(["asc", "desc"], { error: "must be asc or desc" }).default("asc"),
    scope: z.enum(["all", "team"], { error: "must be all or team" }).default("all").describe("team: only your teams' models"),
    quality: qualityFilter,
    cursor: cursor.optional(),
    limit: limit(200, 50),
  })
  .refine((q) => q.flopsMin === undefined || q.flopsMax === undefined || q.flopsMin <= q.flopsMax, {
    message: "must not exceed flopsMax",
    path: ["flopsMin"],
  })
  .refine((q) => q.latencyMin === undefined || q.latencyMax === undefined || q.latencyMin <= q.latencyMax, {
    message: "must not exceed latencyMax",
    path: ["latencyMin"],
  });

export const browseItem = z.object({
  model: z.object({
    id: z.number(),
    hash: z.string(),
    name: z.string(),
    family: z.string(),
    flops: z.number(),
    params: z.number(),
    source,
    visibility,
  }),
  batch: z.number(),
  medianMs: z.number(),
  measurementCount: z.number(),
  measuredAt: isoTime,
  quality: measurementQuality,
});

export const browseResponse = z.object({
  platform: z.string().nullable().describe("the platform browsed (null when nothing is measured yet)"),
  quality: qualityFilter.describe("the quality filter applied: clean (only clean rows) or all (every row, marked)"),
  items: z.array(browseItem),
  total: z.number().describe("matching rows, counted up to 10000"),
  totalCapped: z.boolean().describe("true when more than 10000 rows match"),
  nextCursor: z.string().nullable().describe("pass as ?cursor= (with the same filters) for the next page"),
});

export const matrixQuery = z.object({
  batch: batch.default(1).describe("batch size of the results counted (default 1)"),
  quality: qualityFilter,
});

export const matrixResponse = z.object({
  batch: z.number(),
  quality: qualityFilter.describe("the quality filter applied"),
  platforms: z.array(z.object({ id: z.number(), slug: z.string(), name: z.string() })),
  families: z.array(z.object({ name: z.string(), label: z.string() })),
  cells: z.array(z.object({ platform: z.string(), family: z.string(), count: z.number(), medianMs: z.number() })),
  totals: z.object({ results: z.number(), models: z.number() }),
});

export const leaderboardQuery = z.object({
  platform: platformSlug.optional().describe("default: the first platform (by slug) that has results"),
  batch: batch.default(1),
  perFamily: limit(20, 5).describe("fastest models listed per family"),
  quality: qualityFilter,
});

const ranked = z.object({
  id: z.number(),
  name: z.string(),
  family: z.string(),
  flops: z.number(),
  params: z.number(),
  medianMs: z.number(),
  rank: z.number(),
});

export const leaderboardResponse = z.object({
  platform: z.string().nullable(),
  batch: z.number(),
  quality: qualityFilter.describe("the quality filter applied; ranks and the Pareto front are always over clean rows only"),
  fastest: z.array(ranked).describe("per family, fastest first: clean measurements only, ranked"),
  notRanked: z
    .array(ranked.omit({ rank: true }).extend({ grade }))
    .describe("quality=all: the fastest estimated / contended / legacy rows per family, marked with their grade and never ranked (empty otherwise)"),
  paretoFront: z.array(ranked.omit({ rank: true })).describe("models no faster model beats on FLOPs (clean measurements only)"),
  platforms: z
    .array(
      z.object({
        platform: z.string(),
        name: z.string(),
        models: z.number().describe("reference models this platform has a result for"),
        geoMeanMs: z.number().describe("geometric-mean latency on those models"),
        relative: z.number().describe("geometric mean of latency / latency on the selected platform, over those models"),
      }),
    )
    .describe(
      "platforms ranked against the selected one on its reference models (the lowest-id 500 it has measured); only those sharing at least minSharedModels of them",
    ),
  referenceModels: z.number(),
  minSharedModels: z.number().describe("the fewest shared reference models a platform needs to be ranked"),
  unranked: z
    .array(z.object({ platform: z.string(), models: z.number().describe("reference models this platform has a result for") }))
    .describe("platforms that share fewer than minSharedModels reference models: not ranked"),
});

const slug = PLATFORM_SLUG.source.replace(/^\^|\$$/g, "");
/** 1 to 16 platform slugs separated by commas (spaces around them allowed) */
const PLATFORM_LIST = new RegExp(`^\\s*(?:${slug})\\s*(?:,\\s*(?:${slug})\\s*){0,15}$`);

export const quotaPreviewQuery = z.object({
  modelId: id,
  platforms: z
    .string({ error: "is required" })
    .regex(PLATFORM_LIST, "must be 1 to 16 comma-separated platform slugs (GET /api/v1/platforms lists them)")
    .transform((v) => [...new Set(v.split(",").map((x) => x.trim()).filter(Boolean))])
    .pipe(z.array(platformSlug).min(1, "must name at least one platform").max(16, "must name at most 16 platforms"))
    .describe("comma-separated platform slugs"),
  batch: batch.optional().describe("default: the model's own batch"),
});

export const quotaPreviewResponse = z.object({
  month: z.string(),
  items: z.array(
    z.object({
      platform: z.string(),
      stored: z.boolean().describe("a measurement exists: the query answers from the database at no cost"),
      estimateSeconds: z.number().describe("device-seconds a new measurement reserves (0 when stored)"),
      quotaSeconds: z.number().nullable(),
      remainingSeconds: z.number(),
      affordable: z.boolean(),
    }),
  ),
});

export type QuotaPreviewResponse = z.infer<typeof quotaPreviewResponse>;
export type BrowseQuery = z.input<typeof browseQuery>;
export type BrowseParams = z.output<typeof browseQuery>;
export type BrowseItem = z.infer<typeof browseItem>;
export type BrowseResponse = z.infer<typeof browseResponse>;
export type MatrixResponse = z.infer<typeof matrixResponse>;
export type LeaderboardParams = z.output<typeof leaderboardQuery>;
export type LeaderboardResponse = z.infer<typeof leaderboardResponse>;

const graphTensor = z.object({
  name: z.string(),
  shape: z.string().nullable().describe('"1×64×56×56"; null = unknown rank'),
  dtype: z.string(),
  kind: z.enum(["activation", "input", "weight", "constant"]),
});

/** GET /api/v1/models/{modelId}/overview: everything the model page shows (lib/services/portal-model modelPage). */
export const modelOverviewResponse = z.object({
  model: modelView.extend({ familyLabel: z.string() }),
  results: z.array(
    z.object({
      platform: z.string(),
      platformName: z.string(),
      batch: z.number(),
      stats,
      quality: measurementQuality.describe("the shown measurement's quality (the newest clean one where one exists, else the newest)"),
      measurementId: z.number(),
      measuredAt: isoTime,
      runtimeVersion: z.string(),
      env: z.record(z.string(), z.unknown()).nullable(),
      deviceSeconds: z.number().nullable(),
      history: z
        .array(
          z.object({
            measurementId: z.number(),
            medianMs: z.number(),
            measuredAt: isoTime,
            runtimeVersion: z.string(),
            cv: z.number().nullable(),
            quality: measurementQuality,
          }),
        )
        .describe("every stored measurement, oldest first, each with its grade and quality figures"),
      opShare: z.record(z.string(), z.number()).nullable().describe("op type → share of kernel time in the newest profile"),
    }),
  ),
  predictions: z.array(
    z.object({
      platform: z.string(),
      batch: z.number(),
      predictor: z.string(),
      method: z.string(),
      status: z.string(),
      predictedMs: z.number(),
      uncertaintyMs: z.number().nullable(),
      measuredMs: z.number().nullable(),
      errorPct: z.number().nullable().describe("(predicted − measured) / measured, percent"),
    }),
  ),
  similar: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      family: z.string(),
      flops: z.number(),
      params: z.number(),
      nodeCount: z.number(),
      opHistogram: z.record(z.string(), z.number()),
      distance: z.number(),
      opCosine: z.number(),
      latency: z.object({ platform: z.string(), medianMs: z.number() }).nullable(),
    }),
  ),
  outputs: z
    .record(z.string(), z.array(z.union([z.number(), z.string()])))
    .nullable()
    .describe("inferred output shapes (null when the structure is not stored)"),
  graph: z
    .object({
      nodes: z
        .array(
          z.object({
            kind: z.enum(["op", "input", "output"]).describe("an operator, or a graph input / output tensor drawn as a node"),
            op: z.string(),
            name: z.string(),
            domain: z.string(),
            attrs: z.array(z.tuple([z.string(), z.string()])).describe("attribute name → value as text (opset defaults resolved)"),
            inputs: z.array(graphTensor),
            outputs: z.array(graphTensor),
            macs: z.number().nullable(),
            flops: z.number().nullable(),
            params: z.number().nullable(),
          }),
        )
        .describe("topological order: graph inputs, per-inference operators, graph outputs"),
      edges: z
        .array(
          z.object({ from: z.number(), to: z.number(), tensor: z.string(), shape: z.string().nullable().describe('e.g. "1×64×56×56"') }),
        )
        .describe("one per produced→consumed tensor; from / to are node indices"),
      ops: z.number().describe("operator nodes (without the graph input/output nodes)"),
      times: z.record(z.string(), z.array(z.number())).describe("platform slug → µs per node (-1 unknown), newest profile"),
    })
    .nullable()
    .describe("the graph feed (lib/portal/graph-layout graphFeed); the browser lays it out"),
  graphError: z.string().nullable(),
});
export type ModelOverviewResponse = z.infer<typeof modelOverviewResponse>;
