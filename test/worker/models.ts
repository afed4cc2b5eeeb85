/** Small models for the worker tests: tiny zoo networks (a second or two to measure) and one with an operator no runtime has. */
import { generate, GraphBuilder } from "@/lib/zoo";
import { encodeModelProto, type NodeProto, type ValueInfo } from "@/lib/onnx/proto";
import { analyze } from "@/lib/onnx";

/** A tiny ResNet (32×32 input, one block per stage); `width` makes distinct structures. */
export function tinyResnet(width = 16): Uint8Array {
  return generate({ family: "resnet", resolution: 32, depths: [1, 1, 1, 1], width } as never);
}

/** Conv → Relu → com.example.nnlq:Frobnicate: valid ONNX that imports its domain, runnable nowhere. */
export function customOpModel(): Uint8Array {
  const g = new GraphBuilder("custom-op");
  const x = g.input("input", [1, 3, 16, 16]);
  const [y] = g.node("Relu", [g.conv(x, 8, 3).name], {}, [[1, 8, 16, 16]]);
  g.output(y!, "relu");
  const m = g.toModel();
  m.opset_import!.push({ domain: "com.example.nnlq", version: 1 });
  m.graph!.node!.push({
    op_type: "Frobnicate",
    domain: "com.example.nnlq",
    input: ["relu"],
    output: ["out"],
    name: "frobnicate",
  } as NodeProto);
  m.graph!.output = [
    { name: "out", type: { tensor_type: { elem_type: 1, shape: { dim: [1, 8, 16, 16].map((d) => ({ dim_value: d })) } } } } as ValueInfo,
  ];
  const bytes = encodeModelProto(m);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The structure hash the server will compute for these bytes. */
export const hashOf = (bytes: Uint8Array) => analyze(bytes).hash;
