/**
 * Pass: static int8 quantization in QDQ form with synthetic calibration (what onnxruntime's own static
 * quantizer produces, re-done here in TypeScript):
 * - Conv / MatMul / Gemm are the quantized operators. Their float activation inputs and their outputs get
 *   a QuantizeLinear→DequantizeLinear pair (uint8, asymmetric, ranges calibrated by running the fp32 model
 *   on random inputs with the intermediate tensors exposed as outputs). When an output's only consumer is
 *   a Relu/Clip, the activation's output is quantized instead, so the runtime can drop the activation.
 * - Weights are stored as int8 (symmetric; per output channel for Conv when the opset allows axis),
 *   followed by a DequantizeLinear; Conv/Gemm biases as int32 with scale = s_input · s_weight.
 * ORT then fuses DQ→op→Q groups into QLinearConv / QGemm / QLinearMatMul kernels, which the measurement
 * verifies in the profile.
 */
import { AttrType, DataType, encodeModelProto, type ModelProto, type NodeProto, type TensorProto } from "@/lib/onnx/proto";
import { NnlqError } from "@/lib/errors";
import { decodeProto, defaultOpset, floatTensor, graphOf, nameAllocator, readFloats, typedTensor } from "./tensor";

/** Operators with int8 weights (Conv, MatMul, Gemm) and activation-only quantized operators. */
export const QUANTIZED_OPS: ReadonlySet<string> = new Set(["Conv", "MatMul", "Gemm"]);
const ACTIVATION_OPS: ReadonlySet<string> = new Set(["Add", "Mul", "GlobalAveragePool", "AveragePool", "Concat"]);
/** Operators that run on uint8 data unchanged when input and output share quantization parameters. */
const PASS_THROUGH_OPS: ReadonlySet<string> = new Set(["MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze"]);
const FUSABLE_ACTIVATIONS: ReadonlySet<string> = new Set(["Relu", "Clip"]);

export interface Range { min: number; max: number }
/** Runs the fp32 model with the named tensors exposed as outputs; returns their observed ranges. */
export type Calibrator = (bytes: Uint8Array, tensors: string[]) => Promise<Map<string, Range>>;

export interface Plan {
  /** activation tensors to wrap in Q→DQ */
  activations: Set<string>;
  /** pass-through outputs that reuse their input's range (output → input) */
  sameRangeAs: Map<string, string>;
  /** nodes with weights to quantize (indices into graph.node) */
  weighted: number[];
  /** number of activation-only and pass-through nodes put between QDQ pairs */
  others: number;
}

const isDefaultDomain = (n: NodeProto) => !n.domain || n.domain === "ai.onnx";

function attrInt(n: NodeProto, name: string, dflt: number): number {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a?.i !== undefined ? Number(a.i) : dflt;
}
function attrFloat(n: NodeProto, name: string, dflt: number): number {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a?.f !== undefined ? Number(a.f) : dflt;
}

/**
 * Turn constant-producing nodes into initializers: Constant nodes, and ConstantOfShape of a constant shape
 * (how some exporters, and ONNX's "light" models, carry weights). Quantization needs weights as initializers.
 */
export function freezeConstants(model: ModelProto): number {
  const g = graphOf(model);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? "", t]));
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));
  const frozen = new Set<NodeProto>();
  for (const n of g.node ?? []) {
    const out = n.output?.[0];
    if (!out || graphOutputs.has(out) || !isDefaultDomain(n)) continue;
    const value = (n.attribute ?? []).find((a) => a.name === "value")?.t;
    if (n.op_type === "Constant" && value && (n.attribute ?? []).length === 1) {
      inits.set(out, { ...value, name: out });
      frozen.add(n);
    } else if (n.op_type === "ConstantOfShape" && inits.has(n.input?.[0] ?? "")) {
      const shapeT = inits.get(n.input![0])!;
      const dims = shapeT.raw_data && shapeT.raw_data.length > 0
        ? Array.from(new BigInt64Array(new Uint8Array(shapeT.raw_data).buffer), Number)
        : (shapeT.int64_data ?? []).map(Number);
      const dt = value?.data_type ?? DataType.FLOAT;
      if (dt !== DataType.FLOAT) continue;
      const fillValue = value ? readFloats({ ...value, dims: [1] })[0] : 0;
      inits.set(out, floatTensor(out, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fillValue)));
      frozen.add(n);
    }
  }
  if (frozen.size === 0) return 0;
  g.node = (g.node ?? []).filter((n) => !frozen.has(n));
  g.initializer = [...inits.values()];
  return frozen.size;
}

