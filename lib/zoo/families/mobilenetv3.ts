/** MobileNetV3 Large/Small (Howard et al. 2019): h-swish, squeeze-excite with hard-sigmoid gates. */
import type { Tensor } from "../builder";
import { baseShape, makeDivisible, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";
import { mbconv } from "./mobile";

/** [kernel, expanded, out, SE, h-swish, stride] as in the paper's tables 1 and 2. */
type Row = [number, number, number, boolean, boolean, number];
const LARGE: Row[] = [
  [3, 16, 16, false, false, 1], [3, 64, 24, false, false, 2], [3, 72, 24, false, false, 1],
  [5, 72, 40, true, false, 2], [5, 120, 40, true, false, 1], [5, 120, 40, true, false, 1],
  [3, 240, 80, false, true, 2], [3, 200, 80, false, true, 1], [3, 184, 80, false, true, 1], [3, 184, 80, false, true, 1],
  [3, 480, 112, true, true, 1], [3, 672, 112, true, true, 1],
  [5, 672, 160, true, true, 2], [5, 960, 160, true, true, 1], [5, 960, 160, true, true, 1],
];
const SMALL: Row[] = [
  [3, 16, 16, true, false, 2], [3, 72, 24, false, false, 2], [3, 88, 24, false, false, 1],
  [5, 96, 40, true, true, 2], [5, 240, 40, true, true, 1], [5, 240, 40, true, true, 1],
  [5, 120, 48, true, true, 1], [5, 144, 48, true, true, 1],
  [5, 288, 96, true, true, 2], [5, 576, 96, true, true, 1], [5, 576, 96, true, true, 1],
];
const WIDTHS = [0.35, 0.5, 0.75, 1, 1.25];
const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("mobilenetv3", RES),
  variant: z.enum(["large", "small"]).default("large"),
  width: zOneOf(WIDTHS).default(1),
  se: z.boolean().default(true),
  /** The "minimalistic" variant: ReLU instead of h-swish and 3×3 instead of 5×5 kernels. */
  minimalistic: z.boolean().default(false),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

export const mobilenetv3: FamilyDef<Spec> = {
  family: "mobilenetv3",
  summary: "MobileNetV3-Large/Small: inverted residuals with h-swish and hard-sigmoid squeeze-excite",
  space: {
    variant: "large | small (paper tables)",
    width: "width multiplier 0.35–1.25",
    se: "squeeze-excite on the table's SE blocks, or none",
    minimalistic: "minimalistic variant (ReLU, 3×3 kernels) or not",
  },
  resolution: RES,
  example: { variant: "large", width: 1, se: true, minimalistic: false },
  schema,
  sample(rng) {
    return { variant: rng.pick(["large", "small"]), width: rng.pick(WIDTHS), se: rng.bool(0.8), minimalistic: rng.bool(0.25) };
  },
  build(b, x, s) {
    const ch = (c: number) => makeDivisible(c * s.width);
    const hs = s.minimalistic ? "relu" : "hswish";
    let y: Tensor = b.convBnAct(x, ch(16), 3, hs, { stride: 2 });
    for (const [k, exp, out, se, hswish, stride] of s.variant === "large" ? LARGE : SMALL) {
      const hidden = ch(exp);
      y = mbconv(b, y, {
        out: ch(out),
        hidden,
        kernel: s.minimalistic ? 3 : k,
        stride,
        act: hswish && !s.minimalistic ? "hswish" : "relu",
        se: se && s.se ? { reduced: makeDivisible(hidden / 4), act: "relu", gate: "hsigmoid" } : undefined,
      });
    }
    y = b.convBnAct(y, 6 * y.shape[1], 1, hs);
    y = b.flatten(b.globalAvgPool(y));
    y = b.act(b.gemm(y, ch(s.variant === "large" ? 1280 : 1024)), hs);
    return { logits: b.gemm(y, s.classes) };
  },
};
