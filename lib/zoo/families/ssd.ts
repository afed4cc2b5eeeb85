/**
 * SSD-style single-shot detectors with many small per-level heads — the shape of SSD300/SSDLite, MobileNet-SSD
 * and the face detectors people deploy (Ultra-Light-Fast-Generic-Face-Detector, RetinaFace-MobileNet0.25):
 *
 * - backbone: VGG-style plain convs, MobileNetV1 depthwise-separable, or MobileNetV2 inverted residuals;
 *   2 or 3 backbone maps (strides 8/16/32 or 16/32) plus 0–4 extra layers (1×1 reduce → 3×3 stride 2);
 * - optional FPN top-down path (1×1 laterals, nearest 2× Resize, Add, 3×3 merge) and SSH context modules
 *   (RetinaFace: Concat of 3×3 / 5×5 / 7×7 receptive fields built from stacked 3×3 convs);
 * - per level, its own (unshared) heads: class, box and optionally 5-point landmark convs (3×3, or SSDLite's
 *   depthwise 3×3 + 1×1), each flattened by Transpose(0,2,3,1) → Reshape [B, −1, k] and Concatenated;
 * - post-processing in the graph (`decode`): Softmax over classes and the prior-box decoding
 *   (centers + 0.1·loc·sizes, sizes·exp(0.2·loc), center → corner form) with a prior table of [N, 4].
 *
 * It differs from the `detector` family (RetinaNet: weights shared across levels, Reshape-Transpose-Reshape,
 * sigmoid scores): SSD heads have distinct weights per level, different anchors and classes.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, makeDivisible, zInt, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { z } from "./common";
import { MBV2_STAGES, mbconv } from "./mobile";

const RES = { min: 64, max: 1280, multiple: 32, default: 320 };
const schema = z
  .strictObject({
    ...baseShape("ssd", RES),
    backbone: z.enum(["vgg", "mobilenetv1", "mobilenetv2"]).default("mobilenetv1"),
    width: zOneOf([0.25, 0.5, 0.75, 1]).default(1),
    /** Backbone maps used: 2 (strides 16, 32) or 3 (8, 16, 32). */
    backboneLevels: zInt(2, 3).default(2),
    /** Extra stride-2 layers after the backbone (SSD300 has 4). */
    extras: zInt(0, 4).default(4),
    fpn: z.boolean().default(false),
    ssh: z.boolean().default(false),
    /** Channels of the FPN / SSH / extra layers. */
    neckChannels: zOneOf([16, 32, 64, 128, 256]).default(128),
    head: z.enum(["conv", "separable"]).default("conv"),
    anchors: zOneOf([2, 3, 4, 6]).default(6),
    classes: zInt(1, 1000).default(21),
    landmarks: z.boolean().default(false),
    decode: z.boolean().default(true),
  })
  .refine((s) => s.backboneLevels + s.extras >= 3, {
    message: "an SSD needs at least 3 levels (backboneLevels + extras)",
    path: ["extras"],
  });
type Spec = z.infer<typeof schema>;

