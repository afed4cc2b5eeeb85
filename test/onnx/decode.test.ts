/**
 * decodeModel: typed errors for every kind of malformed input, external-data refusal, zero-copy weights,
 * subgraphs, model-local functions and Constant-node weights.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { analyze, buildGraph, decodeModel, inferShapes } from "@/lib/onnx";
import { isNnlqError, NnlqError, type ErrorCode } from "@/lib/errors";
import { DataType, type TensorProto } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { corpus, corpusMissing, hasCorpus, model, node, readModel, vi } from "./helpers";

function codeOf(fn: () => unknown): ErrorCode | "ok" {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!isNnlqError(e)) throw e;
    expect(e).toBeInstanceOf(NnlqError);
    expect(e.message.length).toBeGreaterThan(10);
    return e.code;
  }
}

const relu = () => model({ nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", [1, 3])], outputs: [vi("y", [1, 3])] });

describe("decodeModel errors", () => {
  it("accepts a minimal valid model", () => {
    const m = decodeModel(relu());
    expect(m.opset).toBe(17);
    expect(buildGraph(m).nodes).toHaveLength(1);
  });

  it("ONNX_NOT_PROTOBUF for empty input, text and garbage", () => {
    expect(codeOf(() => decodeModel(new Uint8Array()))).toBe("ONNX_NOT_PROTOBUF");
    expect(codeOf(() => decodeModel(new TextEncoder().encode("this is not a valid onnx model")))).toBe("ONNX_NOT_PROTOBUF");
    expect(codeOf(() => decodeModel(Uint8Array.from([0x08, 0x07, 0x3b, 0xff, 0xff])))).toBe("ONNX_NOT_PROTOBUF");
  });

  it("ONNX_TRUNCATED when the file ends early", () => {
    const b = relu();
    for (const cut of [b.length - 1, Math.floor(b.length / 2), 5]) {
      expect(codeOf(() => decodeModel(b.subarray(0, cut)))).toBe("ONNX_TRUNCATED");
    }
  });

  it("ONNX_NO_GRAPH for a model without a graph", () => {
    expect(codeOf(() => decodeModel(Uint8Array.from([0x08, 0x07])))).toBe("ONNX_NO_GRAPH");
  });

  it("ONNX_DANGLING_INPUT for a node reading an undefined tensor, and for an unproduced output", () => {
    const a = model({ nodes: [node("Add", ["x", "nowhere"], ["y"])], inputs: [vi("x", [2])], outputs: [vi("y", [2])] });
    expect(codeOf(() => decodeModel(a))).toBe("ONNX_DANGLING_INPUT");
    const b = model({ nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", [2])], outputs: [vi("z", [2])] });
    expect(codeOf(() => decodeModel(b))).toBe("ONNX_DANGLING_INPUT");
  });

  it("ONNX_CYCLE for a cyclic graph", () => {
    const b = model({
      nodes: [node("Add", ["x", "c"], ["a"]), node("Relu", ["a"], ["b"]), node("Relu", ["b"], ["c"])],
      inputs: [vi("x", [2])], outputs: [vi("c", [2])],
    });
    expect(codeOf(() => decodeModel(b))).toBe("ONNX_CYCLE");
  });

  it("ONNX_UNKNOWN_DOMAIN for an op from a domain the model does not import", () => {
    const b = model({
      nodes: [node("Foo", ["x"], ["y"], {}, { domain: "com.example.secret" })],
      inputs: [vi("x", [2])],
      outputs: [vi("y", [2])],
    });
    expect(codeOf(() => decodeModel(b))).toBe("ONNX_UNKNOWN_DOMAIN");
    const imported = model(
      { nodes: [node("Foo", ["x"], ["y"], {}, { domain: "com.example.secret" })], inputs: [vi("x", [2])], outputs: [vi("y", [2])] },
      {
        opset_import: [
          { domain: "", version: 17 },
          { domain: "com.example.secret", version: 1 },
        ],
      },
    );
    expect(codeOf(() => decodeModel(imported))).toBe("ok");
  });

  it("ONNX_UNSUPPORTED_OPSET for a future or invalid opset", () => {
    const g = { nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", [2])], outputs: [vi("y", [2])] };
    expect(codeOf(() => decodeModel(model(g, { opset_import: [{ domain: "", version: 314159 }] })))).toBe("ONNX_UNSUPPORTED_OPSET");
    expect(codeOf(() => decodeModel(model(g, { opset_import: [{ domain: "", version: 0 }] })))).toBe("ONNX_UNSUPPORTED_OPSET");
  });

  it("ONNX_EXTERNAL_DATA for traversal, absolute and in-memory locations; safe names are kept by name only", () => {
    const ext = (location: string): TensorProto => ({
      name: "w",
      dims: [2],
      data_type: DataType.FLOAT,
      data_location: 1,
      external_data: [{ key: "location", value: location }],
    });
    const g = (t: TensorProto) =>
      model({ nodes: [node("Add", ["x", "w"], ["y"])], inputs: [vi("x", [2])], outputs: [vi("y", [2])], inits: [t] });
    for (const bad of ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "*/_ORT_MEM_ADDR_/*", "a/../../b", "~/.ssh/id_rsa"]) {
      expect(
        codeOf(() => decodeModel(g(ext(bad)))),
        bad,
      ).toBe("ONNX_EXTERNAL_DATA");
    }
    const ok = decodeModel(g(ext("weights.bin")));
    expect(ok.externalData).toEqual([{ tensor: "w", location: "weights.bin" }]);
    expect(analyze(ok).outputs).toEqual({ y: [2] });
  });

  it("ONNX_SHAPE for inconsistent shapes, VALIDATION for bad overrides", () => {
    const b = model({ nodes: [node("Add", ["x", "z"], ["y"])], inputs: [vi("x", [2, 3]), vi("z", [4])], outputs: [vi("y", [2, 3])] });
    expect(codeOf(() => analyze(b))).toBe("ONNX_SHAPE");
    expect(codeOf(() => analyze(relu(), { batch: 0 }))).toBe("VALIDATION");
    expect(codeOf(() => analyze(relu(), { inputs: { nope: [1, 3] } }))).toBe("VALIDATION");
    expect(codeOf(() => analyze(relu(), { inputs: { x: [1, 3, 3] } }))).toBe("VALIDATION");
  });
});

describe("decodeModel structure", () => {
  it("keeps raw_data as a zero-copy view of the input bytes", () => {
    const w = makeTensor("w", DataType.FLOAT, [4, 4], new Array(16).fill(0).map((_, i) => i));
    const bytes = model({ nodes: [node("MatMul", ["x", "w"], ["y"])], inputs: [vi("x", [1, 4])], outputs: [vi("y", [1, 4])], inits: [w] });
    const m = decodeModel(bytes);
    const raw = m.proto.graph!.initializer![0].raw_data!;
    expect(raw.buffer).toBe(bytes.buffer);
    expect(raw.byteLength).toBe(64);
  });

  it("parses If/Loop subgraphs with outer-scope references", () => {
    const thenG = { name: "then", node: [node("Relu", ["x"], ["t"])], output: [vi("t", [2])] };
    const elseG = { name: "else", node: [node("Neg", ["x"], ["e"])], output: [vi("e", [2])] };
    const bytes = model({
      nodes: [
        {
          op_type: "If",
          input: ["c"],
          output: ["y"],
          attribute: [
            { name: "then_branch", type: 5, g: thenG },
            { name: "else_branch", type: 5, g: elseG },
          ],
        },
      ],
      inputs: [vi("c", [], DataType.BOOL), vi("x", [2])],
      outputs: [vi("y", [2])],
    });
    const ir = buildGraph(decodeModel(bytes));
    expect(Object.keys(ir.nodes[0].subgraphs).sort()).toEqual(["else_branch", "then_branch"]);
    expect(ir.nodes[0].implicitInputs).toEqual(["x"]);
    expect(inferShapes(ir).tensors.get("y")!.shape).toEqual([2]);
    // a branch reading a tensor that exists nowhere is dangling
    const bad = model({
      nodes: [
        {
          op_type: "If",
          input: ["c"],
          output: ["y"],
          attribute: [
            { name: "then_branch", type: 5, g: { ...thenG, node: [node("Relu", ["ghost"], ["t"])] } },
            { name: "else_branch", type: 5, g: elseG },
          ],
        },
      ],
      inputs: [vi("c", [], DataType.BOOL), vi("x", [2])],
      outputs: [vi("y", [2])],
    });
    expect(codeOf(() => decodeModel(bad))).toBe("ONNX_DANGLING_INPUT");
  });

  it("inlines model-local functions (attribute references resolved) and rejects recursive ones", () => {
    const fn = {
      name: "Scaled",
      domain: "local",
      input: ["a"],
      output: ["b"],
      attribute: ["alpha"],
      opset_import: [{ domain: "", version: 17 }],
      node: [{ op_type: "LeakyRelu", input: ["a"], output: ["b"], attribute: [{ name: "alpha", type: 1, ref_attr_name: "alpha" }] }],
    };
    const g = {
      nodes: [node("Scaled", ["x"], ["y"], { alpha: 0.25 }, { domain: "local" })],
      inputs: [vi("x", [3, 4])],
      outputs: [vi("y", [3, 4])],
    };
    const opsets = [
      { domain: "", version: 17 },
      { domain: "local", version: 1 },
    ];
    const ir = buildGraph(decodeModel(model(g, { opset_import: opsets, functions: [fn] })));
    expect(ir.nodes.map((n) => n.opType)).toEqual(["LeakyRelu"]);
    expect(ir.nodes[0].attrs.alpha).toBeCloseTo(0.25);
    expect(ir.nodes[0].fromFunction).toBe("Scaled");
    const rec = { ...fn, node: [node("Scaled", ["a"], ["b"], {}, { domain: "local" })] };
    expect(codeOf(() => decodeModel(model(g, { opset_import: opsets, functions: [rec] })))).toBe("ONNX_CYCLE");
  });

  it("resolves attribute defaults by opset (Softmax axis 1 before opset 13, -1 from 13) and normalizes conv windows", () => {
    const g = { nodes: [node("Softmax", ["x"], ["y"])], inputs: [vi("x", [2, 3, 4])], outputs: [vi("y", [2, 3, 4])] };
    expect(buildGraph(decodeModel(model(g, { opset_import: [{ domain: "", version: 11 }] }))).nodes[0].attrs.axis).toBe(1);
    expect(buildGraph(decodeModel(model(g, { opset_import: [{ domain: "", version: 13 }] }))).nodes[0].attrs.axis).toBe(-1);
    const conv = model({
      nodes: [node("Conv", ["x", "w"], ["y"], { auto_pad: "SAME_UPPER", strides: [2, 2] })],
      inputs: [vi("x", [1, 3, 7, 7])], outputs: [vi("y", [1, 4, 4, 4])],
      inits: [makeTensor("w", DataType.FLOAT, [4, 3, 3, 3], new Array(108).fill(0))],
    });
    const ir = inferShapes(decodeModel(conv));
    expect(ir.tensors.get("y")!.shape).toEqual([1, 4, 4, 4]);
    expect(ir.nodes[0].attrs).toMatchObject({ group: 1, kernel_shape: [3, 3], dilations: [1, 1], pads: [1, 1, 1, 1], auto_pad: "NOTSET" });
  });

  it("recognizes weights held in Constant nodes as parameters", () => {
    const w = makeTensor("", DataType.FLOAT, [8, 4], new Array(32).fill(0.5));
    const bytes = model({
      nodes: [{ op_type: "Constant", output: ["w"], attribute: [{ name: "value", type: 4, t: w }] }, node("MatMul", ["x", "w"], ["y"])],
      inputs: [vi("x", [2, 8])], outputs: [vi("y", [2, 4])],
    });
    const s = analyze(bytes);
    expect(s.params).toBe(32);
    expect(s.macs).toBe(2 * 8 * 4);
    expect(s.nodeCount).toBe(1); // the Constant is a weight, not a compute node
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe("a name defined by several Constant nodes", () => {
  const constant = (out: string, values: number[]) =>
    node(
      "Constant",
      [],
      [out],
      {},
      { attribute: [{ name: "value", type: 4, t: makeTensor("", DataType.INT64, [values.length], values) }] },
    );

  it("takes the last definition, as onnxruntime does (exported GPT-2: '284' = 12, then = 2)", async () => {
    const bytes = model({
      nodes: [constant("s", [4, 1]), constant("s", [2, 2]), node("Reshape", ["x", "s"], ["y"])],
      inputs: [vi("x", [1, 4])], outputs: [vi("y", [-1, -1].map(() => "d"))],
    });
    expect(analyze(bytes).outputs).toEqual({ y: [2, 2] });
    const session = await ort.InferenceSession.create(bytes);
    try {
      const out = await session.run({ x: new ort.Tensor("float32", new Float32Array(4), [1, 4]) });
      expect(out.y.dims).toEqual([2, 2]);
    } finally {
      await session.release();
    }
  });

  it.skipIf(!hasCorpus)("so GPT-2 with past state infers completely (72 Reshape/Transpose nodes had unknown shapes)", () => {
    const s = analyze(readModel("networks/onnxruntime/gpt2_past.onnx"));
    expect(s.unknownCostNodes).toBe(0);
    expect(s.outputs.last_state).toEqual([1, 1, 4]);
    expect(s.outputs.present_0).toEqual([2, 1, 2, 2, 2]);
  });
});

describe.skipIf(!hasCorpus)("robustness corpus", () => {
  it("refuses the path-traversal and in-memory external-data models without touching the file system", () => {
    for (const f of [
      "robustness/onnxruntime/testdata/test_arbitrary_external_file.onnx",
      "robustness/onnxruntime/testdata/test_evil_weights.onnx",
    ]) {
      let err: unknown;
      try {
        decodeModel(readModel(f));
      } catch (e) {
        err = e;
      }
      expect(isNnlqError(err) && err.code, f).toBe("ONNX_EXTERNAL_DATA");
      expect((err as Error).message).toMatch(/refused external data/);
    }
  });

  it("classifies the corrupt and future-opset models", () => {
    expect(codeOf(() => decodeModel(readModel("robustness/winml/corrupt-model.onnx")))).toBe("ONNX_NOT_PROTOBUF");
    expect(codeOf(() => decodeModel(readModel("robustness/onnxruntime/testdata/add_opset_314159.onnx")))).toBe("ONNX_UNSUPPORTED_OPSET");
    expect(corpus("x")).toContain("shared");
  });

  it("decodes networks with subgraphs, contrib ops and fp16 weights", () => {
    const beam = analyze(readModel("networks/onnxruntime/tiny_gpt2_beamsearch.onnx"));
    expect(beam.opHistogram["com.microsoft::BeamSearch"]).toBe(1);
    const ir = buildGraph(decodeModel(readModel("networks/onnxruntime/tiny_gpt2_beamsearch.onnx")));
    const bs = ir.nodes.find((n) => n.opType === "BeamSearch")!;
    expect(Object.keys(bs.subgraphs).length).toBeGreaterThan(0);
    expect(analyze(readModel("networks/onnxruntime-genai/tiny-random-gpt2-fp16-cuda/past.onnx")).params).toBeGreaterThan(100_000);
  });
});
