/**
 * Single-image super-resolution CNNs: every conv runs at the input's full resolution (no downsampling), and
 * an upsampler makes the output `scale`× larger.
 *
 * - espcn: ESPCN (Shi et al. 2016) / the ONNX tutorial's super-resolution net — conv 5×5, a few 3×3 convs,
 *   a conv to C·r² channels and PixelShuffle: the tiny ~8-node kind (3 GMACs at 224² with 64 channels).
 * - edsr: EDSR / SRResNet-style (Lim et al. 2017) — head conv, residual blocks (conv-ReLU-conv, ×0.1 residual
 *   scaling), a global skip, PixelShuffle upsampler (one ×2/×3 step or two ×2 steps for ×4), tail conv.
 * - fsrcnn: FSRCNN (Dong et al. 2016) — feature 5×5, shrink 1×1, mapping 3×3 ×m, expand 1×1 (PReLU), and a
 *   9×9 ConvTranspose with stride `scale` as the upsampler (PReLU as in the paper, or another `act`).
 *
 * PixelShuffle is DepthToSpace (CRD, what torch.onnx exports today) or, as older exports and the ONNX
 * tutorial have it, Reshape → Transpose → Reshape (`shuffle: "reshape"`).
 */
import type { Activation, GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { z } from "./common";

const RES = { min: 16, max: 1280, default: 224 };
const schema = z
  .strictObject({
    ...baseShape("superres", RES),
    arch: z.enum(["espcn", "edsr", "fsrcnn"]).default("espcn"),
    scale: zOneOf([2, 3, 4]).default(3),
    /** Input channels: 1 (the Y channel, as ESPCN / the tutorial) or 3 (RGB). */
    channels: zOneOf([1, 3]).default(1),
    /** Feature channels (espcn: first conv; edsr: body; fsrcnn: d). */
    width: zOneOf([12, 16, 24, 32, 48, 56, 64, 96, 128, 192, 256]).default(64),
    /** espcn: 3×3 convs at full width after the 5×5 (0–3); edsr: residual blocks (1–32); fsrcnn: mapping layers (1–4). */
    blocks: zInt(0, 32).default(1),
    act: z.enum(["relu", "prelu", "tanh", "leakyrelu"]).default("relu"),
    shuffle: z.enum(["depthtospace", "reshape"]).default("depthtospace"),
  })
  .superRefine((s, ctx) => {
    const [lo, hi] = s.arch === "espcn" ? [0, 3] : s.arch === "edsr" ? [1, 32] : [1, 4];
    if (s.blocks < lo || s.blocks > hi) ctx.addIssue({ code: "custom", path: ["blocks"], message: `${s.arch} takes ${lo}–${hi} blocks` });
    if (s.arch === "fsrcnn" && s.shuffle !== "depthtospace")
      ctx.addIssue({ code: "custom", path: ["shuffle"], message: "fsrcnn upsamples with ConvTranspose (leave shuffle at its default)" });
  });
type Spec = z.infer<typeof schema>;

function act(b: GraphBuilder, x: Tensor, a: Spec["act"]): Tensor {
  return a === "prelu" ? b.prelu(x) : b.act(x, a as Activation);
}

/** PixelShuffle(r) on [N, C·r², H, W]. */
function pixelShuffle(b: GraphBuilder, x: Tensor, r: number, s: Spec): Tensor {
  if (s.shuffle === "depthtospace") return b.depthToSpace(x, r, "CRD");
  const [, c, h, w] = x.shape;
  const o = c / (r * r);
  const t = b.transpose(b.reshape(x, [0, o, r, r, h, w]), [0, 1, 4, 2, 5, 3]);
  return b.reshape(t, [0, o, h * r, w * r]);
}

function espcn(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  let y = act(b, b.conv(x, s.width, 5, { bias: true }), s.act);
  for (let i = 0; i < s.blocks; i++) y = act(b, b.conv(y, s.width, 3, { bias: true }), s.act);
  y = act(b, b.conv(y, s.width / 2, 3, { bias: true }), s.act);
  return pixelShuffle(b, b.conv(y, s.channels * s.scale ** 2, 3, { bias: true }), s.scale, s);
}

function edsr(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const C = s.channels,
    F = s.width;
  const head = b.conv(b.addParam(x, "mean_shift", [1, C, 1, 1]), F, 3, { bias: true });
  let y = head;
  for (let i = 0; i < s.blocks; i++) {
    const r = b.conv(act(b, b.conv(y, F, 3, { bias: true }), s.act), F, 3, { bias: true });
    y = b.add(y, b.mulScalar(r, 0.1));
  }
  y = b.add(b.conv(y, F, 3, { bias: true }), head);
  const steps = s.scale === 4 ? [2, 2] : [s.scale];
  for (const r of steps) y = pixelShuffle(b, b.conv(y, F * r * r, 3, { bias: true }), r, s);
  return b.addParam(b.conv(y, C, 3, { bias: true }), "mean_unshift", [1, C, 1, 1]);
}

function fsrcnn(b: GraphBuilder, x: Tensor, s: Spec): Tensor {
  const d = s.width,
    shrink = Math.max(12, d / 4);
  let y = act(b, b.conv(x, d, 5, { bias: true }), s.act);
  y = act(b, b.conv(y, shrink, 1, { bias: true }), s.act);
  for (let i = 0; i < s.blocks; i++) y = act(b, b.conv(y, shrink, 3, { bias: true }), s.act);
  y = act(b, b.conv(y, d, 1, { bias: true }), s.act);
  return b.convTranspose(y, s.channels, 9, { stride: s.scale, pad: 4, outputPadding: s.scale - 1, bias: true });
}

export const superres: FamilyDef<Spec> = {
  family: "superres",
  summary: "super-resolution at full input resolution: ESPCN (tiny), EDSR residual, FSRCNN (ConvTranspose); ×2/×3/×4",
  space: {
    arch: "espcn (40%) | edsr (40%) | fsrcnn (20%)",
    scale: "upscaling factor 2 | 3 | 4",
    channels: "input channels 1 (Y) | 3 (RGB)",
    width: "espcn 16–128, edsr 16–256, fsrcnn 32–64 (d; shrink s = max(12, d/4))",
    blocks: "espcn extra 3×3 convs 0–3, edsr residual blocks 1–32, fsrcnn mapping layers 1–4",
    act: "relu | prelu | tanh (espcn) | leakyrelu (edsr); fsrcnn PReLU (80%) or ReLU",
    shuffle: "PixelShuffle as DepthToSpace (75%) | Reshape-Transpose-Reshape (espcn, edsr)",
    resolution: "input side, log-uniform 64–1280 (output ×scale), shrunk to the v2 caps",
  },
  resolution: RES,
  example: { arch: "espcn", scale: 3, channels: 1, width: 64, blocks: 1, act: "relu", shuffle: "depthtospace" },
  schema,
  since: 2,
  input: (s) => ({ name: "input", shape: [s.batch, s.channels, s.resolution, s.resolution] }),
  sample(rng) {
    return sampleWithin(
      rng,
      superres,
      (r) => {
        const arch = r.pick(["espcn", "espcn", "espcn", "espcn", "edsr", "edsr", "edsr", "edsr", "fsrcnn", "fsrcnn"] as const);
        const width =
          arch === "espcn"
            ? r.pick([16, 24, 32, 48, 64, 96, 128])
            : arch === "edsr"
              ? r.pick([16, 32, 48, 64, 96, 128, 192, 256])
              : r.pick([32, 48, 56, 64]);
        return {
          arch,
          scale: r.pick([2, 3, 4]),
          channels: r.pick([1, 3]),
          width,
          blocks: arch === "espcn" ? r.int(0, 3) : arch === "edsr" ? r.pick([1, 2, 4, 6, 8, 12, 16, 24, 32]) : r.int(1, 4),
          act:
            arch === "fsrcnn"
              ? r.bool(0.8)
                ? "prelu"
                : "relu"
              : r.pick(["relu", "relu", "prelu", arch === "espcn" ? "tanh" : "leakyrelu"]),
          shuffle: arch === "fsrcnn" ? "depthtospace" : r.bool(0.75) ? "depthtospace" : "reshape",
          resolution: logUniformStep(r, 64, 1280, 8),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 64, 8);
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    const y = s.arch === "espcn" ? espcn(b, x, s) : s.arch === "edsr" ? edsr(b, x, s) : fsrcnn(b, x, s);
    return { output: y };
  },
};
