/**
 * Cost model over a shape-inferred graph IR.
 *
 * Conventions (documented because published figures differ in them):
 * - MACs count multiply-accumulates of the linear ops only: Conv, ConvTranspose, Gemm, MatMul, Einsum,
 *   LSTM/GRU/RNN, attention (+ their quantized / contrib variants). This is what papers and torchvision's
 *   "GFLOPS" column report (one fused multiply-add = one operation).
 * - FLOPs count a multiply-add as 2 (FLOPs = 2·MACs for the linear ops) plus the arithmetic of every other
 *   compute op: bias add 1/output, elementwise ops 1/output element, BatchNormalization 2/element (folded
 *   scale + shift), Layer/Instance/Group normalization 7/element, Softmax 5/element, pooling one per window
 *   element, reductions one per input element, LRN (2·size + 3)/element, non-nearest Resize 4/output element.
 *   Data movement (Reshape, Transpose, Concat, Slice, Gather, Pad...) is 0 FLOPs.
 * - Parameters: elements of every static (weight) input of Conv/ConvTranspose/Gemm/MatMul/BatchNormalization/
 *   LayerNormalization — however produced: initializer, Constant node, ConstantOfShape, a graph input that also
 *   has an initializer — plus the same for their quantized/contrib variants, Instance/GroupNormalization,
 *   LSTM/GRU/RNN and Gather over a static table (embeddings). Each weight tensor is counted once. BatchNorm's
 *   running mean/variance are inputs, so they count (torchvision counts them as buffers, not parameters).
 * - Static nodes (weights and shape arithmetic computed once at load) cost nothing.
 * - memoryAccess: bytes read (all inputs, weights included) + bytes written per node; pure view ops
 *   (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) move nothing.
 * - activationMemory: peak bytes of live activations when executing in topological order (storage of view
 *   ops aliases its input; weights excluded).
 */
import { opKey } from "./util";
import { allKnown, isNum } from "./dims";
import type { GraphIR, NodeIR, TensorIR } from "./graph";
import { aInt, aStr, aInts } from "./attrs";
import { inferShapes } from "./shapes";
import { bytesPerElement, numElements } from "./tensor";

export interface NodeCost {
  node: number;
  name: string;
  op: string;
  flops: number;
  macs: number;
  params: number;
  memoryAccess: number;
}

export interface CostSummary {
  flops: number;
  macs: number;
  params: number;
  memoryAccess: number;
  activationMemory: number;
  /** One entry per non-static node of the main graph (subgraph costs fold into their If/Loop/Scan node). */
  perNode: NodeCost[];
  /** Nodes whose cost could not be computed (unknown shapes). */
  unknownNodes: number;
}

const VIEW_OPS = new Set(["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"]);
const MOVE_OPS = new Set([
  "Concat",
  "Split",
  "Slice",
  "Gather",
  "GatherElements",
  "GatherND",
  "Transpose",
  "Pad",
  "Expand",
  "Tile",
  "Shape",
  "Size",
  "Cast",
  "CastLike",
  "Constant",
  "ConstantOfShape",
  "ScatterElements",
  "ScatterND",
  "Scatter",
  "DepthToSpace",
  "SpaceToDepth",
  "Compress",
  "NonZero",
  "OneHot",
  "Range",
  "EyeLike",
  "Crop",
  "TensorScatter",
  "BitCast",
  "Resize",
  "Upsample",
]);
const NORM7 = new Set([
  "LayerNormalization",
  "InstanceNormalization",
  "GroupNormalization",
  "RMSNormalization",
  "SkipLayerNormalization",
  "SimplifiedLayerNormalization",
  "SkipSimplifiedLayerNormalization",
  "EmbedLayerNormalization",
  "MeanVarianceNormalization",
  "LpNormalization",
]);
const SOFTMAX = new Set(["Softmax", "LogSoftmax", "Hardmax"]);
const POOL = new Set(["MaxPool", "AveragePool", "LpPool"]);
const GLOBAL_POOL = new Set(["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"]);

