/**
 * Architecture-family detection from structural motifs (vocabulary: families.ts). Rules are checked from the
 * most specific motif to the most generic; the confidence reflects how strongly the motif is present.
 *
 * Motifs: attention (MatMul → Softmax → MatMul or an Attention op) with normalization → "vit" (any
 * transformer: BERT/GPT also land here, with a lower confidence when no patch-embedding conv exists);
 * NonMaxSuppression or a multi-output conv net with upsample-and-merge (FPN) → "detector"; depthwise 7×7 +
 * LayerNorm + GELU → "convnext"; Reshape→Transpose→Reshape channel shuffle → "shufflenet"; chains of Concats
 * feeding Concats (dense connectivity) → "densenet"; fire modules (1×1 squeeze feeding a 1×1 and a 3×3 expand
 * that are concatenated) → "squeezenet"; Concats of ≥ 3 parallel branches with different kernel sizes →
 * "googlenet"; depthwise convs with SE + swish → "efficientnet", with hard-swish → "mobilenetv3", with ReLU6 →
 * "mobilenetv2", with ReLU (and 5×5 kernels) → "mnasnet"; grouped (non-depthwise) convs with residual adds →
 * "regnet"; residual adds → "resnet"; plain conv stacks → "alexnet" (large strided first kernel, few convs)
 * or "vgg" (≥ 8 mostly 3×3 convs); else "other".
 */
import { aInt, aInts } from "./attrs";
import type { DetectableFamily } from "./families";
import type { GraphIR, NodeIR, TensorIR } from "./graph";
import { inferShapes } from "./shapes";

export interface FamilyResult { family: DetectableFamily; confidence: number }

interface Stats {
  convs: NodeIR[];
  depthwise: NodeIR[];
  grouped: NodeIR[];
  residualAdds: number;
  concats: NodeIR[];
  denseConcats: number;
  fire: number;
  inception: number;
  shuffles: number;
  attention: number;
  norms: number;
  gelu: number;
  se: number;
  swish: number;
  hardswish: number;
  relu6: number;
  relu: number;
  lrn: number;
  fc: number;
  nms: number;
  upsample: number;
  outputs: number;
  patchEmbed: boolean;
  dw7: number;
  dw5: number;
  /** Classifier head: global pooling or a fully connected layer. */
  head: boolean;
}

