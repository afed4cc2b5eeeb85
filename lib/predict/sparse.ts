/**
 * Sparse × dense products for message passing and readout, on typed arrays.
 *
 * The tfjs wasm backend has no UnsortedSegmentSum (so no gather gradient and no segment ops), and a dense
 * block-diagonal adjacency is quadratic in the batch's node count. `spmm(A, X)` computes A·X for a CSR
 * matrix A with tf.customGrad: forward A·X, backward Aᵀ·dY, both as plain loops over the CSR arrays
 * (O(nnz · d)). A is a constant (no gradient flows into it). Used for neighbour aggregation (mean over
 * predecessors / successors), one-hot embeddings, per-graph readout (segment sums) and kernel sums.
 */
import * as tf from "@tensorflow/tfjs";

export class Csr {
  private t?: Csr;
  constructor(
    readonly rows: number,
    readonly cols: number,
    /** row r's entries are indptr[r] .. indptr[r+1]-1 */
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly values: Float32Array,
  ) {
    if (indptr.length !== rows + 1) throw new Error(`Csr: indptr has ${indptr.length} entries, expected ${rows + 1}`);
    if (indices.length !== values.length || indptr[rows] !== indices.length) throw new Error("Csr: inconsistent indices/values");
  }

  get nnz(): number {
    return this.indices.length;
  }

  /** Build from coordinate triples (duplicates are summed by the product, not merged). */
  static fromCoo(rows: number, cols: number, r: ArrayLike<number>, c: ArrayLike<number>, v?: ArrayLike<number>): Csr {
    const n = r.length;
    const indptr = new Int32Array(rows + 1);
    for (let k = 0; k < n; k++) {
      if (r[k] < 0 || r[k] >= rows || c[k] < 0 || c[k] >= cols) throw new Error(`Csr: entry (${r[k]}, ${c[k]}) outside ${rows}×${cols}`);
      indptr[r[k] + 1]++;
    }
    for (let i = 0; i < rows; i++) indptr[i + 1] += indptr[i];
    const fill = indptr.slice(0, rows);
    const indices = new Int32Array(n);
    const values = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const p = fill[r[k]]++;
      indices[p] = c[k];
      values[p] = v ? v[k] : 1;
    }
    return new Csr(rows, cols, indptr, indices, values);
  }

  /** Same matrix with every row scaled to sum 1 (mean aggregation); empty rows stay empty. */
  rowNormalized(): Csr {
    const values = new Float32Array(this.values.length);
    for (let r = 0; r < this.rows; r++) {
      let s = 0;
      for (let p = this.indptr[r]; p < this.indptr[r + 1]; p++) s += this.values[p];
      for (let p = this.indptr[r]; p < this.indptr[r + 1]; p++) values[p] = s !== 0 ? this.values[p] / s : 0;
    }
    return new Csr(this.rows, this.cols, this.indptr, this.indices, values);
  }

  /** Aᵀ (cached). */
  transpose(): Csr {
    if (this.t) return this.t;
    const r = new Int32Array(this.nnz);
    for (let i = 0; i < this.rows; i++) for (let p = this.indptr[i]; p < this.indptr[i + 1]; p++) r[p] = i;
    this.t = Csr.fromCoo(this.cols, this.rows, this.indices, r, this.values);
    this.t.t = this;
    return this.t;
  }

  /** out[rows × d] = A · x[cols × d] on typed arrays. */
  mul(x: Float32Array, d: number): Float32Array {
    const { indptr, indices, values } = this;
    const rows = this.rows;
    const out = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      const o = r * d, end = indptr[r + 1];
      for (let p = indptr[r]; p < end; p++) {
        const v = values[p];
        const i = indices[p] * d;
        if (v === 1) for (let j = 0; j < d; j++) out[o + j] += x[i + j];
        else for (let j = 0; j < d; j++) out[o + j] += v * x[i + j];
      }
    }
    return out;
  }

  /** Dense copy (tests and debugging). */
  toDense(): Float32Array {
    const out = new Float32Array(this.rows * this.cols);
    for (let r = 0; r < this.rows; r++)
      for (let p = this.indptr[r]; p < this.indptr[r + 1]; p++) out[r * this.cols + this.indices[p]] += this.values[p];
    return out;
  }
}

let inference = 0;

