/** /api/v1/predict: latency predictions for zoo specs, structure-only ONNX models or stored models, in batches. */
import { z } from "zod";
import { id, platformSlug } from "./common";
import { inputShapes } from "./input-shapes";

/**
 * Items per request. A distinct zoo spec costs ~20–60 ms of CPU (generate, decode, analyse, features; measured
 * 63 ms/item on a loaded 2-core host, 18.6 ms on an idle one): 500 answer in ~5–16 s on two cores, where
 * 5,000 took 92 s. Repeated specs are cached (inference only).
 */
export const PREDICT_MAX_ITEMS = 500;

export const predictItem = z.union(
  [
    z
      .object({ spec: z.record(z.string(), z.unknown()).describe("a zoo spec (family + its parameters; docs/zoo.md)") })
      .strict()
      .meta({ examples: [{ spec: { family: "resnet", resolution: 224, depths: [2, 2, 2, 2], width: 64 } }] }),
    z
      .object({
        onnx: z.string().min(1, "must not be empty").describe("an ONNX model, base64 (structure-only is enough: weights are never needed)"),
        inputs: inputShapes.optional(),
      })
      .strict()
      .meta({ examples: [{ onnx: "<base64>", inputs: { images: [1, 3, 640, 640] } }] }),
    z
      .object({
        modelId: id.describe("a model stored in nnlq that you can see"),
        inputs: inputShapes.optional().describe("for a stored upload with symbolic dims: the shape to predict at (input name → full shape)"),
      })
      .strict(),
  ],
  { error: "each item must be {spec}, {onnx, inputs?} or {modelId, inputs?}" },
);

export const predictBody = z.object({
  models: z
    .array(predictItem)
    .min(1, "must list at least one model")
    .max(PREDICT_MAX_ITEMS, `must list at most ${PREDICT_MAX_ITEMS} models per request`),
  platforms: z
    .array(platformSlug, { error: "must be a list of platform slugs" })
    .min(1, "must name at least one platform (leave it out for every platform)")
    .max(64, "must name at most 64 platforms")
    .optional()
    .describe("default: every platform the predictor models"),
});

const prediction = z.object({
  platform: z.string(),
  latencyMs: z.number(),
  uncertaintyMs: z.number().nullable().describe("spread of the predictor's ensemble (ms): large means measure instead"),
  regime: z
    .enum(["in-distribution", "extrapolated"])
    .optional()
    .describe("in-distribution: the graph resembles what the predictor was trained on; extrapolated: it does not, and the answer leans on the analytical estimate"),
  analyticalMs: z.number().nullable().optional().describe("the analytical estimate (FLOPs + memory model fitted per platform), null where none is fitted"),
  reasons: z.array(z.string()).optional().describe("why the prediction is extrapolated (unseen op types, sizes outside the trained ranges, disagreement...)"),
});

export const predictResponse = z.object({
  predictor: z.object({ version: z.string(), method: z.string(), platforms: z.array(z.string()) }),
  results: z.array(
    z.object({
      index: z.number().describe("position in the request's models"),
      hash: z.string().optional().describe("structure hash (the database key)"),
      family: z.string().optional(),
      inputs: z.record(z.string(), z.array(z.number())).optional().describe("the input shapes analysed and predicted at (given or defaulted)"),
      flops: z.number().optional(),
      warnings: z
        .array(z.string())
        .optional()
        .describe("what the analysis could not do as asked: symbolic dims defaulted (give inputs), nodes of unknown cost..."),
      predictions: z.array(prediction).optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional().describe("this item only; the others are still answered"),
    }),
  ),
});

export type PredictBody = z.input<typeof predictBody>;
export type PredictResponse = z.infer<typeof predictResponse>;
