/**
 * Explicit input shapes: the size a caller gives to a model's symbolic input dims ("batch", "height",
 * "seq_len"), shared by /api/v1/predict (a JSON object per item), the upload's query string (`inputs=
 * images=1x3x640x640;mask=1x640x640`), `nnlq query --input name=1x3x640x640` and the portal's shape form.
 * Without one, lib/onnx defaults every symbolic dim (batch 1, others 1 unless the graph forces a size) and
 * says so in its warnings; a real network is then analysed, predicted and measured at a size nobody runs.
 *
 * The zod schemas check the form (positive integer dims, at most MAX_RANK of them); `checkInputShapes`
 * checks a shape against the model (known input, same rank, fixed dims kept), so a bad shape is a
 * VALIDATION error naming the input — per item in a predict batch. Isomorphic: no Node imports.
 */
import { z } from "zod";
import { NnlqError } from "@/lib/errors";
import type { GraphIR } from "@/lib/onnx";

/** Largest dim accepted (a 1M-pixel side, a 1M-token sequence) and rank: beyond them it is not a model input. */
export const MAX_INPUT_DIM = 1_000_000;
export const MAX_INPUT_RANK = 8;
/** Inputs named in one request: models with more inputs are not symbolic in all of them. */
export const MAX_SHAPED_INPUTS = 16;
/** Elements of one input (2^31: an 8 GiB float32 tensor); more is refused before any analysis. */
export const MAX_INPUT_ELEMENTS = 2 ** 31;

const dim = z
  .number({ error: `must be an integer in 1…${MAX_INPUT_DIM}` })
  .int(`must be an integer in 1…${MAX_INPUT_DIM}`)
  .min(1, `must be an integer in 1…${MAX_INPUT_DIM}`)
  .max(MAX_INPUT_DIM, `must be an integer in 1…${MAX_INPUT_DIM}`);

/** `{ "images": [1, 3, 640, 640] }`: the full shape of each named input (JSON bodies). */
export const inputShapes = z
  .record(
    z.string().min(1, "input names must not be empty"),
    z
      .array(dim, { error: "must be a shape: a list of positive integer dims" })
      .min(1, "must list at least one dim")
      .max(MAX_INPUT_RANK, `must list at most ${MAX_INPUT_RANK} dims`),
    { error: "must map input names to shapes, e.g. {\"images\": [1, 3, 640, 640]}" },
  )
  .refine((r) => Object.keys(r).length <= MAX_SHAPED_INPUTS, `must name at most ${MAX_SHAPED_INPUTS} inputs`)
  .describe(
    "explicit input shapes for symbolic dims: input name → full shape, e.g. {\"images\": [1, 3, 640, 640]}; each name must be " +
      "one of the model's inputs, with its rank and its fixed dims (only symbolic dims take a size), else that item's VALIDATION error",
  );

export type InputShapes = Record<string, number[]>;

const DIMS = "[1-9][0-9]{0,5}(?:x[1-9][0-9]{0,5}){0,7}";
const ONE = `[^;=]{1,200}=${DIMS}`;
/** `name=DxDxD` pairs separated by ';' (the query-string form; names hold neither ';' nor '='). */
export const INPUT_SHAPES_PATTERN = new RegExp(`^${ONE}(?:;${ONE}){0,${MAX_SHAPED_INPUTS - 1}}$`);

/** One `name=1x3x640x640` (`,` also separates dims); throws VALIDATION with the reason. */
export function parseInputShape(spec: string): [string, number[]] {
  const eq = spec.lastIndexOf("=");
  const name = eq > 0 ? spec.slice(0, eq) : "";
  const text = spec.slice(eq + 1);
  const dims = text.split(/[x,×]/).map((d) => (/^\d+$/.test(d.trim()) ? Number(d.trim()) : NaN));
  const fail = (why: string) =>
    new NnlqError("VALIDATION", `input shape '${spec}' ${why}: expected name=DxDxD with positive dims, e.g. images=1x3x640x640`, {
      fields: { inputs: why },
    });
  // any non-empty name is well formed (the documented pattern); one the model lacks is refused against the model
  if (eq <= 0) throw fail("names no input");
  if (!text || !dims.every((d) => Number.isSafeInteger(d) && d >= 1)) throw fail("has a dim that is not a positive integer");
  if (dims.some((d) => d > MAX_INPUT_DIM)) throw fail(`has a dim over ${MAX_INPUT_DIM}`);
  if (dims.length > MAX_INPUT_RANK) throw fail(`has more than ${MAX_INPUT_RANK} dims`);
  return [name, dims];
}

