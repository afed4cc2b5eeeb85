/**
 * Conversion pipeline: decode the model once, apply a platform's passes in order to that decoded model, encode
 * it once at the end, and report what each pass did.
 */
import { isNnlqError, NnlqError } from "@/lib/errors";
import { decodeModel, fromProto, inferShapes, materializedProto } from "@/lib/onnx";
import { encodeModelProto, type ModelProto } from "@/lib/onnx/proto";
import type { PassName, PlatformSpec } from "../platforms";
import { randomFeeds, runtimeAdapter, type RuntimeSession } from "../runtime";
import { convertModelToFp16 } from "./fp16";
import { checkOperators, translateRuntimeError } from "./ops";
import { exposeOutputs, quantizeModel, updateRanges, type Calibrator, type Range } from "./quantize";
import { inputSpecsOf, resolveInputShapes, type InputSpec } from "./shapes";
import { isLegacyOpset, upgradeLegacyOpset } from "./legacy";
import { decodeProto } from "./tensor";

/** Seed of re-materialized weights, synthetic inputs and calibration data (lib/onnx's default too). */
export const DEFAULT_WEIGHT_SEED = 20220829;

export interface PassContext {
  platform: PlatformSpec;
  batch?: number;
  inputs?: Record<string, number[]>;
  /** seed for weights, inputs and calibration data (default fixed) */
  seed?: number;
  /** calibration batches for int8 (default 4) */
  calibrationRuns?: number;
}

export interface PassLog { name: PassName; ms: number; notes?: Record<string, unknown> }

export interface Converted {
  bytes: Uint8Array;
  /** the converted model decoded (what `bytes` encode): read it instead of decoding `bytes` again */
  model: ModelProto;
  inputs: InputSpec[];
  log: PassLog[];
}

/** Calibrator that runs the fp32 model in onnxruntime-node on seeded random inputs. */
export function ortCalibrator(seed: number, runs: number, platform = "calibration"): Calibrator {
  return async (bytes, tensors) => {
    const ranges = new Map<string, Range>();
    let session: RuntimeSession | undefined;
    try {
      const model = decodeProto(bytes);
      const specs = inputSpecsOf(model);
      exposeOutputs(model, tensors);
      session = await runtimeAdapter("ort-cpu").createSession(encodeModelProto(model), { threads: 1 });
      for (let r = 0; r < runs; r++) {
        const out = await session.prepare(randomFeeds(specs, seed + 1 + r))();
        for (const t of tensors) if (out[t]) updateRanges(ranges, t, out[t].data as ArrayLike<number>);
      }
    } catch (e) {
      throw isNnlqError(e) ? e : translateRuntimeError(e, platform, "int8 calibration");
    } finally {
      await session?.release();
    }
    return ranges;
  };
}

export async function convertForPlatform(input: Uint8Array, ctx: PassContext): Promise<Converted> {
  const seed = ctx.seed ?? DEFAULT_WEIGHT_SEED;
  const log: PassLog[] = [];
  const decoded = decodeModel(input); // the one decode: every pass rewrites this model
  let model = decoded.proto;
  let changed = false;
  for (const name of ctx.platform.passes) {
    const t0 = performance.now();
    let notes: Record<string, unknown> | undefined;
    switch (name) {
      case "materialize-weights": {
        const out = model === decoded.proto ? materializedProto(decoded, seed) : model;
        notes = { materialized: out !== model };
        changed ||= out !== model;
        model = out;
        break;
      }
      case "set-shapes": {
        const legacy = isLegacyOpset(model); // before resolveInputShapes raises the IR version
        const inputs = resolveInputShapes(model, { batch: ctx.batch, inputs: ctx.inputs });
        changed = true;
        // the static graph must still be consistent: a model with its batch baked in (Resize `sizes`, an
        // Expand or Reshape target) fails here with ONNX_SHAPE instead of running quietly wrong at another batch
        const ir = inferShapes(fromProto(model));
        // a model from before opset_import (IR 1–2) is rewritten to opset 7, which the runtime accepts
        const upgraded = legacy ? upgradeLegacyOpset(model, ir) : null;
        notes = {
          inputs: Object.fromEntries(inputs.map((i) => [i.name, i.dims])),
          ...(upgraded !== null ? { legacyOpsetUpgraded: upgraded } : {}),
        };
        break;
      }
      case "quantize-int8-qdq": {
        const quantizedNodes = await quantizeModel(model, ortCalibrator(seed, ctx.calibrationRuns ?? 4, ctx.platform.slug), {
          platform: ctx.platform.slug,
        });
        changed ||= quantizedNodes !== null;
        notes = { quantizedNodes: quantizedNodes ?? 0 };
        break;
      }
      case "convert-fp16":
        convertModelToFp16(model);
        changed = true;
        break;
      case "check-ops":
        checkOperators(model, ctx.platform.runtime, ctx.platform.slug);
        break;
      default:
        throw new NnlqError("INTERNAL", `unknown conversion pass '${name as string}'`);
    }
    log.push({ name, ms: performance.now() - t0, ...(notes ? { notes } : {}) });
  }
  const bytes = changed ? encodeModelProto(model) : input; // the one encode
  const inputs = inputSpecsOf(model);
  const unresolved = inputs.find((i) => i.dims.some((d) => !(d > 0)));
  if (unresolved)
    throw new NnlqError("ONNX_SHAPE", `input '${unresolved.name}' has unresolved dimensions after conversion`, { input: unresolved.name });
  return { bytes, model, inputs, log };
}
