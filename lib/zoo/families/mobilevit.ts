/**
 * MobileViT (Mehta & Rastegari 2022, v1), Apple ml-cvnets / timm layout: a conv stem and MobileNetV2 blocks,
 * then three MobileViT blocks at strides 8, 16, 32. A MobileViT block: local 3×3 conv → 1×1 to the
 * transformer width d → unfold into 2×2 patches (Reshape / Transpose to [B·4, N, d]) → L pre-norm
 * transformer layers (MatMul/Softmax attention, SiLU FFN) → fold back → 1×1 to C → Concat with the block
 * input → 3×3 fusion conv. Head: 1×1 conv, global pooling, linear classifier. Batch-agnostic reshapes.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zIntList, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { poolClassifier, z, zClasses } from "./common";
import { mbconv } from "./mobile";

const RES = { min: 64, max: 1280, multiple: 64, default: 256 };

/** Per variant: stem, [layer1, layer2, layer3..5 channels], transformer dims of layers 3–5, expansion, last conv. */
const VARIANTS = {
  xxs: { channels: [16, 24, 48, 64, 80], dims: [64, 80, 96], expansion: 2, last: 320 },
  xs: { channels: [32, 48, 64, 80, 96], dims: [96, 120, 144], expansion: 4, last: 384 },
  s: { channels: [32, 64, 96, 128, 160], dims: [144, 192, 240], expansion: 4, last: 640 },
} as const;

const schema = z.strictObject({
  ...baseShape("mobilevit", RES),
  variant: z.enum(["xxs", "xs", "s"]).default("s"),
  /** Transformer layers of the three MobileViT blocks (paper [2, 4, 3]). */
  depths: zIntList(3, 1, 8).default([2, 4, 3]),
  heads: zOneOf([1, 2, 4]).default(4),
  mlpRatio: zOneOf([2, 4]).default(2),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

function attention(b: GraphBuilder, x: Tensor, heads: number): Tensor {
  const d = x.shape[2],
    dh = d / heads;
  const split = (t: Tensor, perm: number[]) => b.transpose(b.reshape(t, [0, 0, heads, dh]), perm);
  const qkv = b.linear(x, 3 * d);
  const [q, k, v] = b.split(qkv, 2, [d, d, d]);
  const scores = b.mulScalar(b.matmul(split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])), 1 / Math.sqrt(dh));
  const o = b.matmul(b.softmax(scores, -1), split(v, [0, 2, 1, 3]));
  return b.linear(b.reshape(b.transpose(o, [0, 2, 1, 3]), [0, 0, d]), d);
}

function transformer(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const d = x.shape[2];
  const y = b.add(x, attention(b, b.layerNorm(x, 1e-5), s.heads));
  return b.add(y, b.linear(b.act(b.linear(b.layerNorm(y, 1e-5), s.mlpRatio * d), "swish"), d));
}

function mobilevitBlock(b: GraphBuilder, x: Tensor, d: number, layers: number, s: Spec): Tensor {
  const [, c, h, w] = x.shape;
  const local = b.conv(b.convBnAct(x, c, 3, "swish"), d, 1);
  // unfold 2×2 patches: [B, d, h, w] → [B·4, h·w/4, d]
  const nh = h / 2,
    nw = w / 2,
    n = nh * nw;
  let t = b.reshape(local, [-1, 2, nw, 2]); // [B·d·nh, ph, nw, pw]
  t = b.transpose(t, [0, 2, 1, 3]); // [B·d·nh, nw, ph, pw]
  t = b.reshape(t, [-1, d, n, 4]); // [B, d, N, P]
  t = b.reshape(b.transpose(t, [0, 3, 2, 1]), [-1, n, d]); // [B·P, N, d]
  for (let i = 0; i < layers; i++) t = transformer(b, t, s);
  t = b.layerNorm(t, 1e-5);
  // fold back
  t = b.transpose(b.reshape(t, [-1, 4, n, d]), [0, 3, 2, 1]); // [B, d, N, P]
  t = b.reshape(t, [-1, nw, 2, 2]); // [B·d·nh, nw, ph, pw]
  t = b.reshape(b.transpose(t, [0, 2, 1, 3]), [-1, d, h, w]);
  const proj = b.convBnAct(t, c, 1, "swish");
  return b.convBnAct(b.concat([x, proj], 1), c, 3, "swish");
}

export const mobilevit: FamilyDef<Spec> = {
  family: "mobilevit",
  summary: "MobileViT v1: MobileNetV2 blocks + MobileViT blocks (unfold 2×2 patches → transformer → fold, Concat, fuse)",
  space: {
    variant: "xxs | xs | s channel tables (transformer widths 64–240)",
    depths: "transformer layers per MobileViT block, each 1–4 (paper [2, 4, 3])",
    heads: "attention heads 1 | 2 | 4",
    mlpRatio: "FFN expansion 2 (paper) | 4",
    resolution: "log-uniform 128–1024, a multiple of 64, shrunk to the v2 caps",
  },
  resolution: RES,
  example: { variant: "s", depths: [2, 4, 3], heads: 4, mlpRatio: 2 },
  schema,
  since: 2,
  sample(rng) {
    return sampleWithin(
      rng,
      mobilevit,
      (r) => ({
        variant: r.pick(["xxs", "xs", "s"]),
        depths: [r.int(1, 4), r.int(1, 4), r.int(1, 4)],
        heads: r.pick([1, 2, 4, 4]),
        mlpRatio: r.bool(0.7) ? 2 : 4,
        resolution: logUniformStep(r, 128, 1024, 64),
      }),
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 128, 64);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    const v = VARIANTS[s.variant];
    const mv2 = (y: Tensor, out: number, stride: number) =>
      mbconv(b, y, { out, hidden: y.shape[1] * v.expansion, kernel: 3, stride, act: "swish" });
    let y = b.convBnAct(x, 16, 3, "swish", { stride: 2 });
    y = mv2(y, v.channels[0], 1);
    y = mv2(mv2(mv2(y, v.channels[1], 2), v.channels[1], 1), v.channels[1], 1);
    for (let i = 0; i < 3; i++) {
      y = mv2(y, v.channels[2 + i], 2);
      y = mobilevitBlock(b, y, v.dims[i], s.depths[i], s);
    }
    return poolClassifier(b, b.convBnAct(y, v.last, 1, "swish"), s.classes);
  },
};
