/**
 * GNN input preparation: per-graph arrays (op index, normalised dense node features, edges, graph-level
 * features) and batches as a disjoint union of graphs with CSR operators for message passing
 * (mean over predecessors / successors), readout (per-graph sum and mean) and op embeddings.
 */
import type { GraphFeatures } from "@/lib/onnx";
import { Csr } from "../sparse";
import { NnlqError } from "@/lib/errors";
import { COL, DENSE_START, denseDim, NUM_OPS, opIndex, type NodeFeatureSet } from "../numeric";

export const GRAPH_DIM = 7;
/** Per-node cost terms the readout weighs: GFLOPs, MB of memory access, 1 (fixed per-node cost). */
export const COST_DIM = 3;

/**
 * Feature normalisation fitted on training graphs (stored with the weights). Its length says how many dense
 * columns the model reads (denseDim of its node feature set: a v1 model reads the v1 prefix of each row).
 */
export interface Normalizer {
  denseMean: number[];
  denseStd: number[];
  graphMean: number[];
  graphStd: number[];
}

/** Graph-level inputs: log1p FLOPs, MACs, params, memory access, activation memory, batch, node count. */
export function graphVector(f: GraphFeatures): number[] {
  const g = f.graph;
  return [g.flops, g.macs, g.params, g.memoryAccess, g.activationMemory, g.batch, g.nodeCount].map((v) => Math.log1p(Math.max(0, v)));
}

function meanStd(rows: Iterable<ArrayLike<number>>, dim: number): { mean: number[]; std: number[] } {
  const s = new Float64Array(dim), s2 = new Float64Array(dim);
  let n = 0;
  for (const r of rows) {
    n++;
    for (let j = 0; j < dim; j++) {
      s[j] += r[j];
      s2[j] += r[j] * r[j];
    }
  }
  const mean = Array.from(s, (v) => v / Math.max(1, n));
  const std = Array.from(s2, (v, j) => {
    const sd = Math.sqrt(Math.max(0, v / Math.max(1, n) - mean[j] * mean[j]));
    return sd > 1e-6 ? sd : 1;
  });
  return { mean, std };
}

export function fitNormalizer(features: GraphFeatures[], set: NodeFeatureSet = "v2"): Normalizer {
  const D = denseDim(set);
  function* denseRows() {
    for (const f of features)
      for (let r = 0; r < f.numNodes; r++) {
        const start = r * f.numFeatures + DENSE_START;
        yield f.nodeFeatures.subarray(start, start + D);
      }
  }
  const d = meanStd(denseRows(), D);
  const g = meanStd(features.map(graphVector), GRAPH_DIM);
  return { denseMean: d.mean, denseStd: d.std, graphMean: g.mean, graphStd: g.std };
}

/** One graph ready for batching. */
export interface PreparedGraph {
  n: number;
  ops: Int32Array;
  /** dense columns per node (the normaliser's) */
  denseDim: number;
  /** [n × denseDim] normalised */
  dense: Float32Array;
  src: Int32Array;
  dst: Int32Array;
  /** [GRAPH_DIM] normalised */
  graph: Float32Array;
  /** [n × COST_DIM] raw cost terms (GFLOPs, MB, 1) */
  costs: Float32Array;
}

/** Refuses feature rows narrower than the columns a normaliser reads (features of an older set). */
export function checkColumns(f: GraphFeatures, norm: Normalizer): void {
  if (f.numFeatures < DENSE_START + norm.denseMean.length)
    throw new NnlqError(
      "VALIDATION",
      `features of version ${f.version} have ${f.numFeatures} columns per node; this GNN reads ${DENSE_START + norm.denseMean.length}`,
      { version: f.version },
    );
}

export function prepareGraph(f: GraphFeatures, norm: Normalizer): PreparedGraph {
  checkColumns(f, norm);
  const n = f.numNodes, F = f.numFeatures, D = norm.denseMean.length;
  const dense = new Float32Array(n * D);
  const costs = new Float32Array(n * COST_DIM);
  for (let r = 0; r < n; r++) {
    costs[r * COST_DIM] = Math.expm1(f.nodeFeatures[r * F + COL.flops]) / 1e9;
    costs[r * COST_DIM + 1] = Math.expm1(f.nodeFeatures[r * F + COL.mem]) / 1e6;
    costs[r * COST_DIM + 2] = 1;
    for (let j = 0; j < D; j++)
      dense[r * D + j] = (f.nodeFeatures[r * F + DENSE_START + j] - norm.denseMean[j]) / norm.denseStd[j];
  }
  const gv = graphVector(f);
  return {
    n,
    ops: opIndex(f),
    denseDim: D,
    dense,
    src: f.edgeSrc,
    dst: f.edgeDst,
    graph: Float32Array.from(gv, (v, j) => (v - norm.graphMean[j]) / norm.graphStd[j]),
    costs,
  };
}

/** A disjoint union of graphs. */
export interface GraphBatch {
  numGraphs: number;
  numNodes: number;
  denseDim: number;
  /** node offset of each graph (length numGraphs + 1) */
  offsets: Int32Array;
  dense: Float32Array;
  graph: Float32Array;
  costs: Float32Array;
  /** one-hot op matrix [N × NUM_OPS] */
  opOneHot: Csr;
  /** mean over predecessors / successors [N × N] */
  aggIn: Csr;
  aggOut: Csr;
  /** per-graph sum and mean over nodes [G × N] */
  sum: Csr;
  mean: Csr;
}

export function makeBatch(graphs: PreparedGraph[]): GraphBatch {
  const G = graphs.length;
  const offsets = new Int32Array(G + 1);
  graphs.forEach((g, i) => (offsets[i + 1] = offsets[i] + g.n));
  const N = offsets[G];
  const D = graphs[0]?.denseDim ?? 0;
  if (graphs.some((g) => g.denseDim !== D)) throw new Error("makeBatch: graphs prepared with different normalisers");
  const dense = new Float32Array(N * D);
  const graph = new Float32Array(G * GRAPH_DIM);
  const costs = new Float32Array(N * COST_DIM);
  const ops = new Int32Array(N);
  const E = graphs.reduce((a, g) => a + g.src.length, 0);
  const src = new Int32Array(E), dst = new Int32Array(E);
  const segRow = new Int32Array(N), nodeIdx = new Int32Array(N), meanVal = new Float32Array(N);
  let e = 0;
  graphs.forEach((g, i) => {
    const o = offsets[i];
    dense.set(g.dense, o * D);
    costs.set(g.costs, o * COST_DIM);
    graph.set(g.graph, i * GRAPH_DIM);
    ops.set(g.ops, o);
    for (let k = 0; k < g.src.length; k++, e++) {
      src[e] = g.src[k] + o;
      dst[e] = g.dst[k] + o;
    }
    for (let r = 0; r < g.n; r++) {
      segRow[o + r] = i;
      nodeIdx[o + r] = o + r;
      meanVal[o + r] = 1 / Math.max(1, g.n);
    }
  });
  const arange = Int32Array.from({ length: N }, (_, i) => i);
  return {
    numGraphs: G, numNodes: N, denseDim: D, offsets, dense, graph, costs,
    opOneHot: Csr.fromCoo(N, NUM_OPS, arange, ops),
    aggIn: Csr.fromCoo(N, N, dst, src).rowNormalized(),
    aggOut: Csr.fromCoo(N, N, src, dst).rowNormalized(),
    sum: Csr.fromCoo(G, N, segRow, nodeIdx),
    mean: Csr.fromCoo(G, N, segRow, nodeIdx, meanVal),
  };
}
