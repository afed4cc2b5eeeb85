import { describe, expect, it } from "vitest";
import { decodeModelProto, type ModelProto } from "@/lib/onnx/proto";
import { mapFusion, parseProfile } from "@/lib/measure/profile";
import type { TraceEvent } from "@/lib/measure/runtime";
import { convNet } from "./models";

/** Trace of `runs` model runs with two kernels; the first run is slow (warm-up). */
function trace(runs: number): TraceEvent[] {
  const ev: TraceEvent[] = [];
  let ts = 0;
  for (let r = 0; r < runs; r++) {
    const slow = r === 0 ? 10 : 1;
    ev.push({ cat: "Session", name: "model_run", ts, dur: 100 * slow });
    ev.push({
      cat: "Node",
      name: "conv1_kernel_time",
      ts: ts + 1,
      dur: (60 + r) * slow,
      args: {
        op_name: "FusedConv",
        provider: "CPUExecutionProvider",
        input_type_shape: [{ float: [1, 3, 32, 32] }, { float: [16, 3, 3, 3] }],
        output_type_shape: [{ float: [1, 16, 32, 32] }],
        mem_in_use_peak: "4096",
        mem_arena_held: "1048576",
      },
    });
    ev.push({
      cat: "Node",
      name: "fc_kernel_time",
      ts: ts + 70,
      dur: 20 * slow,
      args: { op_name: "Gemm", provider: "CPUExecutionProvider", input_type_shape: [{ float: [1, 32] }] },
    });
    ev.push({ cat: "Session", name: "SequentialExecutor::Execute", ts, dur: 95 });
    ts += 1000;
  }
  return ev;
}

describe("ORT profile parsing", () => {
  it("drops warm-up runs and summarises kernels per op type", () => {
    const p = parseProfile(trace(6), { skipRuns: 1 });
    expect(p.runs).toBe(5);
    expect(p.runMedianUs).toBe(100);
    const conv = p.kernels.find((k) => k.name === "conv1")!;
    expect(conv.medianUs).toBe(63); // 61..65 after dropping the slow first run
    expect(conv.kernelType).toBe("FusedConv");
    expect(conv.inputShapes).toEqual([[1, 3, 32, 32], [16, 3, 3, 3]]);
    expect(conv.inputTypes).toEqual(["float", "float"]);
    expect(conv.outputShapes).toEqual([[1, 16, 32, 32]]);
    expect(conv.share).toBeCloseTo(63 / 83);
    expect(p.byOpType.Gemm).toEqual({ count: 1, totalUs: 20, share: 20 / 83 });
    expect(p.kernelSumUs).toBe(83);
    expect(p.memory).toEqual({ inUsePeakBytes: 4096, arenaHeldBytes: 1048576 });
  });

  it("maps kernels to original nodes by name, absorbing kernel-less nodes into their producer", () => {
    const original: ModelProto = decodeModelProto(convNet());
    const m = mapFusion(original, [
      { name: "conv1", opType: "FusedConv" },
      { name: "conv2", opType: "FusedConv" },
      { name: "add", opType: "Add" },
      { name: "conv3", opType: "FusedConv" },
      { name: "gap", opType: "GlobalAveragePool" },
      { name: "flat", opType: "Flatten" },
      { name: "fc", opType: "Gemm" },
    ]);
    expect(m.get("conv1")).toEqual(["conv1", "bn1", "relu1"]);
    expect(m.get("conv2")).toEqual(["conv2", "relu2"]);
    expect(m.get("conv3")).toEqual(["conv3", "relu3"]);
    expect(m.get("fc")).toEqual(["fc"]);
  });

  it("maps generated kernel names through the optimized graph", () => {
    const original = decodeModelProto(convNet());
    const optimized: ModelProto = {
      graph: {
        input: [{ name: "x" }],
        node: [
          { name: "r1_nchwc", op_type: "Conv", domain: "com.microsoft.nchwc", input: ["x", "w1_reordered"], output: ["reorder_token_0"] },
          { name: "ReorderOutput", op_type: "ReorderOutput", domain: "com.microsoft.nchwc", input: ["reorder_token_0"], output: ["r1"] },
          { name: "conv2", op_type: "FusedConv", input: ["r1", "w2"], output: ["r2"] },
          { name: "add", op_type: "Add", input: ["r1", "r2"], output: ["a"] },
          { name: "r3_nchwc", op_type: "Conv", domain: "com.microsoft.nchwc", input: ["a", "w3_reordered"], output: ["reorder_token_1"] },
          {
            name: "g_nchwc",
            op_type: "GlobalAveragePool",
            domain: "com.microsoft.nchwc",
            input: ["reorder_token_1"],
            output: ["reorder_token_2"],
          },
          {
            name: "ReorderOutput_token_3",
            op_type: "ReorderOutput",
            domain: "com.microsoft.nchwc",
            input: ["reorder_token_2"],
            output: ["g"],
          },
          { name: "flat", op_type: "Flatten", input: ["g"], output: ["f"] },
          { name: "fc", op_type: "Gemm", input: ["f", "wf", "bf"], output: ["y"] },
        ],
      },
    };
    const kernels = (optimized.graph!.node ?? []).map((n) => ({ name: n.name!, opType: n.op_type! }));
    const m = mapFusion(original, kernels, optimized);
    expect(m.get("r1_nchwc")!.sort()).toEqual(["bn1", "conv1", "relu1"]);
    expect(m.get("ReorderOutput")).toEqual([]);
    expect(m.get("conv2")!.sort()).toEqual(["conv2", "relu2"]);
    expect(m.get("add")).toEqual(["add"]);
    expect(m.get("r3_nchwc")!.sort()).toEqual(["conv3", "relu3"]);
    expect(m.get("g_nchwc")).toEqual(["gap"]);
    expect(m.get("ReorderOutput_token_3")).toEqual([]);
    expect(m.get("fc")).toEqual(["fc"]);
  });
});