/** Feature maps at strides 8, 16, 32. */
function backbone(b: GraphBuilder, x: Tensor, s: Spec): Tensor[] {
  const ch = (c: number) => makeDivisible(c * s.width);
  const feats: Tensor[] = [];
  if (s.backbone === "vgg") {
    // VGG16 as SSD300 uses it: conv4_3 (stride 8), conv5_3 (16), then pool5 + conv6 (3×3, dilation 6) + conv7 (1×1) at 32
    let y = x;
    (
      [
        [2, 64],
        [2, 128],
        [3, 256],
        [3, 512],
        [3, 512],
      ] as const
    ).forEach(([n, c], i) => {
      if (i > 0) y = b.maxPool(y, 2, 2, 0, true);
      for (let j = 0; j < n; j++) y = b.act(b.conv(y, ch(c), 3, { bias: true }), "relu");
      if (i >= 3) feats.push(y);
    });
    y = b.act(b.conv(b.maxPool(y, 2, 2), ch(1024), 3, { dilation: 6, bias: true }), "relu");
    feats.push(b.act(b.conv(y, ch(1024), 1, { bias: true }), "relu"));
    return feats;
  }
  if (s.backbone === "mobilenetv1") {
    // MobileNetV1: conv 3×3/2, then depthwise-separable [channels, stride]
    let y = b.convBnAct(x, ch(32), 3, "relu", { stride: 2 });
    const layers = [
      [64, 1],
      [128, 2],
      [128, 1],
      [256, 2],
      [256, 1],
      [512, 2],
      [512, 1],
      [512, 1],
      [512, 1],
      [512, 1],
      [512, 1],
      [1024, 2],
      [1024, 1],
    ] as const;
    layers.forEach(([c, st], i) => {
      y = b.convBnAct(y, y.shape[1], 3, "relu", { stride: st, group: y.shape[1] });
      y = b.convBnAct(y, ch(c), 1, "relu");
      if (i === 4 || i === 10 || i === 12) feats.push(y);
    });
    return feats;
  }
  let y = b.convBnAct(x, ch(32), 3, "relu6", { stride: 2 });
  MBV2_STAGES.forEach(([t, c, n, stride], i) => {
    for (let j = 0; j < n; j++) {
      y = mbconv(b, y, { out: ch(c), hidden: y.shape[1] * t, kernel: 3, stride: j === 0 ? stride : 1, act: "relu6" });
    }
    if (i === 2 || i === 4 || i === 6) feats.push(y);
  });
  return feats;
}

/** RetinaFace's SSH context module: Concat of 3×3, 5×5 (2×3×3) and 7×7 (3×3×3) receptive fields. */
function ssh(b: GraphBuilder, x: Tensor, out: number): Tensor {
  const half = out / 2,
    quarter = out / 4;
  const c3 = b.batchNorm(b.conv(x, half, 3));
  const c5a = b.convBnAct(x, quarter, 3, "leakyrelu");
  const c5 = b.batchNorm(b.conv(c5a, quarter, 3));
  const c7 = b.batchNorm(b.conv(b.convBnAct(c5a, quarter, 3, "leakyrelu"), quarter, 3));
  return b.act(b.concat([c3, c5, c7], 1), "relu");
}

/** One head conv: 3×3, or SSDLite's depthwise 3×3 → BN → ReLU6 → 1×1. */
function headConv(b: GraphBuilder, x: Tensor, out: number, s: Spec): Tensor {
  if (s.head === "conv") return b.conv(x, out, 3, { bias: true });
  const dw = b.convBnAct(x, x.shape[1], 3, "relu6", { group: x.shape[1] });
  return b.conv(dw, out, 1, { bias: true });
}

/** [B, A·k, H, W] → Transpose(0,2,3,1) → Reshape [B, H·W·A, k]. */
function flatten(b: GraphBuilder, t: Tensor, k: number): Tensor {
  return b.reshape(b.transpose(t, [0, 2, 3, 1]), [0, -1, k]);
}

/** SSD prior decoding (variances 0.1 / 0.2) to corner-form boxes. */
function decodeBoxes(b: GraphBuilder, loc: Tensor): Tensor {
  const n = loc.shape[1];
  const priors = b.paramTensor("priors", [n, 4]);
  const pxy = b.slice(priors, [0], [2], [1]),
    pwh = b.slice(priors, [2], [4], [1]);
  const lxy = b.slice(loc, [0], [2], [2]),
    lwh = b.slice(loc, [2], [4], [2]);
  const centers = b.add(b.mul(b.mulScalar(lxy, 0.1), pwh), pxy);
  const sizes = b.mul(b.unary("Exp", b.mulScalar(lwh, 0.2)), pwh);
  const half = b.mulScalar(sizes, 0.5);
  return b.concat([b.sub(centers, half), b.add(centers, half)], 2);
}

