/**
 * A zoo detector bakes its FPN Resize `sizes` as [batch, C, h, w] (as F.interpolate(size=...) exports), so
 * it is valid at the batch it was generated at only. Re-batched, lib/onnx refuses it (ONNX_SHAPE) instead
 * of inferring a batch-1 Resize that the top-down Add silently broadcasts back.
 */
import { describe, expect, it } from "vitest";
import { isNnlqError, NnlqError } from "@/lib/errors";
import { analyze } from "@/lib/onnx";
import { FAMILY_DESIGN_SPACES, generate, validateSpec } from "@/lib/zoo";

const spec = (batch: number) => validateSpec({ ...FAMILY_DESIGN_SPACES.detector.example, batch, resolution: 128 });

describe("detector re-batched", () => {
  it("analyzes at its generated batch (1 and 4)", () => {
    const one = analyze(generate(spec(1)));
    expect(Object.values(one.outputs).map((s) => s[0])).toEqual([1, 1]);
    expect(analyze(generate(spec(1)), { batch: 1 }).hash).toBe(one.hash);
    const four = analyze(generate(spec(4)), { batch: 4 });
    expect(Object.values(four.outputs).map((s) => s[0])).toEqual([4, 4]);
  });

  it("generated at batch 1 then analyzed at batch 4: NnlqError ONNX_SHAPE naming the hard-coded batch", () => {
    const bytes = generate(spec(1));
    let err: unknown;
    try {
      analyze(bytes, { batch: 4 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NnlqError);
    if (!isNnlqError(err)) return;
    expect(err.code).toBe("ONNX_SHAPE");
    expect(err.message).toMatch(
      /\(Resize\): Resize changes the batch dimension from 4 to 1: the model hard-codes its batch size \(export it with a dynamic batch, or generate it at this batch\)/,
    );
  });
});
