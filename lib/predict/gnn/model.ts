/**
 * The GNN latency model (tfjs).
 *
 * Trunk (shared by all platforms):
 *   h⁰ = relu(E[op] + X·W₀ + b₀)                         op embedding + dense node features
 *   hˡ = hˡ⁻¹ + relu([hˡ⁻¹ ‖ mean_pred(hˡ⁻¹) ‖ mean_succ(hˡ⁻¹)]·Wₗ + bₗ)   GraphSAGE, both directions
 *   u  = relu(hᴸ·Wᵤ + bᵤ)                                 node embedding for the heads
 *   z  = relu([graph features ‖ mean_nodes(hᴸ)]·W_g + b_g) graph embedding
 * Heads (one per platform, K ensemble members each):
 *   per-node rates     αᵢ = exp(bₚ + S·tanh((uᵢ·Wₚ + Xᵢ·Vₚ)/S))  (ms per GFLOP, ms per MB, ms per node: 3 per member;
 *                      S bounds a node's deviation from the platform's base rates)
 *   node contribution  cᵢ = αᵢ,flop·GFLOPsᵢ + αᵢ,mem·MBᵢ + αᵢ,0   (ms; a roofline-like, learned efficiency)
 *   latency            y  = Σᵢ cᵢ + exp(z·Gₚ + gₚ)         (latency composes over nodes + graph term)
 * With constant rates the model is the FLOPs + memory regression; the trunk learns how efficiency depends
 * on the operator, its shapes and its neighbourhood.
 * Message passing, readout and embeddings use the CSR spmm (see ../sparse.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { denseDim, NUM_OPS, seededRandom, type NodeFeatureSet } from "../numeric";
import { linear, rateCombine, spmm } from "../sparse";
import { COST_DIM, GRAPH_DIM, type GraphBatch } from "./prep";

export interface GnnConfig {
  hidden: number;
  layers: number;
  nodeHidden: number;
  graphHidden: number;
  /** ensemble members per platform head */
  heads: number;
  /**
   * Bound on how far a node's log rate may move from its head's base rate: q = b + S·tanh(d / S). With
   * S = 4 a node is at most e⁴ ≈ 55× more or less efficient than the platform's typical node, so an
   * operator pattern unseen in training (a held-out family) cannot extrapolate to absurd rates. Absent or
   * 0: unbounded (predictors trained before it existed).
   */
  rateBound?: number;
  /**
   * Node columns the model reads: "v2" (default) every column of lib/onnx features v2, including each
   * node's work in absolute units; "v1" the v1 prefix of each row (the feature set before those columns).
   * Absent: "v1" (predictors saved before the option existed were trained on v1 rows).
   */
  nodeFeatures?: NodeFeatureSet;
}

export const DEFAULT_GNN_CONFIG: GnnConfig = {
  hidden: 32, layers: 3, nodeHidden: 32, graphHidden: 32, heads: 4, rateBound: 4, nodeFeatures: "v2",
};

/** The node feature set a config reads (absent = "v1", see GnnConfig.nodeFeatures). */
export const nodeFeaturesOf = (c: GnnConfig): NodeFeatureSet => c.nodeFeatures ?? "v1";

export interface WeightSpec { name: string; shape: number[]; offset: number }

/** Clamp of the log rates and the log graph term before exp (both runtimes). */
export const LOG_CLIP = [-30, 12] as const;

function glorot(shape: number[], rand: () => number): Float32Array {
  const [fanIn, fanOut] = [shape[0], shape[shape.length - 1]];
  const lim = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * lim);
}

export class GnnModel {
  readonly vars = new Map<string, tf.Variable>();
  readonly shapes = new Map<string, number[]>();
  private rand: () => number;
  /** dense node columns read (denseDim of the config's feature set) */
  readonly denseDim: number;

  constructor(readonly config: GnnConfig, readonly platforms: string[], seed = 1) {
    this.rand = seededRandom(seed);
    this.denseDim = denseDim(nodeFeaturesOf(config));
    const { hidden: H, layers: L, nodeHidden: H2, graphHidden: Hg } = config;
    // zero-initialised: an operator that never occurs in training keeps a zero embedding and is read
    // through its dense features alone (a random row would give it arbitrary rates)
    this.add("emb", [NUM_OPS, H], "zeros");
    this.add("w0", [this.denseDim, H]);
    this.add("b0", [H], "zeros");
    for (let l = 0; l < L; l++) {
      for (const part of ["self", "pred", "succ"]) this.add(`l${l}.${part}`, [H, H]);
      this.add(`l${l}.b`, [H], "zeros");
    }
    this.add("node.w", [H, H2]);
    this.add("node.b", [H2], "zeros");
    this.add("graph.w", [GRAPH_DIM + H, Hg]);
    this.add("graph.b", [Hg], "zeros");
    for (const p of platforms) this.addHead(p);
  }

