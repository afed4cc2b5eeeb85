/**
 * Structure-only stripping: a real ~100 MB ResNet-50 (random weights materialized in memory from the light
 * model's shapes, never written to disk) strips to well under 1 MB, keeps dtypes/dims/structure (same hash,
 * cost and outputs), and after materializeWeights() onnxruntime-node loads and runs it.
 */
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze, decodeModel, isStructureOnly, materializeWeights, stripWeights, structureHash } from "@/lib/onnx";
import { DataType } from "@/lib/onnx/proto";
import { hasInlineData, makeTensor } from "@/lib/onnx/tensor";
import { corpusMissing, hasCorpus, materializeLight, model, node, readModel, vi } from "./helpers";

async function runOrt(bytes: Uint8Array): Promise<Record<string, readonly number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    const meta = session.inputMetadata as unknown as { name: string; shape: (number | string)[] }[];
    for (const m of meta) {
      const dims = m.shape.map((d) => (typeof d === "number" ? d : 1));
      feeds[m.name] = new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1), dims);
    }
    const out = await session.run(feeds);
    for (const v of Object.values(out)) expect(Array.from(v.data as Float32Array).every(Number.isFinite)).toBe(true);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dims]));
  } finally {
    await session.release();
  }
}

describe("stripWeights on a small model", () => {
  const w = makeTensor("w", DataType.FLOAT, [16, 16], Array.from({ length: 256 }, (_, i) => i / 256));
  const shape = makeTensor("shape", DataType.INT64, [2], [-1, 16]);
  const bytes = model({
    nodes: [node("MatMul", ["x", "w"], ["h"], {}, { doc_string: "secret doc" }), node("Reshape", ["h", "shape"], ["y"])],
    inputs: [vi("x", ["N", 16])], outputs: [vi("y", ["N", 16])], inits: [w, shape],
  });

  it("drops weight bytes and doc strings, keeps small structural tensors, dims and dtypes", () => {
    const s = stripWeights(bytes);
    const m = decodeModel(s);
    const inits = Object.fromEntries(m.proto.graph!.initializer!.map((t) => [t.name, t]));
    expect(inits.w.raw_data).toBeUndefined();
    expect(inits.w.dims).toEqual([16, 16]);
    expect(inits.w.data_type).toBe(DataType.FLOAT);
    expect(inits.shape.raw_data?.length).toBe(16); // Reshape target kept: structure
    expect(JSON.stringify(m.proto.graph!.node)).not.toContain("secret");
    expect(isStructureOnly(m)).toBe(true);
    expect(isStructureOnly(decodeModel(bytes))).toBe(false);
    expect(m.proto.metadata_props).toContainEqual({ key: "nnlq.structure_only", value: "true" });
    expect(structureHash(m)).toBe(structureHash(decodeModel(bytes)));
  });

  it("materializeWeights is deterministic per seed, restores runnable data, and leaves full models alone", async () => {
    const s = stripWeights(bytes);
    const a = materializeWeights(s, 1);
    expect(materializeWeights(s, 1)).toEqual(a);
    expect(materializeWeights(s, 2)).not.toEqual(a);
    expect(isStructureOnly(decodeModel(a))).toBe(false);
    expect(materializeWeights(bytes, 1)).toBe(bytes);
    expect(await runOrt(a)).toEqual({ y: [1, 16] });
  });
});

