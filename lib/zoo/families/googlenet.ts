/** GoogLeNet / Inception v1 (Szegedy et al. 2015), torchvision layout (BN variant optional), no aux heads. */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, makeDivisible, zInt, zOneOf, type FamilyDef } from "../spec";
import { poolClassifier, z, zClasses } from "./common";

const RES = { min: 64 };
/** [1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool proj] of inception 3a–3b, 4a–4e, 5a–5b. */
const STAGES: number[][][] = [
  [
    [64, 96, 128, 16, 32, 32],
    [128, 128, 192, 32, 96, 64],
  ],
  [
    [192, 96, 208, 16, 48, 64],
    [160, 112, 224, 24, 64, 64],
    [128, 128, 256, 24, 64, 64],
    [112, 144, 288, 32, 64, 64],
    [256, 160, 320, 32, 128, 128],
  ],
  [
    [256, 160, 320, 32, 128, 128],
    [384, 192, 384, 48, 128, 128],
  ],
];
const WIDTHS = [0.25, 0.375, 0.5, 0.75, 1, 1.25, 1.5];
const schema = z.strictObject({
  ...baseShape("googlenet", RES),
  width: zOneOf(WIDTHS).default(1),
  depths: z.tuple([zInt(1, 2), zInt(1, 5), zInt(1, 2)]).default([2, 5, 2]),
  bn: z.boolean().default(true),
  bigKernel: zOneOf([3, 5]).default(5),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

function basic(b: GraphBuilder, x: Tensor, out: number, k: number, s: Spec, stride = 1): Tensor {
  const conv = b.conv(x, out, k, { stride, bias: !s.bn });
  return b.act(s.bn ? b.batchNorm(conv, 1e-3) : conv, "relu");
}

function inception(b: GraphBuilder, x: Tensor, cfg: number[], s: Spec): Tensor {
  const [c1, c3r, c3, c5r, c5, pp] = cfg.map((c) => makeDivisible(c * s.width, 8));
  return b.concat([
    basic(b, x, c1, 1, s),
    basic(b, basic(b, x, c3r, 1, s), c3, 3, s),
    basic(b, basic(b, x, c5r, 1, s), c5, s.bigKernel, s),
    basic(b, b.maxPool(x, 3, 1, 1, true), pp, 1, s),
  ]);
}

export const googlenet: FamilyDef<Spec> = {
  family: "googlenet",
  summary: "GoogLeNet (Inception v1): 4-branch inception modules (1×1 ‖ 3×3 ‖ 5×5 ‖ pool-proj)",
  space: {
    width: "channel multiplier 0.25–1.5 on the paper's module table",
    depths: "inception modules per stage [1–2, 1–5, 1–2] (paper: [2,5,2])",
    bn: "BN-Inception convs (conv+BN+ReLU) or plain conv+ReLU",
    bigKernel: "kernel of the '5×5' branch: 5 (paper) or 3 (torchvision)",
  },
  resolution: RES,
  example: { width: 1, depths: [2, 5, 2], bn: true, bigKernel: 5 },
  schema,
  sample(rng) {
    return {
      width: rng.pick(WIDTHS),
      depths: [rng.int(1, 2), rng.int(1, 5), rng.int(1, 2)],
      bn: rng.bool(0.7),
      bigKernel: rng.pick([3, 5]),
    };
  },
  build(b, x, s) {
    const w = (c: number) => makeDivisible(c * s.width, 8);
    let y = basic(b, x, w(64), 7, s, 2);
    y = b.maxPool(y, 3, 2, 0, true);
    y = basic(b, basic(b, y, w(64), 1, s), w(192), 3, s);
    STAGES.forEach((mods, stage) => {
      y = stage === 2 ? b.maxPool(y, 2, 2, 0, true) : b.maxPool(y, 3, 2, 0, true);
      for (const cfg of mods.slice(0, s.depths[stage])) y = inception(b, y, cfg, s);
    });
    return poolClassifier(b, y, s.classes);
  },
};
