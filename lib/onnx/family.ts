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
 *
 * Zoo v2 rules (issue 17) name the families lib/zoo added in ZOO_VERSION 2. A rule only answers with a name
 * the vocabulary (families.ts) has: until a name is added there, its models get what the rules above say
 * (the documented close equivalent, ZOO_V2_EQUIVALENT), so nothing stored or served changes meanwhile;
 * `detectFamily(ir, { vocabulary })` runs them with a wider vocabulary. In order of precedence:
 * LSTM/GRU/RNN nodes (also inside If/Loop/Scan bodies) → "rnn"; attention with depthwise convs →
 * "mobilevit"; attention over a token-embedding Gather (int ids from a graph input, no convs) → "bert";
 * patch embedding + LayerNorm + GELU + MatMul MLPs without attention → "mixer"; ≥ 6 conv heads flattened by
 * Transpose/Reshape into Concats, each with its own weights → "ssd" (shared across levels stays "detector");
 * DepthToSpace / pixel-shuffle / strided ConvTranspose with no downsampling anywhere → "superres"; ≥ 3
 * dilated convs and an upsample → "deeplab"; ≥ 2 Concats merging an upsampled map with a skip → "unet";
 * and where the v1 rules would say "regnet", one group count over all grouped convs (fixed cardinality)
 * → "resnext".
 */
import { aInt, aInts } from "./attrs";
import { DETECTABLE_FAMILIES, type DetectableFamily } from "./families";
import type { GraphIR, NodeIR, TensorIR } from "./graph";
import { inferShapes } from "./shapes";

export interface FamilyResult { family: DetectableFamily; confidence: number }

/**
 * Names the Zoo v2 rules give (lib/zoo ZOO_V2_FAMILIES), and what the v1 rules answer for such a model while
 * the vocabulary lacks the name (measured on 40 seeded zoo draws per family).
 */
export const ZOO_V2_EQUIVALENT = {
  unet: "other",
  ssd: "detector (with an FPN), else its backbone's: mobilenetv2 / mnasnet / other",
  superres: "other (ESPCN, FSRCNN), resnet (EDSR's residual body) or vgg",
  deeplab: "its backbone's: resnet / mobilenetv2 / mnasnet",
  bert: "vit",
  mobilevit: "vit",
  rnn: "other",
  resnext: "regnet",
  mixer: "other",
} as const;
export type ZooV2Detected = keyof typeof ZOO_V2_EQUIVALENT;

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
  // Zoo v2 motifs
  /** LSTM / GRU / RNN nodes, subgraphs included. */
  recurrent: number;
  /** DepthToSpace, or a Reshape → 6-D Transpose → Reshape pixel shuffle. */
  pixelShuffle: number;
  /** ConvTranspose with a stride > 1. */
  upConvT: number;
  /** Strided convs / pools and global pooling (anything that lowers the resolution). */
  downsample: number;
  /** Convs with a dilation > 1. */
  dilated: number;
  /** Concats merging an upsampled map (Resize / ConvTranspose, optionally through one conv) with another. */
  upMerge: number;
  /** Gather from a static table with integer ids fed by a graph input (or EmbedLayerNormalization). */
  tokenEmbed: number;
  /** Convs whose output reaches a 3-D Concat only through Transpose/Reshape/Flatten (detection heads). */
  headConvs: NodeIR[];
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
    recurrent: countRecurrent(ir), pixelShuffle: 0, upConvT: 0, downsample: 0, dilated: 0, upMerge: 0, tokenEmbed: 0, headConvs: [],
  };
  const consumers = (n: NodeIR): NodeIR[] => n.outputs.flatMap((o) => (o ? (t(o)?.consumers ?? []) : [])).map((i) => ir.nodes[i]);
  const isUp = (n: NodeIR | undefined) => !!n && (n.opType === "Resize" || n.opType === "Upsample" || n.opType === "ConvTranspose");
  /** Whether a tensor comes from a graph input of an integer type (through Cast / Reshape / Unsqueeze...). */
  const fromIntInput = (name: string, depth = 4): boolean => {
    const x = t(name);
    if (!x) return false;
    if (x.source === "input") return x.dtype === 6 || x.dtype === 7;
    const p = prod(name);
    return !!p && depth > 0 && ["Cast", "Reshape", "Unsqueeze", "Squeeze", "Identity", "Slice", "Flatten"].includes(p.opType) && fromIntInput(p.inputs[0], depth - 1);
  };
  /** Whether a conv's output reaches a rank-3 Concat through layout ops only, with at least one Reshape/Flatten. */
  const feedsHeadConcat = (n: NodeIR): boolean => {
    let frontier = consumers(n), reshaped = false;
    for (let hop = 0; hop < 4 && frontier.length === 1; hop++) {
      const c = frontier[0];
      if (c.opType === "Concat") return reshaped && (t(c.outputs[0])?.shape?.length ?? 0) === 3;
      if (!["Transpose", "Reshape", "Flatten"].includes(c.opType)) return false;
      if (c.opType !== "Transpose") reshaped = true;
      frontier = consumers(c);
    }
    return false;
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
      if (st.some((v) => v > 1)) s.downsample++;
      if ((aInts(n.attrs, "dilations") ?? []).some((v) => v > 1)) s.dilated++;
      if (feedsHeadConcat(n)) s.headConvs.push(n);
    }
    if (op === "MaxPool" || op === "AveragePool") {
      if ((aInts(n.attrs, "strides") ?? []).some((v) => v > 1)) s.downsample++;
    }
    if (op === "GlobalAveragePool" || op === "GlobalMaxPool") s.downsample++;
    if (op === "ConvTranspose" && (aInts(n.attrs, "strides") ?? []).some((v) => v > 1)) s.upConvT++;
    if (op === "DepthToSpace") s.pixelShuffle++;
    if (op === "Transpose" && (t(n.inputs[0])?.shape?.length ?? 0) === 6 && prod(n.inputs[0])?.opType === "Reshape") {
      if (consumers(n).some((q) => q.opType === "Reshape")) s.pixelShuffle++;
    }
    if (op === "Gather" && t(n.inputs[0])?.static && (t(n.inputs[0])?.shape?.length ?? 0) === 2 && fromIntInput(n.inputs[1])) s.tokenEmbed++;
    if (op === "EmbedLayerNormalization") s.tokenEmbed++;
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
      const ups = n.inputs.filter((x) => {
        const p = prod(x);
        return isUp(p) || (p?.opType === "Conv" && isUp(prod(p.inputs[0])));
      });
      const rank4 = (t(n.outputs[0])?.shape?.length ?? 0) === 4;
      if (rank4 && n.inputs.length >= 2 && ups.length >= 1 && ups.length < n.inputs.length) s.upMerge++;
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

