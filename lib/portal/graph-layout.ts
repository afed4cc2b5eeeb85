/**
 * The model page's graph: the data feed built on the server from a model's graph IR (operators with their
 * attributes, input/output tensors with shapes, per-node MACs / FLOPs / parameters; graph inputs and
 * outputs as their own nodes; one edge per produced→consumed tensor, labelled with its shape), the
 * attribution of a runtime profile's kernel times to nodes, and the layered layout the browser computes.
 *
 * Layout library: @dagrejs/dagre (maintained fork of dagre, MIT). Chosen over elkjs because it is the
 * layout family Netron uses (users compare the two), it is synchronous and small (17 kB gzipped vs
 * ~480 kB for elk.bundled.js), and it places edge labels (the tensor shapes) as part of the layering.
 * Measured on this machine (Node 20, shared 2-core box): ResNet-50 (175 operators + io) ~0.25 s,
 * a 1,064-operator BERT-style encoder ~2 s; elkjs took 1.5 s / 1.8 s. Both grow super-linearly, so the
 * browser runs it in a Web Worker (components/portal/graph-layout.worker.ts) and lays out at most
 * LAYOUT_CAP nodes at a time (bigger graphs are shown in consecutive sections of the topological order).
 *
 * Isomorphic: no Node or DOM APIs; only type imports from lib/onnx, so the browser bundle stays small.
 */
import dagre from "@dagrejs/dagre";
import type { CostSummary, GraphIR, Shape } from "@/lib/onnx";

// ───────────────────────────── the feed (server) ─────────────────────────────

export type TensorKind = "activation" | "input" | "weight" | "constant";

export interface FeedTensor {
  name: string;
  /** "1×64×56×56"; null = unknown rank */
  shape: string | null;
  dtype: string;
  kind: TensorKind;
}

export interface FeedNode {
  /** "op": an operator; "input" / "output": a graph input or output tensor drawn as its own node */
  kind: "op" | "input" | "output";
  op: string;
  name: string;
  domain: string;
  /** attribute name → value as text (opset defaults resolved) */
  attrs: [string, string][];
  inputs: FeedTensor[];
  outputs: FeedTensor[];
  /** null when the shapes needed to count it are unknown (and for io nodes) */
  macs: number | null;
  flops: number | null;
  params: number | null;
}

export interface FeedEdge {
  from: number;
  to: number;
  tensor: string;
  shape: string | null;
}

export interface GraphFeed {
  nodes: FeedNode[];
  edges: FeedEdge[];
  /** operator nodes (without the graph input/output nodes) */
  ops: number;
}

const DTYPES = [
  "undefined",
  "float32",
  "uint8",
  "int8",
  "uint16",
  "int16",
  "int32",
  "int64",
  "string",
  "bool",
  "float16",
  "float64",
  "uint32",
  "uint64",
  "complex64",
  "complex128",
  "bfloat16",
  "float8e4m3fn",
  "float8e4m3fnuz",
  "float8e5m2",
  "float8e5m2fnuz",
  "uint4",
  "int4",
  "float4e2m1",
  "float8e8m0",
  "uint2",
  "int2",
];
const dtypeName = (d: number) => DTYPES[d] ?? `type ${d}`;
export const shapeText = (s: Shape | null | undefined): string | null => (s ? (s.length ? s.join("×") : "scalar") : null);

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const num = (x: number) => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(6)).toString());
const list = (xs: unknown[], f: (x: unknown) => string) =>
  `[${xs.slice(0, 24).map(f).join(", ")}${xs.length > 24 ? `, … (${xs.length})` : ""}]`;

/** One attribute value as text: numbers, lists, strings, tensors ("tensor float32 64×3"), subgraphs. */
export function attrText(v: unknown): string {
  if (typeof v === "number") return num(v);
  if (typeof v === "string") return clip(JSON.stringify(v));
  if (Array.isArray(v)) return list(v, (x) => (typeof x === "number" ? num(x) : typeof x === "string" ? JSON.stringify(x) : attrText(x)));
  if (v && typeof v === "object") {
    const o = v as { dims?: number[]; data_type?: number; node?: unknown[]; elem_type?: number };
    if ("node" in o) return `subgraph (${o.node?.length ?? 0} nodes)`;
    if ("dims" in o || "data_type" in o) return `tensor ${dtypeName(o.data_type ?? 0)} ${shapeText(o.dims ?? []) ?? ""}`.trim();
  }
  return "…";
}

