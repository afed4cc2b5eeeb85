/**
 * MLP-Mixer (Tolstikhin et al. 2021), timm layout: a strided conv patch embedding to [B, N, C], then blocks of
 * token mixing (LayerNorm → Transpose → MatMul N→Ds → GELU → MatMul Ds→N → Transpose, residual) and channel
 * mixing (LayerNorm → MatMul C→Dc → GELU → MatMul Dc→C, residual); LayerNorm, mean over tokens, linear head.
 * No attention: all mixing is MatMul with learned weights, so the token MLP's weights grow with N.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { sampleWithin } from "./budget";
import { z, zClasses } from "./common";

const RES = { min: 32, max: 1280, default: 224 };
/** Any resolution ≥ 32 (like `vit`): the patch conv floors a remainder, so a resolution override always fits. */
const schema = z.strictObject({
  ...baseShape("mixer", RES),
  patch: zOneOf([8, 14, 16, 32]).default(16),
  hidden: zOneOf([128, 192, 256, 384, 512, 768, 1024]).default(512),
  depth: zInt(1, 32).default(8),
  /** Token-MLP width Ds as a fraction of hidden (Mixer-S/B/L: 0.5). */
  tokenRatio: zOneOf([0.25, 0.5, 1]).default(0.5),
  /** Channel-MLP width Dc as a multiple of hidden (Mixer: 4). */
  channelRatio: zOneOf([2, 4]).default(4),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

function mlp(b: GraphBuilder, x: Tensor, hidden: number): Tensor {
  return b.linear(b.act(b.linear(x, hidden), "gelu"), x.shape[x.shape.length - 1]);
}

function mixerBlock(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const tokens = b.transpose(b.layerNorm(x), [0, 2, 1]); // [B, C, N]
  const y = b.add(x, b.transpose(mlp(b, tokens, s.hidden * s.tokenRatio), [0, 2, 1]));
  return b.add(y, mlp(b, b.layerNorm(y), s.hidden * s.channelRatio));
}

export const mixer: FamilyDef<Spec> = {
  family: "mixer",
  summary: "MLP-Mixer: patch embedding, token-mixing and channel-mixing MLPs (MatMul, GELU, LayerNorm), no attention",
  space: {
    patch: "patch size 8 | 14 | 16 | 32",
    hidden: "channels C 128–1024 (S = 512, B = 768, L = 1024)",
    depth: "mixer blocks 2–12",
    tokenRatio: "token-MLP width Ds / C 0.25 | 0.5 | 1",
    channelRatio: "channel-MLP width Dc / C 2 | 4",
    resolution: "a multiple of the patch in 96–1280 (log-uniform), shrunk to the v2 caps (any ≥ 32 is valid)",
  },
  resolution: RES,
  example: { patch: 16, hidden: 512, depth: 8, tokenRatio: 0.5, channelRatio: 4 },
  schema,
  since: 2,
  sample(rng) {
    return sampleWithin(
      rng,
      mixer,
      (r) => {
        const patch = r.pick([8, 14, 16, 16, 32]);
        const lo = Math.ceil(96 / patch),
          hi = Math.floor(1280 / patch);
        const n = Math.round(Math.exp(Math.log(lo) + r.next() * (Math.log(hi) - Math.log(lo))));
        return {
          patch,
          hidden: r.pick([128, 192, 256, 384, 512, 768, 1024]),
          depth: r.int(2, 12),
          tokenRatio: r.pick([0.25, 0.5, 0.5, 1]),
          channelRatio: r.bool(0.75) ? 4 : 2,
          resolution: patch * Math.min(hi, Math.max(lo, n)),
        };
      },
      (hp) => {
        const p = hp.patch as number,
          res = hp.resolution as number;
        const next = p * Math.min(res / p - 1, Math.floor((res * 0.85) / p));
        return next >= 96 ? { ...hp, resolution: next } : null;
      },
    );
  },
  build(b, x, s) {
    const p = b.conv(x, s.hidden, s.patch, { stride: s.patch, pad: 0, bias: true }); // [B, C, h, w]
    let y = b.transpose(b.reshape(p, [0, s.hidden, p.shape[2] * p.shape[3]]), [0, 2, 1]); // [B, N, C]
    for (let i = 0; i < s.depth; i++) y = mixerBlock(b, y, s);
    y = b.reduceMean(b.layerNorm(y), [1], false);
    return { logits: b.gemm(y, s.classes) };
  },
};