/** Input slots holding weights, per op ("*" = every static input). */
const WEIGHT_SLOTS: Record<string, number[] | "*"> = {
  Conv: [1, 2], ConvTranspose: [1, 2], ConvInteger: [1], QLinearConv: [3, 8], FusedConv: [1, 2], DeformConv: [1, 3],
  Gemm: [0, 1, 2], MatMul: "*", MatMulInteger: "*", QLinearMatMul: [0, 3], FusedMatMul: "*", Einsum: "*",
  BatchNormalization: [1, 2, 3, 4], LayerNormalization: [1, 2], InstanceNormalization: [1, 2], GroupNormalization: [1, 2],
  RMSNormalization: [1], SkipLayerNormalization: [2, 3, 4], SkipSimplifiedLayerNormalization: [2, 3], SimplifiedLayerNormalization: [1],
  EmbedLayerNormalization: [2, 3, 4, 5, 6], Attention: [1, 2], LSTM: [1, 2, 3], GRU: [1, 2, 3], RNN: [1, 2, 3], Gather: [0],
  PRelu: [1],
};

function elems(t: TensorIR | undefined): number {
  if (!t?.shape || !allKnown(t.shape)) return NaN;
  return numElements(t.shape);
}

function bytesOf(t: TensorIR | undefined): number {
  const n = elems(t);
  return Number.isFinite(n) ? n * bytesPerElement(t!.dtype) : NaN;
}

interface Ctx { ir: GraphIR; t: (name: string) => TensorIR | undefined }

