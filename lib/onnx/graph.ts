/**
 * Graph IR: nodes (model-local functions inlined), tensors with producers and consumers, topological order,
 * opset-aware attributes, subgraphs of If/Loop/Scan as nested GraphIRs, and static-ness (values that do not
 * depend on graph inputs: weights and shape arithmetic). Validation: dangling inputs, cycles, double producers.
 */
import { attrValue, resolveAttrs, type Attrs } from "./attrs";
import type { OnnxModel } from "./onnx-model";
import type { FunctionProto, GraphProto, NodeProto, TensorProto, TypeProto, ValueInfo } from "./proto";
import { normDomain, onnxError } from "./util";

export type Dim = number | string;
export type Shape = Dim[];

/** A statically known value (small tensors only): int64 data may hold symbolic dims (from Shape of symbolic tensors). */
export interface ConstValue { dims: number[]; data: Dim[] }

/** The type of one tensor of a sequence. */
export interface SeqElem { dtype: number; shape: Shape | null; value?: ConstValue }

/**
 * An ONNX sequence value (SequenceConstruct, SplitToSequence, a Loop-carried list...): `elem` merges the
 * elements' types (a dim that differs between elements is "?"; meaningless while `length` is 0), `items` lists
 * every element when each one is known. The tensor carrying it keeps shape null (a sequence has no shape).
 */
export interface SeqValue { elem: SeqElem; length: Dim; items: SeqElem[] | null }

export interface TensorIR {
  name: string;
  /** DataType; 0 = unknown. */
  dtype: number;
  /** null = unknown rank; string dims are symbols ("?" = unknown). */
  shape: Shape | null;
  /** Producing node index, -1 for graph inputs, initializers and outer-scope values. */
  producer: number;
  /** Consuming node indices (a node consuming twice appears twice). */
  consumers: number[];
  source: "input" | "initializer" | "node" | "outer";
  /** Independent of graph inputs (initializers, Constant, folded chains over them). */
  static: boolean;
  value?: ConstValue;
  /** Sequence-typed values: their elements (dtype is then the elements' dtype, shape null). */
  seq?: SeqValue;
  /** Optional-typed values: whether an element is present (null = not known); absent for plain tensors. */
  present?: boolean | null;
  /** For initializers: the TensorProto (weights stay views into the model bytes). */
  init?: TensorProto;
  /** Declared type from graph input/output/value_info (dtype fallback for unknown ops). */
  declared?: { dtype: number; shape: Shape | null };
}

export interface NodeIR {
  index: number;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
  /** Attribute name → subgraph (If then_branch/else_branch, Loop/Scan body). */
  subgraphs: Record<string, GraphIR>;
  /** Outer-scope tensors used inside subgraphs (dependencies for ordering). */
  implicitInputs: string[];
  /** All inputs static and deterministic: runs once at load time (weights, shape arithmetic), not per inference. */
  static: boolean;
  /** Set when the node comes from inlining a model-local function. */
  fromFunction?: string;
}

export interface GraphIR {
  opset: number;
  opsets: Record<string, number>;
  irVersion: number;
  nodes: NodeIR[];
  /** Node indices in topological order (stable: original order among independent nodes). */
  order: number[];
  tensors: Map<string, TensorIR>;
  /** Real inputs (graph inputs without an initializer). */
  inputs: string[];
  outputs: string[];
  initializers: string[];
  /** Resolved batch size after shape inference (null before / when unknown). */
  batch: number | null;
  shapesInferred: boolean;
  /** Names of outer-scope values referenced (subgraphs only). */
  outerRefs: string[];
}

const NONDETERMINISTIC = new Set(["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"]);
const MAX_FUNCTION_DEPTH = 8;
const MAX_GRAPH_DEPTH = 16;

export function shapeFromValueInfo(v: ValueInfo | undefined): { dtype: number; shape: Shape | null } | undefined {
  const tt = v?.type?.tensor_type;
  if (!tt) return undefined;
  // Negative dim_value (some exporters write -1 for "unknown") counts as unknown.
  const shape = tt.shape
    ? (tt.shape.dim ?? []).map((d): Dim => (d.dim_value !== undefined && d.dim_value >= 0 ? d.dim_value : d.dim_param ? d.dim_param : "?"))
    : null;
  return { dtype: tt.elem_type ?? 0, shape };
}

/**
 * Sequence- and optional-typed graph inputs (plain tensors give undefined): the tensor type inside, with the
 * sequence's length unknown and an optional's presence unknown.
 */