  private add(name: string, shape: number[], init: "glorot" | "zeros" | "small" = "glorot"): void {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = init === "zeros" ? new Float32Array(size) : glorot(shape, this.rand);
    if (init === "small") for (let i = 0; i < size; i++) data[i] *= 0.1;
    this.vars.get(name)?.dispose();
    this.vars.set(name, tf.tidy(() => tf.variable(tf.tensor(data, shape), true)));
    this.shapes.set(name, shape);
  }

  private addHead(p: string): void {
    const { nodeHidden: H2, graphHidden: Hg, heads: K } = this.config;
    this.add(`head/${p}/node.w`, [H2, COST_DIM * K], "small");
    this.add(`head/${p}/node.v`, [this.denseDim, COST_DIM * K], "zeros");
    this.add(`head/${p}/node.b`, [COST_DIM * K], "zeros");
    this.add(`head/${p}/graph.w`, [Hg, K]);
    this.add(`head/${p}/graph.b`, [K], "zeros");
  }

  /** Add a fresh head (few-shot transfer to a new platform). */
  addPlatform(p: string): void {
    if (this.platforms.includes(p)) return;
    this.platforms.push(p);
    this.addHead(p);
  }

  /**
   * Start head `to` as a copy of head `from` with every rate and the graph term scaled by `scale` (so its
   * latencies are `scale` × those of `from`): few-shot transfer from the most similar pretrained platform.
   */
  copyHead(from: string, to: string, scale = 1): void {
    const ls = Math.log(scale);
    tf.tidy(() => {
      for (const part of ["node.w", "node.v", "node.b", "graph.w", "graph.b"]) {
        const src = this.v(`head/${from}/${part}`);
        this.v(`head/${to}/${part}`).assign(part.endsWith(".b") ? tf.add(src, ls) : src);
      }
    });
  }

  v(name: string): tf.Variable {
    const x = this.vars.get(name);
    if (!x) throw new Error(`GNN weight ${name} missing`);
    return x;
  }

  headVars(p: string): tf.Variable[] {
    return [...this.vars].filter(([n]) => n.startsWith(`head/${p}/`)).map(([, v]) => v);
  }

  trunkVars(): tf.Variable[] {
    return [...this.vars].filter(([n]) => !n.startsWith("head/")).map(([, v]) => v);
  }

  /** Initial biases of a head: log rates (ms per GFLOP, ms per MB, ms per node) and log graph term (ms). */
  setHeadBias(p: string, logRates: [number, number, number], graphLogMs: number): void {
    const K = this.config.heads;
    tf.tidy(() => {
      this.v(`head/${p}/node.b`).assign(tf.tensor1d(logRates.flatMap((r) => Array<number>(K).fill(r))));
      this.v(`head/${p}/graph.b`).assign(tf.fill([K], graphLogMs));
    });
  }

  private checkBatch(b: GraphBatch): void {
    if (b.numNodes && b.denseDim !== this.denseDim)
      throw new Error(`GNN reads ${this.denseDim} dense node columns, the batch has ${b.denseDim} (another normaliser?)`);
  }

  /** One head part of every platform side by side (all heads in one product). */
  private headWeights(platforms: readonly string[], part: string): tf.Tensor2D {
    return tf.concat(platforms.map((p) => this.v(`head/${p}/${part}`)), -1) as tf.Tensor2D;
  }

  /** A node's log-rate deviation bounded to ±rateBound (S·tanh(d/S)); unbounded when rateBound is 0/absent. */
  private bounded(d: tf.Tensor): tf.Tensor {
    const S = this.config.rateBound ?? 0;
    return S > 0 ? tf.mul(tf.tanh(tf.div(d, S)), S) : d;
  }

