import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { Csr, linear, rateCombine, spmm } from "@/lib/predict/sparse";
import { initTfNode } from "@/lib/predict/node/backend";
import { seededRandom } from "@/lib/predict/numeric";

beforeAll(async () => {
  await initTfNode();
});

function randomCsr(rows: number, cols: number, nnz: number, seed: number): Csr {
  const rand = seededRandom(seed);
  const r = Array.from({ length: nnz }, () => Math.floor(rand() * rows));
  const c = Array.from({ length: nnz }, () => Math.floor(rand() * cols));
  const v = Array.from({ length: nnz }, () => rand() * 2 - 1);
  return Csr.fromCoo(rows, cols, r, c, v);
}

describe("Csr", () => {
  it("builds from COO (duplicates summed), transposes and row-normalises", () => {
    const a = Csr.fromCoo(2, 3, [0, 0, 1, 0], [2, 0, 1, 2], [1, 2, 3, 4]);
    expect(Array.from(a.toDense())).toEqual([2, 0, 5, 0, 3, 0]);
    expect(Array.from(a.transpose().toDense())).toEqual([2, 0, 0, 3, 5, 0]);
    expect(a.transpose().transpose()).toBe(a);
    const n = a.rowNormalized().toDense();
    expect(n[0] + n[1] + n[2]).toBeCloseTo(1, 6);
    expect(n[3] + n[4] + n[5]).toBeCloseTo(1, 6);
    expect(() => Csr.fromCoo(2, 2, [2], [0])).toThrow(/outside/);
  });

  it("keeps empty rows empty when normalising", () => {
    const a = Csr.fromCoo(3, 3, [1], [2], [5]).rowNormalized();
    expect(Array.from(a.toDense())).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });
});

describe("spmm", () => {
  it("forward equals the dense product", () => {
    const a = randomCsr(7, 5, 20, 1);
    const x = tf.randomNormal([5, 3], 0, 1, "float32", 2) as tf.Tensor2D;
    const dense = tf.tensor2d(a.toDense(), [7, 5]);
    const got = spmm(a, x).arraySync();
    const want = (tf.matMul(dense, x) as tf.Tensor2D).arraySync();
    for (let i = 0; i < 7; i++) for (let j = 0; j < 3; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 4);
    tf.dispose([x, dense]);
  });

  it("gradient (Aᵀ·dY) equals the gradient of the dense product", () => {
    const a = randomCsr(9, 6, 25, 3);
    const dense = tf.tensor2d(a.toDense(), [9, 6]);
    const x = tf.randomNormal([6, 4], 0, 1, "float32", 4) as tf.Tensor2D;
    const w = tf.randomNormal([9, 4], 0, 1, "float32", 5);
    // a non-linear loss so that dY is not constant
    const loss = (f: (x: tf.Tensor2D) => tf.Tensor) => (xx: tf.Tensor) => tf.sum(tf.square(tf.mul(f(xx as tf.Tensor2D), w)));
    const gs = tf.grad(loss((xx) => spmm(a, xx)))(x).arraySync() as number[][];
    const gd = tf.grad(loss((xx) => tf.matMul(dense, xx)))(x).arraySync() as number[][];
    for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) expect(gs[i][j]).toBeCloseTo(gd[i][j], 3);
    tf.dispose([dense, x, w]);
  });

  it("matches a finite-difference gradient", () => {
    const a = randomCsr(4, 3, 8, 6);
    const x0 = [0.3, -0.2, 0.5, 0.1, 0.9, -0.4];
    const f = (v: number[]) => tf.tidy(() => tf.sum(tf.exp(spmm(a, tf.tensor2d(v, [3, 2])))).dataSync()[0]);
    const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.exp(spmm(a, xx as tf.Tensor2D))))(tf.tensor2d(x0, [3, 2])).dataSync());
    for (let i = 0; i < x0.length; i++) {
      const h = 1e-2;
      const up = [...x0], dn = [...x0];
      up[i] += h;
      dn[i] -= h;
      expect(g[i]).toBeCloseTo((f(up) - f(dn)) / (2 * h), 2);
    }
  });

  it("refuses mismatched shapes", () => {
    const a = randomCsr(3, 3, 4, 7);
    const x = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => spmm(a, x)).toThrow(/rows/);
    x.dispose();
  });
});

describe("linear", () => {
  it("equals matMul, with gradients for both operands (through a variable too)", () => {
    const x = tf.randomNormal([7, 5], 0, 1, "float32", 8) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([5, 3], 0, 1, "float32", 9));
    const f = (mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(mm(a as tf.Tensor2D, b as tf.Tensor2D)));
    const want = tf
      .grads(f((a, b) => tf.matMul(a, b)))([x, w])
      .map((g) => Array.from(g.dataSync()));
    const got = tf
      .grads(f(linear))([x, w])
      .map((g) => Array.from(g.dataSync()));
    got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 3)));
    const { grads } = tf.variableGrads(() => tf.sum(linear(x, w as unknown as tf.Tensor2D)) as tf.Scalar, [w]);
    expect(Array.from(grads[w.name].dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, w, grads[w.name]]);
  });
});

describe("rateCombine", () => {
  it("equals the tfjs composition (exp, clip, weighted sum over rates) in value and gradient", () => {
    const N = 5, P = 2, R = 3, K = 2;
    const q = tf.randomNormal([N, P * R * K], 0, 2, "float32", 10) as tf.Tensor2D;
    const costs = Float32Array.from({ length: N * R }, (_, i) => (i % 4 === 0 ? 0 : 0.1 + (i % 7)));
    const reference = (qq: tf.Tensor) => {
      const rates = tf.reshape(tf.exp(tf.clipByValue(qq, -3, 3)), [N, P, R, K]);
      return tf.reshape(tf.sum(tf.mul(rates, tf.tensor4d(costs, [N, 1, R, 1])), 2), [N, P * K]);
    };
    const got = rateCombine(q, costs, P, R, K, [-3, 3]).arraySync();
    const want = (reference(q) as tf.Tensor2D).arraySync();
    got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 3)));
    const w = tf.randomNormal([N, P * K], 0, 1, "float32", 11);
    const loss = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.sum(tf.mul(f(x), w));
    const g1 = tf.grad(loss((x) => rateCombine(x as tf.Tensor2D, costs, P, R, K, [-3, 3])))(q).dataSync();
    const g2 = tf.grad(loss(reference))(q).dataSync();
    g1.forEach((v, i) => expect(v).toBeCloseTo(g2[i], 3));
    tf.dispose([q, w]);
  });
});