function wrappedType(v: ValueInfo | undefined): Pick<TensorIR, "dtype" | "shape" | "seq" | "present"> | undefined {
  const unwrap = (tp: TypeProto | undefined): Pick<TensorIR, "dtype" | "shape" | "seq" | "present"> | undefined => {
    if (tp?.tensor_type) return shapeFromValueInfo({ type: tp });
    const inner = tp?.sequence_type?.elem_type?.tensor_type ? shapeFromValueInfo({ type: tp.sequence_type.elem_type }) : undefined;
    if (inner) return { dtype: inner.dtype, shape: null, seq: { elem: inner, length: "?", items: null } };
    if (tp?.optional_type) {
      const o = unwrap(tp.optional_type.elem_type);
      return o ? { ...o, present: null } : undefined;
    }
    return undefined;
  };
  const tp = v?.type;
  return tp && !tp.tensor_type ? unwrap(tp) : undefined;
}

interface Ctx {
  model: OnnxModel;
  fnCounter: number;
}

/** Expand calls of model-local functions (recursively) into plain nodes with unique internal names. */
const MAX_EXPANDED_NODES = 1_000_000;

function expandNodes(nodes: NodeProto[], ctx: Ctx, depth: number, out: { node: NodeProto; fn?: string; attrs?: Attrs }[]): void {
  for (const n of nodes) {
    if (out.length > MAX_EXPANDED_NODES) throw onnxError("ONNX_INVALID", `more than ${MAX_EXPANDED_NODES} nodes after inlining functions`);
    const fn = ctx.model.functions.get(`${normDomain(n.domain)}::${n.op_type ?? ""}`);
    if (!fn) {
      out.push({ node: n });
      continue;
    }
    if (depth >= MAX_FUNCTION_DEPTH) {
      throw onnxError("ONNX_CYCLE", `model-local function '${fn.name}' calls itself (recursion deeper than ${MAX_FUNCTION_DEPTH})`, {
        function: fn.name,
      });
    }
    out.push(...inlineFunction(n, fn, ctx, depth));
  }
}

function inlineFunction(call: NodeProto, fn: FunctionProto, ctx: Ctx, depth: number): { node: NodeProto; fn?: string }[] {
  const id = `__fn${ctx.fnCounter++}/${fn.name}/`;
  const rename = new Map<string, string>();
  (fn.input ?? []).forEach((name, i) => rename.set(name, call.input?.[i] ?? ""));
  (fn.output ?? []).forEach((name, i) => rename.set(name, call.output?.[i] || id + name));
  const callAttrs = new Map((call.attribute ?? []).map((a) => [a.name ?? "", a]));
  const fnDefaults = new Map((fn.attribute_proto ?? []).map((a) => [a.name ?? "", a]));
  const mapName = (s: string) => (s === "" ? "" : rename.get(s) ?? id + s);
  const body: NodeProto[] = (fn.node ?? []).map((n) => ({
    ...n,
    name: id + (n.name ?? ""),
    input: (n.input ?? []).map(mapName),
    output: (n.output ?? []).map(mapName),
    attribute: (n.attribute ?? []).flatMap((a) => {
      if (!a.ref_attr_name) return [a];
      const src = callAttrs.get(a.ref_attr_name) ?? fnDefaults.get(a.ref_attr_name);
      return src ? [{ ...src, name: a.name }] : [];
    }),
  }));
  const out: { node: NodeProto; fn?: string }[] = [];
  expandNodes(body, ctx, depth + 1, out);
  for (const o of out) o.fn ??= fn.name ?? "";
  return out;
}

