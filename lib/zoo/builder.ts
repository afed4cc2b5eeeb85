/**
 * A small isomorphic ONNX graph builder for the zoo. Every op computes its output shape (NCHW, ONNX
 * floor/ceil rules) so generators can reason about channels and spatial sizes, and so graph outputs carry
 * their shapes. Naming and ordering are deterministic (one counter, insertion order), so the same calls
 * give byte-identical ONNX.
 *
 * Initializers are of two kinds: learned parameters (weights, biases, BN statistics, embeddings) carry only
 * dims + data_type unless `weights: true` — then deterministic pseudo-random raw_data from the seed — and
 * constants (shapes, axes, scalars) which always carry their data, since they are structure.
 */
import { NnlqError } from "@/lib/errors";
import {
  AttrType,
  DataType,
  encodeModelProto,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfo,
} from "@/lib/onnx/proto";
import { Rng } from "./rng";

export const ZOO_OPSET = 17;
export const ZOO_IR_VERSION = 8;
/** Weighted models above this many bytes of parameters are refused (protobuf's 2 GiB limit). */
export const MAX_WEIGHT_BYTES = 1.5 * 2 ** 30;

export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A float attribute (plain numbers are INT attributes). */
export class F {
  constructor(readonly value: number) {}
}
export const f = (v: number) => new F(v);
export type AttrValue = number | number[] | string | F;

export type Activation =
  | "relu"
  | "relu6"
  | "hswish"
  | "hsigmoid"
  | "swish"
  | "sigmoid"
  | "gelu"
  /** GELU's tanh approximation as HF exports `gelu_new` (GPT-2, some BERTs) */
  | "gelu_tanh"
  /** the Gelu op (opset 20): build such a model with opset ≥ 20 */
  | "gelu_op"
  | "tanh"
  | "leakyrelu"
  | "none";

/** How a learned parameter is filled when weights are requested. */
type Init = { kind: "uniform"; bound: number } | { kind: "range"; lo: number; hi: number };

interface Pending {
  name: string;
  dims: number[];
  dtype: number;
  init?: Init; // learned
  values?: number[]; // constant
}

export interface ConvOptions {
  stride?: number;
  /** Symmetric padding; default (k-1)/2 * dilation ("same" for odd k at stride 1). */
  pad?: number;
  group?: number;
  dilation?: number;
  bias?: boolean;
  /** Reuse parameters of an earlier conv (shared heads): names of its weight (and bias). */
  shared?: { weight: string; bias?: string };
}

export interface BuildOptions {
  weights?: boolean;
  /** Default opset ZOO_OPSET (17) with IR version 8; 20 and above need IR version 9 (e.g. the Gelu op). */
  opset?: number;
  seed?: number;
  metadata?: Record<string, string>;
  docString?: string;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly pending: Pending[] = [];
  private readonly constants = new Map<string, string>();
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: Tensor[] = [];
  private counter = 0;
  private paramTensors = 0;
  /** Multiply-accumulates of the linear ops built so far (the zoo's own budget check; lib/onnx/cost is the reference). */
  private macCount = 0;
  /** Elements of the largest tensor a node produced (activation memory budget). */
  private largest = 0;

  constructor(readonly graphName: string) {}

  // ---------------------------------------------------------------- plumbing

  input(name: string, shape: number[], dtype: number = DataType.FLOAT): Tensor {
    this.inputs.push(valueInfo(name, shape, dtype));
    return { name, shape };
  }

  /** Declare a graph output, renaming the tensor to `name` (it must be produced by a node). */
  output(t: Tensor, name?: string): Tensor {
    if (name && name !== t.name) {
      for (const n of this.nodes) {
        n.input = n.input!.map((x) => (x === t.name ? name : x));
        n.output = n.output!.map((x) => (x === t.name ? name : x));
      }
      t = { name, shape: t.shape };
    }
    this.outputs.push(t);
    return t;
  }

