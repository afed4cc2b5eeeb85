/**
 * EfficientNet (Tan & Le 2019): B0's MBConv stages with squeeze-excite and swish, scaled by the compound
 * rule width = 1.1^φ, depth = 1.2^φ, resolution ≈ 224·1.15^φ (the sampler draws φ; specs carry the result).
 */
import { baseShape, makeDivisible, zNum, type FamilyDef } from "../spec";
import { poolClassifier, z, zClasses } from "./common";
import { mbconv } from "./mobile";

/** B0 stages: [expansion, kernel, stride, out channels, layers]. */
const B0 = [
  [1, 3, 1, 16, 1],
  [6, 3, 2, 24, 2],
  [6, 5, 2, 40, 2],
  [6, 3, 2, 80, 3],
  [6, 5, 1, 112, 3],
  [6, 5, 2, 192, 4],
  [6, 3, 1, 320, 1],
] as const;
const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("efficientnet", RES),
  widthMult: zNum(0.25, 4).default(1),
  depthMult: zNum(0.25, 5).default(1),
  se: z.boolean().default(true),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

const round2 = (v: number) => Math.round(v * 100) / 100;

export const efficientnet: FamilyDef<Spec> = {
  family: "efficientnet",
  summary: "EfficientNet-B0 MBConv stages (SE, swish) under compound width/depth/resolution scaling",
  space: {
    phi: "compound coefficient φ ∈ −6…4 step 0.5 (B0 = 0, B1–B4 ≈ 0.5–3)",
    widthMult: "1.1^φ (channels ×, rounded to multiples of 8)",
    depthMult: "1.2^φ (layers per stage = ⌈n·depthMult⌉)",
    resolution: "224·1.15^φ ± 16, rounded to 16, clamped to 96–320",
    se: "squeeze-excite in every MBConv (90%) or none",
  },
  resolution: RES,
  example: { widthMult: 1, depthMult: 1, se: true, resolution: 224 },
  schema,
  sample(rng) {
    const phi = rng.step(-6, 4, 0.5);
    const res = Math.round((224 * 1.15 ** phi) / 16) * 16 + rng.pick([-16, 0, 16]);
    return {
      widthMult: round2(1.1 ** phi),
      depthMult: round2(1.2 ** phi),
      se: rng.bool(0.9),
      resolution: Math.min(320, Math.max(96, res)),
    };
  },
  build(b, x, s) {
    const ch = (c: number) => makeDivisible(c * s.widthMult);
    let y = b.convBnAct(x, ch(32), 3, "swish", { stride: 2 });
    for (const [e, k, stride, c, n] of B0) {
      for (let j = 0; j < Math.ceil(n * s.depthMult); j++) {
        const inC = y.shape[1];
        y = mbconv(b, y, {
          out: ch(c),
          hidden: inC * e,
          kernel: k,
          stride: j === 0 ? stride : 1,
          act: "swish",
          se: s.se ? { reduced: Math.max(1, Math.floor(inC / 4)), act: "swish", gate: "sigmoid" } : undefined,
        });
      }
    }
    y = b.convBnAct(y, 4 * y.shape[1], 1, "swish");
    return poolClassifier(b, y, s.classes);
  },
};
