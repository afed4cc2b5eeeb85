/**
 * Input sizes at which a real network is measured (the campaign's corpus stage): its natural size and 2–3
 * others where the model allows, each written into the model as explicit input shapes, so each size is its
 * own structure (own hash) and a model with symbolic dims can be measured at all.
 *
 * Symbolic dims get documented defaults by role, read from the dim's name and place:
 * - batch (a name containing "batch" but naming no length, or any other symbol at axis 0): 1;
 * - spatial (a name like height / width, or axes ≥ 2 of a rank-4 float input): 224, then 320 and 640;
 * - channels (axis 1 of a rank-4 float input): 3;
 * - past / cache lengths: the sequence length; total lengths ("total_seq_len"): twice it (past + new);
 * - sequences (a name with seq / len / token / time / step, and anything else): 128, then 32, 256 and 512.
 * The first size is the variant called natural (the file itself cannot be measured: its dims are unknown).
 * A model whose sizes are all fixed is measured as it is (natural) and, when it is image-like (float rank-4
 * inputs [N, C ≤ 4, H ≥ 8, W ≥ 8]), at ×0.5, ×1.5 and ×2 of its spatial size rounded to a multiple of 32
 * (32…1280); when its integer rank-2 inputs share one fixed length (a BERT exported at 7 tokens), at
 * sequence lengths 128, 32 and 256. Whether a size is valid is not guessed here: the campaign keeps a
 * variant only when shape inference accepts it, and onnxruntime has the last word (a failed measurement is
 * failed for good).
 */
import { NnlqError } from "@/lib/errors";
import { DataType, type ModelProto } from "@/lib/onnx/proto";
import { decodeProto, feedInputs, graphOf } from "./passes/tensor";

export const VARIANT_SIZES = {
  batch: 1,
  /** symbolic sequence lengths: the first is the natural one */
  sequence: [128, 32, 256, 512],
  /** symbolic spatial sides: the first is the natural one */
  spatial: [224, 320, 640],
  channels: 3,
  /** fixed-size image models: scales of the natural side, rounded to `multiple`, within [multiple, maxSide] */
  scales: [0.5, 1.5, 2],
  multiple: 32,
  maxSide: 1280,
  /** fixed-length token models: other sequence lengths tried */
  fixedSequence: [128, 32, 256],
} as const;

/** One size of a model: the explicit shapes of the inputs it sets (none for the file as it is). */
export interface ShapeVariant {
  /** short name of the size: "" for the file as it is, else e.g. "s128", "r320", "r448" */
  label: string;
  /** full shapes of the inputs this size sets (sorted by name); empty for the file as it is */
  inputs: Record<string, number[]>;
  /** the model's own size (its fixed shapes, or the first default for symbolic dims) */
  natural: boolean;
}

type Role = "batch" | "spatial" | "channels" | "past" | "total" | "sequence";

interface Declared {
  name: string;
  elemType: number;
  /** fixed size, or the symbol (unnamed unknown dims get a name of their own) */
  dims: (number | string)[];
}

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);
const INT_TYPES = new Set<number>([DataType.INT64, DataType.INT32]);

function declaredInputs(model: ModelProto): Declared[] {
  return feedInputs(graphOf(model)).map((v) => {
    const name = v.name ?? "";
    const dims = (v.type?.tensor_type?.shape?.dim ?? []).map((d, axis) => {
      const n = Number(d.dim_value ?? 0);
      return n > 0 ? n : d.dim_param ? d.dim_param : `?${name}:${axis}`;
    });
    return { name, elemType: Number(v.type?.tensor_type?.elem_type ?? 1), dims };
  });
}

function roleOf(symbol: string, input: Declared, axis: number): Role {
  const s = symbol.startsWith("?") ? "" : symbol.toLowerCase();
  if (/past|cache|memory/.test(s)) return "past";
  if (/total/.test(s)) return "total";
  if (/seq|len|token|time|step/.test(s)) return "sequence"; // "max_seq_len_in_batch" is a length
  if (s.includes("batch")) return "batch";
  if (/height|width|^h$|^w$/.test(s)) return "spatial";
  const image = FLOAT_TYPES.has(input.elemType) && input.dims.length === 4;
  if (image && axis >= 2) return "spatial";
  if (image && axis === 1) return "channels";
  if (axis === 0) return "batch";
  return "sequence";
}

const sorted = (r: Record<string, number[]>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Every input's dims with each symbol replaced by the value of its role. */
function assign(inputs: Declared[], value: (role: Role) => number, only: (d: Declared) => boolean): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const d of inputs)
    if (only(d)) out[d.name] = d.dims.map((x, axis) => (typeof x === "number" ? x : value(roleOf(x, d, axis))));
  return sorted(out);
}

