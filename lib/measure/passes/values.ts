/**
 * Which values a synthetic integer input may take. Latency does not depend on the values a model is fed,
 * but a model refuses some: an index beyond an embedding table fails the Gather that reads it (a BERT's
 * token_type_ids index a table of 2 rows, so the old uniform 0..7 failed with "indices element out of data
 * bounds, idx=3 must be within [-2,1]"). So before feeding an integer input, the graph is read forward from it
 * to every op that uses a value derived from it as an index (Gather, GatherElements, GatherND,
 * ScatterElements, ScatterND, com.microsoft EmbedLayerNormalization), and the values are drawn from
 * 0..(smallest table size along the indexed axis)−1. A table whose size cannot be read statically (not an
 * initializer or Constant, possibly behind Cast / Identity / DequantizeLinear) makes the bound 1: zeros, valid
 * for any non-empty table. An integer input no index is derived from keeps the small default range.
 *
 * The walk is forward through every op except those whose output carries no value of their input (Shape,
 * Size, ConstantOfShape, …) and except through the indices of an index op (a Gather's output holds table
 * rows, not indices). It includes subgraphs (an If / Loop body reads outer values by name).
 *
 * Masks and the settings of generation ops get fixed values instead (fixedInputValues below).
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto } from "@/lib/onnx/proto";
import { feedInputs, graphOf } from "./tensor";

/** Exclusive upper bound of the values an integer input with no index use is fed (0..7, as always). */
export const DEFAULT_INT_BOUND = 8;

/** Ops whose output does not carry the values of their inputs (metadata or constants). */
const VALUE_BARRIERS = new Set(["Shape", "Size", "ConstantOfShape", "EyeLike", "RandomNormalLike", "RandomUniformLike", "Bernoulli"]);

interface IndexUse {
  /** input positions read as indices */
  indices: number[];
  /** the bound the table at `tableInput` puts on those indices, from its dims (null: unknown) */
  bound(node: NodeProto, index: number, dimsOf: (name: string) => number[] | null): number | null;
}

const intAttr = (n: NodeProto, name: string, dflt: number): number => {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a?.i !== undefined && a.i !== null ? Number(a.i) : dflt;
};

/** The size of `data`'s axis `axis` (negative axes count from the end), or null when unknown. */
function axisSize(dims: number[] | null, axis: number): number | null {
  if (!dims) return null;
  const a = axis < 0 ? axis + dims.length : axis;
  const d = dims[a];
  return d !== undefined && d > 0 ? d : null;
}

const alongAxis: IndexUse["bound"] = (node, _i, dimsOf) => axisSize(dimsOf(node.input?.[0] ?? ""), intAttr(node, "axis", 0));

const INDEX_OPS: Record<string, IndexUse> = {
  Gather: { indices: [1], bound: alongAxis },
  GatherElements: { indices: [1], bound: alongAxis },
  ScatterElements: { indices: [1], bound: alongAxis },
  Scatter: { indices: [1], bound: alongAxis },
  // GatherND / ScatterND: the last axis of the indices addresses several data axes; the smallest bounds all
  GatherND: { indices: [1], bound: (n, _i, dimsOf) => minDims(dimsOf(n.input?.[0] ?? ""), intAttr(n, "batch_dims", 0)) },
  ScatterND: { indices: [1], bound: (n, _i, dimsOf) => minDims(dimsOf(n.input?.[0] ?? ""), 0) },
  // com.microsoft: input_ids index word_embedding (2), segment_ids segment_embedding (4), position_ids (8)
  // position_embedding (3)
  EmbedLayerNormalization: {
    indices: [0, 1, 8],
    bound: (n, i, dimsOf) => axisSize(dimsOf(n.input?.[i === 0 ? 2 : i === 1 ? 4 : 3] ?? ""), 0),
  },
};

function minDims(dims: number[] | null, from: number): number | null {
  if (!dims || dims.length <= from) return null;
  const rest = dims.slice(from);
  return rest.every((d) => d > 0) ? Math.min(...rest) : null;
}

/** Every node of a graph and of its subgraphs, depth first. */
function allNodes(g: GraphProto, out: NodeProto[] = []): NodeProto[] {
  for (const n of g.node ?? []) {
    out.push(n);
    for (const a of n.attribute ?? []) {
      if (a.g) allNodes(a.g, out);
      for (const sg of a.graphs ?? []) allNodes(sg, out);
    }
  }
  return out;
}

function allInitializers(g: GraphProto, out: Map<string, TensorProto> = new Map()): Map<string, TensorProto> {
  for (const t of g.initializer ?? []) if (t.name) out.set(t.name, t);
  for (const n of g.node ?? [])
    for (const a of n.attribute ?? []) {
      if (a.g) allInitializers(a.g, out);
      for (const sg of a.graphs ?? []) allInitializers(sg, out);
    }
  return out;
}

/** Ops a table may pass through unchanged in shape on its way from an initializer to the index op. */
const SHAPE_PRESERVING = new Set(["Cast", "Identity", "DequantizeLinear", "QuantizeLinear", "CastLike"]);