/** MACs and FLOPs of one node (NaN when shapes are unknown). */
function nodeArith(n: NodeIR, c: Ctx): { macs: number; flops: number } {
  const inT = (i: number) => (n.inputs[i] ? c.t(n.inputs[i]) : undefined);
  const outT = (i: number) => (n.outputs[i] ? c.t(n.outputs[i]) : undefined);
  const outN = elems(outT(0));
  const op = n.opType;
  const lin = (macs: number, extra = 0) => ({ macs, flops: 2 * macs + extra });
  switch (op) {
    case "Conv": case "ConvInteger": case "FusedConv": case "DeformConv": {
      const w = inT(1);
      const per = w?.shape && allKnown(w.shape) ? numElements(w.shape.slice(1)) : NaN;
      return lin(outN * per, inT(2) ? outN : 0);
    }
    case "QLinearConv": {
      const w = inT(3);
      const per = w?.shape && allKnown(w.shape) ? numElements(w.shape.slice(1)) : NaN;
      return lin(outN * per, inT(8) ? outN : 0);
    }
    case "ConvTranspose": {
      const w = inT(1);
      const per = w?.shape && allKnown(w.shape) ? numElements(w.shape.slice(1)) : NaN;
      return lin(elems(inT(0)) * per, inT(2) ? outN : 0);
    }
    case "Gemm": {
      const a = inT(0);
      if (!a?.shape || !isNum(a.shape[0]) || !isNum(a.shape[a.shape.length - 1])) return { macs: NaN, flops: NaN };
      const k = aInt(n.attrs, "transA", 0) ? a.shape[0] : (a.shape[a.shape.length - 1] as number);
      return lin(outN * (k as number), inT(2) ? outN : 0);
    }
    case "MatMul": case "MatMulInteger": case "FusedMatMul": case "QLinearMatMul": {
      const a = inT(0);
      const k = a?.shape?.[a.shape.length - 1];
      const kk = op === "FusedMatMul" && aInt(n.attrs, "transA", 0) ? a?.shape?.[a.shape.length - 2] : k;
      return lin(outN * (isNum(kk) ? kk : NaN));
    }
    case "Einsum": {
      const eq = aStr(n.attrs, "equation", "").replace(/\s+/g, "");
      const lhs = eq.split("->")[0].split(",");
      const dims = new Map<string, number>();
      let ok = true;
      lhs.forEach((term, i) => {
        const s = inT(i)?.shape;
        const letters = term.replace("...", "");
        if (!s || !allKnown(s)) { ok = false; return; }
        const off = term.includes("...") ? s.length - letters.length : 0;
        let k = term.startsWith("...") ? off : 0;
        for (const ch of letters) dims.set(ch, s[k++] as number);
        if (term.includes("...") && !term.startsWith("...")) k += off;
      });
      if (!ok || lhs.length < 2) return { macs: 0, flops: ok ? elems(outT(0)) : NaN };
      let m = 1;
      for (const d of dims.values()) m *= d;
      return lin(m);
    }
    case "LSTM": case "GRU": case "RNN": {
      const x = inT(0);
      const gates = op === "LSTM" ? 4 : op === "GRU" ? 3 : 1;
      const hidden = aInt(n.attrs, "hidden_size", NaN);
      const dirs = aStr(n.attrs, "direction", "forward") === "bidirectional" ? 2 : 1;
      if (!x?.shape || !allKnown(x.shape)) return { macs: NaN, flops: NaN };
      const [seq, batch, input] = aInt(n.attrs, "layout", 0) ? [x.shape[1], x.shape[0], x.shape[2]] : [x.shape[0], x.shape[1], x.shape[2]];
      const macs = seq * batch * dirs * gates * hidden * (input + hidden);
      return lin(macs, seq * batch * dirs * hidden * gates * 4);
    }
    case "Attention": {
      const q = inT(0);
      if (n.domain === "com.microsoft") {
        // packed QKV projection + QK^T + AV (num_heads splits do not change the totals)
        const w = inT(1);
        if (!q?.shape || !allKnown(q.shape) || !w?.shape || !allKnown(w.shape)) return { macs: NaN, flops: NaN };
        const [b, s, hin] = q.shape as number[];
        const h3 = w.shape[1] as number;
        const macs = b * s * hin * h3 + 2 * b * s * s * (h3 / 3);
        return lin(macs, b * s * s * 5);
      }
      const k = inT(1);
      const y = outT(0);
      const scores = elems(outT(3)) || NaN;
      if (!q?.shape || !k?.shape || !y?.shape) return { macs: NaN, flops: NaN };
      const qk = outT(3) ? scores : NaN;
      const dk = q.shape.length === 4 ? q.shape[3] : NaN;
      const macs = Number.isFinite(qk) && isNum(dk) ? qk * dk * 2 : NaN;
      return lin(macs, Number.isFinite(qk) ? qk * 5 : 0);
    }
    case "BatchNormalization": return { macs: 0, flops: 2 * outN };
    case "LRN": return { macs: 0, flops: outN * (2 * aInt(n.attrs, "size", 1) + 3) };
    case "Resize": case "Upsample":
      return { macs: 0, flops: aStr(n.attrs, "mode", "nearest") === "nearest" ? 0 : 4 * outN };
    default:
  }
  if (POOL.has(op)) return { macs: 0, flops: outN * numElements(aInts(n.attrs, "kernel_shape") ?? []) };
  if (GLOBAL_POOL.has(op) || op.startsWith("Reduce") || op === "ArgMax" || op === "ArgMin" || op === "CumSum")
    return { macs: 0, flops: elems(inT(0)) };
  if (NORM7.has(op)) return { macs: 0, flops: 7 * outN };
  if (SOFTMAX.has(op)) return { macs: 0, flops: 5 * outN };
  if (VIEW_OPS.has(op) || MOVE_OPS.has(op)) return { macs: 0, flops: 0 };
  if (n.outputs.length === 0) return { macs: 0, flops: 0 };
  // Everything else is treated as elementwise: one operation per output element.
  return { macs: 0, flops: outN };
}

function weightSlots(n: NodeIR): number[] | "*" | undefined {
  return WEIGHT_SLOTS[n.opType];
}

