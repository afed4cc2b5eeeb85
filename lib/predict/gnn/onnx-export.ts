/**
 * The GNN's inference forward pass as an ONNX graph: the same weights as the tfjs model (GnnModel), so a
 * server can run them in onnxruntime-node (lib/predict/node/onnx-infer.ts) while the browser keeps tfjs —
 * one set of weights, two runtimes, outputs equal within float32 rounding (test/predict/gnn-onnx.test.ts).
 *
 * Inputs (a batch = a disjoint union of graphs, packed by `packGraphs` straight from lib/onnx features):
 *   x      float [N, D]   raw dense node columns (the D columns after the op one-hot the model reads)
 *   op     int32 [N]      op index (position of the one-hot)
 *   cost   float [N, 3]   the node's cost terms: GFLOPs, MB of memory access, 1 (as prep.ts decodes them)
 *   from   int32 [M]      message source rows of h·[W_pred | W_succ] viewed as [2N, H]
 *   to     int32 [M]      message target node                     w float [M, 1]  message weight
 *                         (M = 2 per edge a→b: row 2a → b weighted 1/in-degree(b) and row 2b+1 → a
 *                         weighted 1/out-degree(a): the means over predecessors and successors)
 *   seg    int32 [N]      graph of each node                      inv_n float [G, 1]  1 / node count
 *   gvec   float [G, 7]   raw graph vector (prep.ts graphVector)
 * Output:
 *   latency float [G, P·K]   predicted ms, column p·K + k = ensemble member k of platform p (model order)
 *
 * It computes GnnModel.forward with few, large ops (what ORT's per-op costs favour, measured with its
 * profiler): the feature normalisations are folded into the weights that read them (in float64); each
 * message-passing layer is the self term, one MatMul for both neighbour directions, one Gather and one
 * ScatterND(reduction = add) of all messages onto the self term; the per-node rates
 * exp(clip(b + S·tanh(d/S))) times the cost terms are summed per graph by one ScatterND. Opset 17, standard
 * ops only (ScatterND's reduction needs opset ≥ 16).
 */
import { OP_VOCAB, type GraphFeatures } from "@/lib/onnx";
import { AttrType, DataType, encodeModelProto, type AttributeProto, type NodeProto, type TensorProto, type ValueInfo } from "@/lib/onnx/proto";
import { COL, DENSE_START } from "../numeric";
import { LOG_CLIP, type GnnConfig } from "./model";
import { COST_DIM, GRAPH_DIM, graphVector, type Normalizer } from "./prep";

export const GNN_ONNX_OPSET = 17;

/** What the export needs of a GNN: architecture, platforms (head order), normaliser and weights by name. */
export interface GnnExportSource {
  config: GnnConfig;
  platforms: readonly string[];
  norm: Normalizer;
  weights: ReadonlyMap<string, Float32Array>;
  shapes: ReadonlyMap<string, number[]>;
}

type Attr = number | number[] | string;

function attr(name: string, v: Attr): AttributeProto {
  if (typeof v === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  return { name, type: AttrType.INT, i: v };
}

function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  const a = Float32Array.from(data);
  return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(a.buffer) };
}

function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  const a = BigInt64Array.from(data.map(BigInt));
  return { name, dims, data_type: DataType.INT64, raw_data: new Uint8Array(a.buffer) };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfo {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
  };
}

/** Minimal graph writer: unique names, initializers, nodes in insertion (topological) order. */
class Writer {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private n = 0;
  private consts = new Map<string, string>();

  /** Append a node of one output; returns the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    const id = this.n++;
    const out = `${type.toLowerCase()}_${id}`;
    const attribute = Object.entries(attrs).map(([k, v]) => attr(k, v));
    this.nodes.push({ name: `${type}_${id}`, op_type: type, input: inputs, output: [out], ...(attribute.length ? { attribute } : {}) });
    return out;
  }

  weight(name: string, dims: number[], data: ArrayLike<number>): string {
    this.inits.push(floatTensor(name, dims, data));
    return name;
  }

  /** A constant (shared by value). */
  f32(values: number[], dims: number[] = [values.length]): string {
    return this.constant("f", values, dims, () => floatTensor(`c${this.consts.size}`, dims, values));
  }

  i64(values: number[], dims: number[] = [values.length]): string {
    return this.constant("i", values, dims, () => int64Tensor(`c${this.consts.size}`, dims, values));
  }