  /** Append a node; returns its output tensors with the given shapes. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue>, outShapes: number[][]): Tensor[] {
    const id = this.counter++;
    const name = `${op}_${id}`;
    for (const s of outShapes) {
      if (s.some((d) => !Number.isInteger(d) || d < 1)) {
        throw new NnlqError("VALIDATION", `spec gives an empty or invalid tensor: ${name} output shape [${s.join(",")}]`, {
          node: name,
          shape: s,
        });
      }
    }
    for (const s of outShapes) this.largest = Math.max(this.largest, prod(s));
    const outNames = outShapes.map((_, i) => (outShapes.length === 1 ? name : `${name}:${i}`));
    const attribute = Object.entries(attrs).map(([k, v]) => attr(k, v));
    this.nodes.push({ name, op_type: op, input: inputs, output: outNames, ...(attribute.length ? { attribute } : {}) });
    return outNames.map((n, i) => ({ name: n, shape: outShapes[i] }));
  }

  private one(op: string, inputs: string[], attrs: Record<string, AttrValue>, shape: number[]): Tensor {
    return this.node(op, inputs, attrs, [shape])[0];
  }

  /** A learned parameter (data only with weights). */
  param(owner: string, role: string, dims: number[], init: Init): string {
    const name = `${owner}.${role}`;
    this.pending.push({ name, dims, dtype: DataType.FLOAT, init });
    return name;
  }

