/**
 * SqueezeNet (Iandola et al. 2016) with the paper's metaparameters: fire module i has e_i = base_e +
 * incr_e·⌊i/freq⌋ expand filters (pct3x3 of them 3×3) and sr·e_i squeeze filters; optional simple bypass.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

const RES = { min: 64 };
const schema = z.strictObject({
  ...baseShape("squeezenet", RES),
  version: z.enum(["1.0", "1.1"]).default("1.0"),
  baseE: zInt(16, 512).default(128),
  incrE: zInt(0, 512).default(128),
  freq: zInt(1, 8).default(2),
  pct3x3: zOneOf([0.25, 0.5, 0.75]).default(0.5),
  sr: zOneOf([0.125, 0.25, 0.5, 0.75, 1]).default(0.125),
  bypass: z.boolean().default(false),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

function fire(b: GraphBuilder, x: Tensor, squeeze: number, e1: number, e3: number): Tensor {
  const s = b.act(b.conv(x, squeeze, 1, { bias: true }), "relu");
  return b.concat([b.act(b.conv(s, e1, 1, { bias: true }), "relu"), b.act(b.conv(s, e3, 3, { bias: true }), "relu")]);
}

export const squeezenet: FamilyDef<Spec> = {
  family: "squeezenet",
  summary: "SqueezeNet 1.0/1.1: fire modules (squeeze 1×1 → expand 1×1 ‖ 3×3), conv classifier",
  space: {
    version: "1.0 (7×7 stem, pools after fire 3 and 7) | 1.1 (3×3 stem, pools after fire 2 and 4)",
    baseE: "expand filters of the first fire module: 32–256",
    incrE: "expand filters added every freq modules: 32–256",
    freq: "1–4",
    pct3x3: "share of 3×3 expand filters 0.25 | 0.5 | 0.75",
    sr: "squeeze ratio 0.125–1",
    bypass: "simple residual bypass around fire modules with equal in/out channels",
  },
  resolution: RES,
  example: { version: "1.0", baseE: 128, incrE: 128, freq: 2, pct3x3: 0.5, sr: 0.125, bypass: false },
  schema,
  sample(rng) {
    return {
      version: rng.pick(["1.0", "1.1"]),
      baseE: rng.pick([32, 64, 96, 128, 192, 256]),
      incrE: rng.pick([32, 64, 96, 128, 192, 256]),
      freq: rng.int(1, 4),
      pct3x3: rng.pick([0.25, 0.5, 0.75]),
      sr: rng.pick([0.125, 0.25, 0.5, 0.75, 1]),
      bypass: rng.bool(0.3),
    };
  },
  build(b, x, s) {
    const v10 = s.version === "1.0";
    const poolAfter = v10 ? [2, 6] : [1, 3];
    let y = b.act(b.conv(x, v10 ? 96 : 64, v10 ? 7 : 3, { stride: 2, pad: 0, bias: true }), "relu");
    y = b.maxPool(y, 3, 2, 0, true);
    for (let i = 0; i < 8; i++) {
      const e = s.baseE + s.incrE * Math.floor(i / s.freq);
      const e3 = Math.floor(e * s.pct3x3);
      const out = fire(b, y, Math.max(1, Math.floor(s.sr * e)), e - e3, e3);
      y = s.bypass && out.shape[1] === y.shape[1] ? b.add(out, y) : out;
      if (poolAfter.includes(i)) y = b.maxPool(y, 3, 2, 0, true);
    }
    y = b.act(b.conv(y, s.classes, 1, { bias: true }), "relu");
    return { logits: b.flatten(b.globalAvgPool(y)) };
  },
};