  private constant(kind: string, values: number[], dims: number[], make: () => TensorProto): string {
    const key = `${kind}|${dims.join("x")}|${values.join(",")}`;
    let name = this.consts.get(key);
    if (!name) {
      const t = make();
      name = t.name!;
      this.inits.push(t);
      this.consts.set(key, name);
    }
    return name;
  }

  add(a: string, b: string): string { return this.op("Add", [a, b]); }
  mul(a: string, b: string): string { return this.op("Mul", [a, b]); }
  relu(a: string): string { return this.op("Relu", [a]); }
  matmul(a: string, b: string): string { return this.op("MatMul", [a, b]); }
}

/** Columns of several [rows × c] matrices side by side → [rows × Σc]. */
function concatCols(mats: Float32Array[], rows: number): Float32Array {
  const widths = mats.map((m) => m.length / rows);
  const W = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * W);
  for (let r = 0; r < rows; r++) {
    let o = r * W;
    mats.forEach((m, i) => {
      out.set(m.subarray(r * widths[i], (r + 1) * widths[i]), o);
      o += widths[i];
    });
  }
  return out;
}

/** The ONNX model (bytes) of a GNN's inference forward pass over every platform head. */
export function exportGnnOnnx(src: GnnExportSource): Uint8Array {
  const { config, platforms, norm } = src;
  const { hidden: H, layers: L, nodeHidden: H2, graphHidden: Hg, heads: K } = config;
  const P = platforms.length, R = COST_DIM, D = norm.denseMean.length, PK = P * K;
  const wOf = (name: string): Float32Array => {
    const v = src.weights.get(name);
    if (!v) throw new Error(`GNN weight ${name} missing`);
    return v;
  };
  const w = new Writer();
  const W = (name: string) => w.weight(name, src.shapes.get(name)!, wOf(name));
  /** Head part of every platform side by side, r-major for the rate parts: column r·P·K + p·K + k. */
  const heads = (part: string, rows: number, rMajor: boolean): Float32Array => {
    const mats = platforms.map((p) => wOf(`head/${p}/${part}`));
    if (!rMajor) return concatCols(mats, rows);
    const out = new Float32Array(rows * R * PK);
    mats.forEach((m, p) => {
      for (let i = 0; i < rows; i++)
        for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) out[i * R * PK + r * PK + p * K + k] = m[i * R * K + r * K + k];
    });
    return out;
  };
  // the normalisation (x − μ)/σ of the dense columns folded into the weights reading them (in float64):
  // x̂·W = x·(W/σ) − (μ/σ)·W
  const fold = (m: Float32Array, cols: number): { a: Float32Array; c: Float64Array } => {
    const a = new Float32Array(D * cols);
    const c = new Float64Array(cols);
    for (let j = 0; j < D; j++) {
      const mu = norm.denseMean[j], sd = norm.denseStd[j];
      for (let o = 0; o < cols; o++) {
        const v = m[j * cols + o];
        a[j * cols + o] = v / sd;
        c[o] -= (mu / sd) * v;
      }
    }
    return { a, c };
  };
  const plus = (c: Float64Array, b: Float32Array) => Float32Array.from(c, (v, i) => v + b[i]);

  // shared index plumbing
  const unsq = (t: string) => w.op("Unsqueeze", [w.op("Cast", [t], { to: DataType.INT64 }), w.i64([1])]);
  const to64 = unsq("to");
  const seg64 = unsq("seg");
  const gRows = w.op("Shape", ["gvec"], { start: 0, end: 1 });
  const shape2 = (rows: string, cols: number) => w.op("Concat", [rows, w.i64([cols])], { axis: 0 });

  // h⁰ = relu(E[op] + x̂·W₀ + b₀)
  const f0 = fold(wOf("w0"), H);
  const emb = w.op("Gather", [W("emb"), "op"], { axis: 0 });
  let h = w.relu(w.add(emb, w.add(w.matmul("x", w.weight("in.w", [D, H], f0.a)), w.weight("in.b", [H], plus(f0.c, wOf("b0"))))));
  for (let l = 0; l < L; l++) {
    // self term h·W_self + b; both neighbour means as weighted messages from the rows of
    // h·[W_pred | W_succ] viewed as [2N, H] (row 2a: a's pred part, 2a+1: its succ part), summed onto it
    const self = w.add(w.matmul(h, W(`l${l}.self`)), W(`l${l}.b`));
    const Y = w.op("Reshape", [w.matmul(h, w.weight(`l${l}.ps`, [H, 2 * H], concatCols([wOf(`l${l}.pred`), wOf(`l${l}.succ`)], H))), w.i64([-1, H])]);
    const msgs = w.mul(w.op("Gather", [Y, "from"], { axis: 0 }), "w");
    h = w.add(h, w.relu(w.op("ScatterND", [self, to64, msgs], { reduction: "add" })));
  }
  const u = w.relu(w.add(w.matmul(h, W("node.w")), W("node.b")));
  const hMean = w.mul(w.op("ScatterND", [w.op("ConstantOfShape", [shape2(gRows, H)]), seg64, h], { reduction: "add" }), "inv_n");
  // graph embedding: the graph vector's normalisation folded into graph.w's first GRAPH_DIM rows
  const gw = wOf("graph.w"), gb = Float64Array.from(wOf("graph.b"));
  const gwFolded = Float32Array.from(gw);
  for (let j = 0; j < GRAPH_DIM; j++)
    for (let o = 0; o < Hg; o++) {
      gwFolded[j * Hg + o] = gw[j * Hg + o] / norm.graphStd[j];
      gb[o] -= (norm.graphMean[j] / norm.graphStd[j]) * gw[j * Hg + o];
    }
  const z = w.relu(
    w.add(
      w.matmul(w.op("Concat", ["gvec", hMean], { axis: 1 }), w.weight("graph.w", [GRAPH_DIM + H, Hg], gwFolded)),
      w.weight("graph.b", [Hg], Float32Array.from(gb)),
    ),
  );

  // heads: d = u·W + X̂·V (normalisation folded), rates = exp(clip(b + S·tanh(d/S))), r-major columns
  const fv = fold(heads("node.v", D, true), R * PK);
  let d = w.add(
    w.matmul(u, w.weight("heads.node.w", [H2, R * PK], heads("node.w", H2, true))),
    w.add(w.matmul("x", w.weight("heads.node.v", [D, R * PK], fv.a)), w.f32(Array.from(fv.c), [R * PK])),
  );
  const S = config.rateBound ?? 0;
  if (S > 0) d = w.mul(w.op("Tanh", [w.mul(d, w.f32([1 / S], []))]), w.f32([S], []));
  const clip = (t: string) => w.op("Clip", [t, w.f32([LOG_CLIP[0]], []), w.f32([LOG_CLIP[1]], [])]);
  const rates = w.op("Exp", [clip(w.add(d, w.weight("heads.node.b", [R * PK], heads("node.b", 1, true))))]);
  // Σ over a graph's nodes and the cost terms r of rate · cost: one ScatterND over [N·R, P·K] rows
  const contrib = w.op("Reshape", [w.mul(w.op("Reshape", [rates, w.i64([-1, R, PK])]), w.op("Reshape", ["cost", w.i64([-1, R, 1])])), w.i64([-1, PK])]);
  const segR = w.op("Reshape", [w.op("Expand", [seg64, w.i64([1, R])]), w.i64([-1, 1])]);
  const summed = w.op("ScatterND", [w.op("ConstantOfShape", [shape2(gRows, PK)]), segR, contrib], { reduction: "add" });
  const gLog = w.add(w.matmul(z, w.weight("heads.graph.w", [Hg, PK], heads("graph.w", Hg, false))), w.weight("heads.graph.b", [PK], heads("graph.b", 1, false)));
  const latency = w.op("Add", [summed, w.op("Exp", [clip(gLog)])]);
  w.nodes.push({ name: "output", op_type: "Identity", input: [latency], output: ["latency"] });

  const bytes = encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: GNN_ONNX_OPSET }],
    producer_name: "nnlq-gnn",
    graph: {
      name: "nnlq_gnn",
      node: w.nodes,
      initializer: w.inits,
      input: [
        valueInfo("x", DataType.FLOAT, ["N", D]),
        valueInfo("op", DataType.INT32, ["N"]),
        valueInfo("cost", DataType.FLOAT, ["N", R]),
        valueInfo("from", DataType.INT32, ["M"]),
        valueInfo("to", DataType.INT32, ["M"]),
        valueInfo("w", DataType.FLOAT, ["M", 1]),
        valueInfo("seg", DataType.INT32, ["N"]),
        valueInfo("inv_n", DataType.FLOAT, ["G", 1]),
        valueInfo("gvec", DataType.FLOAT, ["G", GRAPH_DIM]),
      ],
      output: [valueInfo("latency", DataType.FLOAT, ["G", PK])],
    },
  });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The inputs of the exported graph for a batch of graphs (typed arrays and their dims). */
