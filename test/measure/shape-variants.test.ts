/**
 * The sizes a corpus network is measured at (lib/measure/shape-variants.ts): defaults by role for symbolic
 * dims, other resolutions for fixed-size image models, other lengths for fixed-length token models; shapes
 * written into the model; and the measurement's batch leaves a fixed axis 0 that is no batch axis alone.
 */
import { describe, expect, it } from "vitest";
import { DataType, decodeModelProto } from "@/lib/onnx/proto";
import { analyze, analyzeUpload, stripModel } from "@/lib/onnx";
import { readInputSpecs, setShapes } from "@/lib/measure/passes/shapes";
import { formatInputShapes, parseInputShapes, shapeVariants, withInputShapes } from "@/lib/measure/shape-variants";
import { model, node, vi } from "../onnx/helpers";
import { convNet } from "./models";

const I64 = DataType.INT64;
const weights = (name: string, dims: number[]) => ({
  name,
  dims,
  data_type: DataType.FLOAT,
  raw_data: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
});

/** A conv net with symbolic spatial dims: [batch, 3, height, width]. */
function symbolicImageNet(): Uint8Array {
  return model({
    inputs: [vi("images", ["batch", 3, "height", "width"])],
    outputs: [vi("y", ["batch", 4, "height", "width"])],
    inits: [weights("w", [4, 3, 3, 3])],
    nodes: [node("Conv", ["images", "w"], ["y"], { pads: [1, 1, 1, 1] })],
  });
}

/** A decoder step: ids [batch, seq], mask [batch, total_seq_len], past [2, batch, 2, past_seq_len, 4]. */
function decoderNet(): Uint8Array {
  return model({
    inputs: [vi("ids", ["batch_size", "seq_len"], I64), vi("mask", ["batch_size", "total_seq_len"], I64), vi("past", [2, "batch_size", 2, "past_seq_len", 4])],
    outputs: [vi("e", ["batch_size", "seq_len", 4]), vi("m", ["batch_size", "total_seq_len"]), vi("p", [2, "batch_size", 2, "past_seq_len", 4])],
    inits: [weights("table", [1000, 4])],
    nodes: [node("Gather", ["table", "ids"], ["e"]), node("Cast", ["mask"], ["m"], { to: DataType.FLOAT }), node("Identity", ["past"], ["p"])],
  });
}

describe("shapeVariants", () => {
  it("symbolic spatial dims: 224 (natural), 320, 640 at batch 1 and 3 channels", () => {
    const v = shapeVariants(symbolicImageNet());
    expect(v.map((x) => [x.label, x.natural, x.inputs])).toEqual([
      ["r224", true, { images: [1, 3, 224, 224] }],
      ["r320", false, { images: [1, 3, 320, 320] }],
      ["r640", false, { images: [1, 3, 640, 640] }],
    ]);
  });

  it("symbolic sequences: 128 (natural), 32, 256, 512; past as long as the sequence, total both; batch 1 wherever it is", () => {
    const v = shapeVariants(decoderNet());
    expect(v.map((x) => x.label)).toEqual(["s128", "s32", "s256", "s512"]);
    expect(v[0]).toEqual({ label: "s128", natural: true, inputs: { ids: [1, 128], mask: [1, 256], past: [2, 1, 2, 128, 4] } });
  });

  it("fixed-size image models: ×0.5, ×1.5, ×2 rounded to 32 (duplicates and the natural size dropped); the file itself first", () => {
    const v = shapeVariants(convNet({ resolution: 64 }));
    expect(v.map((x) => [x.label, x.natural, x.inputs])).toEqual([
      ["", true, {}],
      ["r32", false, { x: [1, 3, 32, 32] }],
      ["r96", false, { x: [1, 3, 96, 96] }],
      ["r128", false, { x: [1, 3, 128, 128] }],
    ]);
  });

  it("fixed-length token models: other lengths; anything else only as it is", () => {
    const bert = model({
      inputs: [vi("ids", [1, 7], I64), vi("types", [1, 7], I64)],
      outputs: [vi("e", [1, 7, 4]), vi("t", [1, 7, 4])],
      inits: [weights("table", [100, 4]), weights("types_table", [2, 4])],
      nodes: [node("Gather", ["table", "ids"], ["e"]), node("Gather", ["types_table", "types"], ["t"])],
    });
    expect(shapeVariants(bert).map((x) => [x.label, x.inputs])).toEqual([
      ["", {}],
      ["s128", { ids: [1, 128], types: [1, 128] }],
      ["s32", { ids: [1, 32], types: [1, 32] }],
      ["s256", { ids: [1, 256], types: [1, 256] }],
    ]);
    const vector = model({ inputs: [vi("x", [1, 16])], outputs: [vi("y", [1, 16])], nodes: [node("Relu", ["x"], ["y"])] });
    expect(shapeVariants(vector)).toEqual([{ label: "", inputs: {}, natural: true }]);
  });
});