/**
 * The graph as the model page draws it: the per-inference (non-static) operators in topological order,
 * graph inputs first and outputs last. `cost` (lib/onnx computeCost of the same IR) adds per-node figures.
 */
export function graphFeed(ir: GraphIR, cost?: Pick<CostSummary, "perNode"> | null): GraphFeed {
  const keep = ir.order.filter((i) => !ir.nodes[i]!.static);
  const nodes: FeedNode[] = [];
  const edges: FeedEdge[] = [];
  const byTensor = new Map<string, number>(); // tensor → feed node producing it
  const perNode = new Map((cost?.perNode ?? []).map((c) => [c.node, c]));
  const inits = new Set(ir.initializers);
  const tensor = (name: string): FeedTensor => {
    const t = ir.tensors.get(name);
    const kind: TensorKind = inits.has(name) ? "weight" : t?.static ? "constant" : ir.inputs.includes(name) ? "input" : "activation";
    return { name, shape: shapeText(t?.shape ?? t?.declared?.shape), dtype: dtypeName(t?.dtype || t?.declared?.dtype || 0), kind };
  };
  const io = (kind: "input" | "output", name: string): FeedNode => ({
    kind,
    op: kind === "input" ? "Input" : "Output",
    name,
    domain: "",
    attrs: [],
    inputs: kind === "output" ? [tensor(name)] : [],
    outputs: kind === "input" ? [tensor(name)] : [],
    macs: null,
    flops: null,
    params: null,
  });
  const linked = new Set<string>();
  const link = (t: string, to: number) => {
    const from = byTensor.get(t);
    const key = `${from}|${to}|${t}`;
    if (from === undefined || linked.has(key)) return;
    linked.add(key);
    edges.push({ from, to, tensor: t, shape: shapeText(ir.tensors.get(t)?.shape ?? ir.tensors.get(t)?.declared?.shape) });
  };
  for (const name of ir.inputs) {
    byTensor.set(name, nodes.length);
    nodes.push(io("input", name));
  }
  for (const g of keep) {
    const n = ir.nodes[g]!;
    const c = perNode.get(g);
    const i = nodes.length;
    nodes.push({
      kind: "op",
      op: n.opType,
      name: n.name,
      domain: n.domain,
      attrs: Object.entries(n.attrs)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, attrText(v)])
        .sort((a, b) => a[0].localeCompare(b[0])),
      inputs: n.inputs.filter(Boolean).map(tensor),
      outputs: n.outputs.filter(Boolean).map(tensor),
      macs: c ? c.macs : null,
      flops: c ? c.flops : null,
      params: c ? c.params : null,
    });
    for (const t of [...n.inputs, ...n.implicitInputs]) if (t) link(t, i);
    for (const t of n.outputs) if (t) byTensor.set(t, i);
  }
  const ops = keep.length;
  for (const name of ir.outputs) {
    const i = nodes.length;
    nodes.push(io("output", name));
    link(name, i);
  }
  return { nodes, edges, ops };
}

// ───────────────────────────── kernel times ─────────────────────────────

/** A runtime profile as stored with a measurement (lib/measure's full profile or a release summary). */
export interface ProfileLike {
  kernels?: { name?: string; opType?: string; op?: string; medianUs?: number; ms?: number; fusedFrom?: string[]; nodes?: string[] }[];
  byOpType?: Record<string, { count?: number; totalUs?: number }>;
}

/**
 * Microseconds per node from a profile: each kernel's time is split over the original nodes it was fused
 * from (else the node of the same name); without a node mapping, per-op-type totals are split over the
 * nodes of that type. -1 = no time known for the node (also for graph input/output nodes).
 */
