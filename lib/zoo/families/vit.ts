/** Vision Transformer (Dosovitskiy et al. 2021): patch embedding, pre-norm MHA (MatMul/Softmax) + GELU MLP. */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("vit", RES),
  patch: zOneOf([8, 14, 16, 32]).default(16),
  heads: zInt(1, 32).default(12),
  headDim: zOneOf([32, 48, 64, 80]).default(64),
  depth: zInt(1, 32).default(12),
  mlpRatio: zOneOf([2, 3, 4]).default(4),
  pool: z.enum(["cls", "mean"]).default("cls"),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

/** Multi-head self-attention on [B, T, D] from MatMul / Softmax / Reshape / Transpose. */
function attention(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const d = s.heads * s.headDim;
  const heads = (t: Tensor, perm: number[]) => b.transpose(b.reshape(t, [0, 0, s.heads, s.headDim]), perm);
  const q = heads(b.linear(x, d), [0, 2, 1, 3]); // [B, h, T, dh]
  const k = heads(b.linear(x, d), [0, 2, 3, 1]); // [B, h, dh, T]
  const v = heads(b.linear(x, d), [0, 2, 1, 3]);
  const attn = b.softmax(b.mulScalar(b.matmul(q, k), 1 / Math.sqrt(s.headDim)), -1);
  const o = b.reshape(b.transpose(b.matmul(attn, v), [0, 2, 1, 3]), [0, 0, d]);
  return b.linear(o, d);
}

function encoderBlock(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const d = x.shape[2];
  const y = b.add(x, attention(b, b.layerNorm(x), s));
  return b.add(y, b.linear(b.act(b.linear(b.layerNorm(y), s.mlpRatio * d), "gelu"), d));
}

export const vit: FamilyDef<Spec> = {
  family: "vit",
  summary: "ViT / DeiT: conv patch embedding, class token + positional embedding, pre-norm transformer encoder",
  space: {
    patch: "patch size 8 | 14 | 16 | 32 (8 only up to 224 px)",
    heads: "2 | 3 | 4 | 6 | 8 | 12 (Ti = 3, S = 6, B = 12)",
    headDim: "32 | 64 (embedding = heads × headDim)",
    depth: "encoder blocks 2–12",
    mlpRatio: "MLP expansion 4 (70%) | 2 | 3",
    pool: "class token (70%) or mean pooling",
    resolution: "multiple of the patch size in 96–320",
  },
  resolution: RES,
  example: { patch: 16, heads: 12, headDim: 64, depth: 12, mlpRatio: 4, pool: "cls" },
  schema,
  sample(rng) {
    const patch = rng.pick([8, 14, 16, 32]);
    const maxRes = patch === 8 ? 224 : 320;
    return {
      patch,
      heads: rng.pick([2, 3, 4, 6, 8, 12]),
      headDim: rng.pick([32, 64]),
      depth: rng.int(2, 12),
      mlpRatio: rng.bool(0.7) ? 4 : rng.pick([2, 3]),
      pool: rng.bool(0.7) ? "cls" : "mean",
      resolution: patch * rng.int(Math.ceil(96 / patch), Math.floor(maxRes / patch)),
    };
  },
  build(b, x, s) {
    const d = s.heads * s.headDim;
    const p = b.conv(x, d, s.patch, { stride: s.patch, pad: 0, bias: true }); // [B, D, h, w]
    const n = p.shape[2] * p.shape[3];
    let y = b.transpose(b.reshape(p, [0, d, n]), [0, 2, 1]); // [B, N, D]
    if (s.pool === "cls") {
      const cls = b.expand(b.paramTensor("cls_token", [1, 1, d]), [y.shape[0], 1, d]);
      y = b.concat([cls, y], 1);
    }
    y = b.addParam(y, "pos_embedding", [1, y.shape[1], d]);
    for (let i = 0; i < s.depth; i++) y = encoderBlock(b, y, s);
    y = b.layerNorm(y);
    y = s.pool === "cls" ? b.gather(y, 0, 1) : b.reduceMean(y, [1], false);
    return { logits: b.gemm(y, s.classes) };
  },
};
