/**
 * Pass: set the batch size and input shapes, resolving every symbolic dimension to a number, so the
 * runtime sees a static graph (as a deployment would) and the measurement knows what to feed.
 * Axis 0 of every feed input is the batch axis, unless it is fixed to another size than the model's own
 * batch (the first input's fixed axis 0): GPT-2's past inputs [2, batch, heads, past, head] keep their 2.
 * Inferred shapes stored in the model (value_info, output shapes) are dropped because a new batch would
 * contradict them; the runtime re-infers them. Models of IR < 4 get their weights frozen (initializers
 * removed from the graph inputs), as a deployment would.
 */
import { DataType, encodeModelProto, type ModelProto } from "@/lib/onnx/proto";
import { NnlqError } from "@/lib/errors";
import { decodeProto, feedInputs, graphOf } from "./tensor";
import { fixedInputValues, integerInputBounds } from "./values";

export interface ShapeOptions {
  /** batch size for axis 0 of every input (default: the model's own fixed batch, else 1) */
  batch?: number;
  /** full shapes for named inputs (take precedence over batch) */
  inputs?: Record<string, number[]>;
}

export interface InputSpec {
  name: string;
  dims: number[];
  elemType: number;
  /**
   * integer inputs an index is derived from: synthetic values are drawn from 0..valueBound−1, so they stay
   * inside the smallest table they index (passes/values.ts; 1 = zeros, when a table's size is unknown)
   */
  valueBound?: number;
  /** one value for every element: masks (1) and generation settings (passes/values.ts fixedInputValues) */
  fill?: number;
}

const INTEGER_TYPES = new Set<number>([
  DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT64, DataType.UINT32, DataType.UINT16, DataType.UINT8,
]);

/**
 * Adds each integer input's value bound (InputSpec.valueBound) and the fixed value of masks and generation
 * settings (InputSpec.fill) to the specs of a decoded model.
 */
function withValueBounds(model: ModelProto, specs: InputSpec[]): InputSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const fills = fixedInputValues(model, (name) => byName.get(name)?.dims.at(-1));
  if (!fills.size && !specs.some((s) => INTEGER_TYPES.has(s.elemType))) return specs;
  const bounds = integerInputBounds(model);
  return specs.map((s) => {
    const b = INTEGER_TYPES.has(s.elemType) ? bounds.get(s.name) : undefined;
    const fill = fills.get(s.name);
    return { ...s, ...(b === undefined ? {} : { valueBound: b }), ...(fill === undefined ? {} : { fill }) };
  });
}

function checkDims(name: string, dims: number[]): void {
  if (!dims.every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 24)) {
    throw new NnlqError("ONNX_SHAPE", `input '${name}': every dimension must be a positive integer, got [${dims.join(", ")}]`, {
      input: name,
      dims,
    });
  }
}

/** Resolve and write static input shapes into a decoded model (in place); returns the feeds to create. */
export function resolveInputShapes(model: ModelProto, o: ShapeOptions = {}): InputSpec[] {
  const g = graphOf(model);
  const feeds = feedInputs(g);
  const known = new Set(feeds.map((v) => v.name));
  for (const name of Object.keys(o.inputs ?? {})) {
    if (!known.has(name))
      throw new NnlqError("ONNX_SHAPE", `no model input named '${name}' (inputs: ${[...known].join(", ")})`, { input: name });
  }
  if (o.batch !== undefined) checkDims("batch", [o.batch]);
  // the model's own batch: the first input's fixed axis 0 (a fixed axis 0 of another size is no batch axis)
  const ownBatch = Number(feeds[0]?.type?.tensor_type?.shape?.dim?.[0]?.dim_value ?? 0);
  const specs: InputSpec[] = [];
  for (const v of feeds) {
    const name = v.name ?? "";
    const tt = v.type?.tensor_type;
    if (!tt) throw new NnlqError("ONNX_SHAPE", `input '${name}' is not a tensor`, { input: name });
    const declared = tt.shape?.dim ?? [];
    let dims: number[];
    const given = o.inputs?.[name];
    if (given) {
      if (tt.shape && declared.length !== given.length) {
        throw new NnlqError("ONNX_SHAPE", `input '${name}' has rank ${declared.length}, got shape [${given.join(", ")}]`, { input: name });
      }
      dims = [...given];
    } else {
      if (!tt.shape) throw new NnlqError("ONNX_SHAPE", `input '${name}' has no declared shape; pass its shape explicitly`, { input: name });
      dims = declared.map((d, axis) => {
        const v = Number(d.dim_value ?? 0);
        if (axis === 0 && o.batch !== undefined && (!(v > 0) || !(ownBatch > 0) || v === ownBatch)) return o.batch;
        if (v > 0) return v;
        if (axis === 0) return 1;
        throw new NnlqError(
          "ONNX_SHAPE",
          `input '${name}' has a symbolic dimension '${d.dim_param ?? "?"}' at axis ${axis}; pass the input's shape explicitly`,
          { input: name, axis, symbol: d.dim_param },
        );
      });
    }
    checkDims(name, dims);
    tt.shape = { dim: dims.map((d) => ({ dim_value: d })) };
    specs.push({ name, dims, elemType: Number(tt.elem_type ?? 1) });
  }
  g.value_info = [];
  for (const out of g.output ?? []) if (out.type?.tensor_type) delete out.type.tensor_type.shape;
  // IR < 4 lists initializers among the graph inputs (overridable, so never constant-folded); a deployed
  // model has frozen weights: drop them from the inputs and use IR 4 semantics
  if (Number(model.ir_version ?? 0) < 4) {
    const inits = new Set((g.initializer ?? []).map((t) => t.name));
    g.input = (g.input ?? []).filter((v) => !inits.has(v.name));
    model.ir_version = 4;
  }
  return withValueBounds(model, specs);
}

/** bytes → bytes with static input shapes; also returns the resolved input specs. */
export function setShapes(bytes: Uint8Array, o: ShapeOptions = {}): { bytes: Uint8Array; inputs: InputSpec[] } {
  const model = decodeProto(bytes);
  const inputs = resolveInputShapes(model, o);
  return { bytes: encodeModelProto(model), inputs };
}

/** The input specs of an already-static model (no rewriting). */
export function readInputSpecs(bytes: Uint8Array): InputSpec[] {
  return inputSpecsOf(decodeProto(bytes));
}

/** The input specs of a decoded static model. */
export function inputSpecsOf(model: ModelProto): InputSpec[] {
  const g = graphOf(model);
  const specs = feedInputs(g).map((v) => ({
    name: v.name ?? "",
    dims: (v.type?.tensor_type?.shape?.dim ?? []).map((d) => Number(d.dim_value ?? 0)),
    elemType: Number(v.type?.tensor_type?.elem_type ?? 1),
  }));
  return withValueBounds(model, specs);
}