/** LSTM / GRU / RNN nodes of a graph and of its If / Loop / Scan bodies (voice models hide them there). */
function countRecurrent(ir: GraphIR): number {
  let n = 0;
  for (const node of ir.nodes) {
    if (node.opType === "LSTM" || node.opType === "GRU" || node.opType === "RNN") n++;
    for (const g of Object.values(node.subgraphs)) n += countRecurrent(g);
  }
  return n;
}

/** Head convs each with their own weights (SSD) rather than one tower shared across levels (RetinaNet). */
function unsharedHeads(heads: NodeIR[]): boolean {
  return new Set(heads.map((n) => n.inputs[1])).size === heads.length;
}

/** Every grouped conv uses the same group count, over ≥ 2 channel widths (ResNeXt's fixed cardinality). */
function fixedCardinality(grouped: NodeIR[], ir: GraphIR): boolean {
  const groups = new Set(grouped.map((n) => aInt(n.attrs, "group", 1)));
  const widths = new Set(grouped.map((n) => ir.tensors.get(n.inputs[0])?.shape?.[1]));
  return groups.size === 1 && widths.size >= 2;
}

const clamp = (x: number) => Math.max(0.05, Math.min(0.99, Math.round(x * 100) / 100));

export interface DetectOptions {
  /** Family names the answer may use (default: the shared vocabulary); Zoo v2 rules need their names in it. */
  vocabulary?: readonly string[];
}

/** Detect the architecture family of a (shape-inferred) graph. */
export function detectFamily(input: GraphIR): FamilyResult;
export function detectFamily(input: GraphIR, o: DetectOptions): { family: DetectableFamily | ZooV2Detected; confidence: number };
export function detectFamily(input: GraphIR, o: DetectOptions = {}): { family: DetectableFamily | ZooV2Detected; confidence: number } {
  const ir = input.shapesInferred ? input : inferShapes(input);
  const s = collect(ir);
  const nConv = s.convs.length;
  const r = (family: DetectableFamily, confidence: number): FamilyResult => ({ family, confidence: clamp(confidence) });
  const vocabulary = new Set<string>(o.vocabulary ?? DETECTABLE_FAMILIES);
  const v2 = (family: ZooV2Detected, confidence: number, when: boolean) =>
    when && vocabulary.has(family) ? { family, confidence: clamp(confidence) } : undefined;
  const attention = s.attention >= 1 && (s.norms >= 1 || s.attention >= 2);

  const zoo2 =
    v2("rnn", 0.9, s.recurrent >= 1) ??
    v2("mobilevit", 0.85, attention && s.depthwise.length >= 2) ??
    v2("bert", nConv === 0 ? 0.85 : 0.7, attention && s.tokenEmbed >= 1 && !s.patchEmbed) ??
    v2("mixer", 0.8, !attention && s.patchEmbed && s.depthwise.length === 0 && s.norms >= 2 && s.gelu >= 2 && s.fc >= 4) ??
    v2("ssd", 0.8, s.nms === 0 && s.headConvs.length >= 6 && unsharedHeads(s.headConvs)) ??
    v2("superres", 0.85, nConv >= 2 && s.downsample === 0 && s.pixelShuffle + s.upConvT >= 1) ??
    v2("deeplab", 0.85, s.dilated >= 3 && s.upsample >= 1) ??
    v2("unet", 0.8, s.upMerge >= 2 && s.downsample >= 1);
  if (zoo2) return zoo2;

  if (attention) return r("vit", s.patchEmbed ? 0.95 : nConv ? 0.7 : 0.6);
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
  if (s.grouped.length >= 3 && s.residualAdds >= 2) {
    const confidence = 0.6 + 0.3 * Math.min(1, s.grouped.length / 10);
    return v2("resnext", confidence, fixedCardinality(s.grouped, ir)) ?? r("regnet", confidence);
  }
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