  /**
   * Forward pass over `platforms` (all heads in one matmul). Returns the predicted latencies [G, P·K] (ms)
   * and the per-node contributions [N, P·K] (ms); column p·K + k is member k of platform p; and the nodes'
   * bounded log-rate deviations from their heads' base rates [N, P·R·K] (the deviation penalty).
   * Call inside tf.tidy (or a gradient function).
   */
  forward(b: GraphBatch, platforms: readonly string[]): { latency: tf.Tensor2D; nodeMs: tf.Tensor2D; deviation: tf.Tensor2D } {
    this.checkBatch(b);
    const N = b.numNodes, P = platforms.length, K = this.config.heads;
    const X = tf.tensor2d(b.dense, [N, b.denseDim]);
    const Gf = tf.tensor2d(b.graph, [b.numGraphs, GRAPH_DIM]);
    const emb = spmm(b.opOneHot, this.v("emb") as tf.Tensor2D);
    let h = tf.relu(tf.add(tf.add(emb, linear(X, this.v("w0") as tf.Tensor2D)), this.v("b0"))) as tf.Tensor2D;
    const w = (name: string) => this.v(name) as tf.Tensor2D;
    for (let l = 0; l < this.config.layers; l++) {
      // [h ‖ mean_pred h ‖ mean_succ h]·W = h·W_self + mean_pred(h·W_pred) + mean_succ(h·W_succ): no concat, no slices
      const m = tf.addN([
        linear(h, w(`l${l}.self`)),
        spmm(b.aggIn, linear(h, w(`l${l}.pred`))),
        spmm(b.aggOut, linear(h, w(`l${l}.succ`))),
      ]);
      h = tf.add(h, tf.relu(tf.add(m, this.v(`l${l}.b`)))) as tf.Tensor2D;
    }
    const u = tf.relu(tf.add(linear(h, this.v("node.w") as tf.Tensor2D), this.v("node.b"))) as tf.Tensor2D;
    const z = tf.relu(
      tf.add(linear(tf.concat([Gf, spmm(b.mean, h)], 1) as tf.Tensor2D, this.v("graph.w") as tf.Tensor2D), this.v("graph.b")),
    ) as tf.Tensor2D;
    const heads = (part: string) => this.headWeights(platforms, part);
    const d = this.bounded(tf.add(linear(u, heads("node.w")), linear(X, heads("node.v"))));
    const q = tf.add(d, heads("node.b"));
    const nodeMs = rateCombine(q as tf.Tensor2D, b.costs, P, COST_DIM, K, LOG_CLIP);
    const gterm = tf.exp(tf.clipByValue(tf.add(linear(z, heads("graph.w")), heads("graph.b")), LOG_CLIP[0], LOG_CLIP[1]));
    return { latency: tf.add(spmm(b.sum, nodeMs), gterm) as tf.Tensor2D, nodeMs, deviation: d as tf.Tensor2D };
  }