/**
 * Exclusive upper bounds of the values each integer feed input may take, by input name: inputs from which an
 * index is derived get the smallest table size they index (1 when a table's size is unknown: zeros); inputs
 * with no index use are absent (the caller's default applies).
 */
export function integerInputBounds(model: ModelProto): Map<string, number> {
  const g = graphOf(model);
  const nodes = allNodes(g);
  const inits = allInitializers(g);
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of nodes) {
    for (const o of n.output ?? []) if (o) producer.set(o, n);
    for (const i of new Set(n.input ?? [])) if (i) (consumers.get(i) ?? consumers.set(i, []).get(i)!).push(n);
  }
  const dimsOf = (name: string, depth = 0): number[] | null => {
    const t = inits.get(name);
    if (t) return (t.dims ?? []).map(Number);
    const p = producer.get(name);
    if (!p || depth > 8) return null;
    if (p.op_type === "Constant") {
      const v = (p.attribute ?? []).find((a) => a.name === "value")?.t;
      return v ? (v.dims ?? []).map(Number) : null;
    }
    if (SHAPE_PRESERVING.has(p.op_type ?? "")) return dimsOf(p.input?.[0] ?? "", depth + 1);
    return null;
  };

  const out = new Map<string, number>();
  for (const v of feedInputs(g)) {
    const name = v.name ?? "";
    let bound: number | null | undefined; // undefined: no index use; null: an index use of unknown size
    const seen = new Set<string>([name]);
    const stack = [name];
    while (stack.length) {
      const value = stack.pop()!;
      for (const n of consumers.get(value) ?? []) {
        const op = n.op_type ?? "";
        if (VALUE_BARRIERS.has(op)) continue;
        const use = INDEX_OPS[op];
        const positions = (n.input ?? []).flatMap((x, i) => (x === value ? [i] : []));
        if (use) {
          const asIndex = positions.filter((i) => use.indices.includes(i));
          for (const i of asIndex) {
            const b = use.bound(n, i, (x) => dimsOf(x));
            bound = b === null || bound === null ? null : Math.min(bound ?? Infinity, b);
          }
          // the output of an index op holds table values, not indices: follow it only from its data input
          if (asIndex.length === positions.length) continue;
        }
        for (const o of n.output ?? [])
          if (o && !seen.has(o)) {
            seen.add(o);
            stack.push(o);
          }
      }
    }
    if (bound !== undefined) out.set(name, bound === null ? 1 : Math.max(1, bound));
  }
  return out;
}

/**
 * Inputs whose values are configuration rather than data get one fixed value (every element):
 * - an integer or bool input named like a mask ("attention_mask", "input_mask"): 1, a full mask (nothing
 *   padded, what a deployment feeds; a random mask summed into a sequence length overflows the attention's
 *   cache: GroupQueryAttention refuses seqlens_k beyond it);
 * - the scalar settings of onnxruntime's generation ops (com.microsoft BeamSearch, GreedySearch, Sampling):
 *   max_length = the prompt length + GENERATED_TOKENS (it must exceed the prompt), min_length 1, num_beams 2,
 *   num_return_sequences 1, length / repetition penalty 1.
 * `lengthOf(name)` gives an input's sequence length (its last dim) for max_length.
 */
export const GENERATED_TOKENS = 16;

/** Input positions of the generation ops' settings → the value they are fed (max_length: prompt + tokens). */
const GENERATION_SETTINGS: Record<string, Record<number, "max_length" | number>> = {
  BeamSearch: { 1: "max_length", 2: 1, 3: 2, 4: 1, 5: 1, 6: 1 },
  GreedySearch: { 1: "max_length", 2: 1, 3: 1 },
  Sampling: { 1: "max_length", 2: 1, 3: 1 },
};

export function fixedInputValues(model: ModelProto, lengthOf: (name: string) => number | undefined): Map<string, number> {
  const g = graphOf(model);
  const feeds = new Set(feedInputs(g).map((v) => v.name ?? ""));
  const out = new Map<string, number>();
  for (const v of feedInputs(g)) {
    const t = Number(v.type?.tensor_type?.elem_type ?? 0);
    const integer = t !== 1 && t !== 10 && t !== 11 && t !== 16; // not float32/16/64, bfloat16
    if (integer && /mask/i.test(v.name ?? "")) out.set(v.name ?? "", 1);
  }
  for (const n of allNodes(g)) {
    const settings = n.domain === "com.microsoft" ? GENERATION_SETTINGS[n.op_type ?? ""] : undefined;
    if (!settings) continue;
    const prompt = lengthOf(n.input?.[0] ?? "") ?? 1;
    for (const [pos, value] of Object.entries(settings)) {
      const name = n.input?.[Number(pos)];
      if (name && feeds.has(name)) out.set(name, value === "max_length" ? prompt + GENERATED_TOKENS : value);
    }
  }
  return out;
}