describe("kernel → node mapping on real onnxruntime profiles", () => {
  it("gives a transformer's MatMul+Add→Gemm fusions to the Gemm, not to the reshapes ORT generates around it", async () => {
    const { generate, sampleSpecs } = await import("@/lib/zoo");
    const { measureModel } = await import("@/lib/measure");
    const { localPlatforms } = await import("@/lib/measure/platforms");
    const spec = sampleSpecs("vit", 1, 3, { resolution: 96 })[0];
    const bytes = generate(spec);
    const platform = localPlatforms().find((p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads === 1)!;
    const r = await measureModel(bytes, platform, { batch: 1, timeBudgetMs: 30, profileRuns: 3 });
    const nodes = decodeModelProto(bytes).graph!.node!;
    const opOf = new Map(nodes.map((n) => [n.name!, n.op_type!]));
    const owner = new Map<string, { opType: string; name: string }>();
    for (const k of r.profile!.kernels) for (const n of k.fusedFrom) owner.set(n, k);
    const matmuls = nodes.filter((n) => n.op_type === "MatMul");
    expect(matmuls.length).toBeGreaterThan(4);
    for (const m of matmuls) expect(["Gemm", "MatMul", "FusedMatMul"]).toContain(owner.get(m.name!)?.opType);
    // generated reshapes own at most original reshapes, never compute
    for (const k of r.profile!.kernels.filter((k) => k.opType === "Reshape"))
      for (const n of k.fusedFrom) expect(opOf.get(n)).toBe("Reshape");
    // every Transpose is either a kernel of its own or folded into a compute kernel
    for (const t of nodes.filter((n) => n.op_type === "Transpose")) expect(owner.has(t.name!)).toBe(true);
    // the Gemm kernels carry the time of the dense layers
    const gemmUs = r.profile!.kernels.filter((k) => k.opType === "Gemm").reduce((a, k) => a + k.medianUs, 0);
    const gemmOwned = r.profile!.kernels.filter(
      (k) => k.opType === "Gemm" && k.fusedFrom.some((n) => ["MatMul", "Gemm"].includes(opOf.get(n)!)),
    );
    expect(gemmOwned.length).toBe(r.profile!.kernels.filter((k) => k.opType === "Gemm").length);
    expect(gemmUs).toBeGreaterThan(0);
  }, 60_000);
});
