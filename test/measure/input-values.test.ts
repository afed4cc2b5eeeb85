/**
 * Synthetic integer inputs stay inside the tables they index (lib/measure/passes/values.ts): bounds read
 * from the graph, feeds drawn inside them, and the corpus's TF BERT (token_type_ids index a table of 2 rows;
 * the old 0..7 failed its Gather) converts and runs in onnxruntime. Masks and generation settings get fixed
 * values (a full mask; max_length beyond the prompt), so the corpus's decoders and generation loops run.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DataType, decodeModelProto } from "@/lib/onnx/proto";
import { detectHost } from "@/lib/measure/host";
import { convertForPlatform } from "@/lib/measure/passes";
import { readInputSpecs } from "@/lib/measure/passes/shapes";
import { DEFAULT_INT_BOUND, GENERATED_TOKENS, fixedInputValues, integerInputBounds } from "@/lib/measure/passes/values";
import { shapeVariants, withInputShapes } from "@/lib/measure/shape-variants";
import { makePlatform } from "@/lib/measure/platforms";
import { randomFeeds, runtimeAdapter } from "@/lib/measure/runtime";
import { model, node, vi } from "../onnx/helpers";
import { SHARED_ONNX } from "./models";

const I64 = DataType.INT64;
const table = (name: string, dims: number[]) => ({
  name,
  dims,
  data_type: DataType.FLOAT,
  raw_data: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
});

/** ids → Gather(words 20×4); types → Cast → Unsqueeze → Gather(types 2×4, axis 0); mask: no index use;
 *  pos → Add → Gather of a table computed at run time (size unknown); n → Shape only. */
function embeddingNet(): Uint8Array {
  return model({
    inputs: [vi("ids", [1, 6], I64), vi("types", [1, 6], I64), vi("mask", [1, 6], I64), vi("pos", [1, 6], I64), vi("x", [3, 4])],
    outputs: [vi("e", [1, 6, 4]), vi("t", [1, 1, 6, 4]), vi("m", [1, 6]), vi("p", [1, 6, 4])],
    inits: [table("words", [20, 4]), table("types_table", [2, 4])],
    nodes: [
      node("Gather", ["words", "ids"], ["e"]),
      node("Cast", ["types"], ["types32"], { to: DataType.INT32 }),
      node("Unsqueeze", ["types32", "axes0"], ["types_u"]),
      node("Constant", [], ["axes0"], {}, { attribute: [{ name: "value", type: 4, t: { name: "axes0", dims: [1], data_type: I64, int64_data: [0] } }] }),
      node("Gather", ["types_table", "types_u"], ["t"]),
      node("Cast", ["mask"], ["m"], { to: DataType.FLOAT }),
      node("Relu", ["x"], ["computed"]),
      node("Add", ["pos", "pos"], ["pos2"]),
      node("Gather", ["computed", "pos2"], ["p"]),
    ],
  });
}

describe("integer input values", () => {
  it("bounds each integer input by the smallest table it indexes, through Cast / Unsqueeze; unknown tables give zeros", () => {
    const bounds = integerInputBounds(decodeModelProto(embeddingNet()));
    expect(Object.fromEntries(bounds)).toEqual({ ids: 20, types: 2, pos: 1 });
    // the specs carry the bounds; the float input and the mask (no index use) carry none
    const specs = readInputSpecs(embeddingNet());
    expect(specs.map((s) => [s.name, s.valueBound])).toEqual([
      ["ids", 20],
      ["types", 2],
      ["mask", undefined],
      ["pos", 1],
      ["x", undefined],
    ]);
  });

  it("feeds values inside the bounds, the default range elsewhere, and runs in onnxruntime", async () => {
    const bytes = embeddingNet();
    const feeds = randomFeeds(readInputSpecs(bytes), 3);
    const values = (n: string) => Array.from(feeds[n]!.data as BigInt64Array, Number);
    expect(Math.max(...values("ids"))).toBeLessThan(20);
    expect(Math.max(...values("ids"))).toBeGreaterThan(1); // not all zeros: the range is the table's
    expect(new Set(values("types"))).toEqual(new Set([0, 1]));
    expect(values("pos").every((v) => v === 0)).toBe(true);
    expect(Math.max(...values("mask"))).toBeLessThan(DEFAULT_INT_BOUND);
    const session = await runtimeAdapter("ort-cpu").createSession(bytes, { threads: 1 });
    const out = await session.prepare(feeds)();
    await session.release();
    expect(out.t!.dims).toEqual([1, 1, 6, 4]);
  });

  it("masks are fed ones, and the settings of a generation op their defaults (max_length beyond the prompt)", () => {
    const m = model({
      inputs: [vi("input_ids", [1, 12], DataType.INT32), vi("max_length", [1], DataType.INT32), vi("min_length", [1], DataType.INT32),
        vi("repetition_penalty", [1]), vi("attention_mask", [1, 12], DataType.INT32), vi("x", [1, 4])],
      outputs: [vi("seq", [1, 1, 28], DataType.INT32), vi("y", [1, 4])],
      nodes: [
        node("GreedySearch", ["input_ids", "max_length", "min_length", "repetition_penalty"], ["seq"], {}, { domain: "com.microsoft" }),
        node("Relu", ["x"], ["y"]),
      ],
    });
    const decoded = decodeModelProto(m);
    expect(Object.fromEntries(fixedInputValues(decoded, (n) => (n === "input_ids" ? 12 : undefined)))).toEqual({
      attention_mask: 1, max_length: 12 + GENERATED_TOKENS, min_length: 1, repetition_penalty: 1,
    });
    const feeds = randomFeeds(readInputSpecs(m), 5);
    expect(Array.from(feeds.attention_mask!.data as Int32Array).every((v) => v === 1)).toBe(true);
    expect(Array.from(feeds.max_length!.data as Int32Array)).toEqual([28]);
    expect(Array.from(feeds.repetition_penalty!.data as Float32Array)).toEqual([1]);
    expect(new Set(Array.from(feeds.x!.data as Float32Array)).size).toBe(4); // data inputs stay random
  });
});

