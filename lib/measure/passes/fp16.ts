/**
 * Pass: fp16 conversion. Every float32 tensor of the graph (initializers, Constant values, graph inputs and
 * outputs, Cast targets, ConstantOfShape values) becomes float16, except the few inputs ONNX requires to stay
 * float32 (Resize/Upsample scales and roi). Whether the runtime really computes in fp16 is checked on the
 * profile after the session is created (verifyPrecision): ORT's CPU provider silently inserts Casts and runs
 * most fp16 nodes in fp32, which nnlq reports as unsupported instead of measuring a fake fp16 latency.
 */
import { AttrType, DataType, encodeModelProto, type ModelProto, type TensorProto } from "@/lib/onnx/proto";
import { floatToHalf } from "@/lib/onnx/float16";
import { decodeProto, graphOf, readFloats } from "./tensor";

/** op type → input indices that must remain float32 */
const KEEP_FLOAT_INPUTS: Record<string, number[]> = { Resize: [1, 2], Upsample: [1] };

function toHalf(t: TensorProto): TensorProto {
  const f = readFloats(t);
  return { name: t.name, dims: t.dims, data_type: DataType.FLOAT16, raw_data: new Uint8Array(Uint16Array.from(f, floatToHalf).buffer) };
}

export function convertModelToFp16(model: ModelProto): number {
  const g = graphOf(model);
  const keep = new Set<string>();
  for (const n of g.node ?? []) for (const i of KEEP_FLOAT_INPUTS[n.op_type ?? ""] ?? []) if (n.input?.[i]) keep.add(n.input[i]);
  let converted = 0;
  g.initializer = (g.initializer ?? []).map((t) =>
    t.data_type === DataType.FLOAT && !keep.has(t.name ?? "") ? (converted++, toHalf(t)) : t,
  );
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.value_info ?? [])]) {
    const tt = v.type?.tensor_type;
    if (tt && tt.elem_type === DataType.FLOAT && !keep.has(v.name ?? "")) tt.elem_type = DataType.FLOAT16;
  }
  for (const n of g.node ?? []) {
    for (const a of n.attribute ?? []) {
      if (n.op_type === "Cast" && a.name === "to" && Number(a.i) === DataType.FLOAT) a.i = DataType.FLOAT16;
      if (a.type === AttrType.TENSOR && a.t?.data_type === DataType.FLOAT && !keep.has(n.output?.[0] ?? "")) {
        a.t = toHalf(a.t);
        converted++;
      }
    }
  }
  return converted;
}

export function convertToFp16(bytes: Uint8Array): Uint8Array {
  const model = decodeProto(bytes);
  convertModelToFp16(model);
  return encodeModelProto(model);
}
