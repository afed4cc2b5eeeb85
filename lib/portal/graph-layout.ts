/**
 * A layered (Sugiyama-style, simplified) layout of a model's compute graph for the model page, and the
 * attribution of a runtime profile's kernel times to the original nodes. Isomorphic and linear-ish in the
 * graph size (thousands of nodes in a few ms): layers by longest path from the inputs, order within a
 * layer by two barycenter sweeps, fixed row/column spacing.
 */
import type { GraphIR } from "@/lib/onnx";

export interface LaidOutGraph {
  /** per node: x, y (centre, px), op type, node name */
  nodes: { x: number; y: number; op: string; name: string }[];
  /** edges as [from, to] node indices */
  edges: [number, number][];
  width: number;
  height: number;
  layers: number;
}

export const NODE_W = 116;
export const NODE_H = 26;
const COL = 140;
const ROW = 48;

/** Lays out the non-static (per-inference) nodes of a graph. */
export function layoutGraph(ir: GraphIR): LaidOutGraph {
  const keep = ir.order.filter((i) => !ir.nodes[i]!.static);
  const local = new Map<number, number>(keep.map((n, i) => [n, i]));
  const n = keep.length;
  const parents: number[][] = Array.from({ length: n }, () => []);
  const edges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const node = ir.nodes[keep[i]!]!;
    const seen = new Set<number>();
    for (const t of [...node.inputs, ...node.implicitInputs]) {
      if (!t) continue;
      const p = ir.tensors.get(t)?.producer ?? -1;
      const j = p >= 0 ? local.get(p) : undefined;
      if (j !== undefined && !seen.has(j)) {
        seen.add(j);
        parents[i]!.push(j);
        edges.push([j, i]);
      }
    }
  }
  // keep is in topological order, so one pass gives longest-path layers
  const layer = new Int32Array(n);
  for (let i = 0; i < n; i++) for (const p of parents[i]!) layer[i] = Math.max(layer[i]!, layer[p]! + 1);
  const layers = n ? Math.max(...layer) + 1 : 0;
  const rows: number[][] = Array.from({ length: layers }, () => []);
  for (let i = 0; i < n; i++) rows[layer[i]!]!.push(i);

  const pos = new Float64Array(n);
  const place = () => rows.forEach((r) => r.forEach((v, k) => (pos[v] = k - (r.length - 1) / 2)));
  place();
  const children: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) children[a]!.push(b);
  const sweep = (neighbours: number[][], order: number[][]) => {
    for (const r of order) {
      const bary = new Map(r.map((v) => [v, neighbours[v]!.length ? neighbours[v]!.reduce((s, u) => s + pos[u]!, 0) / neighbours[v]!.length : pos[v]!]));
      r.sort((a, b) => bary.get(a)! - bary.get(b)! || a - b);
      r.forEach((v, k) => (pos[v] = k - (r.length - 1) / 2));
    }
  };
  sweep(parents, rows); // down: follow the parents
  sweep(children, [...rows].reverse()); // up: follow the children
  sweep(parents, rows);

  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = widest * COL + 40;
  const nodes = keep.map((g, i) => {
    const node = ir.nodes[g]!;
    return { x: Math.round(width / 2 + pos[i]! * COL), y: Math.round(30 + layer[i]! * ROW), op: node.opType, name: node.name };
  });
  return { nodes, edges, width, height: layers * ROW + 40, layers };
}

/** A runtime profile as stored with a measurement (lib/measure's full profile or a release summary). */
export interface ProfileLike {
  kernels?: { name?: string; opType?: string; op?: string; medianUs?: number; ms?: number; fusedFrom?: string[]; nodes?: string[] }[];
  byOpType?: Record<string, { count?: number; totalUs?: number }>;
}

/**
 * Microseconds per laid-out node from a profile: each kernel's time is split over the original nodes it
 * was fused from (else the node of the same name); without a node mapping, per-op-type totals are split
 * over the nodes of that type. -1 = no time known for the node.
 */
export function nodeTimes(graph: Pick<LaidOutGraph, "nodes">, profile: ProfileLike | null | undefined): number[] {
  const out = new Array<number>(graph.nodes.length).fill(-1);
  if (!profile) return out;
  const byName = new Map<string, number>();
  graph.nodes.forEach((nd, i) => nd.name && byName.set(nd.name, i));
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
    for (const nd of graph.nodes) count.set(nd.op, (count.get(nd.op) ?? 0) + 1);
    graph.nodes.forEach((nd, i) => {
      const s = profile.byOpType![nd.op];
      if (s?.totalUs !== undefined) out[i] = s.totalUs / count.get(nd.op)!;
    });
  }
  return out;
}
