/** ConvNeXt (Liu et al. 2022): patchify stem, 7×7 depthwise blocks with LayerNorm, GELU MLP, layer scale. */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zIntList, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("convnext", RES),
  dim: zInt(8, 512).default(96),
  depths: zIntList(4, 1, 40).default([3, 3, 9, 3]),
  kernel: zOneOf([3, 5, 7, 9]).default(7),
  mlpRatio: zOneOf([2, 3, 4]).default(4),
  layerScale: z.boolean().default(true),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

/** LayerNorm over channels of an NCHW tensor (torchvision's LayerNorm2d: permute → LN → permute). */
function layerNorm2d(b: GraphBuilder, x: Tensor): Tensor {
  return b.transpose(b.layerNorm(b.transpose(x, [0, 2, 3, 1])), [0, 3, 1, 2]);
}

function block(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const c = x.shape[1];
  let y = b.conv(x, c, s.kernel, { group: c, bias: true });
  y = b.layerNorm(b.transpose(y, [0, 2, 3, 1]));
  y = b.linear(b.act(b.linear(y, s.mlpRatio * c), "gelu"), c);
  if (s.layerScale) y = b.mulParam(y, "gamma", [c]);
  return b.add(b.transpose(y, [0, 3, 1, 2]), x);
}

export const convnext: FamilyDef<Spec> = {
  family: "convnext",
  summary: "ConvNeXt (atto … base): 4×4 patchify stem, depthwise k×k + LN + GELU MLP blocks, LN + 2×2 downsampling",
  space: {
    dim: "stage-1 channels 32 | 40 | 48 | 64 | 80 | 96 | 128 (×2 per stage)",
    depths: "blocks per stage [1–3, 1–3, 2–27, 1–3] (T = [3,3,9,3], S/B = [3,3,27,3])",
    kernel: "depthwise kernel 7 (75%) | 3 | 5",
    mlpRatio: "MLP expansion 4 (75%) | 2 | 3",
    layerScale: "per-channel layer scale (γ) or not",
  },
  resolution: RES,
  example: { dim: 96, depths: [3, 3, 9, 3], kernel: 7, mlpRatio: 4, layerScale: true },
  schema,
  sample(rng) {
    return {
      dim: rng.pick([32, 40, 48, 64, 80, 96, 128]),
      depths: [rng.int(1, 3), rng.int(1, 3), rng.int(2, 27), rng.int(1, 3)],
      kernel: rng.bool(0.75) ? 7 : rng.pick([3, 5]),
      mlpRatio: rng.bool(0.75) ? 4 : rng.pick([2, 3]),
      layerScale: rng.bool(0.8),
    };
  },
  build(b, x, s) {
    let y = layerNorm2d(b, b.conv(x, s.dim, 4, { stride: 4, pad: 0, bias: true }));
    s.depths.forEach((n, i) => {
      if (i > 0) y = b.conv(layerNorm2d(b, y), s.dim * 2 ** i, 2, { stride: 2, pad: 0, bias: true });
      for (let j = 0; j < n; j++) y = block(b, y, s);
    });
    y = b.layerNorm(b.flatten(b.globalAvgPool(y)));
    return { logits: b.gemm(y, s.classes) };
  },
};
