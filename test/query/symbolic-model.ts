/**
 * A model with symbolic input dims for the shape tests: a zoo ResNet (fully convolutional up to a global
 * pool, so it runs at any size) whose input is declared [batch, 3, height, width] and output [batch, 1000],
 * as exporters write detectors and segmentation nets. With `weights` it carries its weights (an upload the
 * server strips).
 */
import { generate } from "@/lib/zoo";
import { decodeModel } from "@/lib/onnx";
import { encodeModelProto, type Dimension } from "@/lib/onnx/proto";

export const SYMBOLIC_INPUT = "input";

export function symbolicResnet({ weights = false }: { weights?: boolean } = {}): Uint8Array {
  const p = structuredClone(decodeModel(generate({ family: "resnet", depths: [1, 1, 1, 1], resolution: 64 }, { weights })).proto);
  const sym = (dim: Dimension[], at: Record<number, string>) => {
    for (const [i, name] of Object.entries(at)) dim[Number(i)] = { dim_param: name };
  };
  sym(p.graph!.input![0]!.type!.tensor_type!.shape!.dim!, { 0: "batch", 2: "height", 3: "width" });
  for (const o of p.graph!.output!) sym(o.type!.tensor_type!.shape!.dim!, { 0: "batch" });
  return encodeModelProto(p);
}
