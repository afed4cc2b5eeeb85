/**
 * Shape inference over the graph IR with batch / input-shape overrides that resolve symbolic dims.
 * Never falls back to shapes declared in the model for intermediate tensors or outputs (they go stale when the
 * batch or input size changes); declared dtypes are used only when an op has no rule.
 */
import { NnlqError, isNnlqError } from "../errors";
import { ShapeError, isNum, UNKNOWN, withBinder } from "./dims";
import { buildGraph, type ConstValue, type Dim, type GraphIR, type NodeIR, type SeqValue, type Shape, type TensorIR } from "./graph";
import { isOnnxModel, type OnnxModel } from "./model";
import type { TensorProto } from "./proto";
import { MAX_FOLD, shapeRule, type Info, type OpCtx, type Out } from "./shape-ops";
import { readTensorValues } from "./tensor";
import { onnxError } from "./util";

export interface ShapeOverrides {
  /** Batch size: replaces dim 0 of every graph input (rank >= 2, or a symbolic dim 0). */
  batch?: number;
  /** Full shapes for named graph inputs (e.g. { input: [1, 3, 299, 299] }). */
  inputs?: Record<string, number[]>;
}

export interface InferOptions extends ShapeOverrides {
  /** Known values of graph inputs (the conformance harness feeds test_data_set_0 inputs here). */
  inputValues?: Record<string, TensorProto>;
  /** Called when the shape rule of main-graph node `node` (an index) reads the known value of tensor `name`. */
  onValueRead?: (name: string, node: number) => void;
}

/** Checks user overrides: positive integer dims, known input names, matching ranks. */
function validateOverrides(ir: GraphIR, o: ShapeOverrides): void {
  if (o.batch !== undefined && !(Number.isSafeInteger(o.batch) && o.batch >= 1)) {
    throw new NnlqError("VALIDATION", `batch must be a positive integer, got ${o.batch}`);
  }
  for (const [name, dims] of Object.entries(o.inputs ?? {})) {
    const t = ir.tensors.get(name);
    if (!t || t.source !== "input") {
      throw new NnlqError("VALIDATION", `unknown input '${name}' (model inputs: ${ir.inputs.join(", ") || "none"})`);
    }
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new NnlqError("VALIDATION", `input '${name}' shape must be non-negative integers, got ${JSON.stringify(dims)}`);
    }
    if (t.shape && t.shape.length !== dims.length) {
      throw new NnlqError("VALIDATION", `input '${name}' has rank ${t.shape.length}, override has rank ${dims.length}`);
    }
  }
}

/**
 * Declared input shapes with explicit shapes written in: `inputs` replace whole shapes, `batch` resolves the
 * batch dims as analysis does (applyBatch). Returns the inputs whose shape changes, for a structure-only copy
 * that declares them (stripWeights). Stricter than analysis overrides: dims must be positive, and a given
 * shape may not contradict a dim the model fixes. Throws NnlqError VALIDATION.
 */
export function explicitInputShapes(base: GraphIR, o: ShapeOverrides): Record<string, Shape> {
  validateOverrides(base, o);
  for (const [name, dims] of Object.entries(o.inputs ?? {})) {
    const t = base.tensors.get(name)!;
    if (t.seq || t.present !== undefined) throw new NnlqError("VALIDATION", `input '${name}' is a sequence or optional, not a tensor: it takes no shape`);
    if (!dims.every((d) => d >= 1)) throw new NnlqError("VALIDATION", `input '${name}' shape must be positive integers, got ${JSON.stringify(dims)}`);
    t.shape?.forEach((d, k) => {
      if (isNum(d) && d !== dims[k]) {
        throw new NnlqError("VALIDATION", `input '${name}' has dim ${k} fixed at ${d} in the model; the shape given, ${JSON.stringify(dims)}, has ${dims[k]}`);
      }
    });
  }
  const ir = cloneIR(base);
  applyInputs(ir, o);
  const out: Record<string, Shape> = {};
  for (const name of ir.inputs) {
    const before = base.tensors.get(name)!.shape;
    const after = ir.tensors.get(name)!.shape;
    if (after && JSON.stringify(after) !== JSON.stringify(before)) out[name] = after;
  }
  return out;
}

/** Shapes are never mutated in place (rules build new arrays), so a shallow copy suffices. */
function cloneTensor(t: TensorIR): TensorIR {
  return { ...t };
}

