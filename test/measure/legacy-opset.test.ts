/**
 * Models from before opset_import (IR 1: opset-1 operators) run in onnxruntime after the set-shapes pass
 * rewrites them to opset 7 (lib/measure/passes/legacy.ts): opset-1 broadcasting keeps its meaning (a bias
 * added per channel, not along the last axis), Reshape's shape attribute becomes an input, attributes get
 * their type. The corpus's super-resolution CNN (IR 1), refused before with "Missing opset", now runs.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DataType, encodeModelProto } from "@/lib/onnx/proto";
import { detectHost } from "@/lib/measure/host";
import { convertForPlatform } from "@/lib/measure/passes";
import { isLegacyOpset } from "@/lib/measure/passes/legacy";
import { makePlatform } from "@/lib/measure/platforms";
import { randomFeeds, runtimeAdapter } from "@/lib/measure/runtime";
import { SHARED_ONNX } from "./models";

const platform = makePlatform(detectHost(), "ort-cpu", "fp32", 1);
const vi = (name: string, dims: number[]) => ({
  name,
  type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
});

/** IR 1, no opset_import: x [1, 2, 2, 2] + bias [1, 10] (broadcast at axis 1) → Reshape to [1, 8] by attribute. */
function legacyNet(): Uint8Array {
  return encodeModelProto({
    ir_version: 1,
    producer_name: "nnlq-test",
    graph: {
      name: "legacy",
      node: [
        { op_type: "Add", input: ["x", "bias"], output: ["a"], attribute: [{ name: "broadcast", i: 1 }, { name: "axis", i: 1 }] },
        { op_type: "Relu", input: ["a"], output: ["r"], attribute: [{ name: "consumed_inputs", ints: [0] }] },
        { op_type: "Reshape", input: ["r"], output: ["y"], attribute: [{ name: "shape", ints: [1, 8] }] },
      ],
      initializer: [{ name: "bias", dims: [2], data_type: DataType.FLOAT, float_data: [1, 10] }],
      input: [vi("x", [1, 2, 2, 2]), vi("bias", [2])],
      output: [vi("y", [1, 8])],
    },
  });
}

describe("legacy (IR 1) models", () => {
  it("are rewritten to opset 7 with opset-1 broadcasting kept: the bias is added per channel", async () => {
    const converted = await convertForPlatform(legacyNet(), { platform, batch: 1 });
    expect(isLegacyOpset(converted.model)).toBe(false);
    expect(converted.model.opset_import).toEqual([{ domain: "", version: 7 }]);
    expect(converted.log.find((l) => l.name === "set-shapes")!.notes).toMatchObject({ legacyOpsetUpgraded: 3 });
    const session = await runtimeAdapter("ort-cpu").createSession(converted.bytes, { threads: 1 });
    const out = await session.prepare({ x: { type: "float32", data: new Float32Array(8), dims: [1, 2, 2, 2] } })();
    await session.release();
    // channel 0 (4 values) got 1, channel 1 got 10 — numpy broadcasting of [2] would have alternated them
    expect(Array.from(out.y!.data as Float32Array)).toEqual([1, 1, 1, 1, 10, 10, 10, 10]);
  });

  const SR = path.join(SHARED_ONNX, "networks/onnx_tutorials/super_resolution.onnx");
  it.skipIf(!fs.existsSync(SR))("the corpus super-resolution CNN runs: 224² in, 672² out", async () => {
    const converted = await convertForPlatform(new Uint8Array(fs.readFileSync(SR)), { platform, batch: 1 });
    const session = await runtimeAdapter("ort-cpu").createSession(converted.bytes, { threads: 1 });
    const out = await session.prepare(randomFeeds(converted.inputs, 1))();
    await session.release();
    expect(Object.values(out)[0]!.dims).toEqual([1, 1, 672, 672]);
  }, 60_000);
  if (!fs.existsSync(SR)) console.warn(`[test/measure] SKIP the corpus super-resolution CNN: ${SR} is absent`);
});