/**
 * Run `fn` without gradient bookkeeping: the ops below then compute their values directly instead of
 * through tf.customGrad (whose tape and identity copies cost as much as the arithmetic at inference).
 */
export function inferenceMode<T>(fn: () => T): T {
  inference++;
  try {
    return fn();
  } finally {
    inference--;
  }
}

/** A·X with gradient Aᵀ·dY (A constant). X: [A.cols, d] → [A.rows, d]. */
export function spmm(a: Csr, x: tf.Tensor2D): tf.Tensor2D {
  if (x.shape[0] !== a.cols) throw new Error(`spmm: A is ${a.rows}×${a.cols} but X has ${x.shape[0]} rows`);
  const d = x.shape[1];
  if (inference) return tf.tensor2d(a.mul(x.dataSync() as Float32Array, d), [a.rows, d]);
  const op = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.tensor2d(a.mul(xi.dataSync() as Float32Array, d), [a.rows, d]),
    gradFunc: (dy: tf.Tensor) => [tf.tensor2d(a.transpose().mul(dy.dataSync() as Float32Array, d), [a.cols, d])],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor2D;
}

/**
 * X·W with a gradient that avoids transposed matmuls (the wasm backend's transposeA/transposeB paths are
 * 5–15× slower than an explicit transpose followed by a plain matmul): dX = dY·transpose(W),
 * dW = transpose(X)·dY.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (inference) return tf.matMul(x, w);
  const op = tf.customGrad(((xi: tf.Tensor2D, wi: tf.Tensor2D, save: (t: tf.Tensor[]) => void) => {
    save([xi, wi]);
    return {
      value: tf.matMul(xi, wi),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, w) as tf.Tensor2D;
}

/**
 * Per-node latency contributions from log-rates, in one typed-array op (the tfjs version — exp, clip,
 * 4-d reshape, broadcast multiply, reduction over an inner axis — costs several times more in the wasm
 * backend, mostly in its gradients). q: [N, P·R·K] log-rates, column p·R·K + r·K + k; costs: [N × R].
 *   out[n, p·K + k] = Σ_r exp(clamp(q[n, p·R·K + r·K + k])) · costs[n·R + r]
 * Gradient: dq = dOut · costs · exp(q) (0 where clamped). No gradient flows to `costs`.
 */
export function rateCombine(
  q: tf.Tensor2D,
  costs: Float32Array,
  P: number,
  R: number,
  K: number,
  clip: readonly [number, number] = [-30, 12],
): tf.Tensor2D {
  const N = q.shape[0];
  if (q.shape[1] !== P * R * K || costs.length !== N * R)
    throw new Error(`rateCombine: q is ${q.shape}, costs ${costs.length}, expected [${N}, ${P * R * K}] and ${N * R}`);
  const [lo, hi] = clip;
  const forward = (qv: Float32Array) => {
    const e = new Float32Array(qv.length);
    for (let i = 0; i < qv.length; i++) {
      const v = qv[i];
      e[i] = Math.exp(v < lo ? lo : v > hi ? hi : v);
    }
    const out = new Float32Array(N * P * K);
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < P; p++) {
        const base = (n * P + p) * R * K, o = (n * P + p) * K;
        for (let r = 0; r < R; r++) {
          const c = costs[n * R + r];
          if (c === 0) continue;
          for (let k = 0; k < K; k++) out[o + k] += e[base + r * K + k] * c;
        }
      }
    }
    return { e, out };
  };
  if (inference) return tf.tensor2d(forward(q.dataSync() as Float32Array).out, [N, P * K]);
  const op = tf.customGrad(((qi: tf.Tensor) => {
    const qv = qi.dataSync() as Float32Array;
    const { e, out } = forward(qv);
    return {
      value: tf.tensor2d(out, [N, P * K]),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        const g = new Float32Array(qv.length);
        for (let n = 0; n < N; n++) {
          for (let p = 0; p < P; p++) {
            const base = (n * P + p) * R * K, o = (n * P + p) * K;
            for (let r = 0; r < R; r++) {
              const c = costs[n * R + r];
              if (c === 0) continue;
              for (let k = 0; k < K; k++) {
                const i = base + r * K + k, v = qv[i];
                if (v > lo && v < hi) g[i] = d[o + k] * c * e[i];
              }
            }
          }
        }
        return [tf.tensor2d(g, [N, P * R * K])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(q) as tf.Tensor2D;
}