function buildGraphProto(g: GraphProto, ctx: Ctx, outer: Set<string> | null, depth: number): GraphIR {
  if (depth > MAX_GRAPH_DEPTH) throw onnxError("ONNX_INVALID", `subgraphs nested deeper than ${MAX_GRAPH_DEPTH}`);
  const m = ctx.model;
  const tensors = new Map<string, TensorIR>();
  const initializers: string[] = [];
  const newTensor = (name: string, source: TensorIR["source"], producer: number, isStatic: boolean): TensorIR => {
    const t: TensorIR = { name, dtype: 0, shape: null, producer, consumers: [], source, static: isStatic };
    tensors.set(name, t);
    return t;
  };
  for (const init of g.initializer ?? []) {
    const name = init.name ?? "";
    if (tensors.has(name)) throw onnxError("ONNX_INVALID", `initializer '${name}' is defined twice`, { tensor: name });
    const t = newTensor(name, "initializer", -1, true);
    t.dtype = init.data_type ?? 0;
    t.shape = (init.dims ?? []).slice();
    t.init = init;
    initializers.push(name);
  }
  for (const s of g.sparse_initializer ?? []) {
    const name = s.values?.name ?? "";
    if (!name || tensors.has(name)) continue;
    const t = newTensor(name, "initializer", -1, true);
    t.dtype = s.values?.data_type ?? 0;
    t.shape = (s.dims ?? []).slice();
    initializers.push(name);
  }
  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? "";
    const decl = shapeFromValueInfo(vi);
    const existing = tensors.get(name);
    if (existing) {
      // IR < 4 lists initializers among the inputs: it stays a weight (static), with its declared type as a hint.
      existing.declared = decl;
      continue;
    }
    const t = newTensor(name, "input", -1, false);
    if (decl) { t.dtype = decl.dtype; t.shape = decl.shape; t.declared = decl; }
    else Object.assign(t, wrappedType(vi));
    inputs.push(name);
  }
  for (const vi of [...(g.value_info ?? []), ...(g.output ?? [])]) {
    const t = tensors.get(vi.name ?? "");
    if (t && !t.declared) t.declared = shapeFromValueInfo(vi);
  }

  const all: { node: NodeProto; fn?: string }[] = [];
  expandNodes(g.node ?? [], ctx, 0, all);
  // Several Constant nodes may define one name (seen in exported GPT-2 graphs: '284' = 12, then = 2):
  // onnxruntime turns Constants into initializers and keeps the last one ("the model will use the latest
  // encountered initializer"), so the last one wins here too. A Constant re-defining a name some other
  // node produced earlier is dropped.
  const isConstant = (node: NodeProto, outs: string[]) => node.op_type === "Constant" && outs.length === 1 && !tensors.has(outs[0]);
  const lastConstant = new Map<string, number>();
  all.forEach(({ node }, i) => {
    const outs = (node.output ?? []).filter(Boolean);
    if (isConstant(node, outs)) lastConstant.set(outs[0], i);
  });
  const seen = new Set<string>(tensors.keys());
  const expanded = all.filter(({ node }, i) => {
    const outs = (node.output ?? []).filter(Boolean);
    if (isConstant(node, outs) && (lastConstant.get(outs[0]) !== i || seen.has(outs[0]))) return false;
    for (const o of outs) seen.add(o);
    return true;
  });
  const scope = new Set<string>(tensors.keys());
  const produced = new Set<string>();
  for (const { node } of expanded) for (const o of node.output ?? []) if (o) produced.add(o);

  const nodes: NodeIR[] = [];
  const outerRefs = new Set<string>();
  const resolveName = (name: string, where: string): void => {
    if (!name || scope.has(name) || produced.has(name)) return;
    if (outer?.has(name)) {
      outerRefs.add(name);
      return;
    }
    throw onnxError("ONNX_DANGLING_INPUT", `${where} reads tensor '${name}', which no node, input or initializer provides`, {
      tensor: name,
    });
  };

  let visible: Set<string> | undefined; // names a subgraph may read from this scope and the outer ones
  expanded.forEach(({ node: n, fn }, index) => {
    const domain = normDomain(n.domain);
    const opType = n.op_type ?? "";
    const explicit: Attrs = {};
    const subgraphs: Record<string, GraphIR> = {};
    const implicit = new Set<string>();
    for (const a of n.attribute ?? []) {
      const v = attrValue(a);
      if (v === undefined) continue;
      explicit[a.name ?? ""] = v;
      const graphs = a.g ? [a.g] : a.graphs ?? [];
      if (graphs.length) visible ??= new Set<string>([...scope, ...produced, ...(outer ?? [])]);
      graphs.forEach((sg, k) => {
        const sub = buildGraphProto(sg, ctx, visible!, depth + 1);
        subgraphs[a.g ? a.name ?? "" : `${a.name}[${k}]`] = sub;
        for (const r of sub.outerRefs) implicit.add(r);
      });
    }
    const where = `node '${n.name || opType}' (${domain ? domain + "::" : ""}${opType})`;
    for (const i of n.input ?? []) resolveName(i, where);
    for (const i of implicit) resolveName(i, `${where} subgraph`);
    const opset = domain === "" ? m.opset : m.opsets[domain] ?? 1;
    nodes.push({
      index, name: n.name ?? "", opType, domain, inputs: (n.input ?? []).slice(), outputs: (n.output ?? []).slice(),
      attrs: resolveAttrs(domain, opType, opset, explicit), subgraphs, implicitInputs: [...implicit],
      static: false, ...(fn ? { fromFunction: fn } : {}),
    });
  });

  // Producers (exactly one per name), outer-scope tensors, consumers.
  for (const node of nodes) {
    for (const o of node.outputs) {
      if (!o) continue;
      const prev = tensors.get(o);
      if (prev) {
        const what = prev.producer >= 0 ? `node '${nodes[prev.producer].name || nodes[prev.producer].opType}'` : `a graph ${prev.source}`;
        throw onnxError("ONNX_INVALID", `tensor '${o}' is produced twice: by ${what} and by node '${node.name || node.opType}'`, {
          tensor: o,
        });
      }
      newTensor(o, "node", node.index, false);
    }
  }
  for (const node of nodes) {
    for (const i of [...node.inputs, ...node.implicitInputs]) {
      if (!i) continue;
      let t = tensors.get(i);
      if (!t) t = newTensor(i, "outer", -1, false);
      t.consumers.push(node.index);
    }
  }
  const outputs = (g.output ?? []).map((o) => o.name ?? "");
  for (const o of outputs) {
    if (!tensors.has(o)) {
      if (outer?.has(o)) { newTensor(o, "outer", -1, false); outerRefs.add(o); }
      else throw onnxError("ONNX_DANGLING_INPUT", `graph output '${o}' is never produced`, { tensor: o });
    }
  }

  const order = topoSort(nodes, tensors);
  // Static-ness in topological order.
  for (const idx of order) {
    const node = nodes[idx];
    const deps = [...node.inputs.filter(Boolean), ...node.implicitInputs];
    node.static = !NONDETERMINISTIC.has(node.opType) && node.domain === "" && Object.keys(node.subgraphs).length === 0
      && deps.every((d) => tensors.get(d)!.static) && node.opType !== "If" && node.opType !== "Loop" && node.opType !== "Scan";
    for (const o of node.outputs) if (o) tensors.get(o)!.static = node.static;
  }

  return {
    opset: m.opset, opsets: m.opsets, irVersion: m.irVersion, nodes, order, tensors, inputs, outputs, initializers,
    batch: null, shapesInferred: false, outerRefs: [...outerRefs],
  };
}

