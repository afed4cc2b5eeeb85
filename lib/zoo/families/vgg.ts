/** VGG (Simonyan & Zisserman 2015): 5 stages of 3×3 convs + max-pool, three fully connected layers. */
import { baseShape, zInt, zIntList, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("vgg", RES),
  depths: zIntList(5, 1, 6).default([2, 2, 3, 3, 3]),
  width: zInt(8, 128).default(64),
  bn: z.boolean().default(false),
  hidden: zOneOf([128, 256, 512, 1024, 2048, 4096]).default(4096),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

export const vgg: FamilyDef<Spec> = {
  family: "vgg",
  summary: "VGG-11/13/16/19 style plain conv stacks, with or without batch norm",
  space: {
    depths: "3×3 convs per stage: [1–2, 1–2, 1–4, 1–4, 1–4] (VGG-16 = [2,2,3,3,3])",
    width: "stage-1 channels 16–64 (×2 per stage, capped at ×8)",
    bn: "batch norm after each conv (vgg*_bn) or not",
    hidden: "fully connected width 256–4096",
  },
  resolution: RES,
  example: { depths: [2, 2, 3, 3, 3], width: 64, bn: false, hidden: 4096 },
  schema,
  sample(rng) {
    return {
      depths: [rng.int(1, 2), rng.int(1, 2), rng.int(1, 4), rng.int(1, 4), rng.int(1, 4)],
      width: rng.pick([16, 24, 32, 48, 64]),
      bn: rng.bool(),
      hidden: rng.pick([256, 512, 1024, 2048, 4096]),
    };
  },
  build(b, x, s) {
    let y = x;
    s.depths.forEach((n, stage) => {
      const c = s.width * Math.min(8, 2 ** stage);
      for (let i = 0; i < n; i++) {
        const conv = b.conv(y, c, 3, { bias: !s.bn });
        y = b.act(s.bn ? b.batchNorm(conv) : conv, "relu");
      }
      y = b.maxPool(y, 2, 2);
    });
    y = b.flatten(y);
    y = b.act(b.gemm(y, s.hidden), "relu");
    y = b.act(b.gemm(y, s.hidden), "relu");
    return { logits: b.gemm(y, s.classes) };
  },
};
