/**
 * U-Net (Ronneberger et al. 2015) and the encoder–decoder segmentation / enhancement CNNs shaped like it
 * (milesial/Pytorch-UNet, medical and portrait matting nets, low-light enhancers): an encoder of conv blocks
 * with 2× downsampling (MaxPool or strided conv), a bottleneck, and a decoder that upsamples 2× (ConvTranspose
 * 2×2/2, or Resize nearest/bilinear then a 1×1 conv) and Concats the encoder's skip at every level; a 1×1
 * conv head gives per-pixel logits at full resolution. Resize uses scales, so the graph is batch-agnostic.
 */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, zOneOf, type FamilyDef } from "../spec";
import { logUniformStep, sampleWithin, shrinkStep } from "./budget";
import { z } from "./common";

const RES = { min: 32, max: 1280, multiple: 16, default: 256 };
const WIDTHS = [8, 12, 16, 24, 32, 48, 64];
const schema = z
  .strictObject({
    ...baseShape("unet", RES),
    depth: zInt(2, 5).default(4),
    width: zOneOf(WIDTHS).default(64),
    convs: zInt(1, 3).default(2),
    down: z.enum(["maxpool", "strided"]).default("maxpool"),
    decoder: z.enum(["convtranspose", "nearest", "bilinear"]).default("convtranspose"),
    bn: z.boolean().default(true),
    inChannels: zOneOf([1, 3]).default(3),
    classes: zInt(1, 256).default(2),
  })
  .refine((s) => s.resolution % 2 ** s.depth === 0, {
    message: "resolution must be a multiple of 2^depth",
    path: ["resolution"],
  });
type Spec = z.infer<typeof schema>;

/** `convs` × (3×3 conv → [BN] → ReLU). */
function block(b: GraphBuilder, x: Tensor, out: number, s: Spec, stride = 1): Tensor {
  let y = x;
  for (let i = 0; i < s.convs; i++) {
    const st = i === 0 ? stride : 1;
    y = s.bn ? b.convBnAct(y, out, 3, "relu", { stride: st }) : b.act(b.conv(y, out, 3, { stride: st, bias: true }), "relu");
  }
  return y;
}

function up(b: GraphBuilder, x: Tensor, out: number, s: Spec): Tensor {
  if (s.decoder === "convtranspose") return b.convTranspose(x, out, 2, { stride: 2, bias: true });
  const r = b.upsample(x, 2, 2, s.decoder === "bilinear" ? "linear" : "nearest", s.decoder === "bilinear" ? "align_corners" : "asymmetric");
  return b.conv(r, out, 1, { bias: true });
}

export const unet: FamilyDef<Spec> = {
  family: "unet",
  summary: "U-Net encoder–decoder: conv blocks, 2× down, ConvTranspose or Resize up, skip Concats, per-pixel logits",
  space: {
    depth: "down/up levels 2–5 (channels double per level)",
    width: "first-level channels 8 | 12 | 16 | 24 | 32 | 48 | 64",
    convs: "3×3 convs per block 1–3 (U-Net: 2)",
    down: "MaxPool 2×2 (70%) | strided 3×3 conv",
    decoder: "ConvTranspose 2×2/2 | nearest Resize + 1×1 | bilinear (align_corners) Resize + 1×1",
    bn: "BatchNorm after each conv (75%)",
    inChannels: "1 (grey / medical) | 3",
    classes: "1 | 2 | 3 | 19 | 21 output maps",
    resolution: "log-uniform 96–1280, a multiple of 2^depth (≥ 16), shrunk to the v2 caps",
  },
  resolution: RES,
  example: { depth: 4, width: 64, convs: 2, down: "maxpool", decoder: "convtranspose", bn: true, inChannels: 3, classes: 2 },
  schema,
  since: 2,
  input: (s) => ({ name: "input", shape: [s.batch, s.inChannels, s.resolution, s.resolution] }),
  sample(rng) {
    return sampleWithin(
      rng,
      unet,
      (r) => {
        const depth = r.int(2, 5);
        const m = Math.max(16, 2 ** depth);
        return {
          depth,
          width: r.pick(WIDTHS),
          convs: r.pick([1, 2, 2, 3]),
          down: r.bool(0.7) ? "maxpool" : "strided",
          decoder: r.pick(["convtranspose", "nearest", "bilinear"]),
          bn: r.bool(0.75),
          inChannels: r.pick([1, 3, 3]),
          classes: r.pick([1, 2, 3, 19, 21]),
          resolution: logUniformStep(r, 96, 1280, m),
        };
      },
      (hp) => {
        const res = shrinkStep(hp.resolution as number, 96, Math.max(16, 2 ** (hp.depth as number)));
        return res === null ? null : { ...hp, resolution: res };
      },
    );
  },
  build(b, x, s) {
    const skips: Tensor[] = [];
    let y = block(b, x, s.width, s);
    for (let level = 1; level <= s.depth; level++) {
      skips.push(y);
      const c = s.width * 2 ** level;
      y = s.down === "maxpool" ? block(b, b.maxPool(y, 2, 2), c, s) : block(b, y, c, s, 2);
    }
    for (let level = s.depth - 1; level >= 0; level--) {
      const c = s.width * 2 ** level;
      y = block(b, b.concat([skips[level], up(b, y, c, s)], 1), c, s);
    }
    return { logits: b.conv(y, s.classes, 1, { bias: true }) };
  },
};
