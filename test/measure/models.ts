/** Tiny hand-built ONNX graphs for the measurement tests (built in memory; no .onnx file is committed). */
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { AttrType, DataType, encodeModelProto, type NodeProto, type TensorProto, type ValueInfo } from "@/lib/onnx/proto";

function weights(name: string, dims: number[], scale = 0.1): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + dims.length) * scale;
  return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(a.buffer) };
}

const ints = (name: string, v: number[]) => ({ name, type: AttrType.INTS, ints: v });

function tensorInfo(name: string, elem: number, dims: (number | string)[]): ValueInfo {
  return {
    name,
    type: {
      tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } },
    },
  };
}

export interface ConvNetOptions {
  /** leave initializers without data (structure-only) */
  structureOnly?: boolean;
  opset?: number;
  /** declared batch dimension: a number, or a symbol (default "N") */
  batch?: number | string;
  resolution?: number;
}

/** Conv-BN-Relu → Conv-Relu (stride 2) → residual Add → GlobalAveragePool → Flatten → Gemm. */
export function convNet(o: ConvNetOptions = {}): Uint8Array {
  const r = o.resolution ?? 32;
  const nodes: NodeProto[] = [
    {
      op_type: "Conv",
      name: "conv1",
      input: ["x", "w1", "b1"],
      output: ["c1"],
      attribute: [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1])],
    },
    { op_type: "BatchNormalization", name: "bn1", input: ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], output: ["n1"] },
    { op_type: "Relu", name: "relu1", input: ["n1"], output: ["r1"] },
    {
      op_type: "Conv",
      name: "conv2",
      input: ["r1", "w2", "b2"],
      output: ["c2"],
      attribute: [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1])],
    },
    { op_type: "Relu", name: "relu2", input: ["c2"], output: ["r2"] },
    { op_type: "Add", name: "add", input: ["r1", "r2"], output: ["a"] },
    {
      op_type: "Conv",
      name: "conv3",
      input: ["a", "w3", "b3"],
      output: ["c3"],
      attribute: [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), ints("strides", [2, 2])],
    },
    { op_type: "Relu", name: "relu3", input: ["c3"], output: ["r3"] },
    { op_type: "GlobalAveragePool", name: "gap", input: ["r3"], output: ["g"] },
    { op_type: "Flatten", name: "flat", input: ["g"], output: ["f"] },
    { op_type: "Gemm", name: "fc", input: ["f", "wf", "bf"], output: ["y"], attribute: [{ name: "transB", type: AttrType.INT, i: 1 }] },
  ];
  const inits: TensorProto[] = [
    weights("w1", [16, 3, 3, 3]), weights("b1", [16]),
    { ...weights("bn_s", [16]) }, weights("bn_b", [16]), weights("bn_m", [16]),
    { name: "bn_v", dims: [16], data_type: DataType.FLOAT, raw_data: new Uint8Array(new Float32Array(16).fill(1).buffer) },
    weights("w2", [16, 16, 3, 3]), weights("b2", [16]), weights("w3", [32, 16, 3, 3]), weights("b3", [32]),
    weights("wf", [10, 32]), weights("bf", [10]),
  ].map((t) => (o.structureOnly && (t.dims ?? []).length > 1 ? { name: t.name, dims: t.dims, data_type: t.data_type } : t));
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: o.opset ?? 17 }],
    producer_name: "nnlq-test",
    graph: {
      name: "convnet",
      node: nodes,
      initializer: inits,
      input: [tensorInfo("x", DataType.FLOAT, [o.batch ?? "N", 3, r, r])],
      output: [tensorInfo("y", DataType.FLOAT, [o.batch ?? "N", 10])],
    },
  });
}

/** One node of an operator the runtime cannot register (custom domain). */
export function customOpModel(domain = "nnlq.test", op = "Frobnicate"): Uint8Array {
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }, { domain, version: 1 }],
    graph: {
      name: "custom",
      node: [
        { op_type: "Relu", name: "relu", input: ["x"], output: ["r"] },
        { op_type: op, domain, name: "custom", input: ["r"], output: ["y"] },
      ],
      input: [tensorInfo("x", DataType.FLOAT, [1, 8])],
      output: [tensorInfo("y", DataType.FLOAT, [1, 8])],
    },
  });
}

/** A standard operator with a data type ORT has no kernel for (Conv on float64). */
export function doubleConvModel(): Uint8Array {
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: {
      name: "double",
      node: [{ op_type: "Conv", name: "conv_f64", input: ["x", "w"], output: ["y"], attribute: [ints("kernel_shape", [3, 3])] }],
      initializer: [{ name: "w", dims: [4, 4, 3, 3], data_type: DataType.DOUBLE, raw_data: new Uint8Array(4 * 4 * 9 * 8) }],
      input: [tensorInfo("x", DataType.DOUBLE, [1, 4, 8, 8])],
      output: [tensorInfo("y", DataType.DOUBLE, [1, 4, 6, 6])],
    },
  });
}

/** Two-input MatMul (activation × activation) followed by a weighted MatMul: exercises MatMul quantization. */
export function matmulModel(): Uint8Array {
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: {
      name: "mm",
      node: [
        { op_type: "MatMul", name: "qk", input: ["a", "b"], output: ["s"] },
        { op_type: "MatMul", name: "proj", input: ["s", "w"], output: ["y"] },
      ],
      initializer: [weights("w", [16, 16])],
      input: [tensorInfo("a", DataType.FLOAT, [1, 8, 16]), tensorInfo("b", DataType.FLOAT, [1, 16, 16])],
      output: [tensorInfo("y", DataType.FLOAT, [1, 8, 16])],
    },
  });
}

/** ../shared/onnx relative to the repository root (absent in a user's clone: tests skip visibly). */
export const SHARED_ONNX = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), "../shared/onnx");
export const hasShared = fs.existsSync(path.join(SHARED_ONNX, "networks"));