export interface PackedGraphs {
  numGraphs: number;
  numNodes: number;
  /** messages: 2 per edge */
  numMessages: number;
  /** dense columns per node row of `x` */
  denseDim: number;
  x: Float32Array;
  op: Int32Array;
  cost: Float32Array;
  from: Int32Array;
  to: Int32Array;
  w: Float32Array;
  seg: Int32Array;
  invN: Float32Array;
  gvec: Float32Array;
}

const OP_ROW = new Map(OP_VOCAB.map((o, i) => [o, i]));

/**
 * Grow-only buffers that packGraphs reuses from one batch to the next (a fresh 25 MB input per batch of 500
 * graphs costs its allocation, page faults and garbage collection). The arrays of a batch packed with a
 * scratch are views into it: valid until the next packGraphs with the same scratch.
 */
export class PackScratch {
  private readonly f32 = new Map<string, Float32Array>();
  private readonly i32 = new Map<string, Int32Array>();

  float(key: string, n: number): Float32Array {
    let a = this.f32.get(key);
    if (!a || a.length < n) this.f32.set(key, (a = new Float32Array(Math.ceil(n * 1.25))));
    return a.subarray(0, n);
  }

  int(key: string, n: number): Int32Array {
    let a = this.i32.get(key);
    if (!a || a.length < n) this.i32.set(key, (a = new Int32Array(Math.ceil(n * 1.25))));
    return a.subarray(0, n);
  }
}

