/**
 * BERT-style transformer encoders over token ids, as Hugging Face exports them (BERT, RoBERTa, DistilBERT,
 * MiniLM, ELECTRA; a pre-norm variant for GPT-2-like stacks):
 *
 * - inputs `input_ids` [B, T] int64, optionally `attention_mask` (→ Unsqueeze, Cast, (1 − m)·−10000 added to
 *   the scores) and `token_type_ids`; `resolution` is the sequence length T;
 * - embeddings: word Gather [vocab, D] + position Gather of constant ids [1, T] from a 512-row table
 *   (+ token-type Gather) → LayerNormalization;
 * - layers: Q/K/V MatMul+Add, Reshape/Transpose to heads, Q·Kᵀ / √dh, Softmax, ·V, output projection,
 *   residual + LayerNormalization (post-norm, BERT) or LayerNormalization first (pre-norm); FFN D → r·D with
 *   GELU as Erf (torch at opset 17), the tanh approximation (HF `gelu_new`) or the Gelu op (opset 20);
 * - head: last hidden state, a pooler (token 0 → Gemm → Tanh) + classifier, or span (QA) logits.
 */
import { DataType } from "@/lib/onnx/proto";
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { z } from "./common";

const MAX_POSITIONS = 512;
/** Token-type rows, as BERT's type_vocab_size (nnlq's measurement feeds ids inside the table an input indexes). */
const TYPE_VOCAB = 2;
const RES = { min: 8, max: MAX_POSITIONS, default: 128 };
const VOCABS = [8192, 21128, 28996, 30522, 50265];
const schema = z
  .strictObject({
    ...baseShape("bert", RES),
    layers: zInt(1, 24).default(12),
    heads: zOneOf([2, 4, 6, 8, 12, 16]).default(12),
    headDim: zOneOf([32, 64]).default(64),
    ffnRatio: zOneOf([2, 3, 4]).default(4),
    vocab: zOneOf(VOCABS).default(30522),
    inputs: z.enum(["ids", "ids+mask", "ids+mask+types"]).default("ids+mask+types"),
    norm: z.enum(["post", "pre"]).default("post"),
    gelu: z.enum(["erf", "tanh", "op"]).default("erf"),
    head: z.enum(["sequence", "pooled", "qa"]).default("sequence"),
    classes: zInt(1, 1000).default(2),
  })
  .refine((s) => s.heads * s.headDim >= 128 && s.heads * s.headDim <= 1024, {
    message: "hidden size heads × headDim must be 128–1024",
    path: ["heads"],
  })
  .refine((s) => s.head === "pooled" || s.classes === 2, { message: "classes apply to the pooled head only", path: ["classes"] });
type Spec = z.infer<typeof schema>;

const GELU = { erf: "gelu", tanh: "gelu_tanh", op: "gelu_op" } as const;

function attention(b: GraphBuilder, x: Tensor, mask: Tensor | undefined, s: Spec): Tensor {
  const d = s.heads * s.headDim;
  const heads = (t: Tensor, perm: number[]) => b.transpose(b.reshape(t, [0, 0, s.heads, s.headDim]), perm);
  const q = heads(b.linear(x, d), [0, 2, 1, 3]); // [B, h, T, dh]
  const k = heads(b.linear(x, d), [0, 2, 3, 1]); // [B, h, dh, T]
  const v = heads(b.linear(x, d), [0, 2, 1, 3]);
  let scores = b.div(b.matmul(q, k), { name: b.scalar(Math.sqrt(s.headDim)), shape: [] });
  if (mask) scores = b.add(scores, mask);
  const o = b.reshape(b.transpose(b.matmul(b.softmax(scores, -1), v), [0, 2, 1, 3]), [0, 0, d]);
  return b.linear(o, d);
}

function ffn(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const d = x.shape[2];
  return b.linear(b.act(b.linear(x, s.ffnRatio * d), GELU[s.gelu]), d);
}

function layer(b: GraphBuilder, x: Tensor, mask: Tensor | undefined, s: Spec): Tensor {
  if (s.norm === "pre") {
    const y = b.add(x, attention(b, b.layerNorm(x, 1e-12), mask, s));
    return b.add(y, ffn(b, b.layerNorm(y, 1e-12), s));
  }
  const y = b.layerNorm(b.add(x, attention(b, x, mask, s)), 1e-12);
  return b.layerNorm(b.add(y, ffn(b, y, s)), 1e-12);
}

