import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stripWeights } from "@/lib/onnx";
import { FAMILY_DESIGN_SPACES, generate, validateSpec } from "@/lib/zoo";
import { DataType, decodeModelProto, encodeModelProto } from "@/lib/onnx/proto";
import { detectHost } from "@/lib/measure/host";
import { convertForPlatform, ortCalibrator } from "@/lib/measure/passes";
import { convertToFp16 } from "@/lib/measure/passes/fp16";
import { checkOperators, translateRuntimeError, verifyPrecision } from "@/lib/measure/passes/ops";
import { quantizeInt8 } from "@/lib/measure/passes/quantize";
import { readInputSpecs, setShapes } from "@/lib/measure/passes/shapes";
import { makePlatform } from "@/lib/measure/platforms";
import { INT8_KERNELS, parseProfile } from "@/lib/measure/profile";
import { randomFeeds, runtimeAdapter } from "@/lib/measure/runtime";
import { convNet, customOpModel, doubleConvModel, matmulModel } from "./models";

const host = detectHost();
const cpuT1 = makePlatform(host, "ort-cpu", "fp32", 1);
const int8 = makePlatform(host, "ort-cpu", "int8", 1);

async function runOnce(bytes: Uint8Array, seed = 7) {
  const session = await runtimeAdapter("ort-cpu").createSession(bytes, { threads: 1 });
  const out = await session.prepare(randomFeeds(readInputSpecs(bytes), seed))();
  await session.release();
  return out;
}

async function profileOf(bytes: Uint8Array) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-test-"));
  const optimizedModelPath = path.join(dir, "opt.onnx");
  const session = await runtimeAdapter("ort-cpu").createSession(bytes, { threads: 1, profile: true, optimizedModelPath });
  const run = session.prepare(randomFeeds(readInputSpecs(bytes), 1));
  for (let i = 0; i < 4; i++) await run();
  const events = await session.endProfiling();
  await session.release();
  const optimized = decodeModelProto(fs.readFileSync(optimizedModelPath));
  fs.rmSync(dir, { recursive: true, force: true });
  return parseProfile(events, { skipRuns: 1, original: decodeModelProto(bytes), optimized });
}

describe("set-shapes pass", () => {
  it("resolves the symbolic batch to the requested batch, default 1", () => {
    expect(setShapes(convNet(), { batch: 4 }).inputs).toEqual([{ name: "x", dims: [4, 3, 32, 32], elemType: DataType.FLOAT }]);
    expect(setShapes(convNet()).inputs[0].dims).toEqual([1, 3, 32, 32]);
    expect(setShapes(convNet({ batch: 2 })).inputs[0].dims).toEqual([2, 3, 32, 32]);
    expect(setShapes(convNet({ batch: 2 }), { batch: 8 }).inputs[0].dims).toEqual([8, 3, 32, 32]);
    expect(setShapes(convNet(), { inputs: { x: [2, 3, 64, 64] } }).inputs[0].dims).toEqual([2, 3, 64, 64]);
    const written = decodeModelProto(setShapes(convNet(), { batch: 3 }).bytes).graph!.input![0];
    expect(written.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value)).toEqual([3, 3, 32, 32]);
  });

  it("rejects unresolvable or inconsistent shapes with ONNX_SHAPE", () => {
    const shapeErr = expect.objectContaining({ code: "ONNX_SHAPE" });
    const symbolicH = encodeModelProto({
      ...decodeModelProto(convNet()),
      graph: {
        ...decodeModelProto(convNet()).graph,
        input: [
          {
            name: "x",
            type: {
              tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: "N" }, { dim_value: 3 }, { dim_param: "H" }, { dim_param: "W" }] } },
            },
          },
        ],
      },
    });
    expect(() => setShapes(symbolicH)).toThrowError(
      expect.objectContaining({ code: "ONNX_SHAPE", message: expect.stringContaining("'H' at axis 2") }),
    );
    expect(setShapes(symbolicH, { inputs: { x: [1, 3, 40, 40] } }).inputs[0].dims).toEqual([1, 3, 40, 40]);
    expect(() => setShapes(convNet(), { inputs: { x: [1, 3, 32] } })).toThrowError(shapeErr);
    expect(() => setShapes(convNet(), { inputs: { nope: [1] } })).toThrowError(shapeErr);
    expect(() => setShapes(convNet(), { batch: 0 })).toThrowError(shapeErr);
    expect(() => setShapes(convNet(), { batch: 1.5 })).toThrowError(shapeErr);
    expect(() => setShapes(new Uint8Array([1, 2, 3, 4, 5]))).toThrowError(
      expect.objectContaining({ code: expect.stringMatching(/^ONNX_/) }),
    );
  });
});