/**
 * Ops whose schema changed incompatibly between opsets 7 and 10, and the experimental ops removed at 10
 * (a model using any of them keeps its opset).
 */
const CHANGED_BEFORE_10 = new Set([
  "Slice",
  "TopK",
  "Upsample",
  "Scan",
  "ATen",
  "Affine",
  "ConstantFill",
  "Crop",
  "DynamicSlice",
  "GRUUnit",
  "GivenTensorFill",
  "ImageScaler",
  "ParametricSoftplus",
  "Scale",
  "ScaledTanh",
]);

/**
 * Quantized kernels exist from opset 10. Raise an older model's default-domain opset to 10 when none of its
 * operators changed meaning on the way (BatchNormalization only lost its `spatial` attribute). Returns false
 * when the model cannot be raised.
 */
export function raiseOpsetTo10(model: ModelProto): boolean {
  if (defaultOpset(model) >= 10) return true;
  const nodes = graphOf(model).node ?? [];
  for (const n of nodes) {
    if (!isDefaultDomain(n)) continue;
    if (CHANGED_BEFORE_10.has(n.op_type ?? "")) return false;
    if (n.op_type === "BatchNormalization" && attrInt(n, "spatial", 1) !== 1) return false;
  }
  for (const n of nodes) if (n.op_type === "BatchNormalization") n.attribute = (n.attribute ?? []).filter((a) => a.name !== "spatial");
  for (const o of model.opset_import ?? []) if (!o.domain || o.domain === "ai.onnx") o.version = 10;
  return true;
}

/**
 * Fold BatchNormalization into the Conv feeding it (what the runtime does to the fp32 graph, and what must
 * happen before quantization so the folded weights are the ones quantized). Returns folds made.
 */
export function foldBatchNorm(model: ModelProto): number {
  const g = graphOf(model);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? "", t]));
  const uses = new Map<string, number>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));
  const producer = new Map<string, NodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  const removed = new Set<NodeProto>();
  for (const bn of g.node ?? []) {
    if (bn.op_type !== "BatchNormalization" || !isDefaultDomain(bn) || (bn.output ?? []).filter(Boolean).length !== 1) continue;
    const [x, sc, bi, mu, va] = bn.input ?? [];
    const conv = producer.get(x);
    const params = [sc, bi, mu, va].map((n) => inits.get(n));
    if (!conv || conv.op_type !== "Conv" || !isDefaultDomain(conv) || uses.get(x) !== 1 || graphOutputs.has(x)) continue;
    const w = inits.get(conv.input?.[1] ?? "");
    const b = conv.input?.[2] ? inits.get(conv.input[2]) : undefined;
    if (!w || w.data_type !== DataType.FLOAT || params.some((p) => !p || p.data_type !== DataType.FLOAT) || (conv.input?.[2] && !b))
      continue;
    if ([w, b, ...params].some((t) => t && (uses.get(t.name ?? "") ?? 0) > 1)) continue; // shared tensors stay
    const [gamma, beta, mean, variance] = params.map((p) => readFloats(p!));
    const eps = attrFloat(bn, "epsilon", 1e-5);
    const wf = readFloats(w).slice();
    const cout = Number(w.dims![0]);
    const per = wf.length / cout;
    const bias = b ? readFloats(b).slice() : new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const k = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let i = c * per; i < (c + 1) * per; i++) wf[i] *= k;
      bias[c] = (bias[c] - mean[c]) * k + beta[c];
    }
    const wName = w.name ?? "", bName = b?.name ?? `${wName}_folded_bias`;
    inits.set(wName, floatTensor(wName, w.dims!.map(Number), wf));
    inits.set(bName, floatTensor(bName, [cout], bias));
    conv.input = [conv.input![0], wName, bName];
    conv.output = [bn.output![0]];
    removed.add(bn);
  }
  if (removed.size === 0) return 0;
  g.node = (g.node ?? []).filter((n) => !removed.has(n));
  const used = new Set((g.node ?? []).flatMap((n) => n.input ?? []));
  g.initializer = [...inits.values()].filter((t) => used.has(t.name ?? ""));
  return removed.size;
}

