/**
 * DeepLabV3 / V3+ (Chen et al. 2017, 2018) semantic segmentation, torchvision / the paper's mobile variant:
 * a ResNet (bottleneck) or MobileNetV2 backbone whose last strides are replaced by dilation (output stride
 * 16 or 8), an ASPP head (1×1 conv, three dilated 3×3 convs at rates 6/12/18 — doubled at output stride 8 —
 * optionally depthwise-separable, and an image-pooling branch: GlobalAveragePool → 1×1 → bilinear Resize),
 * Concat → 1×1 projection; V3+ adds the decoder (stride-4 low-level features reduced to 48 channels, the ASPP
 * output upsampled and Concatenated, two 3×3 convs). Logits are bilinearly resized to the input size.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, makeDivisible, zInt, zIntList, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { z } from "./common";
import { MBV2_STAGES, mbconv } from "./mobile";

const RES = { min: 64, max: 1280, multiple: 16, default: 512 };
const schema = z
  .strictObject({
    ...baseShape("deeplab", RES),
    backbone: z.enum(["resnet", "mobilenetv2"]).default("resnet"),
    /** ResNet: bottleneck blocks per stage (ResNet-50 [3, 4, 6, 3], -101 [3, 4, 23, 3]). */
    depths: zIntList(4, 1, 36).default([3, 4, 6, 3]),
    /** ResNet: stage-1 planes (64 in ResNet-50); MobileNetV2: 64 × the width multiplier. */
    width: zOneOf([16, 24, 32, 48, 64]).default(64),
    outputStride: zOneOf([8, 16]).default(8),
    head: z.enum(["v3", "v3plus"]).default("v3"),
    asppChannels: zOneOf([64, 128, 256]).default(256),
    /** Depthwise-separable ASPP and decoder convs (the mobile DeepLabV3+). */
    separable: z.boolean().default(false),
    classes: zInt(1, 256).default(21),
  })
  .refine((s) => s.backbone === "resnet" || JSON.stringify(s.depths) === "[3,4,6,3]", {
    message: "depths apply to the resnet backbone only (leave the default for mobilenetv2)",
    path: ["depths"],
  });
type Spec = z.infer<typeof schema>;

/** torchvision's dilated Bottleneck: the stage's first block keeps the previous dilation. */
function bottleneck(b: GraphBuilder, x: Tensor, planes: number, stride: number, dilation: number): Tensor {
  const out = planes * 4;
  let y = b.convBnAct(x, planes, 1, "relu");
  y = b.convBnAct(y, planes, 3, "relu", { stride, dilation });
  y = b.batchNorm(b.conv(y, out, 1));
  const sc = stride !== 1 || x.shape[1] !== out ? b.batchNorm(b.conv(x, out, 1, { stride })) : x;
  return b.act(b.add(y, sc), "relu");
}

/** Returns [low-level (stride 4), high-level (stride = outputStride)]. */
function backbone(b: GraphBuilder, x: Tensor, s: Spec): [Tensor, Tensor] {
  if (s.backbone === "resnet") {
    let y = b.maxPool(b.convBnAct(x, s.width, 7, "relu", { stride: 2 }), 3, 2, 1);
    let low = y,
      dilation = 1,
      stride = 4;
    s.depths.forEach((n, stage) => {
      let st = stage === 0 ? 1 : 2;
      const previous = dilation;
      if (st === 2 && stride >= s.outputStride) {
        dilation *= 2;
        st = 1;
      } else stride *= st;
      for (let i = 0; i < n; i++) y = bottleneck(b, y, s.width * 2 ** stage, i === 0 ? st : 1, i === 0 ? previous : dilation);
      if (stage === 0) low = y;
    });
    return [low, y];
  }
  const mult = s.width / 64;
  let y = b.convBnAct(x, makeDivisible(32 * mult), 3, "relu6", { stride: 2 });
  let low = y,
    dilation = 1,
    stride = 2;
  MBV2_STAGES.forEach(([t, c, n, st0], i) => {
    let st: number = st0;
    if (st === 2 && stride >= s.outputStride) {
      dilation *= 2;
      st = 1;
    } else stride *= st;
    for (let j = 0; j < n; j++) {
      const hidden = y.shape[1] * t;
      y = mbconv(b, y, { out: makeDivisible(c * mult), hidden, kernel: 3, stride: j === 0 ? st : 1, dilation, act: "relu6" });
    }
    if (i === 1) low = y;
  });
  return [low, y];
}