describe("weights and conversion pipeline", () => {
  it("re-materializes a structure-only model into a runnable one, deterministically", async () => {
    const stripped = stripWeights(convNet({ resolution: 16 }));
    expect(stripped.length).toBeLessThan(convNet({ resolution: 16 }).length);
    const a = await convertForPlatform(stripped, { platform: cpuT1, batch: 2 });
    const b = await convertForPlatform(stripped, { platform: cpuT1, batch: 2 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.log.map((l) => l.name)).toEqual(["materialize-weights", "set-shapes", "check-ops"]);
    expect(a.log[0].notes).toEqual({ materialized: true });
    expect(a.inputs[0].dims).toEqual([2, 3, 16, 16]);
    const y = (await runOnce(a.bytes)).y;
    expect(y.dims).toEqual([2, 10]);
    expect(Array.from(y.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it("refuses a model whose batch is baked in (a zoo detector's Resize sizes) at another batch", async () => {
    const detector = (batch: number) => generate(validateSpec({ ...FAMILY_DESIGN_SPACES.detector.example, batch, resolution: 96 }));
    await expect(convertForPlatform(detector(1), { platform: cpuT1, batch: 4 })).rejects.toMatchObject({
      code: "ONNX_SHAPE", message: expect.stringMatching(/Resize changes the batch dimension from 4 to 1/),
    });
    // at its own batch it converts (and onnxruntime runs it)
    const ok = await convertForPlatform(detector(2), { platform: cpuT1, batch: 2 });
    expect(ok.inputs[0].dims).toEqual([2, 3, 96, 96]);
    expect(Object.values(await runOnce(ok.bytes)).map((t) => t.dims[0])).toEqual([2, 2]);
  });
});

describe("int8 QDQ quantization", () => {
  it("folds BatchNorm, inserts Q/DQ and runs as quantized kernels close to fp32", async () => {
    const fp32 = setShapes(convNet(), { batch: 1 }).bytes;
    const { bytes, quantizedNodes } = await quantizeInt8(fp32, ortCalibrator(11, 4), { platform: int8.slug });
    expect(quantizedNodes).toBeGreaterThanOrEqual(4);
    const g = decodeModelProto(bytes).graph!;
    const ops = g.node!.map((n) => n.op_type);
    expect(ops).not.toContain("BatchNormalization");
    expect(ops.filter((o) => o === "QuantizeLinear").length).toBeGreaterThanOrEqual(4);
    expect(g.initializer!.some((t) => t.data_type === DataType.INT8)).toBe(true);
    expect(g.initializer!.some((t) => t.data_type === DataType.INT32)).toBe(true);
    expect(g.output![0].name).toBe("y");

    // semantics preserved: int8 output within a few percent of fp32 on the same input
    const ref = Array.from((await runOnce(fp32, 3)).y.data as Float32Array);
    const q = Array.from((await runOnce(bytes, 3)).y.data as Float32Array);
    const scale = Math.max(...ref.map(Math.abs));
    expect(Math.max(...q.map((v, i) => Math.abs(v - ref[i]))) / scale).toBeLessThan(0.1);

    // the runtime fused the QDQ groups into integer kernels
    const profile = await profileOf(bytes);
    const opTypes = profile.kernels.map((k) => k.opType);
    expect(opTypes.filter((o) => o === "QLinearConv")).toHaveLength(3);
    expect(opTypes).toContain("QGemm");
    expect(opTypes).toContain("QLinearAdd");
    const conv = profile.kernels.find((k) => k.opType === "QLinearConv")!;
    expect(conv.inputTypes[0]).toBe("uint8");
    expect(conv.fusedFrom).toContain("conv1");
    expect(profile.kernels.filter((k) => INT8_KERNELS.has(k.opType)).reduce((a, k) => a + k.share, 0)).toBeGreaterThan(0.3);
  });

  it("quantizes MatMul of two activations and MatMul with weights", async () => {
    const { bytes } = await quantizeInt8(matmulModel(), ortCalibrator(1, 2));
    const opTypes = (await profileOf(bytes)).kernels.map((k) => k.opType);
    expect(opTypes.filter((o) => INT8_KERNELS.has(o)).length).toBeGreaterThanOrEqual(2);
  });

  it("raises an opset-9 model to opset 10 for int8 kernels", async () => {
    const { bytes } = await quantizeInt8(setShapes(convNet({ opset: 9 })).bytes, ortCalibrator(1, 2));
    const m = decodeModelProto(bytes);
    expect(m.opset_import!.find((o) => !o.domain)!.version).toBe(10);
    expect((await profileOf(bytes)).kernels.some((k) => k.opType === "QLinearConv")).toBe(true);
  });

  it("refuses a model whose weights are not constant instead of measuring fp32 as int8", async () => {
    const m = decodeModelProto(setShapes(convNet()).bytes);
    const g = m.graph!;
    // feed conv weights from a graph input: nothing can be quantized
    for (const n of g.node!) if (n.op_type === "Conv" || n.op_type === "Gemm") n.input![1] = "wdyn";
    g.input!.push({
      name: "wdyn",
      type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 16 }, { dim_value: 3 }, { dim_value: 3 }, { dim_value: 3 }] } } },
    });
    await expect(quantizeInt8(encodeModelProto(m), ortCalibrator(1, 1), { platform: int8.slug })).rejects.toMatchObject({
      code: "UNSUPPORTED_OPERATOR",
      message: expect.stringContaining(`is not supported on platform ${int8.slug}`),
    });
  });
});