function cloneIR(ir: GraphIR): GraphIR {
  const tensors = new Map<string, TensorIR>();
  for (const [k, t] of ir.tensors) tensors.set(k, cloneTensor(t));
  const nodes: NodeIR[] = ir.nodes.map((n) => ({ ...n, attrs: { ...n.attrs } }));
  return { ...ir, tensors, nodes };
}

class Env {
  constructor(readonly ir: GraphIR, readonly parent: Env | null) {}
  get(name: string): TensorIR | undefined {
    const t = this.ir.tensors.get(name);
    if (t && t.source !== "outer") return t;
    return this.parent?.get(name) ?? t;
  }
}

/** Sequence / optional wrappers of a value (absent for plain tensors). */
function wrappers(t: { seq?: SeqValue; present?: boolean | null }): Pick<Info, "seq" | "present"> {
  return { ...(t.seq ? { seq: t.seq } : {}), ...(t.present !== undefined ? { present: t.present } : {}) };
}

function setWrappers(t: TensorIR, o: { seq?: SeqValue; present?: boolean | null } | undefined): void {
  if (o?.seq) t.seq = o.seq;
  else delete t.seq;
  if (o?.present !== undefined) t.present = o.present;
  else delete t.present;
}

function toInfo(t: TensorIR | undefined, onRead?: (name: string) => void): Info | undefined {
  if (!t) return undefined;
  if (!t.value) return { dtype: t.dtype, shape: t.shape, ...wrappers(t) };
  if (!onRead) return { dtype: t.dtype, shape: t.shape, value: t.value, ...wrappers(t) };
  const { name, value } = t;
  return { dtype: t.dtype, shape: t.shape, ...wrappers(t), get value() { onRead(name); return value; } };
}

function setValue(t: TensorIR, v: ConstValue | undefined): void {
  t.value = v && v.data.length <= MAX_FOLD ? v : undefined;
}

function initValues(ir: GraphIR): void {
  for (const name of ir.initializers) {
    const t = ir.tensors.get(name)!;
    if (t.init && (t.shape ? t.shape.every((d) => isNum(d)) : false)) {
      const v = readTensorValues(t.init, MAX_FOLD);
      if (v) setValue(t, { dims: t.shape as number[], data: v });
    }
  }
}

/**
 * The batch symbol: the most common symbolic dim 0 among the inputs ("batch", "N", "batch_size"), or null
 * when every input has a fixed dim 0.
 */
export function batchSymbol(ir: GraphIR): string | null {
  const counts = new Map<string, number>();
  for (const name of ir.inputs) {
    const d = ir.tensors.get(name)!.shape?.[0];
    if (typeof d === "string" && d !== UNKNOWN) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [k, v] of counts) if (best === null || v > counts.get(best)!) best = k;
  return best;
}

/** dim 0 of the first input of rank >= 2: the batch of a fixed-shape model ([1, 3, 224, 224] → 1). */
function fixedBatch(ir: GraphIR): Dim | undefined {
  return ir.inputs.map((n) => ir.tensors.get(n)!.shape).find((s) => s && s.length >= 2)?.[0];
}

/**
 * Batch override: with a batch symbol, every occurrence of it in any input (e.g. past_kv [2, batch, ...]) and
 * every unnamed dim 0 becomes the batch; without one (fixed-shape models like [1, 3, 224, 224]), dim 0 of
 * each input of rank >= 2 whose dim 0 equals the first such input's (weights fed as inputs keep theirs).
 */
function applyBatch(ir: GraphIR, batch: number, skip: Record<string, number[]> | undefined): void {
  const sym = batchSymbol(ir);
  const ref = sym === null ? fixedBatch(ir) : undefined;
  for (const name of ir.inputs) {
    const t = ir.tensors.get(name)!;
    if (!t.shape || skip?.[name]) continue;
    if (sym !== null) t.shape = t.shape.map((d, i) => (d === sym || (i === 0 && d === UNKNOWN) ? batch : d));
    else if (t.shape.length >= 2 && t.shape[0] === ref) t.shape = [batch, ...t.shape.slice(1)];
  }
}