  /** A constant tensor (always with data); identical constants are shared. */
  constant(values: number[], dims: number[], dtype: number = DataType.INT64): string {
    const key = `${dtype}|${dims.join("x")}|${values.join(",")}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_${this.constants.size}`;
      this.constants.set(key, name);
      this.pending.push({ name, dims, dtype, values });
    }
    return name;
  }

  scalar(v: number): string {
    return this.constant([v], [], DataType.FLOAT);
  }

  private peek(op: string): string {
    return `${op}_${this.counter}`;
  }

  // ---------------------------------------------------------------- convolution & normalisation

  conv(x: Tensor, out: number, k: number, o: ConvOptions = {}): Tensor {
    const [n, c, h, w] = x.shape;
    const stride = o.stride ?? 1, group = o.group ?? 1, dil = o.dilation ?? 1;
    const pad = o.pad ?? ((k - 1) / 2) * dil;
    if (c % group !== 0 || out % group !== 0 || !Number.isInteger(pad)) {
      throw new NnlqError("VALIDATION", `invalid conv: ${c}→${out} channels, group ${group}, kernel ${k}`);
    }
    const owner = this.peek("Conv");
    const fanIn = (c / group) * k * k;
    const weight =
      o.shared?.weight ?? this.param(owner, "weight", [out, c / group, k, k], { kind: "uniform", bound: Math.sqrt(3 / fanIn) });
    const inputs = [x.name, weight];
    if (o.shared?.bias) inputs.push(o.shared.bias);
    else if (o.bias) inputs.push(this.param(owner, "bias", [out], { kind: "uniform", bound: 0.05 }));
    const size = (d: number) => Math.floor((d + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
    const attrs: Record<string, AttrValue> = { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] };
    if (dil !== 1) attrs.dilations = [dil, dil];
    if (group !== 1) attrs.group = group;
    const y = this.one("Conv", inputs, attrs, [n, out, size(h), size(w)]);
    this.macCount += prod(y.shape) * (c / group) * k * k;
    return y;
  }

  /** Parameter names of a conv created by conv() (to share them with another conv). */
  convParams(t: Tensor): { weight: string; bias?: string } {
    const node = this.nodes.find((n) => n.output![0] === t.name && n.op_type === "Conv");
    if (!node) throw new NnlqError("INTERNAL", `${t.name} is not a Conv output`);
    return { weight: node.input![1], ...(node.input![2] ? { bias: node.input![2] } : {}) };
  }

  batchNorm(x: Tensor, eps = 1e-5): Tensor {
    const c = x.shape[1];
    const owner = this.peek("BatchNormalization");
    const inputs = [
      x.name,
      this.param(owner, "scale", [c], { kind: "range", lo: 0.5, hi: 1.0 }),
      this.param(owner, "bias", [c], { kind: "range", lo: -0.1, hi: 0.1 }),
      this.param(owner, "mean", [c], { kind: "range", lo: -0.1, hi: 0.1 }),
      this.param(owner, "var", [c], { kind: "range", lo: 0.5, hi: 1.5 }),
    ];
    return this.one("BatchNormalization", inputs, { epsilon: f(eps) }, [...x.shape]);
  }

  /** LayerNormalization over the last axis (opset 17). */
  layerNorm(x: Tensor, eps = 1e-6): Tensor {
    const d = x.shape[x.shape.length - 1];
    const owner = this.peek("LayerNormalization");
    const scale = this.param(owner, "scale", [d], { kind: "range", lo: 0.5, hi: 1.0 });
    const bias = this.param(owner, "bias", [d], { kind: "range", lo: -0.1, hi: 0.1 });
    return this.one("LayerNormalization", [x.name, scale, bias], { axis: -1, epsilon: f(eps) }, [...x.shape]);
  }

  lrn(x: Tensor, size = 5, alpha = 1e-4, beta = 0.75, bias = 2): Tensor {
    return this.one("LRN", [x.name], { size, alpha: f(alpha), beta: f(beta), bias: f(bias) }, [...x.shape]);
  }

  /** Conv (no bias) → BatchNorm → activation: the ubiquitous block. */
  convBnAct(x: Tensor, out: number, k: number, act: Activation, o: ConvOptions = {}): Tensor {
    return this.act(this.batchNorm(this.conv(x, out, k, o)), act);
  }

  // ---------------------------------------------------------------- activations

  act(x: Tensor, kind: Activation): Tensor {
    switch (kind) {
      case "none":
        return x;
      case "relu":
        return this.one("Relu", [x.name], {}, [...x.shape]);
      case "sigmoid":
        return this.one("Sigmoid", [x.name], {}, [...x.shape]);
      case "relu6":
        return this.one("Clip", [x.name, this.scalar(0), this.scalar(6)], {}, [...x.shape]);
      case "hswish":
        return this.one("HardSwish", [x.name], {}, [...x.shape]);
      case "hsigmoid":
        return this.one("HardSigmoid", [x.name], { alpha: f(1 / 6), beta: f(0.5) }, [...x.shape]);
      case "swish":
        return this.mul(x, this.act(x, "sigmoid"));
      case "gelu": {
        // exact GELU as exported by PyTorch at opset 17: x * 0.5 * (1 + erf(x / sqrt(2)))
        const e = this.one("Erf", [this.div(x, this.scalarT(Math.SQRT2)).name], {}, [...x.shape]);
        return this.mul(this.mul(x, this.add(e, this.scalarT(1))), this.scalarT(0.5));
      }
      case "gelu_tanh": {
        // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))), as HF's gelu_new exports
        const cube = this.one("Pow", [x.name, this.scalar(3)], {}, [...x.shape]);
        const inner = this.mulScalar(this.add(x, this.mulScalar(cube, 0.044715)), Math.sqrt(2 / Math.PI));
        const t = this.one("Tanh", [inner.name], {}, [...x.shape]);
        return this.mul(this.mulScalar(x, 0.5), this.add(t, this.scalarT(1)));
      }
      case "gelu_op":
        return this.one("Gelu", [x.name], {}, [...x.shape]);
      case "tanh":
        return this.one("Tanh", [x.name], {}, [...x.shape]);
      case "leakyrelu":
        return this.one("LeakyRelu", [x.name], { alpha: f(0.1) }, [...x.shape]);
    }
  }

  private scalarT(v: number): Tensor {
    return { name: this.scalar(v), shape: [] };
  }

  // ---------------------------------------------------------------- elementwise (numpy broadcasting)

  private binary(op: string, a: Tensor, b: Tensor): Tensor {
    return this.one(op, [a.name, b.name], {}, broadcast(a.shape, b.shape));
  }
  add(a: Tensor, b: Tensor): Tensor {
    return this.binary("Add", a, b);
  }
  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary("Sub", a, b);
  }
  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary("Mul", a, b);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return this.binary("Div", a, b);
  }
  mulScalar(x: Tensor, v: number): Tensor {
    return this.mul(x, this.scalarT(v));
  }
  /** Add a learned tensor of the given shape (positional embeddings, biases). */
  addParam(x: Tensor, role: string, dims: number[], bound = 0.02): Tensor {
    const p = this.param(this.peek("Add"), role, dims, { kind: "uniform", bound });
    return this.add(x, { name: p, shape: dims });
  }
  /** Multiply by a learned tensor (layer scale). */
  mulParam(x: Tensor, role: string, dims: number[]): Tensor {
    const p = this.param(this.peek("Mul"), role, dims, { kind: "range", lo: 0.05, hi: 0.15 });
    return this.mul(x, { name: p, shape: dims });
  }

  // ---------------------------------------------------------------- pooling

  maxPool(x: Tensor, k: number, stride: number, pad = 0, ceil = false): Tensor {
    return this.pool("MaxPool", x, k, stride, pad, ceil, {});
  }

  avgPool(x: Tensor, k: number, stride: number, pad = 0, o: { ceil?: boolean; countIncludePad?: boolean } = {}): Tensor {
    return this.pool("AveragePool", x, k, stride, pad, o.ceil ?? false, o.countIncludePad ? { count_include_pad: 1 } : {});
  }

  private pool(op: string, x: Tensor, k: number, s: number, p: number, ceil: boolean, extra: Record<string, AttrValue>): Tensor {
    const [n, c, h, w] = x.shape;
    const size = (d: number) => {
      const span = d + 2 * p - k;
      let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      if (ceil && (o - 1) * s >= d + p) o--; // the last window must start inside the input
      return o;
    };
    const attrs: Record<string, AttrValue> = { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], ...extra };
    if (ceil) attrs.ceil_mode = 1;
    return this.one(op, [x.name], attrs, [n, c, size(h), size(w)]);
  }

  globalAvgPool(x: Tensor): Tensor {
    return this.one("GlobalAveragePool", [x.name], {}, [x.shape[0], x.shape[1], 1, 1]);
  }

  reduceMean(x: Tensor, axes: number[], keepdims: boolean): Tensor {
    const r = x.shape.length;
    const ax = axes.map((a) => (a + r) % r);
    const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.one("ReduceMean", [x.name], { axes, keepdims: keepdims ? 1 : 0 }, shape);
  }

  // ---------------------------------------------------------------- dense

  /** Gemm with transB (W: [out, in]) on a 2-D input. */
  gemm(x: Tensor, out: number, bias = true): Tensor {
    const [n, k] = x.shape;
    const owner = this.peek("Gemm");
    const inputs = [x.name, this.param(owner, "weight", [out, k], { kind: "uniform", bound: Math.sqrt(3 / k) })];
    if (bias) inputs.push(this.param(owner, "bias", [out], { kind: "uniform", bound: 0.05 }));
    this.macCount += n * out * k;
    return this.one("Gemm", inputs, { transB: 1 }, [n, out]);
  }

  /** x @ W + b over the last axis (MatMul + Add, as PyTorch exports nn.Linear on 3-D input). */
  linear(x: Tensor, out: number, bias = true): Tensor {
    const k = x.shape[x.shape.length - 1];
    const w = this.param(this.peek("MatMul"), "weight", [k, out], { kind: "uniform", bound: Math.sqrt(3 / k) });
    const y = this.matmul(x, { name: w, shape: [k, out] });
    return bias ? this.addParam(y, "bias", [out], 0.05) : y;
  }

  matmul(a: Tensor, b: Tensor): Tensor {
    const as = a.shape, bs = b.shape;
    if (as[as.length - 1] !== bs[bs.length - 2]) {
      throw new NnlqError("VALIDATION", `matmul shape mismatch [${as}] @ [${bs}]`);
    }
    const batch = broadcast(as.slice(0, -2), bs.slice(0, -2));
    this.macCount += prod(batch) * as[as.length - 2] * bs[bs.length - 1] * bs[bs.length - 2];
    return this.one("MatMul", [a.name, b.name], {}, [...batch, as[as.length - 2], bs[bs.length - 1]]);
  }

  softmax(x: Tensor, axis = -1): Tensor {
    return this.one("Softmax", [x.name], { axis }, [...x.shape]);
  }

  // ---------------------------------------------------------------- shape manipulation

  flatten(x: Tensor, axis = 1): Tensor {
    return this.one("Flatten", [x.name], { axis }, [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))]);
  }

  /** Reshape with ONNX semantics (0 copies the input dim, -1 is inferred). */
  reshape(x: Tensor, shape: number[]): Tensor {
    const out = shape.map((v, i) => (v === 0 ? x.shape[i] : v));
    const known = prod(out.filter((v) => v !== -1));
    const total = prod(x.shape);
    const resolved = out.map((v) => (v === -1 ? total / known : v));
    if (prod(resolved) !== total) throw new NnlqError("VALIDATION", `cannot reshape [${x.shape}] to [${shape}]`);
    return this.one("Reshape", [x.name, this.constant(shape, [shape.length])], {}, resolved);
  }

  transpose(x: Tensor, perm: number[]): Tensor {
    return this.one("Transpose", [x.name], { perm }, perm.map((p) => x.shape[p]));
  }

  concat(xs: Tensor[], axis = 1): Tensor {
    if (xs.length === 1) return xs[0];
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
    return this.one("Concat", xs.map((t) => t.name), { axis }, shape);
  }

  split(x: Tensor, axis: number, sizes: number[]): Tensor[] {
    const shapes = sizes.map((s) => x.shape.map((d, i) => (i === axis ? s : d)));
    return this.node("Split", [x.name, this.constant(sizes, [sizes.length])], { axis }, shapes);
  }

  /** Nearest-neighbour Resize to explicit spatial sizes (as F.interpolate(size=...) exports). */
  resize(x: Tensor, h: number, w: number): Tensor {
    const sizes = [x.shape[0], x.shape[1], h, w];
    return this.one("Resize", [x.name, "", "", this.constant(sizes, [4])], { mode: "nearest" }, sizes);
  }

  /** Gather one index along an axis (drops that axis). */
  gather(x: Tensor, index: number, axis: number): Tensor {
    return this.one("Gather", [x.name, this.constant([index], [])], { axis }, x.shape.filter((_, i) => i !== axis));
  }

  expand(x: Tensor, shape: number[]): Tensor {
    return this.one("Expand", [x.name, this.constant(shape, [shape.length])], {}, broadcast(x.shape, shape));
  }

  /** A learned tensor as a graph value (class tokens). */
  paramTensor(role: string, dims: number[]): Tensor {
    return { name: this.param(`param_${this.paramTensors++}`, role, dims, { kind: "uniform", bound: 0.02 }), shape: dims };
  }

  // ---------------------------------------------------------------- Zoo v2: decoders, sequences, text

  /** ConvTranspose (W: [in, out/group, k, k]); output (d−1)·s − 2p + k + outputPadding. */
  convTranspose(
    x: Tensor,
    out: number,
    k: number,
    o: { stride?: number; pad?: number; outputPadding?: number; bias?: boolean } = {},
  ): Tensor {
    const [n, c, h, w] = x.shape;
    const stride = o.stride ?? 1, pad = o.pad ?? 0, op = o.outputPadding ?? 0;
    const owner = this.peek("ConvTranspose");
    const inputs = [x.name, this.param(owner, "weight", [c, out, k, k], { kind: "uniform", bound: Math.sqrt(3 / (c * k * k)) })];
    if (o.bias) inputs.push(this.param(owner, "bias", [out], { kind: "uniform", bound: 0.05 }));
    const size = (d: number) => (d - 1) * stride - 2 * pad + k + op;
    const attrs: Record<string, AttrValue> = { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] };
    if (op) attrs.output_padding = [op, op];
    this.macCount += n * c * h * w * out * k * k;
    return this.one("ConvTranspose", inputs, attrs, [n, out, size(h), size(w)]);
  }

  /** 1-D convolution on [N, C, T] (as nn.Conv1d exports). */
  conv1d(x: Tensor, out: number, k: number, o: { stride?: number; pad?: number; dilation?: number; bias?: boolean } = {}): Tensor {
    const [n, c, t] = x.shape;
    const stride = o.stride ?? 1, dil = o.dilation ?? 1;
    const pad = o.pad ?? ((k - 1) / 2) * dil;
    if (!Number.isInteger(pad)) throw new NnlqError("VALIDATION", `invalid conv1d: kernel ${k}, dilation ${dil}`);
    const owner = this.peek("Conv");
    const inputs = [x.name, this.param(owner, "weight", [out, c, k], { kind: "uniform", bound: Math.sqrt(3 / (c * k)) })];
    if (o.bias) inputs.push(this.param(owner, "bias", [out], { kind: "uniform", bound: 0.05 }));
    const attrs: Record<string, AttrValue> = { kernel_shape: [k], strides: [stride], pads: [pad, pad] };
    if (dil !== 1) attrs.dilations = [dil];
    const y = this.one("Conv", inputs, attrs, [n, out, Math.floor((t + 2 * pad - dil * (k - 1) - 1) / stride) + 1]);
    this.macCount += prod(y.shape) * c * k;
    return y;
  }

  /** PixelShuffle: DepthToSpace (CRD is what torch.onnx exports for nn.PixelShuffle). */
  depthToSpace(x: Tensor, r: number, mode: "CRD" | "DCR" = "CRD"): Tensor {
    const [n, c, h, w] = x.shape;
    if (c % (r * r) !== 0) throw new NnlqError("VALIDATION", `DepthToSpace: ${c} channels do not split into ${r}×${r} blocks`);
    return this.one("DepthToSpace", [x.name], { blocksize: r, mode }, [n, c / (r * r), h * r, w * r]);
  }

  /**
   * Resize by integral spatial factors given as `scales` (batch-agnostic, as F.interpolate(scale_factor=...)
   * exports). mode "linear" is bilinear on NCHW.
   */
  upsample(x: Tensor, fh: number, fw: number = fh, mode: "nearest" | "linear" = "nearest", coord = "asymmetric"): Tensor {
    const [n, c, h, w] = x.shape;
    const attrs: Record<string, AttrValue> = { mode, coordinate_transformation_mode: coord };
    if (mode === "nearest") attrs.nearest_mode = "floor";
    const scales = this.constant([1, 1, fh, fw], [4], DataType.FLOAT);
    return this.one("Resize", [x.name, "", scales], attrs, [n, c, Math.floor(h * fh), Math.floor(w * fw)]);
  }

  /** PReLU with one learned slope per channel ([C, 1, 1] on NCHW). */
  prelu(x: Tensor): Tensor {
    const dims = [x.shape[1], ...Array<number>(x.shape.length - 2).fill(1)];
    const slope = this.param(this.peek("PRelu"), "slope", dims, { kind: "range", lo: 0.2, hi: 0.3 });
    return this.one("PRelu", [x.name, slope], {}, [...x.shape]);
  }

  /** A shape-preserving single-input op (Exp, Tanh, Sigmoid, Sqrt, Softplus...). */
  unary(op: string, x: Tensor, attrs: Record<string, AttrValue> = {}): Tensor {
    return this.one(op, [x.name], attrs, [...x.shape]);
  }

  cast(x: Tensor, to: number): Tensor {
    return this.one("Cast", [x.name], { to }, [...x.shape]);
  }

  squeeze(x: Tensor, axes: number[]): Tensor {
    const r = x.shape.length;
    const ax = axes.map((a) => (a + r) % r);
    return this.one("Squeeze", [x.name, this.constant(axes, [axes.length])], {}, x.shape.filter((_, i) => !ax.includes(i)));
  }

  unsqueeze(x: Tensor, axes: number[]): Tensor {
    const shape = [...x.shape];
    const r = shape.length + axes.length;
    for (const a of axes.map((a) => (a + r) % r).sort((p, q) => p - q)) shape.splice(a, 0, 1);
    return this.one("Unsqueeze", [x.name, this.constant(axes, [axes.length])], {}, shape);
  }

  /** Slice with constant starts/ends/axes (steps 1). */
  slice(x: Tensor, starts: number[], ends: number[], axes: number[]): Tensor {
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const d = shape[a];
      const clamp = (v: number) => Math.max(0, Math.min(d, v < 0 ? v + d : v));
      shape[a] = Math.max(0, clamp(ends[i]) - clamp(starts[i]));
    });
    const k = [axes.length];
    return this.one("Slice", [x.name, this.constant(starts, k), this.constant(ends, k), this.constant(axes, k)], {}, shape);
  }

  /** Embedding lookup: Gather(table [rows, dim], ids) → ids.shape ++ [dim]. */
  embedding(ids: Tensor, rows: number, dim: number, role = "embedding"): Tensor {
    const table = this.param(this.peek("Gather"), role, [rows, dim], { kind: "uniform", bound: 0.02 });
    return this.one("Gather", [table, ids.name], { axis: 0 }, [...ids.shape, dim]);
  }

  /**
   * One ONNX LSTM or GRU layer over X [T, B, I] as torch.onnx exports nn.LSTM / nn.GRU (gate weights W, R and
   * biases B per direction; GRU with linear_before_reset). Returns Y [T, dirs, B, H] and Y_h [dirs, B, H].
   */
  recurrent(kind: "LSTM" | "GRU", x: Tensor, hidden: number, bidirectional: boolean): { y: Tensor; yh: Tensor } {
    const [t, n, i] = x.shape;
    const dirs = bidirectional ? 2 : 1, gates = kind === "LSTM" ? 4 : 3;
    const owner = this.peek(kind);
    const bound = Math.sqrt(1 / hidden);
    const inputs = [
      x.name,
      this.param(owner, "W", [dirs, gates * hidden, i], { kind: "uniform", bound }),
      this.param(owner, "R", [dirs, gates * hidden, hidden], { kind: "uniform", bound }),
      this.param(owner, "B", [dirs, 2 * gates * hidden], { kind: "uniform", bound }),
    ];
    const attrs: Record<string, AttrValue> = { hidden_size: hidden };
    if (bidirectional) attrs.direction = "bidirectional";
    if (kind === "GRU") attrs.linear_before_reset = 1;
    this.macCount += t * n * dirs * gates * hidden * (i + hidden);
    const [y, yh] = this.node(kind, inputs, attrs, [
      [t, dirs, n, hidden],
      [dirs, n, hidden],
    ]);
    return { y, yh };
  }

  // ---------------------------------------------------------------- composite blocks

  /** Squeeze-and-excitation: GAP → 1×1 conv → act → 1×1 conv → gate → channel-wise Mul. */
  squeezeExcite(x: Tensor, reduced: number, act: Activation = "relu", gate: Activation = "sigmoid"): Tensor {
    const s = this.globalAvgPool(x);
    const z = this.act(this.conv(s, reduced, 1, { bias: true }), act);
    const g = this.act(this.conv(z, x.shape[1], 1, { bias: true }), gate);
    return this.mul(x, g);
  }

  /** ShuffleNet channel shuffle: Reshape → Transpose → Reshape. */
  channelShuffle(x: Tensor, groups: number): Tensor {
    const [, c, h, w] = x.shape;
    const r = this.reshape(x, [0, groups, c / groups, h, w]);
    return this.reshape(this.transpose(r, [0, 2, 1, 3, 4]), [0, c, h, w]);
  }

  // ---------------------------------------------------------------- serialisation

  /** The graph inputs declared so far: name, dims, ONNX dtype. */
  inputList(): { name: string; dims: number[]; dtype: number }[] {
    return this.inputs.map((v) => ({
      name: v.name!,
      dims: v.type!.tensor_type!.shape!.dim!.map((d) => Number(d.dim_value)),
      dtype: v.type!.tensor_type!.elem_type!,
    }));
  }

  /** Multiply-accumulates of the Conv/ConvTranspose/Gemm/MatMul/LSTM/GRU nodes built so far. */
  macs(): number {
    return this.macCount;
  }

  /** Elements of the largest tensor any node produces. */
  largestTensor(): number {
    return this.largest;
  }

  /** Total learned parameters (elements). */
  paramCount(): number {
    return this.pending.filter((p) => p.init).reduce((s, p) => s + prod(p.dims), 0);
  }

  toModel(o: BuildOptions = {}): ModelProto {
    if (this.outputs.length === 0) throw new NnlqError("INTERNAL", "zoo graph has no outputs");
    if (o.weights && this.paramCount() * 4 > MAX_WEIGHT_BYTES) {
      throw new NnlqError("VALIDATION", `model too large to carry weights: ${this.paramCount()} parameters`, {
        params: this.paramCount(),
      });
    }
    const rng = new Rng(o.seed ?? 0);
    const initializer = this.pending.map((p) => tensorProto(p, o.weights ? rng : undefined));
    const opset = o.opset ?? ZOO_OPSET;
    return {
      ir_version: opset >= 20 ? 9 : ZOO_IR_VERSION,
      opset_import: [{ domain: "", version: opset }],
      producer_name: "nnlq-zoo",
      ...(o.docString ? { doc_string: o.docString } : {}),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer,
        input: this.inputs,
        output: this.outputs.map((t) => valueInfo(t.name, [...t.shape])),
      },
      metadata_props: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  build(o: BuildOptions = {}): Uint8Array {
    const bytes = encodeModelProto(this.toModel(o));
    // a plain Uint8Array view (protobufjs hands back a Buffer under Node)
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new NnlqError("VALIDATION", `cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function valueInfo(name: string, shape: number[], dtype: number = DataType.FLOAT): ValueInfo {
  return { name, type: { tensor_type: { elem_type: dtype, shape: { dim: shape.map((d) => ({ dim_value: d })) } } } };
}

function attr(name: string, v: AttrValue): AttributeProto {
  if (v instanceof F) return { name, type: AttrType.FLOAT, f: v.value };
  if (typeof v === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  return { name, type: AttrType.INT, i: v };
}

function tensorProto(p: Pending, rng: Rng | undefined): TensorProto {
  const t: TensorProto = { name: p.name, dims: p.dims, data_type: p.dtype };
  if (p.values) {
    const arr = p.dtype === DataType.INT64 ? BigInt64Array.from(p.values.map(BigInt)) : Float32Array.from(p.values);
    t.raw_data = new Uint8Array(arr.buffer);
  } else if (rng && p.init) {
    const data = new Float32Array(prod(p.dims));
    const [lo, hi] = p.init.kind === "uniform" ? [-p.init.bound, p.init.bound] : [p.init.lo, p.init.hi];
    for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.next();
    t.raw_data = new Uint8Array(data.buffer);
  }
  return t;
}