/** Which nodes and activation tensors to quantize (graph nodes must be in topological order). */
export function planQuantization(model: ModelProto): Plan {
  const g = graphOf(model);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? "", t]));
  const consumers = new Map<string, NodeProto[]>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));
  const plan: Plan = { activations: new Set(), sameRangeAs: new Map(), weighted: [], others: 0 };
  // the tensor to quantize for an op's output: after a fusable activation when that is its only consumer
  const outputOf = (n: NodeProto) => {
    const out = n.output?.[0] ?? "";
    const cons = consumers.get(out) ?? [];
    return cons.length === 1 && FUSABLE_ACTIVATIONS.has(cons[0].op_type ?? "") && !graphOutputs.has(out)
      ? (cons[0].output?.[0] ?? out)
      : out;
  };
  (g.node ?? []).forEach((n, idx) => {
    const op = n.op_type ?? "";
    if (!isDefaultDomain(n)) return;
    const ins = (n.input ?? []).filter(Boolean);
    if (QUANTIZED_OPS.has(op)) {
      // the weight must be a float initializer (MatMul may multiply two activations instead)
      const weight = inits.get(ins[1] ?? "");
      if (op !== "MatMul" && !weight) return;
      if (weight && weight.data_type !== DataType.FLOAT) return;
      if (inits.has(ins[0])) return;
      plan.weighted.push(idx);
      for (const t of ins.slice(0, 2)) if (!inits.has(t)) plan.activations.add(t);
      plan.activations.add(outputOf(n));
    } else if (ACTIVATION_OPS.has(op)) {
      if (ins.some((t) => inits.has(t))) return; // constant operands stay fp32
      const data = op === "Add" || op === "Mul" || op === "Concat" ? ins : ins.slice(0, 1);
      for (const t of data) plan.activations.add(t);
      plan.activations.add(outputOf(n));
      plan.others++;
    } else if (PASS_THROUGH_OPS.has(op) && plan.activations.has(ins[0]) && n.output?.[0] && !graphOutputs.has(n.output[0])) {
      plan.activations.add(n.output[0]);
      plan.sameRangeAs.set(n.output[0], ins[0]);
      plan.others++;
    }
  });
  return plan;
}

function qparamsU8(r: Range): { scale: number; zp: number } {
  const lo = Math.min(0, Number.isFinite(r.min) ? r.min : 0);
  const hi = Math.max(0, Number.isFinite(r.max) ? r.max : 0);
  const scale = hi - lo > 1e-12 ? (hi - lo) / 255 : 1;
  return { scale, zp: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

/** Symmetric int8 weight quantization, per output channel (axis 0) or per tensor. */
function quantizeWeight(w: Float32Array, channels: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
    const s = m > 0 ? m / 127 : 1;
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / s)));
  }
  return { q, scales };
}

