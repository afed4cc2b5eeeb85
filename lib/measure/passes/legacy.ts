/**
 * Models from before opset_import (IR 1–2: their operators are opset 1) are what lib/onnx analyses as
 * opset 1, but onnxruntime refuses them ("Missing opset in the model"; it runs opset ≥ 7). The corpus's
 * super-resolution CNN (the PyTorch tutorial's, IR 1) is one. Part of the set-shapes pass, on the model the
 * runtime will see (the stored structure is unchanged), this rewrites the few opset-1 forms that differ
 * from opset 7 into their opset-7 equivalents:
 * - `broadcast` / `axis` on Add, Sub, Mul, Div (opset-1 broadcasting aligns B at `axis`; opset 7 aligns
 *   trailing dims): an initializer B gets trailing 1s so that numpy broadcasting means the same;
 * - Reshape's `shape` attribute becomes its second input (an int64 initializer);
 * - `consumed_inputs` (an opset-1 leftover of in-place hints) is dropped everywhere, and attributes get the
 *   `type` IR 1 did not record (the runtime requires it);
 * then the default domain is imported at opset 7. Anything else opset 1 leaves as it is is the same at 7 for
 * the operators such models use (Conv, Relu, Transpose, pooling, Gemm...); an operator that is not makes the
 * runtime fail as it did before, with its own message.
 */
import { NnlqError } from "@/lib/errors";
import { DataType, type AttributeProto, type ModelProto } from "@/lib/onnx/proto";
import type { GraphIR } from "@/lib/onnx";
import { graphOf, nameAllocator } from "./tensor";

/** The opset a legacy model is rewritten to (onnxruntime's oldest supported). */
export const LEGACY_TARGET_OPSET = 7;

const BROADCAST_OPS = new Set(["Add", "Sub", "Mul", "Div"]);

/** AttributeProto.AttributeType of an attribute from the field it sets (0 when none is set). */
function attributeType(a: AttributeProto): number {
  if (a.f !== undefined) return 1;
  if (a.i !== undefined) return 2;
  if (a.s !== undefined) return 3;
  if (a.t !== undefined) return 4;
  if (a.g !== undefined) return 5;
  if (a.floats?.length) return 6;
  if (a.ints?.length) return 7;
  if (a.strings?.length) return 8;
  if (a.tensors?.length) return 9;
  if (a.graphs?.length) return 10;
  return 0;
}

/** True for a model that imports no default-domain opset and predates opset_import (IR < 3). */
export function isLegacyOpset(model: ModelProto): boolean {
  const imports = model.opset_import ?? [];
  return Number(model.ir_version ?? 0) < 3 && !imports.some((o) => !o.domain || o.domain === "ai.onnx");
}

/**
 * Rewrites a legacy model (isLegacyOpset, checked by the caller before anything else touches the model: the
 * set-shapes pass raises IR < 4 to 4) in place, see the module comment; `ir` is its inferred graph (ranks of
 * the broadcast operands). Returns how many nodes changed.
 */
export function upgradeLegacyOpset(model: ModelProto, ir: GraphIR): number {
  const g = graphOf(model);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? "", t]));
  const fresh = nameAllocator(g);
  let changed = 0;
  for (const n of g.node ?? []) {
    const attrs = n.attribute ?? [];
    const attr = (name: string) => attrs.find((a) => a.name === name);
    let touched = attrs.some((a) => a.name === "consumed_inputs");
    let keep = attrs.filter((a) => a.name !== "consumed_inputs");
    if (BROADCAST_OPS.has(n.op_type ?? "") && attr("broadcast")) {
      if (Number(attr("broadcast")!.i ?? 0) === 1) {
        const a = ir.tensors.get(n.input?.[0] ?? "")?.shape;
        const b = inits.get(n.input?.[1] ?? "");
        const rankB = (b?.dims ?? []).length;
        const axisAttr = attr("axis");
        if (axisAttr && a && b) {
          const axis = Number(axisAttr.i ?? 0) < 0 ? Number(axisAttr.i) + a.length : Number(axisAttr.i ?? 0);
          const trailing = a.length - axis - rankB;
          if (trailing < 0)
            throw new NnlqError("ONNX_SHAPE", `node '${n.name ?? n.op_type}': opset-1 broadcast of rank ${rankB} at axis ${axis} into rank ${a.length}`);
          b.dims = [...(b.dims ?? []).map(Number), ...Array<number>(trailing).fill(1)];
        }
      }
      keep = keep.filter((x) => x.name !== "broadcast" && x.name !== "axis");
      touched = true;
    }
    if (n.op_type === "Reshape" && attr("shape")) {
      const shape = (attr("shape")!.ints ?? []).map(Number);
      const name = fresh(`${n.name || "reshape"}_shape`);
      (g.initializer ??= []).push({ name, dims: [shape.length], data_type: DataType.INT64, int64_data: shape });
      n.input = [n.input?.[0] ?? "", name];
      keep = keep.filter((x) => x.name !== "shape");
      touched = true;
    }
    // IR 1 attributes carry no type, which the runtime requires: it follows from the field that is set
    for (const a of keep)
      if (!a.type) {
        const type = attributeType(a);
        if (type) {
          a.type = type;
          touched = true;
        }
      }
    if (touched) {
      n.attribute = keep;
      changed++;
    }
  }
  model.opset_import = [{ domain: "", version: LEGACY_TARGET_OPSET }];
  model.ir_version = Math.max(Number(model.ir_version ?? 0), 3);
  return changed;
}
