/** ResNet (He et al. 2016), torchvision layout: basic or bottleneck blocks, 4 stages, optional deep stem. */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zIntList, zOneOf, type FamilyDef } from "../spec";
import { poolClassifier, z, zClasses } from "./common";

const RES = { min: 32 };
const schema = z
  .strictObject({
    ...baseShape("resnet", RES),
    block: z.enum(["basic", "bottleneck"]).default("basic"),
    depths: zIntList(4, 1, 48).default([2, 2, 2, 2]),
    width: zInt(8, 256).default(64),
    /** Bottleneck inner-width factor (wide_resnet50_2 has 2); basic blocks need 1. */
    wide: zOneOf([1, 2]).default(1),
    stem: z.enum(["7x7", "deep"]).default("7x7"),
    classes: zClasses(),
  })
  .refine((s) => s.block === "bottleneck" || s.wide === 1, { message: "wide applies to bottleneck blocks only", path: ["wide"] });
type Spec = z.infer<typeof schema>;

function block(b: GraphBuilder, x: Tensor, s: Spec, planes: number, stride: number): Tensor {
  const out = s.block === "basic" ? planes : planes * 4;
  let y: Tensor;
  if (s.block === "basic") {
    y = b.convBnAct(x, planes, 3, "relu", { stride });
    y = b.batchNorm(b.conv(y, planes, 3));
  } else {
    const inner = planes * s.wide;
    y = b.convBnAct(x, inner, 1, "relu");
    y = b.convBnAct(y, inner, 3, "relu", { stride });
    y = b.batchNorm(b.conv(y, out, 1));
  }
  const shortcut = stride !== 1 || x.shape[1] !== out ? b.batchNorm(b.conv(x, out, 1, { stride })) : x;
  return b.act(b.add(y, shortcut), "relu");
}

export const resnet: FamilyDef<Spec> = {
  family: "resnet",
  summary: "ResNet-18/34 (basic) and -50/101/152 (bottleneck) style networks, incl. wide and deep-stem variants",
  space: {
    block: "basic | bottleneck",
    depths: "blocks per stage: [1–3, 1–8, 1–8 (basic) or 1–24 (bottleneck), 1–3]",
    width: "stem/stage-1 channels 16–96 (doubling per stage)",
    wide: "bottleneck inner width ×1 or ×2",
    stem: "7x7 conv + maxpool, or deep (3× 3x3 conv) + maxpool",
  },
  resolution: RES,
  example: { block: "basic", depths: [2, 2, 2, 2], width: 64 },
  schema,
  sample(rng) {
    const blk = rng.pick(["basic", "bottleneck"] as const);
    return {
      block: blk,
      depths: [rng.int(1, 3), rng.int(1, 8), rng.int(1, blk === "basic" ? 8 : 24), rng.int(1, 3)],
      width: rng.pick([16, 24, 32, 40, 48, 64, 80, 96]),
      wide: blk === "bottleneck" ? rng.pick([1, 1, 2]) : 1,
      stem: rng.bool(0.7) ? "7x7" : "deep",
    };
  },
  build(b, x, s) {
    let y =
      s.stem === "7x7"
        ? b.convBnAct(x, s.width, 7, "relu", { stride: 2 })
        : b.convBnAct(b.convBnAct(b.convBnAct(x, s.width / 2, 3, "relu", { stride: 2 }), s.width / 2, 3, "relu"), s.width, 3, "relu");
    y = b.maxPool(y, 3, 2, 1);
    s.depths.forEach((n, stage) => {
      for (let i = 0; i < n; i++) y = block(b, y, s, s.width * 2 ** stage, i === 0 && stage > 0 ? 2 : 1);
    });
    return poolClassifier(b, y, s.classes);
  },
};