/** Rewrite a decoded fp32 model into QDQ form given calibrated ranges (in place). Returns #quantized nodes. */
export function applyQdq(model: ModelProto, plan: Plan, ranges: Map<string, Range>): number {
  const g = graphOf(model);
  const opset = defaultOpset(model);
  // opset >= 13: standard Q/DQ with per-axis support; older models use ORT's com.microsoft Q/DQ (same
  // semantics, any opset) so the rest of the graph keeps its opset.
  const qDomain = opset >= 13 ? "" : "com.microsoft";
  if (qDomain && !(model.opset_import ?? []).some((o) => o.domain === qDomain)) {
    model.opset_import = [...(model.opset_import ?? []), { domain: qDomain, version: 1 }];
  }
  const fresh = nameAllocator(g);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? "", t]));
  const newInits: TensorProto[] = [];
  const prefix: NodeProto[] = [];
  const after = new Map<string, NodeProto[]>(); // tensor → Q/DQ nodes to emit right after its producer
  const rename = new Map<string, string>(); // activation → its dequantized name
  const actScale = new Map<string, number>();
  const dq = (input: string, scale: string, zp: string, output: string, axis?: number): NodeProto => ({
    op_type: "DequantizeLinear", domain: qDomain, name: fresh(`${output}_DequantizeLinear`), input: [input, scale, zp], output: [output],
    ...(axis !== undefined ? { attribute: [{ name: "axis", type: AttrType.INT, i: axis }] } : {}),
  });

  const graphInputs = new Set((g.input ?? []).map((v) => v.name ?? ""));
  const graphOutputs = new Set((g.output ?? []).map((v) => v.name ?? ""));
  const producerOf = new Map<string, NodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producerOf.set(o, n);
  // pass-through outputs take the range of the tensor their chain starts from
  for (const out of plan.sameRangeAs.keys()) {
    let root = out;
    while (plan.sameRangeAs.has(root)) root = plan.sameRangeAs.get(root)!;
    const r = ranges.get(root);
    if (r) ranges.set(out, r);
    else ranges.delete(out);
  }
  for (const t of plan.activations) {
    const r = ranges.get(t);
    if (!r) continue;
    const { scale, zp } = qparamsU8(r);
    const sName = fresh(`${t}_scale`), zName = fresh(`${t}_zero_point`), qName = fresh(`${t}_quantized`);
    // a graph output keeps its name on the DequantizeLinear (the runtime cannot fuse a node whose output
    // is a graph output); its producer writes a renamed tensor instead
    let src = t, dqName = fresh(`${t}_dequantized`);
    const producer = producerOf.get(t);
    if (graphOutputs.has(t)) {
      if (graphInputs.has(t) || !producer) continue;
      src = fresh(`${t}_prequantized`);
      producer.output = (producer.output ?? []).map((o) => (o === t ? src : o));
      dqName = t;
    } else {
      rename.set(t, dqName);
    }
    newInits.push(floatTensor(sName, [], Float32Array.of(scale)), typedTensor(zName, [], DataType.UINT8, Uint8Array.of(zp)));
    after.set(src, [
      { op_type: "QuantizeLinear", domain: qDomain, name: fresh(`${t}_QuantizeLinear`), input: [src, sName, zName], output: [qName] },
      dq(qName, sName, zName, dqName),
    ]);
    actScale.set(t, scale);
  }

  let quantized = 0;
  for (const idx of plan.weighted) {
    const n = g.node![idx];
    const ins = [...(n.input ?? [])];
    const act = ins[0];
    if (!actScale.has(act)) continue; // no calibrated range: leave the node in fp32
    const w = inits.get(ins[1])!;
    if (n.op_type === "MatMul" && !w) {
      if (!actScale.has(ins[1])) continue;
      quantized++;
      continue; // activation × activation: both inputs are already QDQ-wrapped
    }
    const dims = (w.dims ?? []).map(Number);
    const perChannel = n.op_type === "Conv";
    const channels = perChannel ? dims[0] : 1;
    const { q, scales } = quantizeWeight(readFloats(w), channels);
    const wq = fresh(`${w.name}_quantized`),
      ws = fresh(`${w.name}_scale`),
      wz = fresh(`${w.name}_zero_point`),
      wdq = fresh(`${w.name}_dequantized`);
    const sdims = perChannel ? [channels] : [];
    newInits.push(
      typedTensor(wq, dims, DataType.INT8, q),
      floatTensor(ws, sdims, scales),
      typedTensor(wz, sdims, DataType.INT8, new Int8Array(channels)),
    );
    prefix.push(dq(wq, ws, wz, wdq, perChannel ? 0 : undefined));
    ins[1] = wdq;
    // bias: int32 with scale s_x·s_w (only the plain 1-D bias of Conv, and Gemm's C when alpha = beta = 1)
    const bias = ins[2] ? inits.get(ins[2]) : undefined;
    const gemmPlain =
      n.op_type !== "Gemm" || (attrFloat(n, "alpha", 1) === 1 && attrFloat(n, "beta", 1) === 1 && attrInt(n, "transA", 0) === 0);
    if (bias && bias.data_type === DataType.FLOAT && (bias.dims ?? []).length === 1 && gemmPlain) {
      const b = readFloats(bias);
      const sx = actScale.get(act)!;
      const bscale = Float32Array.from({ length: channels }, (_, c) => sx * scales[c]);
      const per = b.length / channels;
      const bq = Int32Array.from(b, (v, i) => Math.round(v / bscale[Math.floor(i / per)]));
      const bqName = fresh(`${bias.name}_quantized`),
        bsName = fresh(`${bias.name}_scale`),
        bzName = fresh(`${bias.name}_zero_point`),
        bdq = fresh(`${bias.name}_dequantized`);
      newInits.push(
        typedTensor(bqName, [b.length], DataType.INT32, bq),
        floatTensor(bsName, sdims, bscale),
        typedTensor(bzName, sdims, DataType.INT32, new Int32Array(channels)),
      );
      prefix.push(dq(bqName, bsName, bzName, bdq, perChannel ? 0 : undefined));
      ins[2] = bdq;
    }
    n.input = ins;
    quantized++;
  }

  // consumers of every wrapped activation read its dequantized copy; graph outputs keep the fp32 name
  const nodes: NodeProto[] = [...prefix];
  for (const t of (g.input ?? []).map((v) => v.name ?? "")) nodes.push(...(after.get(t) ?? []));
  for (const n of g.node ?? []) {
    n.input = (n.input ?? []).map((i) => rename.get(i) ?? i);
    nodes.push(n);
    for (const o of n.output ?? []) nodes.push(...(after.get(o) ?? []));
  }
  g.node = nodes;
  g.initializer = [...(g.initializer ?? []), ...newInits];
  return quantized;
}

