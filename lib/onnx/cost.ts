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
 * - Control flow (subgraph costs fold into their node; see controlFlow()): If costs its dearer branch (by
 *   FLOPs, then memory access), or the taken one when the condition is known; Loop costs its body × the
 *   static trip count M; Scan its body × the scanned sequence length. A Loop/Scan whose count is not static
 *   costs one iteration and counts as an unknown-cost node. Parameters of every costed branch count once.
 * - Every node satisfies flops >= 2·macs (an unknown-cost node with known MACs gets flops = 2·macs).
 */
import { opKey } from "./util";
import { allKnown, isNum } from "./dims";
import type { GraphIR, NodeIR, SeqElem, SeqValue, TensorIR } from "./graph";
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
  /** Nodes whose cost could not be computed (unknown shapes, or a Loop/Scan count that is not static). */
  unknownNodes: number;
  /** Op key ("Conv", "com.microsoft::Attention") of each unknown-cost node, main graph and subgraphs, in visit order. */
  unknownOps: string[];
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
  // sequences and optionals hold references to tensors: building or reading one moves data, no arithmetic
  "SequenceConstruct",
  "SequenceEmpty",
  "SequenceInsert",
  "SequenceErase",
  "SequenceAt",
  "SequenceLength",
  "SplitToSequence",
  "ConcatFromSequence",
  "Optional",
  "OptionalGetElement",
  "OptionalHasElement",
]);
/** Control-flow nodes: no arithmetic of their own; their subgraphs' costs are folded in by controlFlow(). */
const CONTROL_OPS = new Set(["If", "Loop", "Scan"]);
/** Loop trip counts above this are "run until the condition says stop" sentinels (exporters write INT64_MAX). */
const MAX_STATIC_TRIPS = 2 ** 31;
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
  if (t?.present === false) return 0; // an empty optional
  if (t?.seq) return seqBytes(t.seq);
  const n = elems(t);
  return Number.isFinite(n) ? n * bytesPerElement(t!.dtype) : NaN;
}

/** Bytes of a sequence: its elements' (known elements, or length × the common element type). */
function seqBytes(s: SeqValue): number {
  const one = (e: SeqElem) => (allKnown(e.shape) ? numElements(e.shape) * bytesPerElement(e.dtype) : NaN);
  if (s.items) return s.items.reduce((a, e) => a + one(e), 0);
  return s.length === 0 ? 0 : isNum(s.length) ? s.length * one(s.elem) : NaN;
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
  if (VIEW_OPS.has(op) || MOVE_OPS.has(op) || (n.domain === "" && CONTROL_OPS.has(op))) return { macs: 0, flops: 0 };
  if (n.outputs.length === 0) return { macs: 0, flops: 0 };
  // Everything else is treated as elementwise: one operation per output element.
  return { macs: 0, flops: outN };
}

function weightSlots(n: NodeIR): number[] | "*" | undefined {
  return WEIGHT_SLOTS[n.opType];
}

interface Acc { unknown: number; unknownOps: string[] }
interface Totals { flops: number; macs: number; params: number; memoryAccess: number }

const ZERO: Totals = { flops: 0, macs: 0, params: 0, memoryAccess: 0 };

function total(per: readonly Totals[]): Totals {
  const t = { ...ZERO };
  for (const p of per) {
    t.flops += p.flops;
    t.macs += p.macs;
    t.params += p.params;
    t.memoryAccess += p.memoryAccess;
  }
  return t;
}

/** Totals of one subgraph of `n` (outer-scope names resolve in the enclosing graph). */
function subCost(n: NodeIR, attr: string, c: Ctx, seenWeights: Set<TensorIR>, acc: Acc): Totals {
  const sg = n.subgraphs[attr];
  if (!sg) return { ...ZERO };
  const t = (name: string) => (sg.tensors.get(name)?.source === "outer" ? c.t(name) : (sg.tensors.get(name) ?? c.t(name)));
  return total(costGraph(sg, { ir: sg, t }, seenWeights, acc));
}

/** A numeric scalar value known after shape inference (constants and folded shape arithmetic), else undefined. */
function knownScalar(t: TensorIR | undefined): number | undefined {
  const v = t?.value?.data;
  return v && v.length === 1 && isNum(v[0]) ? v[0] : undefined;
}

/** Iterations of a Scan: the scanned length (× the batch for opset-8 Scan), NaN when not static. */
function scanLength(n: NodeIR, c: Ctx, opset: number): number {
  const nScan = aInt(n.attrs, "num_scan_inputs", 0);
  const ins = opset < 9 ? n.inputs.slice(1) : n.inputs;
  const first = ins[ins.length - nScan];
  const x = first ? c.t(first) : undefined;
  if (!x?.shape || nScan < 1) return NaN;
  if (opset < 9) return isNum(x.shape[0]) && isNum(x.shape[1]) ? x.shape[0] * x.shape[1] : NaN;
  const axis = aInts(n.attrs, "scan_input_axes")?.[0] ?? 0;
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const d = x.shape[ax];
  return isNum(d) ? d : NaN;
}

