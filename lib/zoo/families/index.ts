/** Registry of the zoo's family definitions (keys = lib/zoo/spec.ts ZOO_FAMILIES: the vocabulary minus "other", + Zoo v2). */
import type { FamilyDef, ZooFamily } from "../spec";
import { alexnet } from "./alexnet";
import { bert } from "./bert";
import { convnext } from "./convnext";
import { deeplab } from "./deeplab";
import { densenet } from "./densenet";
import { detector } from "./detector";
import { efficientnet } from "./efficientnet";
import { googlenet } from "./googlenet";
import { mixer } from "./mixer";
import { mnasnet } from "./mnasnet";
import { mobilenetv2 } from "./mobilenetv2";
import { mobilenetv3 } from "./mobilenetv3";
import { mobilevit } from "./mobilevit";
import { nasbench201 } from "./nasbench201";
import { regnet } from "./regnet";
import { resnet } from "./resnet";
import { resnext } from "./resnext";
import { rnn } from "./rnn";
import { shufflenet } from "./shufflenet";
import { squeezenet } from "./squeezenet";
import { ssd } from "./ssd";
import { superres } from "./superres";
import { unet } from "./unet";
import { vgg } from "./vgg";
import { vit } from "./vit";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const FAMILY_DEFS: Record<ZooFamily, FamilyDef<any>> = {
  resnet,
  vgg,
  alexnet,
  squeezenet,
  googlenet,
  mobilenetv2,
  mobilenetv3,
  mnasnet,
  efficientnet,
  shufflenet,
  densenet,
  regnet,
  convnext,
  vit,
  detector,
  nasbench201,
  // Zoo v2
  unet,
  ssd,
  superres,
  deeplab,
  bert,
  mobilevit,
  rnn,
  resnext,
  mixer,
};