describe("withInputShapes", () => {
  it("writes the shapes (fixed dims too), drops inferred shapes, and each size is its own structure", () => {
    const base = convNet({ resolution: 64 });
    const bigger = withInputShapes(base, { x: [1, 3, 96, 96] });
    const m = decodeModelProto(bigger);
    expect(m.graph!.input![0]!.type!.tensor_type!.shape!.dim!.map((d) => Number(d.dim_value))).toEqual([1, 3, 96, 96]);
    expect(m.graph!.value_info ?? []).toEqual([]);
    expect(analyzeUpload(bigger).summary.hash).not.toBe(analyzeUpload(base).summary.hash);
    expect(withInputShapes(base, {})).toBe(base);
    expect(() => withInputShapes(base, { nope: [1] })).toThrowError(expect.objectContaining({ code: "ONNX_SHAPE" }));
    expect(() => withInputShapes(base, { x: [1, 3, 96] })).toThrowError(expect.objectContaining({ code: "ONNX_SHAPE" }));
  });

  it("a symbolic model at its default size analyses at that size, as the same structure a user's explicit shapes give", () => {
    for (const bytes of [decoderNet(), symbolicImageNet()]) {
      const [natural] = shapeVariants(bytes);
      const s = analyzeUpload(withInputShapes(bytes, natural!.inputs)).summary;
      // stripWeights(bytes, { inputs }) is what /api/v1/predict and nnlq query do with explicit shapes: same hash,
      // so a campaign measurement of a size answers a query at that size
      expect(s.hash).toBe(analyze(stripModel(bytes, { inputs: natural!.inputs })).hash);
    }
    const [natural] = shapeVariants(decoderNet());
    const s = analyzeUpload(withInputShapes(decoderNet(), natural!.inputs)).summary;
    expect(s.inputs).toEqual({ ids: [1, 128], mask: [1, 256], past: [2, 1, 2, 128, 4] });
  });

  it("shapes round-trip through the query-string form, sorted by name", () => {
    const shapes = { "past_key_values.0.key": [1, 2, 128, 16], input_ids: [1, 128] };
    expect(formatInputShapes(shapes)).toBe("input_ids=1x128;past_key_values.0.key=1x2x128x16");
    expect(parseInputShapes(formatInputShapes(shapes))).toEqual(shapes);
    expect(parseInputShapes("")).toEqual({});
    expect(() => parseInputShapes("x=1xa")).toThrowError(expect.objectContaining({ code: "VALIDATION" }));
  });
});

describe("the measurement's batch and a fixed axis 0", () => {
  it("a fixed axis 0 other than the model's own batch (GPT-2's past [2, batch, …]) is kept; the batch axis takes the batch", () => {
    const fixed = withInputShapes(decoderNet(), shapeVariants(decoderNet())[0]!.inputs);
    const at1 = setShapes(fixed, { batch: 1 }).inputs;
    expect(at1.map((s) => [s.name, s.dims])).toEqual([
      ["ids", [1, 128]],
      ["mask", [1, 256]],
      ["past", [2, 1, 2, 128, 4]],
    ]);
    expect(setShapes(fixed, { batch: 4 }).inputs.map((s) => s.dims[0])).toEqual([4, 4, 2]);
    // a single-input model at another batch, as before
    expect(readInputSpecs(setShapes(convNet(), { batch: 8 }).bytes)[0]!.dims).toEqual([8, 3, 32, 32]);
  });
});
