/** Registry of the zoo's family definitions (keys = lib/onnx/families.ts vocabulary minus "other"). */
import type { FamilyDef, ZooFamily } from "../spec";
import { alexnet } from "./alexnet";
import { convnext } from "./convnext";
import { densenet } from "./densenet";
import { detector } from "./detector";
import { efficientnet } from "./efficientnet";
import { googlenet } from "./googlenet";
import { mnasnet } from "./mnasnet";
import { mobilenetv2 } from "./mobilenetv2";
import { mobilenetv3 } from "./mobilenetv3";
import { nasbench201 } from "./nasbench201";
import { regnet } from "./regnet";
import { resnet } from "./resnet";
import { shufflenet } from "./shufflenet";
import { squeezenet } from "./squeezenet";
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
};
