/**
 * stripWeights(model, { inputs, batch }) writes explicit shapes into the structure-only copy's graph inputs:
 * the copy analysed without overrides equals the original analysed with them (hash, cost, shapes), bad shapes
 * are refused with VALIDATION, and without shapes the output stays byte for byte what it was.
 */
import { describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import { analyze, decodeModel, isStructureOnly, stripWeights, type ModelSummary, type ShapeOverrides } from "@/lib/onnx";
import { DataType } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { VAD, vadBranchMacs, vadModel } from "./control-flow-models";
import { model, node, vi } from "./helpers";

const w = (name: string, dims: number[]) => makeTensor(name, DataType.FLOAT, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0.01));

/** A detector-like CNN with symbolic batch and resolution: Conv 3→16 → Relu → GlobalAveragePool → Flatten → Gemm 16→10. */
const symbolic = model({
  nodes: [
    node("Conv", ["images", "W", "B"], ["c"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node("Relu", ["c"], ["r"]),
    node("GlobalAveragePool", ["r"], ["p"]),
    node("Flatten", ["p"], ["f"]),
    node("Gemm", ["f", "G", "C"], ["logits"], { transB: 1 }),
  ],
  inputs: [vi("images", ["batch", 3, "height", "width"])],
  outputs: [vi("logits", ["batch", 10])],
  inits: [w("W", [16, 3, 3, 3]), w("B", [16]), w("G", [10, 16]), w("C", [10])],
});

const declared = (bytes: Uint8Array, name: string) => {
  const input = decodeModel(bytes).proto.graph!.input!.find((i) => i.name === name)!;
  return input.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value ?? d.dim_param);
};

const figures = (s: ModelSummary) => ({
  hash: s.hash, flops: s.flops, macs: s.macs, params: s.params, memoryAccess: s.memoryAccess, activationMemory: s.activationMemory,
  inputs: s.inputs, outputs: s.outputs, batch: s.batch, opHistogram: s.opHistogram,
});

function validationError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isNnlqError(e) && e.code === "VALIDATION") return e.message;
    throw e;
  }
  throw new Error("expected a VALIDATION error");
}

describe("stripWeights with explicit input shapes", () => {
  it("declares the given shape; the copy analyses as the original with the shape given", () => {
    const shapes: ShapeOverrides = { inputs: { images: [1, 3, 640, 640] } };
    const stripped = stripWeights(symbolic, shapes);
    expect(declared(stripped, "images")).toEqual([1, 3, 640, 640]);
    expect(isStructureOnly(decodeModel(stripped))).toBe(true);
    const copy = analyze(stripped);
    const original = analyze(symbolic, shapes);
    expect(figures(copy)).toEqual(figures(original));
    expect(copy.macs).toBe(640 * 640 * 16 * 27 + 160);
    expect(copy.assumedDims).toEqual([]);
    expect(copy.warnings).toEqual([]);
    // without the shape the copy would have been analysed at 1×1
    expect(analyze(stripWeights(symbolic)).inputs.images).toEqual([1, 3, 1, 1]);
  });

  it("declares a batch like analysis resolves it, other symbolic dims kept", () => {
    const stripped = stripWeights(symbolic, { batch: 4 });
    expect(declared(stripped, "images")).toEqual([4, 3, "height", "width"]);
    expect(figures(analyze(stripped))).toEqual(figures(analyze(symbolic, { batch: 4 })));
    const both = stripWeights(symbolic, { batch: 2, inputs: { images: [2, 3, 96, 128] } });
    expect(declared(both, "images")).toEqual([2, 3, 96, 128]);
    expect(figures(analyze(both))).toEqual(figures(analyze(symbolic, { batch: 2, inputs: { images: [2, 3, 96, 128] } })));
  });

  it("keeps a voice-activity model's window: the copy reports the LSTM MACs at 512 samples", () => {
    const stripped = stripWeights(vadModel(), { inputs: { input: [1, VAD.samples] } });
    const s = analyze(stripped);
    const { k16, k8 } = VAD.branches;
    expect(s.macs).toBe(Math.max(vadBranchMacs(VAD.samples, k16.win, k16.hop).macs, vadBranchMacs(VAD.samples, k8.win, k8.hop).macs));
    expect(s.hash).toBe(analyze(vadModel(), { inputs: { input: [1, VAD.samples] } }).hash);
  });

  it("without shapes (or with empty ones) the output is byte for byte the one-argument result", () => {
    const plain = stripWeights(symbolic);
    expect(Buffer.from(stripWeights(symbolic, {})).equals(Buffer.from(plain))).toBe(true);
    expect(Buffer.from(stripWeights(symbolic, { inputs: {} })).equals(Buffer.from(plain))).toBe(true);
    expect(declared(plain, "images")).toEqual(["batch", 3, "height", "width"]);
    // a shape equal to the declared one changes nothing either
    const fixed = model({ nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", [1, 4])], outputs: [vi("y", [1, 4])] });
    expect(Buffer.from(stripWeights(fixed, { inputs: { x: [1, 4] } })).equals(Buffer.from(stripWeights(fixed)))).toBe(true);
  });

  it("refuses shapes the model cannot take with VALIDATION and a clear message", () => {
    expect(validationError(() => stripWeights(symbolic, { inputs: { image: [1, 3, 64, 64] } }))).toMatch(/unknown input 'image'.*images/);
    expect(validationError(() => stripWeights(symbolic, { inputs: { images: [1, 3, 64] } }))).toMatch(/rank 4.*rank 3/);
    expect(validationError(() => stripWeights(symbolic, { inputs: { images: [1, 3, 0, 64] } }))).toMatch(/positive/);
    expect(validationError(() => stripWeights(symbolic, { inputs: { images: [1, 3, -2, 64] } }))).toMatch(/images/);
    expect(validationError(() => stripWeights(symbolic, { inputs: { images: [1, 3, 6.5, 64] } }))).toMatch(/images/);
    expect(validationError(() => stripWeights(symbolic, { inputs: { images: [1, 4, 64, 64] } }))).toMatch(/dim 1 fixed at 3.*has 4/);
    expect(validationError(() => stripWeights(symbolic, { batch: 0 }))).toMatch(/batch must be a positive integer/);
  });
});