function collect(ir: GraphIR): Stats {
  const t = (n: string): TensorIR | undefined => ir.tensors.get(n);
  const prod = (n: string | undefined): NodeIR | undefined => {
    const p = n ? (t(n)?.producer ?? -1) : -1;
    return p >= 0 ? ir.nodes[p] : undefined;
  };
  /** Walk up through shape-preserving single-input ops (BN, activations, Identity...). */
  const through = new Set([
    "BatchNormalization",
    "Relu",
    "Clip",
    "Identity",
    "Dropout",
    "Sigmoid",
    "Mul",
    "Add",
    "HardSwish",
    "LeakyRelu",
    "Elu",
  ]);
  /** A Mul/Add whose other operand is static is an affine (scale/shift) step, not a merge. */
  const affine = (n: NodeIR) => (n.opType === "Add" || n.opType === "Mul") && n.inputs.filter((x) => !t(x)?.static).length === 1;
  const origin = (name: string | undefined, depth = 6): NodeIR | undefined => {
    let n = prod(name);
    for (let i = 0; i < depth && n && through.has(n.opType) && (affine(n) || (n.opType !== "Add" && n.opType !== "Mul")); i++) {
      n = prod(n.inputs.find((x) => !t(x)?.static) ?? n.inputs[0]);
    }
    return n;
  };
  /** Walk through elementwise / cast / reshape steps (attention score scaling, masking, head reshapes). */
  const soft = new Set(["Add", "Div", "Mul", "Sub", "Where", "Cast", "Dropout", "Identity", "Reshape", "Transpose", "Softmax"]);
  const reachesMatMul = (start: NodeIR | undefined, dir: "up" | "down", hops = 4): boolean => {
    let frontier = start ? [start] : [];
    for (let h = 0; h <= hops && frontier.length; h++) {
      const next: NodeIR[] = [];
      for (const n of frontier) {
        if (n.opType === "MatMul" || n.opType === "FusedMatMul" || n.opType === "Einsum")
          return n.inputs.filter((x) => x && !t(x)?.static).length >= 2;
        if (h > 0 && !soft.has(n.opType)) continue;
        if (dir === "up") {
          for (const x of n.inputs) {
            const p = prod(x);
            if (p && !p.static) next.push(p);
          }
        } else for (const o of n.outputs) for (const c of (o ? t(o)?.consumers : undefined) ?? []) next.push(ir.nodes[c]);
      }
      frontier = next;
    }
    return false;
  };
  const s: Stats = {
    convs: [], depthwise: [], grouped: [], residualAdds: 0, concats: [], denseConcats: 0, fire: 0, inception: 0, shuffles: 0,
    attention: 0, norms: 0, gelu: 0, se: 0, swish: 0, hardswish: 0, relu6: 0, relu: 0, lrn: 0, fc: 0, nms: 0, upsample: 0,
    outputs: ir.outputs.length, patchEmbed: false, dw7: 0, dw5: 0, head: false,
  };
  const live = ir.order.map((i) => ir.nodes[i]).filter((n) => !n.static);
  for (const n of live) {
    const op = n.opType;
    if (op === "Conv" || op === "FusedConv" || op === "QLinearConv") {
      s.convs.push(n);
      const x = t(n.inputs[0]);
      const cin = x?.shape?.[1];
      const g = aInt(n.attrs, "group", 1);
      const k = aInts(n.attrs, "kernel_shape") ?? [];
      const st = aInts(n.attrs, "strides") ?? [];
      if (g > 1 && typeof cin === "number" && g === cin) {
        s.depthwise.push(n);
        if (k[0] === 7) s.dw7++;
        if (k[0] === 5) s.dw5++;
      } else if (g > 1) s.grouped.push(n);
      if (k.length === 2 && k[0] >= 4 && k[0] === st[0] && s.convs.length <= 2) s.patchEmbed = true;
    }
    if (op === "Add" || op === "Sum") {
      const ins = n.inputs.map(t).filter((x): x is TensorIR => !!x && !x.static);
      if (ins.length >= 2 && ins[0].shape && ins[0].shape.length === 4 && JSON.stringify(ins[0].shape) === JSON.stringify(ins[1].shape))
        s.residualAdds++;
    }
    if (op === "Concat") {
      s.concats.push(n);
      const srcs = n.inputs.map((x) => prod(x));
      // Dense connectivity: a Concat feeding a Concat (caffe style) or a feature map reused by several Concats.
      const shared = n.inputs.some(
        (x) => (t(x)?.consumers ?? []).filter((c) => c !== n.index && ir.nodes[c].opType === "Concat").length > 0,
      );
      if (srcs.some((p) => p?.opType === "Concat") || shared) s.denseConcats++;
      const origins = n.inputs.map((x) => origin(x));
      const convOrigins = origins.filter(
        (o): o is NodeIR => !!o && (o.opType === "Conv" || o.opType === "MaxPool" || o.opType === "AveragePool"),
      );
      if (n.inputs.length === 2 && convOrigins.length === 2 && convOrigins.every((o) => o.opType === "Conv")) {
        const [a, b] = convOrigins;
        const ka = (aInts(a.attrs, "kernel_shape") ?? [])[0];
        const kb = (aInts(b.attrs, "kernel_shape") ?? [])[0];
        const sameInput = origin(a.inputs[0], 3)?.index === origin(b.inputs[0], 3)?.index || a.inputs[0] === b.inputs[0];
        if (sameInput && ((ka === 1 && kb === 3) || (ka === 3 && kb === 1))) s.fire++;
      }
      if (n.inputs.length >= 3 && convOrigins.length >= 3) {
        const kernels = new Set(convOrigins.map((o) => (o.opType === "Conv" ? (aInts(o.attrs, "kernel_shape") ?? [])[0] : 0)));
        if (kernels.size >= 2) s.inception++;
      }
    }
    if (op === "Transpose") {
      const p = prod(n.inputs[0]);
      const c = n.outputs[0] ? t(n.outputs[0])?.consumers.map((i) => ir.nodes[i]) : [];
      const x = t(n.inputs[0]);
      if (p?.opType === "Reshape" && c?.some((q) => q.opType === "Reshape") && (x?.shape?.length ?? 0) === 5) s.shuffles++;
    }
    if (op === "Softmax" && reachesMatMul(n, "up") && reachesMatMul(n, "down")) s.attention++;
    if (op === "Attention" || op === "MultiHeadAttention" || op === "GroupQueryAttention" || op === "FlexAttention") s.attention++;
    if (/LayerNorm|LayerNormalization|RMSNormalization|SimplifiedLayerNormalization/.test(op)) s.norms++;
    if (op === "ReduceMean") {
      const c = n.outputs[0] ? t(n.outputs[0])?.consumers.map((i) => ir.nodes[i]) : [];
      if (c?.some((q) => q.opType === "Sub")) s.norms++;
    }
    if (op === "Gelu" || op === "Erf" || op === "FastGelu" || op === "BiasGelu") s.gelu++;
    if (op === "HardSwish") s.hardswish++;
    if (op === "HardSigmoid") {
      const c = n.outputs[0] ? t(n.outputs[0])?.consumers.map((i) => ir.nodes[i]) : [];
      if (c?.some((q) => q.opType === "Mul" && q.inputs.includes(n.inputs[0]))) s.hardswish++;
      else if (c?.some((q) => q.opType === "Mul")) s.se++;
    }
    if (op === "Sigmoid") {
      const c = n.outputs[0] ? t(n.outputs[0])?.consumers.map((i) => ir.nodes[i]) : [];
      if (c?.some((q) => q.opType === "Mul" && q.inputs.includes(n.inputs[0]))) s.swish++;
      const x = t(n.inputs[0]);
      const sh = x?.shape;
      if (sh && sh.length === 4 && sh[2] === 1 && sh[3] === 1) s.se++;
    }
    if (op === "Clip" || op === "Relu6") s.relu6++;
    if (op === "Relu") s.relu++;
    if (op === "LRN") s.lrn++;
    if (op === "Gemm" || (op === "MatMul" && n.inputs.some((x) => t(x)?.static))) s.fc++;
    if (op === "NonMaxSuppression") s.nms++;
    if (op === "GlobalAveragePool" || op === "GlobalMaxPool" || op === "Gemm" || (op === "AveragePool" && s.convs.length > 3))
      s.head = true;
    if (op === "Resize" || op === "Upsample" || op === "ConvTranspose") s.upsample++;
  }
  return s;
}