const roundTo = (x: number, m: number) => Math.max(m, Math.round(x / m) * m);

/** The sizes a model is measured at (see the module comment); the first is the natural one. */
export function shapeVariants(input: Uint8Array | ModelProto): ShapeVariant[] {
  const model = input instanceof Uint8Array ? decodeProto(input) : input;
  const inputs = declaredInputs(model);
  const symbolicRoles = new Set<Role>();
  for (const d of inputs) d.dims.forEach((x, axis) => typeof x === "string" && symbolicRoles.add(roleOf(x, d, axis)));
  symbolicRoles.delete("batch");
  symbolicRoles.delete("channels");
  const S = VARIANT_SIZES;

  if (symbolicRoles.size) {
    // symbolic sizes: defaults by role, one variant per spatial side (or per sequence length)
    const hasSymbol = (d: Declared) => d.dims.some((x) => typeof x === "string");
    const spatial = symbolicRoles.has("spatial");
    const sizes: readonly number[] = spatial ? S.spatial : S.sequence;
    return sizes.map((size, i) => {
      const seq = spatial ? S.sequence[0] : size;
      const value = (r: Role): number =>
        r === "batch" ? S.batch
        : r === "channels" ? S.channels
        : r === "spatial" ? size
        : r === "total" ? 2 * seq
        : seq;
      return { label: `${spatial ? "r" : "s"}${size}`, inputs: assign(inputs, value, hasSymbol), natural: i === 0 };
    });
  }

  const out: ShapeVariant[] = [{ label: "", inputs: {}, natural: true }];
  const batchOf = (d: Declared) => (typeof d.dims[0] === "number" ? d.dims[0] : S.batch);
  const images = inputs.filter(
    (d) => FLOAT_TYPES.has(d.elemType) && d.dims.length === 4 && typeof d.dims[1] === "number" && d.dims[1] <= 4 &&
      typeof d.dims[2] === "number" && d.dims[2] >= 8 && typeof d.dims[3] === "number" && d.dims[3] >= 8,
  );
  if (images.length && images.length === inputs.length) {
    const seen = new Set<string>();
    for (const scale of S.scales) {
      const shapes: Record<string, number[]> = {};
      for (const d of images) {
        const [, c, h, w] = d.dims as number[];
        shapes[d.name] = [batchOf(d), c!, roundTo(h! * scale, S.multiple), roundTo(w! * scale, S.multiple)];
      }
      const sides = Object.values(shapes).flatMap((s) => s.slice(2));
      const same = images.every((d) => shapes[d.name]![2] === d.dims[2] && shapes[d.name]![3] === d.dims[3]);
      const key = JSON.stringify(shapes);
      if (same || seen.has(key) || Math.max(...sides) > S.maxSide) continue;
      seen.add(key);
      const [h, w] = shapes[images[0]!.name]!.slice(2);
      out.push({ label: h === w ? `r${h}` : `r${h}x${w}`, inputs: sorted(shapes), natural: false });
    }
    return out;
  }
  const tokens = inputs.filter((d) => INT_TYPES.has(d.elemType) && d.dims.length === 2);
  const lengths = new Set(tokens.map((d) => d.dims[1]));
  if (tokens.length && lengths.size === 1) {
    const natural = [...lengths][0] as number;
    for (const len of S.fixedSequence) {
      if (len === natural) continue;
      const shapes: Record<string, number[]> = {};
      for (const d of tokens) shapes[d.name] = [batchOf(d), len];
      out.push({ label: `s${len}`, inputs: sorted(shapes), natural: false });
    }
  }
  return out;
}

export { withInputShapes } from "@/lib/onnx/input-shapes";

/** `name=DxD;name=DxD` (sorted by name): the query-string form of explicit input shapes. */
export function formatInputShapes(shapes: Record<string, number[]>): string {
  return Object.entries(sorted(shapes))
    .map(([n, d]) => `${n}=${d.join("x")}`)
    .join(";");
}

/** The inverse of formatInputShapes ("" → {}). */
export function parseInputShapes(text: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  if (!text) return out;
  for (const part of text.split(";")) {
    const eq = part.lastIndexOf("=");
    const dims = part.slice(eq + 1).split("x").map(Number);
    if (eq <= 0 || !dims.every((d) => Number.isInteger(d) && d > 0))
      throw new NnlqError("VALIDATION", `'${part}' is not an input shape (name=DxDxD)`, { shape: part });
    out[part.slice(0, eq)] = dims;
  }
  return out;
}