export function nodeTimes(
  graph: { nodes: { op: string; name: string; kind?: FeedNode["kind"] }[] },
  profile: ProfileLike | null | undefined,
): number[] {
  const out = new Array<number>(graph.nodes.length).fill(-1);
  if (!profile) return out;
  const isOp = (nd: { kind?: FeedNode["kind"] }) => (nd.kind ?? "op") === "op";
  const byName = new Map<string, number>();
  graph.nodes.forEach((nd, i) => nd.name && isOp(nd) && byName.set(nd.name, i));
  let mapped = 0;
  for (const k of profile.kernels ?? []) {
    const us = k.medianUs ?? (k.ms !== undefined ? k.ms * 1000 : undefined);
    if (us === undefined || !Number.isFinite(us)) continue;
    const names = k.fusedFrom?.length ? k.fusedFrom : k.nodes?.length ? k.nodes : k.name ? [k.name] : [];
    const idx = names.map((nm) => byName.get(nm)).filter((x): x is number => x !== undefined);
    for (const i of idx) {
      out[i] = Math.max(0, out[i]!) + us / idx.length;
      mapped++;
    }
  }
  if (mapped === 0 && profile.byOpType) {
    const count = new Map<string, number>();
    for (const nd of graph.nodes) if (isOp(nd)) count.set(nd.op, (count.get(nd.op) ?? 0) + 1);
    graph.nodes.forEach((nd, i) => {
      const s = profile.byOpType![nd.op];
      if (isOp(nd) && s?.totalUs !== undefined) out[i] = s.totalUs / count.get(nd.op)!;
    });
  }
  return out;
}

// ───────────────────────────── layout (browser: a Web Worker) ─────────────────────────────

/** The most nodes laid out at once; bigger graphs are shown in sections of this many. */
export const LAYOUT_CAP = 1500;
export const NODE_H = 40;
export const IO_H = 28;
const OP_CHAR = 7.4; // 12px semibold
const NAME_CHAR = 6.3; // 10.5px monospace
export const NODE_MIN_W = 96;
export const NODE_MAX_W = 210;
export const LABEL_CHAR = 5.6; // 9.5px monospace (edge labels)

/** A node's box: wide enough for its op type, and for its name up to NODE_MAX_W (then cut, full in the title). */
export function nodeBox(n: Pick<FeedNode, "kind" | "op" | "name">): { w: number; h: number } {
  if (n.kind !== "op") return { w: Math.min(NODE_MAX_W, Math.max(NODE_MIN_W, 20 + n.name.length * NAME_CHAR + 40)), h: IO_H };
  return {
    w: Math.round(Math.min(NODE_MAX_W, Math.max(NODE_MIN_W, 20 + n.op.length * OP_CHAR, 16 + n.name.length * NAME_CHAR))),
    h: NODE_H,
  };
}

export interface LayoutInput {
  nodes: { w: number; h: number }[];
  edges: { from: number; to: number; label?: string | null }[];
}

export interface LayoutResult {
  /** centre and size per input node */
  nodes: { x: number; y: number; w: number; h: number }[];
  /**
   * per input edge: the route (first point on the source box, last on the target box) and the label's
   * centre; `long`: a long edge implied by another path, routed after the layout as one curve
   */
  edges: { points: { x: number; y: number }[]; lx: number; ly: number; long?: true }[];
  width: number;
  height: number;
  ms: number;
}

/** Edges spanning more layers than this are left out of dagre when another path implies their direction. */
export const LONG_SPAN = 16;

/**
 * Edges to route after the layout: those spanning more than LONG_SPAN longest-path layers whose target is
 * also reachable from their source through other nodes (so leaving them out cannot turn them upwards).
 * Dense concatenations (DenseNet's Concat of every earlier layer, attention masks feeding every block)
 * otherwise add tens of thousands of dummy nodes: DenseNet-121 took > 80 s, now about a second.
 */
