/**
 * Architecture-family vocabulary shared by lib/onnx (detection), lib/zoo (generators) and the database
 * (architecture_families rows). Zoo-only families (nasbench201) are labelled by their spec, not detected.
 */
export const DETECTABLE_FAMILIES = [
  "resnet",
  "vgg",
  "alexnet",
  "squeezenet",
  "googlenet",
  "mobilenetv2",
  "mobilenetv3",
  "mnasnet",
  "efficientnet",
  "shufflenet",
  "densenet",
  "regnet",
  "convnext",
  "vit",
  "detector",
  // zoo v2 (issue 17): shaped like the real-world networks people bring
  "unet",
  "ssd",
  "superres",
  "deeplab",
  "bert",
  "mobilevit",
  "rnn",
  "resnext",
  "mixer",
  "other",
] as const;

export const ZOO_ONLY_FAMILIES = ["nasbench201"] as const;

export type DetectableFamily = (typeof DETECTABLE_FAMILIES)[number];
export type FamilyName = DetectableFamily | (typeof ZOO_ONLY_FAMILIES)[number];

export const ALL_FAMILIES: readonly FamilyName[] = [...DETECTABLE_FAMILIES, ...ZOO_ONLY_FAMILIES];

export const FAMILY_LABELS: Record<FamilyName, string> = {
  resnet: "ResNet",
  vgg: "VGG",
  alexnet: "AlexNet",
  squeezenet: "SqueezeNet",
  googlenet: "GoogLeNet / Inception",
  mobilenetv2: "MobileNetV2",
  mobilenetv3: "MobileNetV3",
  mnasnet: "MnasNet",
  efficientnet: "EfficientNet",
  shufflenet: "ShuffleNetV2",
  densenet: "DenseNet",
  regnet: "RegNet",
  convnext: "ConvNeXt",
  vit: "Vision Transformer",
  detector: "One-stage detector",
  unet: "U-Net / encoder–decoder",
  ssd: "SSD / multi-head detector",
  superres: "Super-resolution CNN",
  deeplab: "DeepLab (dilated / ASPP)",
  bert: "BERT / text transformer",
  mobilevit: "MobileViT",
  rnn: "LSTM / GRU sequence model",
  resnext: "ResNeXt",
  mixer: "MLP-Mixer",
  other: "Other",
  nasbench201: "NAS-Bench-201 cell",
};