/**
 * bytes → bytes: the QDQ int8 model. `calibrate` runs the fp32 model (see ortCalibrator). A model whose
 * Conv/MatMul/Gemm cannot be quantized (non-constant weights, opset too old to raise) is refused with
 * UNSUPPORTED_OPERATOR rather than measured in fp32 under an int8 label.
 */
export async function quantizeInt8(
  bytes: Uint8Array,
  calibrate: Calibrator,
  o: { platform?: string } = {},
): Promise<{ bytes: Uint8Array; quantizedNodes: number }> {
  const model = decodeProto(bytes);
  const quantizedNodes = await quantizeModel(model, calibrate, o);
  return quantizedNodes === null ? { bytes, quantizedNodes: 0 } : { bytes: encodeModelProto(model), quantizedNodes };
}

/** quantizeInt8 on a decoded model, rewritten in place; null (model untouched) when it has no Conv/MatMul/Gemm. */
export async function quantizeModel(model: ModelProto, calibrate: Calibrator, o: { platform?: string } = {}): Promise<number | null> {
  const platform = o.platform ?? "int8";
  const candidates = (graphOf(model).node ?? []).filter((n) => isDefaultDomain(n) && QUANTIZED_OPS.has(n.op_type ?? ""));
  if (candidates.length === 0) return null;
  const refuse = (why: string) =>
    new NnlqError("UNSUPPORTED_OPERATOR", `operator ${candidates[0].op_type} is not supported on platform ${platform} (${why})`, {
      operator: candidates[0].op_type,
      platform,
    });
  if (!raiseOpsetTo10(model))
    throw refuse(`int8 kernels need opset >= 10 and this opset-${defaultOpset(model)} model uses operators that changed since`);
  freezeConstants(model);
  foldBatchNorm(model);
  const plan = planQuantization(model);
  if (plan.weighted.length === 0) throw refuse("its weights are not constant, so they cannot be quantized");
  const folded = encodeModelProto(model);
  const toCalibrate = [...plan.activations].filter((t) => !plan.sameRangeAs.has(t));
  const ranges = await calibrate(folded, toCalibrate);
  return applyQdq(model, plan, ranges) + plan.others;
}

/** Expose tensors as extra graph outputs (for calibration). */
export function exposeTensors(bytes: Uint8Array, tensors: string[]): Uint8Array {
  const model = decodeProto(bytes);
  exposeOutputs(model, tensors);
  return encodeModelProto(model);
}

/** exposeTensors on a decoded model (in place). */
export function exposeOutputs(model: ModelProto, tensors: string[]): void {
  const g = graphOf(model);
  const existing = new Set((g.output ?? []).map((o) => o.name));
  for (const t of tensors)
    if (!existing.has(t)) g.output = [...(g.output ?? []), { name: t, type: { tensor_type: { elem_type: DataType.FLOAT } } }];
}

/** Merge per-run output ranges. */
export function updateRanges(ranges: Map<string, Range>, name: string, data: ArrayLike<number>): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (data.length === 0) return;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new NnlqError("MEASUREMENT_FAILED", `calibration produced non-finite values in tensor '${name}'`, { tensor: name });
  }
  const r = ranges.get(name);
  ranges.set(name, r ? { min: Math.min(r.min, lo), max: Math.max(r.max, hi) } : { min: lo, max: hi });
}