/** 3×3 conv → BN → ReLU, or depthwise 3×3 → BN → ReLU → 1×1 → BN → ReLU when separable. */
function conv3(b: GraphBuilder, x: Tensor, out: number, dilation: number, separable: boolean): Tensor {
  if (!separable) return b.convBnAct(x, out, 3, "relu", { dilation });
  const dw = b.convBnAct(x, x.shape[1], 3, "relu", { dilation, group: x.shape[1] });
  return b.convBnAct(dw, out, 1, "relu");
}

function aspp(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const C = s.asppChannels,
    [, , h, w] = x.shape;
  const rates = s.outputStride === 16 ? [6, 12, 18] : [12, 24, 36];
  const branches = [b.convBnAct(x, C, 1, "relu"), ...rates.map((r) => conv3(b, x, C, r, s.separable))];
  const pooled = b.convBnAct(b.globalAvgPool(x), C, 1, "relu");
  branches.push(b.upsample(pooled, h, w, "linear", "half_pixel"));
  return b.convBnAct(b.concat(branches, 1), C, 1, "relu");
}

export const deeplab: FamilyDef<Spec> = {
  family: "deeplab",
  summary: "DeepLabV3/V3+: dilated ResNet or MobileNetV2 backbone (output stride 8/16), ASPP, bilinear upsampling",
  space: {
    backbone: "resnet (bottleneck) | mobilenetv2",
    depths: "resnet blocks per stage [1–3, 1–4, 1–23, 1–3]",
    width: "resnet stage-1 planes 16–64 | mobilenetv2 width ×(width/64)",
    outputStride: "8 | 16 (strides replaced by dilation 2, 4)",
    head: "v3 (ASPP) | v3plus (ASPP + low-level decoder)",
    asppChannels: "64 | 128 | 256",
    separable: "depthwise-separable ASPP/decoder convs (mobilenetv2 60%, resnet 20%)",
    classes: "2 | 19 | 21",
    resolution: "log-uniform 128–1280, a multiple of 16, shrunk to the v2 caps",
  },
  resolution: RES,
  example: {
    backbone: "resnet",
    depths: [3, 4, 6, 3],
    width: 64,
    outputStride: 8,
    head: "v3",
    asppChannels: 256,
    separable: false,
    classes: 21,
  },
  schema,
  since: 2,
  sample(rng) {
    return sampleWithin(
      rng,
      deeplab,
      (r) => {
        const bb = r.pick(["resnet", "mobilenetv2"] as const);
        return {
          backbone: bb,
          depths: bb === "resnet" ? [r.int(1, 3), r.int(1, 4), r.pick([1, 2, 3, 4, 6, 9, 12, 23]), r.int(1, 3)] : [3, 4, 6, 3],
          width: r.pick([16, 24, 32, 48, 64]),
          outputStride: r.pick([8, 16, 16]),
          head: r.pick(["v3", "v3plus"]),
          asppChannels: r.pick([64, 128, 256]),
          separable: r.bool(bb === "resnet" ? 0.2 : 0.6),
          classes: r.pick([2, 19, 21]),
          resolution: logUniformStep(r, 128, 1280, 16),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 128, 16);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    const [low, high] = backbone(b, x, s);
    let y = aspp(b, high, s);
    let factor = s.outputStride;
    if (s.head === "v3plus") {
      const reduced = b.convBnAct(low, 48, 1, "relu");
      const up = b.upsample(y, s.outputStride / 4, s.outputStride / 4, "linear", "half_pixel");
      y = conv3(b, b.concat([up, reduced], 1), s.asppChannels, 1, s.separable);
      y = conv3(b, y, s.asppChannels, 1, s.separable);
      factor = 4;
    } else y = b.convBnAct(y, s.asppChannels, 3, "relu");
    const logits = b.conv(y, s.classes, 1, { bias: true });
    return { logits: b.upsample(logits, factor, factor, "linear", "half_pixel") };
  },
};
