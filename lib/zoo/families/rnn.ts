/**
 * LSTM / GRU sequence models as torch.onnx exports nn.LSTM / nn.GRU (one ONNX LSTM or GRU node per layer,
 * bidirectional outputs merged by Transpose + Reshape, unidirectional by Squeeze): keyword spotters,
 * voice-activity detectors, speech and OCR recognisers. `resolution` is the number of input time steps T.
 *
 * Front ends: none (features [B, T, F] → Transpose to [T, B, F], a batch_first export); conv1d (features
 * [B, F, T], Conv1d → BN → ReLU layers, the first with stride 2); conv2d (a spectrogram or text-line image
 * [B, 1, F, T] through 3×3 stride-2 Conv2d → BN → ReLU layers, then Reshape [B, C·F', T'] and Transpose,
 * the DeepSpeech2 / CRNN layout). Heads: the last layer's final hidden state → Gemm (utterance classes), or
 * every frame → MatMul + Add (per-frame classes: VAD, CTC characters).
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { z } from "./common";

const RES = { min: 8, max: 2048, default: 100 };
const HIDDEN = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];
const FEATURES = [13, 20, 40, 64, 80, 128, 161];
const schema = z
  .strictObject({
    ...baseShape("rnn", RES),
    cell: z.enum(["lstm", "gru"]).default("lstm"),
    layers: zInt(1, 3).default(2),
    hidden: zOneOf(HIDDEN).default(256),
    bidirectional: z.boolean().default(true),
    /** Input features per time step (MFCC 13/20, fbank 40/64/80, spectrogram 128/161). */
    features: zOneOf(FEATURES).default(40),
    frontEnd: z.enum(["none", "conv1d", "conv2d"]).default("none"),
    frontLayers: zInt(1, 3).default(1),
    frontChannels: zOneOf([16, 32, 64, 128, 256]).default(32),
    head: z.enum(["last", "frames"]).default("frames"),
    classes: zInt(1, 1000).default(29),
  })
  .refine((s) => s.frontEnd !== "none" || (s.frontLayers === 1 && s.frontChannels === 32), {
    message: "frontLayers / frontChannels apply to a conv front end only (leave the defaults with frontEnd none)",
    path: ["frontEnd"],
  });
type Spec = z.infer<typeof schema>;

/** The sequence [T', B, C] the recurrent layers read. */
function frontEnd(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  if (s.frontEnd === "none") return b.transpose(x, [1, 0, 2]);
  let y = x;
  for (let i = 0; i < s.frontLayers; i++) {
    const stride = i === 0 ? 2 : 1;
    if (s.frontEnd === "conv1d") y = b.act(b.batchNorm(b.conv1d(y, s.frontChannels, 5, { stride })), "relu");
    else y = b.convBnAct(y, s.frontChannels, 3, "relu", { stride: 2 });
  }
  if (s.frontEnd === "conv2d") {
    const [, c, f, t] = y.shape;
    y = b.reshape(y, [0, c * f, t]);
  }
  return b.transpose(y, [2, 0, 1]);
}

function input(s: Spec): number[] {
  if (s.frontEnd === "none") return [s.batch, s.resolution, s.features];
  if (s.frontEnd === "conv1d") return [s.batch, s.features, s.resolution];
  return [s.batch, 1, s.features, s.resolution];
}

export const rnn: FamilyDef<Spec> = {
  family: "rnn",
  summary: "LSTM/GRU sequence models (ONNX LSTM/GRU ops), 1–3 layers, bi- or unidirectional, optional conv front end",
  space: {
    cell: "lstm (60%) | gru",
    layers: "recurrent layers 1–3",
    hidden: "hidden size 32–1024",
    bidirectional: "bidirectional (50%)",
    features: "input features per step 13 | 20 | 40 | 64 | 80 | 128 | 161",
    frontEnd: "none (50%) | conv1d | conv2d (DeepSpeech2 / CRNN)",
    frontLayers: "conv layers 1–3 (first one stride 2)",
    frontChannels: "conv channels 16–256",
    head: "last hidden state → Gemm | every frame → MatMul + Add",
    classes: "2 (VAD) | 12 (keywords) | 29 (characters) | 100",
    resolution: "time steps T, log-uniform 16–1024, shrunk to the v2 caps",
  },
  resolution: RES,
  example: { cell: "lstm", layers: 2, hidden: 256, bidirectional: true, features: 40, frontEnd: "none", head: "frames", classes: 29 },
  schema,
  since: 2,
  input: (s) => ({ name: "input", shape: input(s) }),
  sample(rng) {
    return sampleWithin(
      rng,
      rnn,
      (r) => {
        const fe = r.pick(["none", "none", "conv1d", "conv2d"] as const);
        return {
          cell: r.bool(0.6) ? "lstm" : "gru",
          layers: r.int(1, 3),
          hidden: r.pick(HIDDEN),
          bidirectional: r.bool(),
          features: r.pick(FEATURES),
          frontEnd: fe,
          frontLayers: fe === "none" ? 1 : r.int(1, 3),
          frontChannels: fe === "none" ? 32 : r.pick([16, 32, 64, 128, 256]),
          head: r.pick(["last", "frames"]),
          classes: r.pick([2, 12, 29, 100]),
          resolution: logUniformStep(r, 16, 1024, 1),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 16, 1);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    let seq = frontEnd(b, x, s);
    let last = seq;
    const kind = s.cell === "lstm" ? "LSTM" : "GRU";
    for (let i = 0; i < s.layers; i++) {
      const { y, yh } = b.recurrent(kind, seq, s.hidden, s.bidirectional);
      last = yh;
      if (i === s.layers - 1 && s.head === "last") break;
      seq = s.bidirectional ? b.reshape(b.transpose(y, [0, 2, 1, 3]), [0, 0, -1]) : b.squeeze(y, [1]);
    }
    if (s.head === "last") {
      const h = s.bidirectional ? b.reshape(b.transpose(last, [1, 0, 2]), [0, -1]) : b.squeeze(last, [0]);
      return { logits: b.gemm(h, s.classes) };
    }
    return { logits: b.linear(b.transpose(seq, [1, 0, 2]), s.classes) };
  },
};
