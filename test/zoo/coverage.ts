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
  // Zoo v2
  unet: [
    { depth: 2, width: 8, convs: 2, down: "maxpool", decoder: "convtranspose", bn: true, inChannels: 3, classes: 2, resolution: 64 },
    { depth: 3, width: 8, convs: 1, down: "strided", decoder: "bilinear", bn: false, inChannels: 1, classes: 1, resolution: 64 },
    { depth: 2, width: 8, convs: 3, decoder: "nearest", classes: 19, resolution: 32 },
  ],
  ssd: [
    { backbone: "mobilenetv1", width: 0.25, backboneLevels: 2, extras: 2, neckChannels: 32, head: "conv", anchors: 6, classes: 21, resolution: 128 },
    {
      backbone: "mobilenetv2", width: 0.25, backboneLevels: 3, extras: 0, fpn: true, ssh: true, neckChannels: 16, head: "separable",
      anchors: 2, classes: 2, landmarks: true, decode: false, resolution: 96,
    },
    { backbone: "vgg", width: 0.25, backboneLevels: 3, extras: 1, fpn: true, neckChannels: 32, anchors: 4, classes: 2, landmarks: true, resolution: 64 },
  ],
  superres: [
    { arch: "espcn", scale: 3, channels: 1, width: 16, blocks: 1, act: "relu", shuffle: "depthtospace", resolution: 32 },
    { arch: "espcn", scale: 2, channels: 3, width: 16, blocks: 0, act: "tanh", shuffle: "reshape", resolution: 32 },
    { arch: "edsr", scale: 4, channels: 3, width: 16, blocks: 2, act: "prelu", resolution: 24 },
    { arch: "edsr", scale: 3, channels: 1, width: 16, blocks: 1, act: "leakyrelu", shuffle: "reshape", resolution: 24 },
    { arch: "fsrcnn", scale: 2, channels: 1, width: 32, blocks: 2, act: "prelu", resolution: 32 },
  ],
  deeplab: [
    { backbone: "resnet", depths: [1, 1, 1, 1], width: 16, outputStride: 8, head: "v3", asppChannels: 64, classes: 21, resolution: 64 },
    {
      backbone: "resnet", depths: [1, 2, 1, 2], width: 16, outputStride: 16, head: "v3plus", asppChannels: 64, separable: true, classes: 2,
      resolution: 64,
    },
    { backbone: "mobilenetv2", width: 16, outputStride: 16, head: "v3plus", asppChannels: 64, separable: true, classes: 19, resolution: 64 },
    { backbone: "mobilenetv2", width: 16, outputStride: 8, head: "v3", asppChannels: 64, resolution: 64 },
  ],
  bert: [
    { layers: 1, heads: 2, headDim: 64, vocab: 8192, inputs: "ids+mask+types", norm: "post", gelu: "erf", head: "sequence", resolution: 16 },
    { layers: 2, heads: 4, headDim: 32, ffnRatio: 2, vocab: 8192, inputs: "ids", norm: "pre", gelu: "tanh", head: "pooled", classes: 3, resolution: 24 },
    { layers: 1, heads: 2, headDim: 64, vocab: 8192, inputs: "ids+mask", gelu: "op", head: "qa", resolution: 16 },
  ],
  mobilevit: [
    { variant: "xxs", depths: [1, 1, 1], heads: 1, mlpRatio: 2, classes: 10, resolution: 64 },
    { variant: "xs", depths: [1, 2, 1], heads: 4, mlpRatio: 4, classes: 10, resolution: 128 },
  ],
  rnn: [
    { cell: "lstm", layers: 2, hidden: 32, bidirectional: true, features: 13, frontEnd: "none", head: "frames", classes: 29, resolution: 20 },
    {
      cell: "gru", layers: 1, hidden: 32, bidirectional: false, features: 40, frontEnd: "conv1d", frontLayers: 2, frontChannels: 16,
      head: "last", classes: 2, resolution: 32,
    },
    {
      cell: "lstm", layers: 3, hidden: 48, bidirectional: false, features: 20, frontEnd: "conv2d", frontLayers: 2, frontChannels: 16,
      head: "frames", classes: 12, resolution: 32,
    },
    { cell: "gru", layers: 2, hidden: 32, bidirectional: true, features: 13, head: "last", classes: 2, resolution: 16 },
  ],
  resnext: [
    { cardinality: 8, baseWidth: 4, depths: [1, 1, 1, 1], planes: 32, stem: "7x7", se: false, classes: 10, resolution: 64 },
    { cardinality: 16, baseWidth: 4, depths: [1, 1, 2, 1], planes: 32, stem: "deep", se: true, classes: 10, resolution: 64 },
  ],
  mixer: [
    { patch: 16, hidden: 128, depth: 2, tokenRatio: 0.5, channelRatio: 4, classes: 10, resolution: 64 },
    { patch: 32, hidden: 128, depth: 1, tokenRatio: 1, channelRatio: 2, classes: 10, resolution: 96 },
  ],
};