/** Kahn's algorithm with a min-heap-free stable queue (original index order). Throws ONNX_CYCLE. */
function topoSort(nodes: NodeIR[], tensors: Map<string, TensorIR>): number[] {
  const indeg = new Int32Array(nodes.length);
  const succ: number[][] = nodes.map(() => []);
  for (const node of nodes) {
    for (const i of [...node.inputs, ...node.implicitInputs]) {
      if (!i) continue;
      const p = tensors.get(i)?.producer ?? -1;
      if (p >= 0) { indeg[node.index]++; succ[p].push(node.index); }
    }
  }
  const order: number[] = [];
  // Stable: process ready nodes in ascending original index using a simple binary heap.
  const heap: number[] = [];
  const pushH = (x: number) => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (heap[p] <= heap[i]) break; [heap[p], heap[i]] = [heap[i], heap[p]]; i = p; }
  };
  const popH = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let s = i;
        if (l < heap.length && heap[l] < heap[s]) s = l;
        if (r < heap.length && heap[r] < heap[s]) s = r;
        if (s === i) break;
        [heap[s], heap[i]] = [heap[i], heap[s]];
        i = s;
      }
    }
    return top;
  };
  for (let i = 0; i < nodes.length; i++) if (indeg[i] === 0) pushH(i);
  while (heap.length) {
    const n = popH();
    order.push(n);
    for (const s of succ[n]) if (--indeg[s] === 0) pushH(s);
  }
  if (order.length < nodes.length) {
    const stuck = nodes
      .filter((n) => indeg[n.index] > 0)
      .slice(0, 5)
      .map((n) => n.name || `${n.opType}#${n.index}`);
    throw onnxError("ONNX_CYCLE", `the graph has a cycle through ${stuck.length} or more nodes, e.g. ${stuck.join(", ")}`, {
      nodes: stuck,
    });
  }
  return order;
}

const cache = new WeakMap<OnnxModel, GraphIR>();

/** Build (once per model; cached) the graph IR. Shapes are filled by inferShapes. */
export function buildGraph(model: OnnxModel): GraphIR {
  let ir = cache.get(model);
  if (!ir) {
    if (!model.proto.graph) throw onnxError("ONNX_NO_GRAPH", "the ONNX model has no graph");
    ir = buildGraphProto(model.proto.graph, { model, fnCounter: 0 }, null, 0);
    cache.set(model, ir);
  }
  return ir;
}

/** Used by decodeModel: structural validation = building the IR. */
export function validateStructure(model: OnnxModel): void {
  buildGraph(model);
}


/** Visit every node of a graph and its subgraphs (depth-first, topological order). */
export function forEachNode(ir: GraphIR, fn: (node: NodeIR, graph: GraphIR, depth: number) => void, depth = 0): void {
  for (const idx of ir.order) {
    const node = ir.nodes[idx];
    fn(node, ir, depth);
    for (const sg of Object.values(node.subgraphs)) forEachNode(sg, fn, depth + 1);
  }
}
