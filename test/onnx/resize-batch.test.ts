/**
 * Resize shape rule: an NCHW / NCDHW Resize that changes a known batch dim is refused (ONNX_SHAPE). A model
 * exported at batch 1 with its Resize `sizes` baked as [1, C, h, w] and re-batched to 4 would otherwise infer
 * a batch-1 Resize output that a later Add broadcasts back to 4 — a silently wrong graph.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "@/lib/onnx";
import { isNnlqError } from "@/lib/errors";
import { DataType } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { model, node, vi } from "./helpers";

const i64 = (name: string, values: number[]) => makeTensor(name, DataType.INT64, [values.length], values);
const f32 = (name: string, values: number[]) => makeTensor(name, DataType.FLOAT, [values.length], values);

function failure(fn: () => unknown): { code: string; message: string } | "ok" {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!isNnlqError(e)) throw e;
    return { code: e.code, message: e.message };
  }
}

/** FPN-style top-down merge: up = Resize(x, sizes); y = lateral + up. */
const fpn = (sizes: number[], batch = 1) =>
  model({
    nodes: [node("Resize", ["x", "", "", "sizes"], ["up"], { mode: "nearest" }), node("Add", ["lateral", "up"], ["y"])],
    inputs: [vi("x", [batch, 4, 4, 4]), vi("lateral", [batch, 4, 8, 8])],
    outputs: [vi("y", [batch, 4, 8, 8])],
    inits: [i64("sizes", sizes)],
  });

describe("Resize keeps the batch dim", () => {
  it("sizes baked at batch 1: fine at batch 1, ONNX_SHAPE naming the hard-coded batch at batch 4", () => {
    const m = fpn([1, 4, 8, 8]);
    expect(analyze(m).outputs).toEqual({ y: [1, 4, 8, 8] });
    const r = failure(() => analyze(m, { batch: 4 }));
    expect(r).not.toBe("ok");
    if (r === "ok") return;
    expect(r.code).toBe("ONNX_SHAPE");
    expect(r.message).toContain(
      "Resize changes the batch dimension from 4 to 1: the model hard-codes its batch size (export it with a dynamic batch, or generate it at this batch)",
    );
  });

  it("a model declared at batch 4 with sizes [1, …] is refused too; sizes that keep the batch pass", () => {
    expect(failure(() => analyze(fpn([1, 4, 8, 8], 4)))).toMatchObject({
      code: "ONNX_SHAPE",
      message: expect.stringMatching(/from 4 to 1/),
    });
    expect(analyze(fpn([4, 4, 8, 8], 4)).outputs).toEqual({ y: [4, 4, 8, 8] });
  });

  it("scales (opset 11+ and the opset-10 input) keep the batch at 1 on dim 0, and refuse another factor on a rank-4 tensor", () => {
    const scaled = (s: number[], opset = 17) =>
      model(
        {
          nodes: [opset < 11 ? node("Resize", ["x", "scales"], ["y"]) : node("Resize", ["x", "", "scales"], ["y"])],
          inputs: [vi("x", [2, 3, 4, 4])],
          outputs: [vi("y", ["N", 3, "H", "W"])],
          inits: [f32("scales", s)],
        },
        { opset_import: [{ domain: "", version: opset }] },
      );
    expect(analyze(scaled([1, 1, 2, 2]), { batch: 4 }).outputs).toEqual({ y: [4, 3, 8, 8] });
    expect(analyze(scaled([1, 1, 2, 2], 10), { batch: 4 }).outputs).toEqual({ y: [4, 3, 8, 8] });
    expect(failure(() => analyze(scaled([2, 1, 2, 2])))).toMatchObject({
      code: "ONNX_SHAPE",
      message: expect.stringMatching(/from 2 to 4/),
    });
    expect(failure(() => analyze(scaled([0.5, 1, 2, 2], 10)))).toMatchObject({
      code: "ONNX_SHAPE",
      message: expect.stringMatching(/from 2 to 1/),
    });
  });

  it("only NCHW / NCDHW tensors are checked: a rank-3 Resize may change dim 0", () => {
    const m = model({
      nodes: [node("Resize", ["x", "", "", "sizes"], ["y"])],
      inputs: [vi("x", [2, 4, 4])], outputs: [vi("y", [1, 4, 8])], inits: [i64("sizes", [1, 4, 8])],
    });
    expect(analyze(m).outputs).toEqual({ y: [1, 4, 8] });
  });
});
