/**
 * Conversion pipeline: apply a platform's passes in order (bytes → bytes) and report what each did.
 */
import { isNnlqError, NnlqError } from "@/lib/errors";
import { decodeModel, inferShapes, materializeWeights } from "@/lib/onnx";
import type { PassName, PlatformSpec } from "../platforms";
import { randomFeeds, runtimeAdapter, type RuntimeSession } from "../runtime";
import { convertToFp16 } from "./fp16";
import { checkOperators, translateRuntimeError } from "./ops";
import { exposeTensors, quantizeInt8, updateRanges, type Calibrator, type Range } from "./quantize";
import { readInputSpecs, setShapes, type InputSpec } from "./shapes";
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

export interface Converted { bytes: Uint8Array; inputs: InputSpec[]; log: PassLog[] }

/** Calibrator that runs the fp32 model in onnxruntime-node on seeded random inputs. */
export function ortCalibrator(seed: number, runs: number, platform = "calibration"): Calibrator {
  return async (bytes, tensors) => {
    const ranges = new Map<string, Range>();
    let session: RuntimeSession | undefined;
    try {
      session = await runtimeAdapter("ort-cpu").createSession(exposeTensors(bytes, tensors), { threads: 1 });
      const specs = readInputSpecs(bytes);
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
  let bytes = input;
  for (const name of ctx.platform.passes) {
    const t0 = performance.now();
    let notes: Record<string, unknown> | undefined;
    switch (name) {
      case "materialize-weights": {
        const out = materializeWeights(bytes, seed);
        notes = { materialized: out !== bytes };
        bytes = out;
        break;
      }
      case "set-shapes": {
        const r = setShapes(bytes, { batch: ctx.batch, inputs: ctx.inputs });
        // the static graph must still be consistent: a model with its batch baked in (Resize `sizes`, an
        // Expand or Reshape target) fails here with ONNX_SHAPE instead of running quietly wrong at another batch
        inferShapes(decodeModel(r.bytes));
        bytes = r.bytes;
        notes = { inputs: Object.fromEntries(r.inputs.map((i) => [i.name, i.dims])) };
        break;
      }
      case "quantize-int8-qdq": {
        const r = await quantizeInt8(bytes, ortCalibrator(seed, ctx.calibrationRuns ?? 4, ctx.platform.slug), {
          platform: ctx.platform.slug,
        });
        bytes = r.bytes;
        notes = { quantizedNodes: r.quantizedNodes };
        break;
      }
      case "convert-fp16":
        bytes = convertToFp16(bytes);
        break;
      case "check-ops":
        checkOperators(decodeProto(bytes), ctx.platform.runtime, ctx.platform.slug);
        break;
      default:
        throw new NnlqError("INTERNAL", `unknown conversion pass '${name as string}'`);
    }
    log.push({ name, ms: performance.now() - t0, ...(notes ? { notes } : {}) });
  }
  const inputs = readInputSpecs(bytes);
  const unresolved = inputs.find((i) => i.dims.some((d) => !(d > 0)));
  if (unresolved)
    throw new NnlqError("ONNX_SHAPE", `input '${unresolved.name}' has unresolved dimensions after conversion`, { input: unresolved.name });
  return { bytes, inputs, log };
}
