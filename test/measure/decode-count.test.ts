/**
 * How often one measurement decodes ONNX bytes: every call of the wire decoder (lib/onnx/wire.ts) is counted
 * while a structure-only model goes through measureModel (conversion passes, sessions, profile) on an fp32,
 * an int8 and an fp16 platform. The conversion passes work on one decoded model and encode it once.
 */
import { describe, expect, it, vi } from "vitest";
import { materializeWeights, stripWeights } from "@/lib/onnx";
import { detectHost } from "@/lib/measure/host";
import { measureModel } from "@/lib/measure/measure";
import { convertForPlatform, DEFAULT_WEIGHT_SEED, ortCalibrator } from "@/lib/measure/passes";
import { convertToFp16 } from "@/lib/measure/passes/fp16";
import { quantizeInt8 } from "@/lib/measure/passes/quantize";
import { setShapes } from "@/lib/measure/passes/shapes";
import { makePlatform, type Precision } from "@/lib/measure/platforms";
import { convNet } from "./models";

const counter = vi.hoisted(() => ({ decodes: 0 }));
vi.mock("@/lib/onnx/wire", async (importOriginal) => {
  const wire = await importOriginal<typeof import("@/lib/onnx/wire")>();
  return {
    ...wire,
    decodeModelWire: (bytes: Uint8Array) => {
      counter.decodes++;
      return wire.decodeModelWire(bytes);
    },
  };
});

const host = detectHost();
const model = stripWeights(convNet());

async function decodesOf(fn: () => Promise<unknown>): Promise<number> {
  counter.decodes = 0;
  await fn().catch(() => undefined); // fp16 on ORT's CPU provider ends in UNSUPPORTED_OPERATOR after its check
  return counter.decodes;
}

/** The passes one after another, bytes → bytes, each decoding and encoding (how the pipeline ran before). */
async function passByPass(bytes: Uint8Array, precision: Precision, slug: string): Promise<Uint8Array> {
  let b = setShapes(materializeWeights(bytes, DEFAULT_WEIGHT_SEED)).bytes;
  if (precision === "int8") b = (await quantizeInt8(b, ortCalibrator(DEFAULT_WEIGHT_SEED, 4, slug), { platform: slug })).bytes;
  if (precision === "fp16") b = convertToFp16(b);
  return b;
}

describe("decodes per measurement", () => {
  // before one decoded model went through the passes: fp32 5 and 7, int8 8 and 10, fp16 6 and 8
  const expected: Record<Precision, { convert: number; measure: number }> = {
    fp32: { convert: 1, measure: 2 }, // measureModel also reads the runtime's optimized model for the profile
    int8: { convert: 2, measure: 3 }, // calibration decodes the fp32 model it runs
    fp16: { convert: 1, measure: 2 },
  };
  for (const precision of ["fp32", "int8", "fp16"] as Precision[]) {
    it(`${precision}: the passes decode the model once and give the bytes the pass-by-pass pipeline gave`, async () => {
      const platform = makePlatform(host, "ort-cpu", precision, 1);
      const convert = await decodesOf(() => convertForPlatform(model, { platform }));
      const measure = await decodesOf(() => measureModel(model, platform, { timeBudgetMs: 30, profileRuns: 3 }));
      console.log(`decodes ${precision}: convertForPlatform ${convert}, measureModel ${measure}`);
      expect({ convert, measure }).toEqual(expected[precision]);
      const converted = await convertForPlatform(model, { platform });
      expect(Buffer.from(converted.bytes).equals(Buffer.from(await passByPass(model, precision, platform.slug)))).toBe(true);
    }, 60_000);
  }
});