export const bert: FamilyDef<Spec> = {
  family: "bert",
  summary: "BERT-like text encoders: token/position/type Gather embeddings, MatMul-Softmax attention, LayerNorm, GELU",
  space: {
    layers: "encoder layers 2–12",
    heads: "2 | 4 | 6 | 8 | 12 | 16 (hidden = heads × headDim, 128–1024)",
    headDim: "32 | 64",
    ffnRatio: "FFN expansion 4 (75%) | 2 | 3",
    vocab: "8192 | 21128 | 28996 | 30522 | 50265 rows of the word embedding",
    inputs: "input_ids | + attention_mask | + token_type_ids",
    norm: "post-norm (BERT, 80%) | pre-norm",
    gelu: "Erf form (60%) | tanh approximation | Gelu op (opset 20)",
    head: "last hidden state | pooler + classifier (2–20 classes) | QA span logits",
    resolution: "sequence length, log-uniform 16–512, shrunk to the v2 caps",
  },
  resolution: RES,
  example: {
    layers: 12,
    heads: 12,
    headDim: 64,
    ffnRatio: 4,
    vocab: 30522,
    inputs: "ids+mask+types",
    norm: "post",
    gelu: "erf",
    head: "sequence",
    classes: 2,
  },
  schema,
  since: 2,
  input: (s) => ({ name: "input_ids", shape: [s.batch, s.resolution], dtype: DataType.INT64 }),
  opset: (s) => (s.gelu === "op" ? 20 : 17),
  sample(rng) {
    return sampleWithin(
      rng,
      bert,
      (r) => {
        let heads: number, headDim: number;
        do {
          heads = r.pick([2, 4, 6, 8, 12, 16]);
          headDim = r.pick([32, 64]);
        } while (heads * headDim < 128 || heads * headDim > 1024);
        const head = r.pick(["sequence", "pooled", "qa"] as const);
        return {
          layers: r.int(2, 12),
          heads,
          headDim,
          ffnRatio: r.bool(0.75) ? 4 : r.pick([2, 3]),
          vocab: r.pick(VOCABS),
          inputs: r.pick(["ids", "ids+mask", "ids+mask+types"]),
          norm: r.bool(0.8) ? "post" : "pre",
          gelu: r.bool(0.6) ? "erf" : r.pick(["tanh", "op"]),
          head,
          classes: head === "pooled" ? r.pick([2, 3, 5, 20]) : 2,
          resolution: logUniformStep(r, 16, 512, 1),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 16, 1);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, ids, s): Record<string, Tensor> {
    const [batch, T] = ids.shape;
    const d = s.heads * s.headDim;
    let y = b.embedding(ids, s.vocab, d, "word_embeddings");
    const positions = { name: b.constant([...Array(T).keys()], [1, T]), shape: [1, T] };
    y = b.add(y, b.embedding(positions, MAX_POSITIONS, d, "position_embeddings"));
    let mask: Tensor | undefined;
    if (s.inputs !== "ids") {
      const m = b.input("attention_mask", [batch, T], DataType.INT64);
      const f = b.cast(b.unsqueeze(m, [1, 2]), DataType.FLOAT); // [B, 1, 1, T]
      mask = b.mulScalar(b.sub({ name: b.scalar(1), shape: [] }, f), -10000);
    }
    if (s.inputs === "ids+mask+types") {
      y = b.add(y, b.embedding(b.input("token_type_ids", [batch, T], DataType.INT64), TYPE_VOCAB, d, "token_type_embeddings"));
    }
    y = b.layerNorm(y, 1e-12);
    for (let i = 0; i < s.layers; i++) y = layer(b, y, mask, s);
    if (s.norm === "pre") y = b.layerNorm(y, 1e-12);
    if (s.head === "sequence") return { last_hidden_state: y };
    if (s.head === "qa") {
      const [start, end] = b.split(b.linear(y, 2), 2, [1, 1]);
      return { start_logits: b.squeeze(start, [2]), end_logits: b.squeeze(end, [2]) };
    }
    const pooled = b.act(b.gemm(b.gather(y, 0, 1), d), "tanh");
    return { logits: b.gemm(pooled, s.classes) };
  },
};