  /**
   * Inference only: the predicted latencies [G × P·K] of `forward`, computed with the dense products in the
   * wasm backend and everything between them (embedding lookup, neighbour means, residuals, readout) in
   * single passes over typed arrays — about half of `forward`'s time, most of which is tensor creation and
   * copies around small elementwise ops. Tested equal to `forward` (test/predict/gnn.test.ts).
   */
  predictLatency(b: GraphBatch, platforms: readonly string[]): Float32Array {
    this.checkBatch(b);
    const N = b.numNodes, G = b.numGraphs, P = platforms.length, K = this.config.heads, H = this.config.hidden;
    const R = COST_DIM, C = P * R * K;
    const data = (name: string) => this.v(name).dataSync() as Float32Array;
    // tf.tidy must return the tensor, never its typed array (tidy walks a returned array element by element)
    const read = (f: () => tf.Tensor): Float32Array => {
      const t = tf.tidy(f);
      const a = t.dataSync() as Float32Array;
      t.dispose();
      return a;
    };
    const mm = (x: Float32Array, rows: number, w: tf.Tensor): Float32Array =>
      read(() => tf.matMul(tf.tensor2d(x, [rows, x.length / rows]), w as tf.Tensor2D));
    // h⁰ = relu(E[op] + X·W₀ + b₀)
    const h = mm(b.dense, N, this.v("w0"));
    {
      const E = data("emb"),
        b0 = data("b0"),
        { indptr, indices } = b.opOneHot;
      for (let n = 0; n < N; n++) {
        const e = indptr[n + 1] > indptr[n] ? indices[indptr[n]] * H : -1;
        for (let j = 0; j < H; j++) {
          const v = h[n * H + j] + b0[j] + (e >= 0 ? E[e + j] : 0);
          h[n * H + j] = v > 0 ? v : 0;
        }
      }
    }
    const m = new Float32Array(H);
    for (let l = 0; l < this.config.layers; l++) {
      // [N × 3H]: h·W_self ‖ h·W_pred ‖ h·W_succ in one product
      const Y = read(() =>
        tf.matMul(tf.tensor2d(h, [N, H]), tf.concat([this.v(`l${l}.self`), this.v(`l${l}.pred`), this.v(`l${l}.succ`)], 1) as tf.Tensor2D),
      );
      const bl = data(`l${l}.b`);
      const H3 = 3 * H;
      const { indptr: ip1, indices: ix1, values: vs1 } = b.aggIn;
      const { indptr: ip2, indices: ix2, values: vs2 } = b.aggOut;
      for (let n = 0; n < N; n++) {
        const y = n * H3;
        for (let j = 0; j < H; j++) m[j] = Y[y + j] + bl[j];
        for (let p = ip1[n], e = ip1[n + 1]; p < e; p++) {
          const v = vs1[p], o = ix1[p] * H3 + H;
          for (let j = 0; j < H; j++) m[j] += v * Y[o + j];
        }
        for (let p = ip2[n], e = ip2[n + 1]; p < e; p++) {
          const v = vs2[p], o = ix2[p] * H3 + 2 * H;
          for (let j = 0; j < H; j++) m[j] += v * Y[o + j];
        }
        const hn = n * H;
        for (let j = 0; j < H; j++) if (m[j] > 0) h[hn + j] += m[j];
      }
    }
    // node embedding u and graph embedding z
    const H2 = this.config.nodeHidden, Hg = this.config.graphHidden;
    const u = mm(h, N, this.v("node.w"));
    const nb = data("node.b");
    for (let i = 0; i < u.length; i++) {
      const v = u[i] + nb[i % H2];
      u[i] = v > 0 ? v : 0;
    }
    const gIn = new Float32Array(G * (GRAPH_DIM + H));
    const hMean = b.mean.mul(h, H);
    for (let g = 0; g < G; g++) {
      gIn.set(b.graph.subarray(g * GRAPH_DIM, (g + 1) * GRAPH_DIM), g * (GRAPH_DIM + H));
      gIn.set(hMean.subarray(g * H, (g + 1) * H), g * (GRAPH_DIM + H) + GRAPH_DIM);
    }
    const z = mm(gIn, G, this.v("graph.w"));
    const gb = data("graph.b");
    for (let i = 0; i < z.length; i++) {
      const v = z[i] + gb[i % Hg];
      z[i] = v > 0 ? v : 0;
    }
    // heads: rates = exp(clip(b + S·tanh((u·W + X·V)/S))) in the wasm backend, then Σ_r rate·cost per node and Σ over a graph's nodes
    const rates = read(() => {
      const heads = (part: string) => this.headWeights(platforms, part);
      const d = this.bounded(
        tf.add(tf.matMul(tf.tensor2d(u, [N, H2]), heads("node.w")), tf.matMul(tf.tensor2d(b.dense, [N, b.denseDim]), heads("node.v"))),
      );
      return tf.exp(tf.clipByValue(tf.add(d, heads("node.b")), LOG_CLIP[0], LOG_CLIP[1]));
    });
    const gterm = read(() => {
      return tf.exp(
        tf.clipByValue(
          tf.add(tf.matMul(tf.tensor2d(z, [G, Hg]), this.headWeights(platforms, "graph.w")), this.headWeights(platforms, "graph.b")),
          LOG_CLIP[0],
          LOG_CLIP[1],
        ),
      );
    });
    const out = Float32Array.from(gterm);
    const PK = P * K,
      costs = b.costs,
      offsets = b.offsets;
    for (let g = 0; g < G; g++) {
      const og = g * PK;
      for (let n = offsets[g], end = offsets[g + 1]; n < end; n++) {
        for (let r = 0; r < R; r++) {
          const c = costs[n * R + r];
          if (c === 0) continue;
          for (let p = 0; p < P; p++) {
            const base = n * C + p * R * K + r * K, o = og + p * K;
            for (let k = 0; k < K; k++) out[o + k] += rates[base + k] * c;
          }
        }
      }
    }
    return out;
  }

  /** Weights as one float32 buffer plus its layout. */
  exportWeights(): { specs: WeightSpec[]; data: Float32Array } {
    const specs: WeightSpec[] = [];
    let offset = 0;
    for (const [name, v] of this.vars) {
      specs.push({ name, shape: this.shapes.get(name)!, offset });
      offset += v.size;
    }
    const data = new Float32Array(offset);
    for (const s of specs) data.set(this.v(s.name).dataSync() as Float32Array, s.offset);
    return { specs, data };
  }

  /** Load weights by name (missing names keep their initial values; shapes must match). */
  importWeights(specs: WeightSpec[], data: Float32Array): void {
    for (const s of specs) {
      const v = this.vars.get(s.name);
      const want = this.shapes.get(s.name);
      if (!v || !want || want.join("x") !== s.shape.join("x"))
        throw new Error(`GNN weight ${s.name}: shape ${s.shape} does not fit this model`);
      const size = s.shape.reduce((a, b) => a * b, 1);
      tf.tidy(() => v.assign(tf.tensor(data.subarray(s.offset, s.offset + size), s.shape)));
    }
  }

  /** Snapshot / restore of all weights as typed arrays (best-epoch selection). */
  snapshot(): Map<string, Float32Array> {
    return new Map([...this.vars].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
  }

  restore(s: Map<string, Float32Array>): void {
    tf.tidy(() => {
      for (const [n, d] of s) this.vars.get(n)?.assign(tf.tensor(d, this.shapes.get(n)!));
    });
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
