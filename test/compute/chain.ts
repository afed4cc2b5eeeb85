/** A structure-only ONNX chain of `n` Relu nodes (a 200k-node chain is ~5 MB):
 * the graph-size stress input of the compute-pool tests and bench:serve. */
import { DataType, encodeModelProto } from "@/lib/onnx/proto";

export function reluChain(n: number, width = 16): Uint8Array {
  const vi = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: width }] } } },
  });
  const node = Array.from({ length: n }, (_, i) => ({
    op_type: "Relu",
    name: `r${i}`,
    input: [i ? `t${i - 1}` : "x"],
    output: [i === n - 1 ? "y" : `t${i}`],
  }));
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: { name: `chain${n}`, node, input: [vi("x")], output: [vi("y")] },
  } as never);
}
