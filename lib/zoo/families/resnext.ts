/**
 * ResNeXt (Xie et al. 2017), torchvision layout: ResNet bottleneck blocks whose 3×3 conv is grouped with a
 * fixed cardinality (the same group count in every stage, the group width doubling per stage), inner width
 * int(planes · baseWidth / 64) · cardinality, output planes · 4; optional squeeze-excite (SE-ResNeXt).
 * Unlike RegNet (constant group width, no expansion), the 1×1 after the grouped conv expands the channels.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zIntList, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { poolClassifier, z, zClasses } from "./common";

const RES = { min: 32, max: 1280, default: 224 };
const schema = z
  .strictObject({
    ...baseShape("resnext", RES),
    cardinality: zOneOf([8, 16, 32, 64]).default(32),
    baseWidth: zOneOf([2, 4, 8]).default(4),
    depths: zIntList(4, 1, 36).default([3, 4, 6, 3]),
    /** Stage-1 planes (64 in torchvision; the block output is planes · 4). */
    planes: zOneOf([32, 48, 64]).default(64),
    stem: z.enum(["7x7", "deep"]).default("7x7"),
    se: z.boolean().default(false),
    classes: zClasses(),
  })
  .refine((s) => Math.floor((s.planes * s.baseWidth) / 64) >= 2, {
    message: "planes × baseWidth / 64 must be ≥ 2 channels per group (else the grouped conv is depthwise: MobileNet, not ResNeXt)",
    path: ["baseWidth"],
  });
type Spec = z.infer<typeof schema>;

function block(b: GraphBuilder, x: Tensor, s: Spec, planes: number, stride: number): Tensor {
  const width = Math.floor((planes * s.baseWidth) / 64) * s.cardinality;
  const out = planes * 4;
  let y = b.convBnAct(x, width, 1, "relu");
  y = b.convBnAct(y, width, 3, "relu", { stride, group: s.cardinality });
  y = b.batchNorm(b.conv(y, out, 1));
  if (s.se) y = b.squeezeExcite(y, out / 16);
  const shortcut = stride !== 1 || x.shape[1] !== out ? b.batchNorm(b.conv(x, out, 1, { stride })) : x;
  return b.act(b.add(y, shortcut), "relu");
}

export const resnext: FamilyDef<Spec> = {
  family: "resnext",
  summary: "ResNeXt / SE-ResNeXt: bottlenecks with grouped 3×3 convs of fixed cardinality 8–64",
  space: {
    cardinality: "groups of the 3×3 conv 8 | 16 | 32 | 64",
    baseWidth: "channels per group at stage 1 for 64 planes: 2 | 4 | 8 (32x4d, 32x8d, 64x4d); ≥ 2 channels per group",
    depths: "blocks per stage [1–3, 1–8, 1–23, 1–3] (ResNeXt-50 [3, 4, 6, 3], -101 [3, 4, 23, 3])",
    planes: "stage-1 planes 32 | 48 | 64",
    stem: "7×7 conv + maxpool (75%) | deep (3× 3×3) + maxpool",
    se: "squeeze-excite after each block (30%)",
    resolution: "log-uniform 96–1280, a multiple of 16, shrunk to the v2 caps",
  },
  resolution: RES,
  example: { cardinality: 32, baseWidth: 4, depths: [3, 4, 6, 3], planes: 64, stem: "7x7", se: false },
  schema,
  since: 2,
  sample(rng) {
    return sampleWithin(
      rng,
      resnext,
      (r) => {
        const planes = r.pick([32, 48, 64]);
        return {
          cardinality: r.pick([8, 16, 32, 32, 64]),
          baseWidth: r.pick(planes === 64 ? [2, 4, 4, 8] : [4, 4, 8]),
          depths: [r.int(1, 3), r.int(1, 8), r.pick([1, 2, 3, 4, 6, 9, 12, 18, 23]), r.int(1, 3)],
          planes,
          stem: r.bool(0.75) ? "7x7" : "deep",
          se: r.bool(0.3),
          resolution: logUniformStep(r, 96, 1280, 16),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 96, 16);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    const p = s.planes;
    let y =
      s.stem === "7x7"
        ? b.convBnAct(x, p, 7, "relu", { stride: 2 })
        : b.convBnAct(b.convBnAct(b.convBnAct(x, p / 2, 3, "relu", { stride: 2 }), p / 2, 3, "relu"), p, 3, "relu");
    y = b.maxPool(y, 3, 2, 1);
    s.depths.forEach((n, stage) => {
      for (let i = 0; i < n; i++) y = block(b, y, s, p * 2 ** stage, i === 0 && stage > 0 ? 2 : 1);
    });
    return poolClassifier(b, y, s.classes);
  },
};