function costGraph(ir: GraphIR, c: Ctx, seenWeights: Set<TensorIR>, acc: { unknown: number }): NodeCost[] {
  const perNode: NodeCost[] = [];
  for (const idx of ir.order) {
    const n = ir.nodes[idx];
    if (n.static) continue;
    let { macs, flops } = nodeArith(n, c);
    // Parameters: static tensors in weight slots, each counted once.
    let params = 0;
    const slots = weightSlots(n);
    if (slots) {
      n.inputs.forEach((name, i) => {
        if (!name || (slots !== "*" && !slots.includes(i))) return;
        const t = c.t(name);
        if (!t?.static || seenWeights.has(t)) return;
        const e = elems(t);
        if (!Number.isFinite(e)) return;
        seenWeights.add(t);
        params += e;
      });
    }
    let memoryAccess = 0;
    if (!VIEW_OPS.has(n.opType)) {
      for (const name of [...n.inputs, ...n.outputs]) if (name) memoryAccess += bytesOf(c.t(name));
    }
    for (const sg of Object.values(n.subgraphs)) {
      const sub = costGraph(
        sg,
        { ir: sg, t: (name) => (sg.tensors.get(name)?.source === "outer" ? c.t(name) : (sg.tensors.get(name) ?? c.t(name))) },
        seenWeights,
        acc,
      );
      for (const s of sub) {
        macs += s.macs;
        flops += s.flops;
        params += s.params;
        memoryAccess += s.memoryAccess;
      }
    }
    if (!Number.isFinite(macs) || !Number.isFinite(flops) || !Number.isFinite(memoryAccess)) {
      acc.unknown++;
      macs = Number.isFinite(macs) ? macs : 0;
      flops = Number.isFinite(flops) ? flops : 0;
      memoryAccess = Number.isFinite(memoryAccess) ? memoryAccess : 0;
    }
    perNode.push({ node: n.index, name: n.name, op: opKey(n.domain, n.opType), flops, macs, params, memoryAccess });
  }
  return perNode;
}

/** Peak live activation bytes in topological order (views alias their input's storage). */
function peakActivations(ir: GraphIR): number {
  const order = ir.order.filter((i) => !ir.nodes[i].static);
  const storageOf = new Map<string, number>();
  const bytes: number[] = [];
  const birth: number[] = [];
  const death: number[] = [];
  const alloc = (name: string, step: number) => {
    const b = bytesOf(ir.tensors.get(name));
    storageOf.set(name, bytes.length);
    bytes.push(Number.isFinite(b) ? b : 0);
    birth.push(step);
    death.push(step);
  };
  for (const name of ir.inputs) alloc(name, -1);
  order.forEach((i, k) => {
    const n = ir.nodes[i];
    for (const x of n.inputs) {
      const s = x ? storageOf.get(x) : undefined;
      if (s !== undefined) death[s] = Math.max(death[s], k);
    }
    const src = n.inputs[0] ? storageOf.get(n.inputs[0]) : undefined;
    n.outputs.forEach((o, j) => {
      if (!o) return;
      if (VIEW_OPS.has(n.opType) && j === 0 && src !== undefined) storageOf.set(o, src);
      else alloc(o, k);
    });
  });
  for (const o of ir.outputs) {
    const s = storageOf.get(o);
    if (s !== undefined) death[s] = order.length;
  }
  const delta = new Map<number, number>();
  bytes.forEach((b, s) => {
    delta.set(birth[s], (delta.get(birth[s]) ?? 0) + b);
    delta.set(death[s] + 1, (delta.get(death[s] + 1) ?? 0) - b);
  });
  let live = 0;
  let peak = 0;
  for (const k of [...delta.keys()].sort((a, b) => a - b)) {
    live += delta.get(k)!;
    peak = Math.max(peak, live);
  }
  return peak;
}

/** Totals and per-node costs. Runs shape inference first when the IR has none. */
export function computeCost(input: GraphIR): CostSummary {
  const ir = input.shapesInferred ? input : inferShapes(input);
  const acc = { unknown: 0 };
  const perNode = costGraph(ir, { ir, t: (n) => ir.tensors.get(n) }, new Set(), acc);
  const sum = (k: "flops" | "macs" | "params" | "memoryAccess") => perNode.reduce((a, p) => a + p[k], 0);
  return {
    flops: sum("flops"), macs: sum("macs"), params: sum("params"), memoryAccess: sum("memoryAccess"),
    activationMemory: peakActivations(ir), perNode, unknownNodes: acc.unknown,
  };
}
