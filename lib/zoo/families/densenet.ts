/** DenseNet (Huang et al. 2017), torchvision layout: each layer concatenates all earlier features. */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zIntList, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("densenet", RES),
  growth: zInt(4, 64).default(32),
  blocks: zIntList(4, 1, 64).default([6, 12, 24, 16]),
  /** DenseNet-BC: 1×1 bottleneck (4·growth) before each 3×3. */
  bottleneck: z.boolean().default(true),
  compression: zOneOf([0.5, 1]).default(0.5),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

function denseLayer(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  let y = b.act(b.batchNorm(x), "relu");
  if (s.bottleneck) y = b.act(b.batchNorm(b.conv(y, 4 * s.growth, 1)), "relu");
  return b.conv(y, s.growth, 3);
}

export const densenet: FamilyDef<Spec> = {
  family: "densenet",
  summary: "DenseNet / DenseNet-BC: dense blocks (concatenated features) joined by 1×1 conv + 2×2 avg-pool transitions",
  space: {
    growth: "growth rate 12 | 16 | 24 | 32 | 40 | 48",
    blocks: "layers per dense block [2–6, 2–12, 2–36, 2–24] (121 = [6,12,24,16])",
    bottleneck: "BC bottleneck layers (85%) or plain 3×3",
    compression: "transition compression 0.5 (85%) or 1",
  },
  resolution: RES,
  example: { growth: 32, blocks: [6, 12, 24, 16], bottleneck: true, compression: 0.5 },
  schema,
  sample(rng) {
    return {
      growth: rng.pick([12, 16, 24, 32, 40, 48]),
      blocks: [rng.int(2, 6), rng.int(2, 12), rng.int(2, 36), rng.int(2, 24)],
      bottleneck: rng.bool(0.85),
      compression: rng.bool(0.85) ? 0.5 : 1,
    };
  },
  build(b, x, s) {
    let y = b.maxPool(b.convBnAct(x, 2 * s.growth, 7, "relu", { stride: 2 }), 3, 2, 1);
    s.blocks.forEach((n, i) => {
      const features = [y];
      for (let j = 0; j < n; j++) features.push(denseLayer(b, b.concat(features), s));
      y = b.concat(features);
      if (i < s.blocks.length - 1) {
        y = b.conv(b.act(b.batchNorm(y), "relu"), Math.floor(y.shape[1] * s.compression), 1);
        y = b.avgPool(y, 2, 2);
      }
    });
    y = b.act(b.batchNorm(y), "relu");
    return { logits: b.gemm(b.flatten(b.globalAvgPool(y)), s.classes) };
  },
};