describe("stripWeights decides by role, not size", () => {
  const f = (name: string, dims: number[], values?: number[]) =>
    makeTensor(name, DataType.FLOAT, dims, values ?? Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => 0.1 + i / 100));
  // Conv → BatchNorm → Add → Resize(scales) → Resize(sizes computed in float from Shape) → Pow(2):
  // every learned tensor has at most 4 elements; the scales and the float factor decide shapes.
  const learned = ["W", "B", "bn_scale", "bn_bias", "bn_mean", "bn_var", "addc"];
  const bytes = model({
    nodes: [
      node("Conv", ["x", "W", "B"], ["c"], { pads: [1, 1, 1, 1] }),
      node("BatchNormalization", ["c", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"]),
      node("Add", ["bn", "addc"], ["a"]),
      node("Resize", ["a", "", "scales"], ["r1"]),
      node("Shape", ["r1"], ["s"]),
      node("Cast", ["s"], ["sf"], { to: DataType.FLOAT }),
      node("Mul", ["sf", "factor"], ["sm"]),
      node("Cast", ["sm"], ["sizes"], { to: DataType.INT64 }),
      node("Resize", ["r1", "", "", "sizes"], ["r2"]),
      node("Pow", ["r2", "exponent"], ["y"]),
    ],
    inputs: [vi("x", ["N", 3, 8, 8])], outputs: [vi("y", ["N", 4, "H", "W"])],
    inits: [f("W", [4, 3, 3, 3]), f("B", [4]), f("bn_scale", [4]), f("bn_bias", [4]), f("bn_mean", [4]), f("bn_var", [4]),
      f("addc", [1, 4, 1, 1]), f("scales", [4], [1, 1, 2, 2]), f("factor", [4], [1, 1, 1.5, 0.5]), f("exponent", [], [2])],
  });

  it("strips every learned tensor however small, keeps the values that decide shapes and the scalar hyperparameters", async () => {
    const full = analyze(bytes);
    expect(full.outputs).toEqual({ y: [1, 4, 24, 8] });
    const stripped = stripWeights(bytes);
    const m = decodeModel(stripped);
    const inits = Object.fromEntries(m.proto.graph!.initializer!.map((t) => [t.name!, t]));
    for (const name of learned) {
      expect(hasInlineData(inits[name]), name).toBe(false);
      expect(inits[name].dims?.length, name).toBeGreaterThan(0);
    }
    for (const name of ["scales", "factor", "exponent"]) expect(hasInlineData(inits[name]), name).toBe(true);
    expect(analyze(m).hash).toBe(full.hash);
    expect(analyze(m).outputs).toEqual(full.outputs);
    expect(await runOrt(materializeWeights(stripped, 3))).toEqual({ y: [1, 4, 24, 8] });
  });

  it("keeps a Constant node's value only when shapes need it", () => {
    const constant = (name: string, t: ReturnType<typeof f>) =>
      node("Constant", [], [name], {}, { attribute: [{ name: "value", type: 4, t }] });
    const b = model({
      nodes: [
        constant("k", f("", [1, 4, 1, 1])),
        constant("sc", f("", [4], [1, 1, 2, 2])),
        node("Mul", ["x", "k"], ["m"]),
        node("Resize", ["m", "", "sc"], ["y"]),
      ],
      inputs: [vi("x", [1, 4, 8, 8])],
      outputs: [vi("y", [1, 4, 16, 16])],
    });
    const m = decodeModel(stripWeights(b));
    const value = (out: string) => m.proto.graph!.node!.find((n) => n.output?.[0] === out)!.attribute![0].t!;
    expect(hasInlineData(value("k"))).toBe(false);
    expect(hasInlineData(value("sc"))).toBe(true);
    expect(analyze(m).hash).toBe(analyze(b).hash);
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("stripWeights on a ~100 MB ResNet-50", () => {
  let full: Uint8Array;
  beforeAll(() => {
    full = materializeLight("networks/onnx_light/light_resnet50.onnx");
  });

  it("strips a 100 MB ResNet-50 to well under 1 MB with the same structure", () => {
    expect(full.length).toBeGreaterThan(100_000_000);
    const stripped = stripWeights(full);
    console.log(`ResNet-50 with weights ${(full.length / 1e6).toFixed(1)} MB → structure-only ${(stripped.length / 1e3).toFixed(1)} kB`);
    expect(stripped.length).toBeLessThan(100_000);
    // nothing learned stays, not even the 64-channel BatchNorm vectors (the old size rule kept 28 of them)
    const kept = decodeModel(stripped).proto.graph!.initializer!.filter((t) => hasInlineData(t) && t.data_type === DataType.FLOAT);
    expect(kept.map((t) => t.name)).toEqual([]);
    const a = analyze(full);
    const b = analyze(stripped);
    expect(b.hash).toBe(a.hash);
    expect(b.structureOnly).toBe(true);
    expect(a.structureOnly).toBe(false);
    expect({ ...b, structureOnly: a.structureOnly }).toEqual(a);
    // the same network with ConstantOfShape weights (the light model) has the same structure hash
    expect(analyze(readModel("networks/onnx_light/light_resnet50.onnx")).hash).toBe(a.hash);
  });

  it("re-materialized with random weights, onnxruntime-node loads and runs it with the inferred output shape", async () => {
    const runnable = materializeWeights(stripWeights(full), 42);
    expect(runnable.length).toBeGreaterThan(100_000_000);
    const outputs = await runOrt(runnable);
    expect(outputs).toEqual(analyze(runnable).outputs);
    expect(outputs).toEqual({ "gpu_0/softmax_1": [1, 1000] });
  }, 120_000);

  it("strips a model whose weights sit in Constant nodes and subgraphs (BeamSearch GPT-2)", async () => {
    const beam = readModel("networks/onnxruntime/tiny_gpt2_beamsearch.onnx");
    const s = stripWeights(beam);
    expect(s.length).toBeLessThan(beam.length / 4);
    expect(isStructureOnly(decodeModel(s))).toBe(true);
    expect(analyze(s).hash).toBe(analyze(beam).hash);
  });
});