const clamp = (x: number) => Math.max(0.05, Math.min(0.99, Math.round(x * 100) / 100));

/** Detect the architecture family of a (shape-inferred) graph. */
export function detectFamily(input: GraphIR): FamilyResult {
  const ir = input.shapesInferred ? input : inferShapes(input);
  const s = collect(ir);
  const nConv = s.convs.length;
  const r = (family: DetectableFamily, confidence: number): FamilyResult => ({ family, confidence: clamp(confidence) });

  if (s.attention >= 1 && (s.norms >= 1 || s.attention >= 2)) return r("vit", s.patchEmbed ? 0.95 : nConv ? 0.7 : 0.6);
  if (s.nms > 0) return r("detector", 0.95);
  if (nConv >= 4 && s.outputs >= 2 && s.upsample >= 1) return r("detector", 0.8);
  if (s.depthwise.length >= 2 && s.norms >= 2 && s.gelu >= 2) return r("convnext", s.dw7 >= 2 ? 0.95 : 0.8);
  if (s.shuffles >= 3) return r("shufflenet", 0.6 + 0.3 * Math.min(1, s.shuffles / 8));
  if (s.denseConcats >= 6) return r("densenet", 0.6 + 0.35 * Math.min(1, s.denseConcats / 20));
  if (s.fire >= 4) return r("squeezenet", 0.6 + 0.35 * Math.min(1, s.fire / 8));
  if (s.inception >= 2) return r("googlenet", 0.6 + 0.35 * Math.min(1, s.inception / 9));
  if (s.depthwise.length >= 3) {
    const share = s.depthwise.length / Math.max(1, nConv);
    const base = 0.55 + 0.3 * Math.min(1, share * 3);
    if (s.hardswish >= 2) return r("mobilenetv3", base + 0.1);
    if (s.swish >= 3 && s.se >= 2) return r("efficientnet", base + 0.1);
    if (s.relu6 >= 3) return r("mobilenetv2", base + 0.05);
    // MnasNet: ReLU inverted bottlenecks (5×5 depthwise kernels; the A1 variant adds SE without swish).
    return r("mnasnet", base - (s.dw5 > 0 ? 0 : 0.15));
  }
  if (s.grouped.length >= 3 && s.residualAdds >= 2) return r("regnet", 0.6 + 0.3 * Math.min(1, s.grouped.length / 10));
  if (s.residualAdds >= 3) return r("resnet", (0.6 + 0.35 * Math.min(1, s.residualAdds / 8)) * (s.head ? 1 : 0.7));
  if (nConv >= 3 && s.residualAdds === 0 && s.concats.length === 0) {
    const first = s.convs[0];
    const k0 = (aInts(first.attrs, "kernel_shape") ?? [])[0] ?? 0;
    const st0 = (aInts(first.attrs, "strides") ?? [])[0] ?? 1;
    const k3 = s.convs.filter((c) => (aInts(c.attrs, "kernel_shape") ?? [])[0] === 3).length / nConv;
    if (nConv <= 8 && k0 >= 7 && st0 >= 2) return r("alexnet", 0.75 + (s.lrn > 0 ? 0.15 : 0) + (s.fc >= 2 ? 0.05 : 0));
    if (nConv >= 4 && k3 >= 0.8) return r("vgg", (nConv >= 8 ? 0.7 : 0.55) + 0.25 * k3 * (s.fc >= 2 ? 1 : 0.6));
  }
  return r("other", nConv || s.fc ? 0.5 : 0.3);
}