/** Pairs → one record; an input named twice is a VALIDATION error (which of the two was meant?). */
export function inputShapesOf(pairs: readonly (readonly [string, number[]])[]): InputShapes {
  const out: InputShapes = {};
  for (const [name, dims] of pairs) {
    if (name in out) {
      throw new NnlqError("VALIDATION", `input '${name}' is given two shapes (${fmtShape(out[name]!)} and ${fmtShape(dims)}): give it once`, {
        fields: { inputs: `'${name}' given twice` },
      });
    }
    out[name] = dims;
  }
  if (Object.keys(out).length > MAX_SHAPED_INPUTS) {
    throw new NnlqError("VALIDATION", `at most ${MAX_SHAPED_INPUTS} input shapes may be given`, { fields: { inputs: "too many inputs" } });
  }
  return out;
}

/**
 * The query-string form (`inputs=images=1x3x640x640;mask=1x640x640`), parsed to pairs: an input named
 * twice is refused by the service (inputShapesOf), which names it.
 */
export const inputShapesParam = z
  .string()
  .regex(INPUT_SHAPES_PATTERN, "must be name=DxDxD pairs separated by ';' with positive dims, e.g. images=1x3x640x640")
  .transform((s) => s.split(";").map(parseInputShape))
  .describe("explicit input shapes for symbolic dims: name=DxDxD pairs separated by ';', e.g. images=1x3x640x640;mask=1x640x640");

export const fmtShape = (dims: readonly (number | string)[]) => dims.join("x");

/** The query-string form of a record (what inputShapesParam parses). */
export function formatInputShapes(shapes: InputShapes): string {
  return Object.entries(shapes)
    .map(([k, v]) => `${k}=${fmtShape(v)}`)
    .join(";");
}

/**
 * Checks explicit shapes against a model's declared inputs: each names a real input, has its rank, and
 * keeps every fixed dim (only symbolic dims take a size: a model exported at 3 channels does not run at
 * 4, and a runtime refuses a fixed dim of another size). Throws VALIDATION naming the input and the dim.
 */
export function checkInputShapes(ir: Pick<GraphIR, "inputs" | "tensors">, shapes: InputShapes): void {
  const fail = (message: string, name: string) => new NnlqError("VALIDATION", message, { fields: { inputs: message }, input: name });
  for (const [name, dims] of Object.entries(shapes)) {
    const t = ir.inputs.includes(name) ? ir.tensors.get(name) : undefined;
    if (!t) throw fail(`unknown input '${name}' (the model's inputs: ${ir.inputs.join(", ") || "none"})`, name);
    const declared = t.shape;
    const elements = dims.reduce((a, d) => a * d, 1);
    if (elements > MAX_INPUT_ELEMENTS) throw fail(`input '${name}' at ${fmtShape(dims)} has ${elements} elements; at most ${MAX_INPUT_ELEMENTS}`, name);
    if (!declared) continue; // unknown rank: any shape
    const shown = `[${declared.join(", ")}]`;
    if (declared.length !== dims.length) {
      throw fail(`input '${name}' has rank ${declared.length} (${shown}); the shape given, ${fmtShape(dims)}, has rank ${dims.length}`, name);
    }
    declared.forEach((d, i) => {
      if (typeof d === "number" && d !== dims[i]) {
        const free = declared.map((x, k) => (typeof x === "number" ? null : `${k}${x !== "?" ? ` (${x})` : ""}`)).filter(Boolean);
        throw fail(
          `input '${name}' ${shown}: dim ${i} is fixed at ${d} by the model, the shape given has ${dims[i]}` +
            ` (${free.length ? `only its symbolic dims take a size: ${free.join(", ")}` : "it has no symbolic dims"})`,
          name,
        );
      }
    });
  }
}
