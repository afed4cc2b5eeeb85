/**
 * Small hand-picked specs per family that between them take every branch of the family's generator
 * (block types, optional SE/LRN/BN, pooling modes, backbones...), cheap enough to run in ORT in CI.
 */
import type { ZooFamily } from "@/lib/zoo";
import { nb201Index } from "@/lib/zoo/families/nasbench201";

export const COVERAGE: Record<ZooFamily, Record<string, unknown>[]> = {
  resnet: [
    { block: "basic", depths: [1, 1, 1, 1], width: 16 },
    { block: "bottleneck", depths: [1, 1, 2, 1], width: 16, wide: 2, stem: "deep" },
  ],
  vgg: [
    { depths: [1, 1, 1, 1, 1], width: 8, bn: true, hidden: 128 },
    { depths: [2, 1, 2, 1, 1], width: 8, bn: false, hidden: 256 },
  ],
  alexnet: [
    { width: 0.25, stemKernel: 7, lrn: true, hidden: 256 },
    { width: 0.25, stemKernel: 11, lrn: false, hidden: 256 },
  ],
  squeezenet: [
    { version: "1.0", baseE: 32, incrE: 32, freq: 2, sr: 0.25, bypass: true },
    { version: "1.1", baseE: 32, incrE: 16, freq: 1, pct3x3: 0.25, bypass: false },
  ],
  googlenet: [
    { width: 0.25, depths: [1, 1, 1], bn: true, bigKernel: 5 },
    { width: 0.25, depths: [2, 2, 1], bn: false, bigKernel: 3 },
  ],
  mobilenetv2: [{ width: 0.35, depths: [1, 1, 1, 1, 1, 1, 1], expansions: [1, 3, 4, 6, 3, 3, 6], kernels: [3, 5, 7, 3, 5, 3, 3] }],
  mobilenetv3: [
    { variant: "small", width: 0.35, se: true },
    { variant: "large", width: 0.35, se: false, minimalistic: true },
  ],
  mnasnet: [{ alpha: 0.35, depths: [1, 1, 1, 1, 1, 1], kernels: [3, 5, 7, 3, 5, 3], se: true }],
  efficientnet: [
    { widthMult: 0.5, depthMult: 0.3, se: true },
    { widthMult: 0.5, depthMult: 0.3, se: false },
  ],
  shufflenet: [{ width: 0.5, depths: [1, 2, 1], kernel: 5 }],
  densenet: [
    { growth: 8, blocks: [1, 2, 2, 1], bottleneck: true },
    { growth: 8, blocks: [2, 1, 1, 2], bottleneck: false, compression: 1 },
  ],
  regnet: [
    { depths: [1, 1, 2, 1], widths: [16, 32, 64, 128], groupWidth: 8, se: true },
    { depths: [1, 2, 1, 1], widths: [16, 48, 96, 192], groupWidth: 16, se: false },
  ],
  convnext: [
    { dim: 16, depths: [1, 1, 1, 1], kernel: 7, layerScale: true },
    { dim: 16, depths: [1, 1, 2, 1], kernel: 3, mlpRatio: 2, layerScale: false },
  ],
  vit: [
    { patch: 16, heads: 2, headDim: 32, depth: 2, pool: "cls" },
    { patch: 32, heads: 3, headDim: 32, depth: 1, mlpRatio: 2, pool: "mean" },
  ],
  detector: [
    { backbone: "resnet", width: 0.25, depth: 1, fpnChannels: 32, levels: 5, headDepth: 1, anchors: 3, classes: 20 },
    { backbone: "mobilenetv2", width: 0.25, depth: 1, fpnChannels: 32, levels: 3, headDepth: 0, anchors: 1, classes: 20 },
  ],
  nasbench201: [
    { cell: 0, channels: 8, resolution: 32 },
    { cell: 5 ** 6 - 1, channels: 8, resolution: 32 },
    {
      cell: nb201Index("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"),
      channels: 8,
      resolution: 32,
    },
  ],
};