export function longEdges(input: LayoutInput): Set<number> {
  const n = input.nodes.length;
  const succ: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Int32Array(n);
  for (const e of input.edges) {
    succ[e.from]!.push(e.to);
    indeg[e.to]!++;
  }
  const rank = new Int32Array(n);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (!indeg[i]) queue.push(i);
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (const v of succ[u]!) {
      rank[v] = Math.max(rank[v]!, rank[u]! + 1);
      if (!--indeg[v]) queue.push(v);
    }
  }
  if (queue.length < n) return new Set(); // a cycle: let dagre break it
  const out = new Set<number>();
  const seen = new Int32Array(n).fill(-1);
  input.edges.forEach((e, k) => {
    if (rank[e.to]! - rank[e.from]! <= LONG_SPAN) return;
    // is e.to reachable from e.from without this edge? (search only nodes ranked above e.to)
    const stack = succ[e.from]!.filter((v) => v !== e.to);
    let found = false;
    while (stack.length && !found) {
      const u = stack.pop()!;
      if (seen[u] === k || rank[u]! >= rank[e.to]!) continue;
      seen[u] = k;
      for (const v of succ[u]!) {
        if (v === e.to) {
          found = true;
          break;
        }
        if (seen[v] !== k && rank[v]! < rank[e.to]!) stack.push(v);
      }
    }
    if (found) out.add(k);
  });
  return out;
}

/** Layered top-to-bottom layout (dagre: network-simplex ranks, crossing minimisation, Brandes-Köpf placement). */
export function layoutGraph(input: LayoutInput): LayoutResult {
  const t0 = Date.now();
  const long = longEdges(input);
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 22, ranksep: 22, edgesep: 8, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  input.nodes.forEach((n, i) => g.setNode(String(i), { width: n.w, height: n.h }));
  input.edges.forEach((e, k) => {
    if (long.has(k)) return;
    const label = e.label ? { width: Math.round(e.label.length * LABEL_CHAR + 8), height: 12, labelpos: "c" } : { width: 0, height: 0 };
    g.setEdge(String(e.from), String(e.to), label, String(k));
  });
  dagre.layout(g);
  const nodes = input.nodes.map((n, i) => {
    const p = g.node(String(i)) as { x: number; y: number };
    return { x: p.x, y: p.y, w: n.w, h: n.h };
  });
  const edges = input.edges.map((e, k): LayoutResult["edges"][number] => {
    const a = nodes[e.from]!;
    const b = nodes[e.to]!;
    if (long.has(k)) {
      const p0 = { x: a.x, y: a.y + a.h / 2 };
      const p3 = { x: b.x, y: b.y - b.h / 2 };
      const bend = Math.min(60, (p3.y - p0.y) / 3);
      return { points: [p0, { x: p0.x, y: p0.y + bend }, { x: p3.x, y: p3.y - bend }, p3], lx: p0.x, ly: p0.y + 10, long: true };
    }
    const l = g.edge({ v: String(e.from), w: String(e.to), name: String(k) }) as {
      points?: { x: number; y: number }[];
      x?: number;
      y?: number;
    };
    const points = l.points ?? [a, b];
    const mid = points[Math.floor(points.length / 2)]!;
    return { points: points.map((p) => ({ x: p.x, y: p.y })), lx: l.x ?? mid.x, ly: l.y ?? mid.y };
  });
  const gg = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: gg.width ?? 0, height: gg.height ?? 0, ms: Date.now() - t0 };
}

/** The section [start, end) of node indices shown when a graph has more than LAYOUT_CAP nodes. */
export function sectionOf(index: number, total: number, cap = LAYOUT_CAP): { start: number; end: number } {
  const start = Math.floor(index / cap) * cap;
  return { start, end: Math.min(total, start + cap) };
}

/** The layout input of nodes [start, end) of a feed: boxes, and the edges inside the section with their shapes. */
export function layoutInput(
  feed: Pick<GraphFeed, "nodes" | "edges">,
  start = 0,
  end = feed.nodes.length,
): { input: LayoutInput; edgeIds: number[] } {
  const edgeIds: number[] = [];
  const edges: LayoutInput["edges"] = [];
  feed.edges.forEach((e, k) => {
    if (e.from < start || e.from >= end || e.to < start || e.to >= end) return;
    edgeIds.push(k);
    edges.push({ from: e.from - start, to: e.to - start, label: e.shape });
  });
  return { input: { nodes: feed.nodes.slice(start, end).map(nodeBox), edges }, edgeIds };
}