export const ssd: FamilyDef<Spec> = {
  family: "ssd",
  summary: "SSD / SSDLite / face detectors: multi-scale maps, unshared per-level heads, Transpose-Reshape-Concat, prior decoding",
  space: {
    backbone: "vgg | mobilenetv1 | mobilenetv2",
    width: "backbone width multiplier 0.25–1",
    backboneLevels: "backbone maps used 2 (strides 16, 32) | 3 (8, 16, 32)",
    extras: "extra 1×1 → 3×3/2 layers 0–4 (at least 3 levels in all)",
    fpn: "FPN top-down path with nearest Resize + Add (40%)",
    ssh: "RetinaFace SSH context modules on every level (30%)",
    neckChannels: "FPN / SSH / extra-layer channels 16–256",
    head: "3×3 conv | SSDLite depthwise-separable",
    anchors: "anchors per location 2 | 3 | 4 | 6",
    classes: "2 (face) | 21 (VOC) | 81 / 91 (COCO)",
    landmarks: "5-point landmark head, a third output (face detectors)",
    decode: "Softmax + prior-box decoding in the graph (70%)",
    resolution: "log-uniform 128–1280, a multiple of 32, shrunk to the v2 caps",
  },
  resolution: RES,
  example: {
    backbone: "mobilenetv1",
    width: 1,
    backboneLevels: 2,
    extras: 4,
    fpn: false,
    ssh: false,
    neckChannels: 128,
    head: "conv",
    anchors: 6,
    classes: 21,
    landmarks: false,
    decode: true,
  },
  schema,
  since: 2,
  sample(rng) {
    return sampleWithin(
      rng,
      ssd,
      (r) => {
        const backboneLevels = r.int(2, 3);
        const face = r.bool(0.35);
        return {
          backbone: r.pick(["vgg", "mobilenetv1", "mobilenetv1", "mobilenetv2", "mobilenetv2"]),
          width: r.pick([0.25, 0.5, 0.75, 1]),
          backboneLevels,
          extras: r.int(Math.max(0, 3 - backboneLevels), 4),
          fpn: r.bool(0.4),
          ssh: r.bool(0.3),
          neckChannels: r.pick([16, 32, 64, 128, 256]),
          head: r.pick(["conv", "separable"]),
          anchors: r.pick([2, 3, 4, 6]),
          classes: face ? 2 : r.pick([21, 81, 91]),
          landmarks: face && r.bool(0.5),
          decode: r.bool(0.7),
          resolution: logUniformStep(r, 128, 1280, 32),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 128, 32);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    const C = s.neckChannels;
    let levels = backbone(b, x, s).slice(3 - s.backboneLevels);
    let last = levels[levels.length - 1];
    for (let i = 0; i < s.extras; i++) {
      const reduced = b.act(b.conv(last, Math.max(8, C / 2), 1, { bias: true }), "relu");
      last = b.act(b.conv(reduced, C, 3, { stride: 2, bias: true }), "relu");
      levels.push(last);
    }
    if (s.fpn) {
      // top-down over the backbone maps (extra layers keep their own maps, as SSD-FPN-lite)
      const n = s.backboneLevels;
      const lat = levels.slice(0, n).map((f) => b.convBnAct(f, C, 1, "leakyrelu"));
      for (let i = n - 2; i >= 0; i--) {
        const up = b.upsample(lat[i + 1], 2, 2, "nearest");
        lat[i] = b.convBnAct(b.add(lat[i], up), C, 3, "leakyrelu");
      }
      levels = [...lat, ...levels.slice(n)];
    }
    if (s.ssh) levels = levels.map((f) => ssh(b, f, C));
    const scores: Tensor[] = [],
      boxes: Tensor[] = [],
      marks: Tensor[] = [];
    for (const f of levels) {
      scores.push(flatten(b, headConv(b, f, s.anchors * s.classes, s), s.classes));
      boxes.push(flatten(b, headConv(b, f, s.anchors * 4, s), 4));
      if (s.landmarks) marks.push(flatten(b, headConv(b, f, s.anchors * 10, s), 10));
    }
    let sc = b.concat(scores, 1),
      bx = b.concat(boxes, 1);
    if (s.decode) {
      sc = b.softmax(sc, 2);
      bx = decodeBoxes(b, bx);
    }
    return { scores: sc, boxes: bx, ...(s.landmarks ? { landmarks: b.concat(marks, 1) } : {}) };
  },
};