function applyInputs(ir: GraphIR, o: InferOptions): void {
  if (o.batch !== undefined) applyBatch(ir, o.batch, o.inputs);
  for (const name of ir.inputs) {
    const t = ir.tensors.get(name)!;
    const ov = o.inputs?.[name];
    if (ov) t.shape = ov.slice();
    const iv = o.inputValues?.[name];
    if (iv) {
      const v = readTensorValues(iv, MAX_FOLD);
      if (v && t.shape && t.shape.every(isNum)) setValue(t, { dims: t.shape as number[], data: v });
    }
  }
}

/** Run one graph (topological order). Subgraphs get an Env chained to their parent's. */
/** Per-inference state: warnings and the budget of Loop body unrollings (nested loops cannot explode). */
interface RunState { warnings: string[]; unroll: number; invalid: number; onValueRead?: (name: string, node: number) => void }
const UNROLL_BUDGET = 512;

function runGraph(ir: GraphIR, env: Env, warnings: RunState): void {
  for (const idx of ir.order) {
    const node = ir.nodes[idx];
    const track = warnings.onValueRead;
    const onRead = track && !env.parent ? (name: string) => track(name, idx) : undefined;
    const inputs = node.inputs.map((n) => (n ? toInfo(env.get(n), onRead) : undefined));
    const outs = inferNode(node, ir, env, inputs, warnings);
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const t = ir.tensors.get(name)!;
      const o = outs[i];
      t.dtype = o?.dtype || t.declared?.dtype || 0;
      t.shape = o?.shape ?? null;
      setValue(t, o?.value);
      setWrappers(t, o);
    });
  }
}