describe("fp16 and operator support", () => {
  it("converts every float tensor to fp16, and the CPU profile exposes the fp32 fallback", async () => {
    const half = convertToFp16(setShapes(convNet()).bytes);
    const g = decodeModelProto(half).graph!;
    expect(g.initializer!.every((t) => t.data_type === DataType.FLOAT16)).toBe(true);
    expect(g.input![0].type!.tensor_type!.elem_type).toBe(DataType.FLOAT16);
    expect(g.output![0].type!.tensor_type!.elem_type).toBe(DataType.FLOAT16);
    const profile = await profileOf(half);
    expect(profile.kernels.some((k) => k.name.startsWith("InsertedPrecisionFreeCast"))).toBe(true);
    expect(() => verifyPrecision(profile.kernels, "fp16", "x/ort-cpu-1.30/fp16/t1")).toThrowError(
      expect.objectContaining({
        code: "UNSUPPORTED_OPERATOR",
        message: expect.stringMatching(/^operators .*Conv.* are not supported in fp16 on platform x\/ort-cpu-1.30\/fp16\/t1/),
      }),
    );
    expect(() => verifyPrecision(profile.kernels, "fp32", "p")).not.toThrow();
  });

  it("rejects operators of unknown domains before the runtime sees them", () => {
    expect(() => checkOperators(decodeModelProto(customOpModel()), "ort-cpu", cpuT1.slug)).toThrowError(
      expect.objectContaining({
        code: "UNSUPPORTED_OPERATOR",
        message: `operator nnlq.test:Frobnicate is not supported on platform ${cpuT1.slug} (unknown operator domain 'nnlq.test')`,
      }),
    );
    expect(() => checkOperators(decodeModelProto(convNet()), "ort-wasm", "p")).not.toThrow();
  });

  it("translates the runtime's own errors into typed results", async () => {
    const err = await runtimeAdapter("ort-cpu").createSession(doubleConvModel(), { threads: 1 }).then(() => null, (e) => e);
    expect(err).toBeTruthy();
    const t = translateRuntimeError(err, cpuT1.slug, "session creation");
    expect(t.code).toBe("UNSUPPORTED_OPERATOR");
    expect(t.message).toBe(`operator Conv is not supported on platform ${cpuT1.slug} (no kernel for this operator and data type)`);
    expect(t.details).toMatchObject({ operator: "Conv", node: "conv_f64" });
    expect(translateRuntimeError(new Error("This is an invalid model. Type Error: x"), "p", "s").code).toBe("ONNX_INVALID");
    expect(translateRuntimeError(new Error("something odd"), "p", "inference").code).toBe("MEASUREMENT_FAILED");
  });
});