const TF_BERT = path.join(SHARED_ONNX, "networks/onnxruntime/TFBertForQuestionAnswering.onnx");
const TOY_BERT = path.join(SHARED_ONNX, "networks/onnxruntime/bert_toy_optimized.onnx");
const hasBert = fs.existsSync(TF_BERT) && fs.existsSync(TOY_BERT);
if (!hasBert) console.warn(`[test/measure] SKIP corpus BERT input values: ${TF_BERT} is absent`);

describe.skipIf(!hasBert)("corpus BERTs", () => {
  const platform = makePlatform(detectHost(), "ort-cpu", "fp32", 1);

  it("TFBertForQuestionAnswering: token_type_ids within its 2-row table, input_ids within the vocabulary; it runs", async () => {
    const converted = await convertForPlatform(new Uint8Array(fs.readFileSync(TF_BERT)), { platform, batch: 1 });
    const bound = Object.fromEntries(converted.inputs.map((s) => [s.name, s.valueBound]));
    expect(bound).toEqual({ attention_mask: undefined, input_ids: 20, token_type_ids: 2 });
    const session = await runtimeAdapter("ort-cpu").createSession(converted.bytes, { threads: 1 });
    const out = await session.prepare(randomFeeds(converted.inputs, 20220829))();
    await session.release();
    expect(Object.values(out).every((t) => t.dims[0] === 1)).toBe(true);
  }, 60_000);

  it.each([
    ["networks/onnxruntime/tiny_gpt2_sampling.onnx"],
    ["networks/onnxruntime-genai/tiny-qwen35-cuda/decoder.onnx"],
  ])("%s at its default size runs (generation settings / a full attention mask)", async (rel) => {
    const raw = new Uint8Array(fs.readFileSync(path.join(SHARED_ONNX, rel)));
    const natural = shapeVariants(raw).find((v) => v.natural)!;
    const converted = await convertForPlatform(withInputShapes(raw, natural.inputs), { platform, batch: 1 });
    const session = await runtimeAdapter("ort-cpu").createSession(converted.bytes, { threads: 1 });
    await session.prepare(randomFeeds(converted.inputs, 20220829))();
    await session.release();
  }, 60_000);

  it("bert_toy_optimized (EmbedLayerNormalization) at an explicit sequence length runs", async () => {
    const inputs = { input_ids: [1, 32], token_type_ids: [1, 32], input_mask: [1, 32] };
    const converted = await convertForPlatform(new Uint8Array(fs.readFileSync(TOY_BERT)), { platform, batch: 1, inputs });
    const bound = Object.fromEntries(converted.inputs.map((s) => [s.name, s.valueBound]));
    expect(bound.input_ids).toBeGreaterThan(1);
    expect(bound.token_type_ids).toBeGreaterThanOrEqual(1);
    const session = await runtimeAdapter("ort-cpu").createSession(converted.bytes, { threads: 1 });
    await session.prepare(randomFeeds(converted.inputs, 20220829))();
    await session.release();
  }, 60_000);
});
