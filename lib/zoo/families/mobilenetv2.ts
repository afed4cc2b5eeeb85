/** MobileNetV2 (Sandler et al. 2018): inverted residuals with linear bottlenecks, ReLU6, torchvision layout. */
import { baseShape, makeDivisible, zIntList, zOneOf, type FamilyDef } from "../spec";
import { poolClassifier, z, zClasses } from "./common";
import { MBV2_STAGES, mbconv } from "./mobile";

const RES = { min: 32 };
const WIDTHS = [0.25, 0.35, 0.5, 0.75, 1, 1.3, 1.4];
const schema = z.strictObject({
  ...baseShape("mobilenetv2", RES),
  width: zOneOf(WIDTHS).default(1),
  expansions: zIntList(7, 1, 8).default(MBV2_STAGES.map((s) => s[0])),
  depths: zIntList(7, 1, 8).default(MBV2_STAGES.map((s) => s[2])),
  kernels: z.array(zOneOf([3, 5, 7])).length(7).default([3, 3, 3, 3, 3, 3, 3]),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

export const mobilenetv2: FamilyDef<Spec> = {
  family: "mobilenetv2",
  summary: "7 stages of inverted residual blocks (1×1 expand → depthwise → 1×1 linear project)",
  space: {
    width: "width multiplier 0.25–1.4",
    expansions: "expansion ratio per stage: 1 for stage 1, 3 | 4 | 6 for the others",
    depths: "blocks per stage: paper value ±1 (paper [1,2,3,4,3,3,1])",
    kernels: "depthwise kernel per stage: all 3 (60%) or a mix of 3 and 5",
  },
  resolution: RES,
  example: { width: 1 },
  schema,
  sample(rng) {
    const mixed = rng.bool(0.4);
    return {
      width: rng.pick(WIDTHS),
      expansions: MBV2_STAGES.map((s, i) => (i === 0 ? 1 : rng.pick([3, 4, 6, 6]))),
      depths: MBV2_STAGES.map((s) => Math.max(1, s[2] + rng.int(-1, 1))),
      kernels: MBV2_STAGES.map(() => (mixed ? rng.pick([3, 5]) : 3)),
    };
  },
  build(b, x, s) {
    let y = b.convBnAct(x, makeDivisible(32 * s.width), 3, "relu6", { stride: 2 });
    MBV2_STAGES.forEach(([, c, , stride], i) => {
      const out = makeDivisible(c * s.width);
      for (let j = 0; j < s.depths[i]; j++) {
        const hidden = Math.round(y.shape[1] * s.expansions[i]);
        y = mbconv(b, y, { out, hidden, kernel: s.kernels[i], stride: j === 0 ? stride : 1, act: "relu6" });
      }
    });
    y = b.convBnAct(y, makeDivisible(1280 * Math.max(1, s.width)), 1, "relu6");
    return poolClassifier(b, y, s.classes);
  },
};