/**
 * Pack lib/onnx features as the exported graph's inputs for a model reading `denseDim` dense columns (the
 * first columns after the one-hot: a v1 model reads the v1 prefix of a v2 row). Every element of the
 * returned arrays is written (scratch buffers need no clearing).
 */
export function packGraphs(features: readonly GraphFeatures[], denseDim: number, scratch?: PackScratch): PackedGraphs {
  const G = features.length, D = denseDim;
  let N = 0, E = 0;
  for (const f of features) {
    if (f.numFeatures < DENSE_START + D) throw new Error(`packGraphs: node rows of ${f.numFeatures} columns, the model reads ${DENSE_START + D}`);
    N += f.numNodes;
    E += f.edgeSrc.length;
  }
  const M = 2 * E;
  const f32 = (key: string, n: number) => (scratch ? scratch.float(key, n) : new Float32Array(n));
  const i32 = (key: string, n: number) => (scratch ? scratch.int(key, n) : new Int32Array(n));
  const x = f32("x", N * D), op = i32("op", N), cost = f32("cost", N * COST_DIM);
  const from = i32("from", M), to = i32("to", M), wt = f32("w", M);
  const inDeg = i32("inDeg", N).fill(0), outDeg = i32("outDeg", N).fill(0);
  const seg = i32("seg", N), invN = f32("invN", G), gvec = f32("gvec", G * GRAPH_DIM);
  const other = OP_VOCAB.length;
  let o = 0, e = 0;
  features.forEach((f, g) => {
    const X = f.nodeFeatures, n = f.numNodes, F = f.numFeatures;
    for (let r = 0; r < n; r++) {
      const i = o + r, row = r * F;
      for (let j = 0; j < D; j++) x[i * D + j] = X[row + DENSE_START + j];
      op[i] = OP_ROW.get(f.nodeOps[r]) ?? other;
      seg[i] = g;
      cost[i * COST_DIM] = Math.expm1(X[row + COL.flops]) / 1e9;
      cost[i * COST_DIM + 1] = Math.expm1(X[row + COL.mem]) / 1e6;
      cost[i * COST_DIM + 2] = 1;
    }
    invN[g] = 1 / Math.max(1, n);
    gvec.set(graphVector(f), g * GRAPH_DIM);
    const s = f.edgeSrc, t = f.edgeDst;
    for (let k = 0; k < s.length; k++, e += 2) {
      const a = s[k] + o, b = t[k] + o;
      // the mean over b's predecessors reads row 2a (h·W_pred of a); over a's successors row 2b+1
      from[e] = 2 * a;
      to[e] = b;
      from[e + 1] = 2 * b + 1;
      to[e + 1] = a;
      outDeg[a]++;
      inDeg[b]++;
    }
    o += n;
  });
  for (let k = 0; k < M; k += 2) {
    wt[k] = 1 / inDeg[to[k]];
    wt[k + 1] = 1 / outDeg[to[k + 1]];
  }
  return { numGraphs: G, numNodes: N, numMessages: M, denseDim: D, x, op, cost, from, to, w: wt, seg, invN, gvec };
}
