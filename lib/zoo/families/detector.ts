/**
 * A small one-stage detector (RetinaNet / SSD-lite style): ResNet or MobileNetV2 backbone, FPN neck
 * (1×1 laterals, nearest Resize top-down, 3×3 smoothing, optional P6/P7), and class + box heads shared
 * across levels. Two outputs: scores [B, anchors, classes] (sigmoid) and boxes [B, anchors, 4].
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, makeDivisible, zInt, zOneOf, type FamilyDef } from "../spec";
import { z } from "./common";
import { MBV2_STAGES, mbconv } from "./mobile";

const RES = { min: 64 };
const schema = z.strictObject({
  ...baseShape("detector", RES),
  backbone: z.enum(["resnet", "mobilenetv2"]).default("resnet"),
  width: zOneOf([0.25, 0.5, 0.75, 1]).default(1),
  depth: zInt(1, 4).default(2),
  fpnChannels: zOneOf([32, 48, 64, 96, 128, 160, 192, 256]).default(256),
  levels: zInt(3, 5).default(5),
  headDepth: zInt(0, 4).default(4),
  anchors: zOneOf([1, 3, 6, 9]).default(9),
  classes: zInt(1, 1000).default(80),
});
type Spec = z.infer<typeof schema>;

/** C3, C4, C5 (strides 8, 16, 32). */
function backbone(b: GraphBuilder, x: Tensor, s: Spec): Tensor[] {
  const feats: Tensor[] = [];
  if (s.backbone === "resnet") {
    const w = makeDivisible(64 * s.width);
    let y = b.maxPool(b.convBnAct(x, w, 7, "relu", { stride: 2 }), 3, 2, 1);
    for (let stage = 0; stage < 4; stage++) {
      for (let i = 0; i < s.depth; i++) {
        const stride = i === 0 && stage > 0 ? 2 : 1, c = w * 2 ** stage;
        const r = b.batchNorm(b.conv(b.convBnAct(y, c, 3, "relu", { stride }), c, 3));
        const sc = stride !== 1 || y.shape[1] !== c ? b.batchNorm(b.conv(y, c, 1, { stride })) : y;
        y = b.act(b.add(r, sc), "relu");
      }
      if (stage > 0) feats.push(y);
    }
  } else {
    let y = b.convBnAct(x, makeDivisible(32 * s.width), 3, "relu6", { stride: 2 });
    MBV2_STAGES.forEach(([t, c, n, stride], i) => {
      const reps = Math.max(1, Math.min(n, s.depth + (n > 2 ? 1 : 0)));
      for (let j = 0; j < reps; j++) {
        const hidden = y.shape[1] * t;
        y = mbconv(b, y, { out: makeDivisible(c * s.width), hidden, kernel: 3, stride: j === 0 ? stride : 1, act: "relu6" });
      }
      if (i === 2 || i === 4 || i === 6) feats.push(y);
    });
  }
  return feats;
}

/** Run a tower of convs whose parameters are shared across pyramid levels. */
function sharedTower(b: GraphBuilder, x: Tensor, outs: number[], shared: { weight: string; bias?: string }[]): Tensor {
  let y = x;
  outs.forEach((c, i) => {
    const last = i === outs.length - 1;
    y = b.conv(y, c, 3, { bias: true, shared: shared[i] });
    if (!shared[i]) shared[i] = b.convParams(y);
    if (!last) y = b.act(y, "relu");
  });
  return y;
}

/** [B, A·K, H, W] → [B, H·W·A, K]. */
function flattenLevel(b: GraphBuilder, t: Tensor, a: number, k: number): Tensor {
  const [, , h, w] = t.shape;
  const r = b.transpose(b.reshape(t, [0, a, k, h, w]), [0, 3, 4, 1, 2]);
  return b.reshape(r, [0, h * w * a, k]);
}

export const detector: FamilyDef<Spec> = {
  family: "detector",
  summary: "ResNet/MobileNetV2 backbone + FPN (Resize top-down) + shared class/box heads, 2 outputs",
  space: {
    backbone: "resnet (basic blocks) | mobilenetv2",
    width: "backbone width multiplier 0.25–1",
    depth: "backbone blocks per stage 1–3",
    fpnChannels: "FPN / head channels 32–256",
    levels: "pyramid levels 3 (P3–P5) | 4 (+P6) | 5 (+P7)",
    headDepth: "3×3 convs per head tower 0–4",
    anchors: "anchors per location 1 | 3 | 6 | 9",
    classes: "20 | 80 (VOC / COCO)",
  },
  resolution: RES,
  example: { backbone: "resnet", width: 1, depth: 2, fpnChannels: 256, levels: 5, headDepth: 4, anchors: 9, classes: 80 },
  schema,
  sample(rng) {
    return {
      backbone: rng.pick(["resnet", "mobilenetv2"]),
      width: rng.pick([0.25, 0.5, 0.75, 1]),
      depth: rng.int(1, 3),
      fpnChannels: rng.pick([32, 48, 64, 96, 128, 160, 192, 256]),
      levels: rng.int(3, 5),
      headDepth: rng.int(0, 4),
      anchors: rng.pick([1, 3, 6, 9]),
      classes: rng.pick([20, 80]),
    };
  },
  build(b, x, s) {
    const F = s.fpnChannels;
    const [c3, c4, c5] = backbone(b, x, s);
    const l5 = b.conv(c5, F, 1, { bias: true });
    const p4 = b.add(b.conv(c4, F, 1, { bias: true }), b.resize(l5, c4.shape[2], c4.shape[3]));
    const p3 = b.add(b.conv(c3, F, 1, { bias: true }), b.resize(p4, c3.shape[2], c3.shape[3]));
    const levels = [p3, p4, l5].map((p) => b.conv(p, F, 3, { bias: true }));
    if (s.levels >= 4) levels.push(b.conv(levels[2], F, 3, { stride: 2, bias: true }));
    if (s.levels >= 5) levels.push(b.conv(b.act(levels[3], "relu"), F, 3, { stride: 2, bias: true }));
    const tower = Array<number>(s.headDepth).fill(F);
    const clsShared: { weight: string; bias?: string }[] = [], boxShared: { weight: string; bias?: string }[] = [];
    const scores: Tensor[] = [], boxes: Tensor[] = [];
    for (const p of levels) {
      scores.push(flattenLevel(b, sharedTower(b, p, [...tower, s.anchors * s.classes], clsShared), s.anchors, s.classes));
      boxes.push(flattenLevel(b, sharedTower(b, p, [...tower, s.anchors * 4], boxShared), s.anchors, 4));
    }
    return { scores: b.act(b.concat(scores, 1), "sigmoid"), boxes: b.concat(boxes, 1) };
  },
};