/**
 * Cost of the subgraphs of a control-flow node, and whether the node's own count is unknown:
 * - If: the taken branch when the condition is known after inference (the other was never inferred and may be
 *   invalid for these shapes), else the dearer branch by FLOPs, then memory access — one branch runs, not both.
 *   Parameters: those of the branches costed.
 * - Loop: body × M when M (input 0) is a known number (an upper bound: a condition may stop the loop earlier;
 *   the body's shapes are those of its last inferred iteration). Without a static M (absent, computed at run
 *   time, or an INT64_MAX "until the condition stops it" sentinel) the iteration count is unknown: one
 *   iteration is counted and the node counts as unknown-cost, so the warning says its cost is a lower bound.
 * - Scan: body × the scanned sequence length (axis of the first scan input); unknown length → as for Loop.
 * - Any other op with subgraphs (contrib BeamSearch...): each subgraph once.
 */
function controlFlow(n: NodeIR, c: Ctx, seenWeights: Set<TensorIR>, acc: Acc): { cost: Totals; unknown: boolean } {
  const attrs = Object.keys(n.subgraphs);
  if (!attrs.length) return { cost: { ...ZERO }, unknown: false };
  const scaled = (b: Totals, k: number): Totals => ({
    flops: b.flops * k, macs: b.macs * k, params: b.params, memoryAccess: b.memoryAccess * k,
  });
  if (n.domain === "" && n.opType === "If") {
    const cond = knownScalar(n.inputs[0] ? c.t(n.inputs[0]) : undefined);
    const names = cond !== undefined ? [cond ? "then_branch" : "else_branch"] : ["then_branch", "else_branch"];
    // A branch shape inference could not run (invalid for these shapes) is not the one taken; when neither ran,
    // both are costed so that their nodes count as unknown.
    const ran = names.filter((a) => n.subgraphs[a]?.shapesInferred);
    const branches = (ran.length ? ran : names).map((a) => subCost(n, a, c, seenWeights, acc));
    const pick = branches.reduce((a, b) => (b.flops > a.flops || (b.flops === a.flops && b.memoryAccess > a.memoryAccess) ? b : a));
    return { cost: { ...pick, params: branches.reduce((k, b) => k + b.params, 0) }, unknown: false };
  }
  if (n.domain === "" && n.opType === "Loop") {
    const body = subCost(n, "body", c, seenWeights, acc);
    const m = knownScalar(n.inputs[0] ? c.t(n.inputs[0]) : undefined);
    if (m === undefined || !(m >= 0) || m > MAX_STATIC_TRIPS) return { cost: body, unknown: true };
    return { cost: scaled(body, Math.trunc(m)), unknown: false };
  }
  if (n.domain === "" && n.opType === "Scan") {
    const body = subCost(n, "body", c, seenWeights, acc);
    const len = scanLength(n, c, c.ir.opset);
    return Number.isFinite(len) ? { cost: scaled(body, len), unknown: false } : { cost: body, unknown: true };
  }
  return { cost: total(attrs.map((a) => subCost(n, a, c, seenWeights, acc))), unknown: false };
}

function costGraph(ir: GraphIR, c: Ctx, seenWeights: Set<TensorIR>, acc: Acc): NodeCost[] {
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
    // Control-flow nodes move nothing themselves: their subgraphs' nodes read the inputs and write the outputs.
    if (!VIEW_OPS.has(n.opType) && !(n.domain === "" && CONTROL_OPS.has(n.opType))) {
      for (const name of [...n.inputs, ...n.outputs]) if (name) memoryAccess += bytesOf(c.t(name));
    }
    const flow = controlFlow(n, c, seenWeights, acc);
    macs += flow.cost.macs;
    flops += flow.cost.flops;
    params += flow.cost.params;
    memoryAccess += flow.cost.memoryAccess;
    if (flow.unknown || !Number.isFinite(macs) || !Number.isFinite(flops) || !Number.isFinite(memoryAccess)) {
      acc.unknown++;
      acc.unknownOps.push(opKey(n.domain, n.opType));
      macs = Number.isFinite(macs) ? macs : 0;
      flops = Number.isFinite(flops) ? Math.max(flops, 2 * macs) : 2 * macs;
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
  const acc: Acc = { unknown: 0, unknownOps: [] };
  const perNode = costGraph(ir, { ir, t: (n) => ir.tensors.get(n) }, new Set(), acc);
  const sum = (k: "flops" | "macs" | "params" | "memoryAccess") => perNode.reduce((a, p) => a + p[k], 0);
  return {
    flops: sum("flops"), macs: sum("macs"), params: sum("params"), memoryAccess: sum("memoryAccess"),
    activationMemory: peakActivations(ir), perNode, unknownNodes: acc.unknown, unknownOps: acc.unknownOps,
  };
}
