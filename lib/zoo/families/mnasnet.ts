/** MnasNet (Tan et al. 2019), torchvision's B1 layout; optional SE on three stacks as in MnasNet-A1. */
import { baseShape, zIntList, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";
import { mbconv } from "./mobile";

/** Stacks: [out channels, kernel, stride, expansion, repeats]. */
const STACKS = [
  [24, 3, 2, 3, 3],
  [40, 5, 2, 3, 3],
  [80, 5, 2, 6, 3],
  [96, 3, 1, 6, 2],
  [192, 5, 2, 6, 4],
  [320, 3, 1, 6, 1],
] as const;
const SE_STACKS = [1, 3, 4];
const ALPHAS = [0.25, 0.35, 0.5, 0.75, 1, 1.3, 1.4];
const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("mnasnet", RES),
  alpha: zOneOf(ALPHAS).default(1),
  depths: zIntList(6, 1, 8).default(STACKS.map((s) => s[4])),
  kernels: z.array(zOneOf([3, 5, 7])).length(6).default(STACKS.map((s) => s[1])),
  expansions: zIntList(6, 1, 8).default(STACKS.map((s) => s[3])),
  se: z.boolean().default(false),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

/** torchvision's _round_to_multiple_of(val * alpha, 8, 0.9). */
const scale = (c: number, alpha: number) => {
  const v = c * alpha;
  const r = Math.max(8, Math.floor(v + 4) - (Math.floor(v + 4) % 8));
  return r >= 0.9 * v ? r : r + 8;
};

export const mnasnet: FamilyDef<Spec> = {
  family: "mnasnet",
  summary: "separable-conv stem, 6 stacks of MBConv (3×3/5×5, expansion 3/6), ReLU",
  space: {
    alpha: "depth (channel) multiplier 0.25–1.4",
    depths: "repeats per stack: paper value ±1 (paper [3,3,3,2,4,1])",
    kernels: "depthwise kernel per stack 3 | 5",
    expansions: "expansion per stack 3 | 6",
    se: "squeeze-excite on stacks 2, 4, 5 (MnasNet-A1 style) or none (B1)",
  },
  resolution: RES,
  example: { alpha: 1, se: false },
  schema,
  sample(rng) {
    return {
      alpha: rng.pick(ALPHAS),
      depths: STACKS.map((st) => Math.max(1, st[4] + rng.int(-1, 1))),
      kernels: STACKS.map(() => rng.pick([3, 5])),
      expansions: STACKS.map(() => rng.pick([3, 6])),
      se: rng.bool(0.4),
    };
  },
  build(b, x, s) {
    const c0 = scale(32, s.alpha);
    let y = b.convBnAct(x, c0, 3, "relu", { stride: 2 });
    y = b.convBnAct(y, c0, 3, "relu", { group: c0 });
    y = b.batchNorm(b.conv(y, scale(16, s.alpha), 1));
    STACKS.forEach(([c, , stride], i) => {
      for (let j = 0; j < s.depths[i]; j++) {
        const hidden = y.shape[1] * s.expansions[i];
        y = mbconv(b, y, {
          out: scale(c, s.alpha),
          hidden,
          kernel: s.kernels[i],
          stride: j === 0 ? stride : 1,
          act: "relu",
          se: s.se && SE_STACKS.includes(i) ? { reduced: Math.max(8, Math.floor(hidden / 4)), act: "relu", gate: "sigmoid" } : undefined,
        });
      }
    });
    y = b.convBnAct(y, 1280, 1, "relu");
    return { logits: b.gemm(b.reduceMean(y, [2, 3], false), s.classes) };
  },
};