function inferNode(node: NodeIR, ir: GraphIR, env: Env, inputs: (Info | undefined)[], warnings: RunState): (Out | undefined)[] {
  const rule = shapeRule(node.domain, node.opType);
  if (!rule) return [];
  const opset = node.domain === "" ? ir.opset : ir.opsets[node.domain] ?? 1;
  const c: OpCtx = {
    node, opset, attrs: node.attrs, inputs, nOut: node.outputs.length,
    subgraph: (attr, formal) => inferSubgraph(node, attr, formal, env, warnings),
    invalid: (message) => {
      warnings.invalid++;
      warnings.warnings.push(`node '${node.name || node.opType}' (${node.opType}): ${message}`);
    },
    unrollBudget: (n) => {
      if (warnings.unroll < n) return false;
      warnings.unroll -= n;
      return true;
    },
  };
  try {
    return rule(c);
  } catch (e) {
    const where = `node '${node.name || node.opType}' (${node.opType})`;
    if (e instanceof ShapeError)
      throw onnxError("ONNX_SHAPE", `shape inference failed at ${where}: ${e.message}`, { node: node.name, op: node.opType });
    if (isNnlqError(e)) throw e;
    // A rule tripping over an odd-but-valid model must not crash the analysis: the outputs become unknown.
    warnings.warnings.push(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
}

function inferSubgraph(node: NodeIR, attr: string, formal: (Info | undefined)[], env: Env, warnings: RunState): Out[] | null {
  const base = node.subgraphs[attr];
  if (!base) return null;
  const sub = cloneIR(base);
  sub.inputs.forEach((name, i) => {
    const t = sub.tensors.get(name)!;
    const f = formal[i];
    if (f) {
      t.dtype = f.dtype || t.dtype;
      // Keep the declared subgraph input shape when the caller's is unknown, or when the body declares a
      // scalar as [1] (common for Loop iteration counters).
      const declaredOne = t.shape?.length === 1 && t.shape[0] === 1 && f.shape?.length === 0;
      if (f.shape && !declaredOne) t.shape = f.shape.slice();
      setValue(t, f.value);
      if (f.seq || f.present !== undefined) setWrappers(t, f);
    }
  });
  initValues(sub);
  runGraph(sub, new Env(sub, env), warnings);
  sub.shapesInferred = true; // the cost model costs only If branches that ran (see controlFlow in cost.ts)
  node.subgraphs = { ...node.subgraphs, [attr]: sub };
  return sub.outputs.map((name) => {
    const t = new Env(sub, env).get(name);
    return { dtype: t?.dtype ?? 0, shape: t?.shape ?? null, ...(t?.value ? { value: t.value } : {}), ...(t ? wrappers(t) : {}) };
  });
}

function isGraphIR(x: unknown): x is GraphIR {
  return typeof x === "object" && x !== null && "tensors" in x && "order" in x;
}

/**
 * Infer dtypes and shapes of every tensor. Returns a new GraphIR (the input IR is not modified). Throws
 * NnlqError ONNX_SHAPE when the model's shapes are inconsistent, VALIDATION for bad overrides.
 */
export function inferShapes(src: OnnxModel | GraphIR, o: InferOptions = {}): GraphIR & { warnings: string[] } {
  const base = isGraphIR(src) ? src : isOnnxModel(src) ? buildGraph(src) : null;
  if (!base) throw new NnlqError("VALIDATION", "inferShapes expects an OnnxModel or a GraphIR");
  const trial = trials.get(base);
  if (trial && !o.inputValues && !o.onValueRead && trial.key === overridesKey(o)) {
    trials.delete(base); // handed out once: callers own the IR they get
    return trial.ir;
  }
  return run(base, o).ir;
}

function run(base: GraphIR, o: InferOptions): { ir: GraphIR & { warnings: string[] }; invalid: number } {
  validateOverrides(base, o);
  const ir = cloneIR(base);
  initValues(ir);
  applyInputs(ir, o);
  const state: RunState = { warnings: [], unroll: UNROLL_BUDGET, invalid: 0, ...(o.onValueRead ? { onValueRead: o.onValueRead } : {}) };
  runGraph(ir, new Env(ir, null), state);
  const warnings = state.warnings;
  const first = ir.inputs.map((n) => ir.tensors.get(n)!).find((t) => t.shape && t.shape.length >= 1);
  const d0: Dim | undefined = first?.shape?.[0];
  ir.batch = o.batch ?? (isNum(d0) ? d0 : null);
  ir.shapesInferred = true;
  return { ir: Object.assign(ir, { warnings }), invalid: state.invalid };
}

/**
 * The last accepted trial inference of resolveOverrides() per base graph, handed to the inferShapes() call that
 * follows with the same overrides, so that the trial costs no second inference.
 */
const trials = new WeakMap<GraphIR, { key: string; ir: GraphIR & { warnings: string[] } }>();

function overridesKey(o: ShapeOverrides): string {
  return JSON.stringify([o.batch ?? null, Object.entries(o.inputs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** Inference with these overrides gives a valid graph: no shape error and no If without a valid branch. */
function accepts(base: GraphIR, o: ShapeOverrides): boolean {
  try {
    const r = run(base, o);
    if (r.invalid) return false;
    trials.set(base, { key: overridesKey(o), ir: r.ir });
    return true;
  } catch (e) {
    if (isNnlqError(e) && e.code === "ONNX_SHAPE") return false;
    throw e;
  }
}

/** Sizes tried for symbolic dims that 1 makes invalid, and the most trial inferences spent looking. */
const PROBE_SIZES = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const MAX_PROBES = 24;


/**
 * Concrete overrides for analysis and hashing: the user's overrides plus defaults for every remaining
 * symbolic input dim — the batch symbol → batch (default 1); any other symbol → the size the graph forces on
 * it (found by one symbolic inference pass, see unify() in dims.ts), else 1. `assumed` lists the defaults.
 *
 * When 1 makes the graph invalid (a kernel larger than the input, mismatched skip connections, an If none of
 * whose branches can run — an audio model's 1-sample window), the dims defaulted to 1 are tried input by
 * input at the powers of two 2..4096 (all of one input's such dims together), and the smallest size the graph
 * accepts is used. Deterministic, so analyze() and structureHash() agree; when nothing is accepted the
 * defaults stay and inference reports the error.
 */
export function resolveOverrides(
  base: GraphIR,
  o: ShapeOverrides = {},
): { overrides: ShapeOverrides; assumed: string[]; defaulted: DefaultedDim[] } {
  const batch = o.batch ?? 1;
  const sym = batchSymbol(base);
  const pending = base.inputs.filter((name) => !o.inputs?.[name] && base.tensors.get(name)!.shape?.some((d) => !isNum(d)));
  if (!pending.length) return { overrides: { ...o }, assumed: [], defaulted: [] };
  const isBatch = (d: Dim, i: number) => d === sym || (i === 0 && d === UNKNOWN);
  const resolve = (bindings: Map<string, number> | null, defaulted: DefaultedDim[] | null): ShapeOverrides => {
    const inputs: Record<string, number[]> = { ...(o.inputs ?? {}) };
    for (const name of pending) {
      const s = base.tensors.get(name)!.shape!;
      inputs[name] = s.map((d, i): number => {
        if (isNum(d)) return i === 0 && o.batch !== undefined && sym === null && s.length >= 2 && d === fixedBatch(base) ? o.batch : d;
        if (isBatch(d, i)) {
          if (o.batch === undefined) defaulted?.push({ input: name, axis: i, symbol: d, size: batch, reason: "batch" });
          return batch;
        }
        const bound = d !== UNKNOWN ? bindings?.get(d) : undefined;
        defaulted?.push({ input: name, axis: i, symbol: d, size: bound ?? 1, reason: bound !== undefined ? "graph" : "default" });
        return bound ?? 1;
      });
    }
    return { ...(o.batch !== undefined ? { batch: o.batch } : {}), inputs };
  };
  // Symbolic pass: batch resolved, other symbols kept, to learn the sizes the graph forces on them.
  const bindings = new Map<string, number>();
  const named = new Set(
    pending.flatMap((n) => base.tensors.get(n)!.shape!.filter((d): d is string => typeof d === "string" && d !== UNKNOWN && d !== sym)),
  );
  if (named.size) {
    const partial = resolve(null, null);
    const symbolic: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(partial.inputs ?? {})) if (!pending.includes(k)) symbolic[k] = v;
    const batchOnly: GraphIR = cloneIR(base);
    for (const name of pending) {
      const t = batchOnly.tensors.get(name)!;
      t.shape = t.shape!.map((d, i) => (isBatch(d, i) ? batch : d));
    }
    try {
      withBinder(
        (s, n) => {
          if (named.has(s) && !bindings.has(s)) bindings.set(s, n);
        },
        () => inferShapes(batchOnly, { inputs: symbolic }),
      );
    } catch {
      // inconsistent with symbols too: the concrete pass reports the error
    }
  }
  const defaulted: DefaultedDim[] = [];
  const overrides = probeSizes(base, resolve(bindings, defaulted), defaulted);
  return { overrides, assumed: defaulted.map(describeDefault), defaulted };
}

/** A symbolic input dim resolved by resolveOverrides(), and why it got its size. */
export interface DefaultedDim {
  input: string;
  axis: number;
  /** The dim's name in the model ("?" when unnamed). */
  symbol: string;
  size: number;
  /** batch: the batch size; graph: forced by the graph; default: 1; probe: the smallest power of two the graph accepts. */
  reason: "batch" | "graph" | "default" | "probe";
}

const REASON_NOTE: Record<DefaultedDim["reason"], string> = {
  batch: "",
  default: "",
  graph: " (required by the graph)",
  probe: " (1 is too small for the graph; the smallest power of two it accepts)",
};

function describeDefault(d: DefaultedDim): string {
  return `${d.input}[${d.axis}] (${d.symbol}) = ${d.size}${REASON_NOTE[d.reason]}`;
}

/**
 * The search described on resolveOverrides(): the dims defaulted to 1 grow input by input (dims sharing a
 * symbol name grow together wherever they appear: they must stay equal). Updates `defaulted` in place.
 */
function probeSizes(base: GraphIR, overrides: ShapeOverrides, defaulted: DefaultedDim[]): ShapeOverrides {
  const free = defaulted.filter((d) => d.reason === "default");
  const groups = [...new Set(free.map((d) => d.input))].map((input) => {
    const symbols = new Set(free.filter((d) => d.input === input && d.symbol !== UNKNOWN).map((d) => d.symbol));
    return free.filter((d) => d.input === input || (d.symbol !== UNKNOWN && symbols.has(d.symbol)));
  });
  if (!groups.length || accepts(base, overrides)) return overrides;
  let budget = MAX_PROBES;
  for (const group of groups) {
    for (const size of PROBE_SIZES) {
      if (budget-- <= 0) return overrides;
      const inputs: Record<string, number[]> = { ...overrides.inputs };
      for (const d of group) inputs[d.input] = inputs[d.input].map((v, i) => (i === d.axis ? size : v));
      const trial = { ...overrides, inputs };
      if (accepts(base, trial)) {
        for (const d of group) Object.assign(d, { size, reason: "probe" });
        return trial;
      }
    }
  }
  return overrides;
}
