/**
 * Family detection from structural motifs: the classic networks of the corpus, the transformers (BERT/GPT
 * decoders land in "vit", our ViT/transformer family, with a lower confidence when no patch embedding exists),
 * and the canonical example of every lib/zoo family.
 */
import { describe, expect, it } from "vitest";
import { analyze, buildGraph, decodeModel, detectFamily, inferShapes } from "@/lib/onnx";
import { FAMILY_DESIGN_SPACES, generate, ZOO_V1_FAMILIES } from "@/lib/zoo";
import { corpusMissing, hasCorpus, readModel } from "./helpers";

const EXPECTED: [string, string, number][] = [
  ["networks/onnx_light/light_resnet50.onnx", "resnet", 0.9],
  ["networks/nnlqp/resnet18-v1-7-no-weight.onnx", "resnet", 0.9],
  ["networks/onnx_light/light_vgg19.onnx", "vgg", 0.9],
  ["networks/onnx_light/light_bvlc_alexnet.onnx", "alexnet", 0.9],
  ["networks/onnx_light/light_zfnet512.onnx", "alexnet", 0.9],
  ["networks/onnx_light/light_squeezenet.onnx", "squeezenet", 0.9],
  ["networks/onnxruntime/squeezenet_tensor_input.onnx", "squeezenet", 0.9],
  ["networks/onnx_light/light_inception_v1.onnx", "googlenet", 0.9],
  ["networks/onnx_light/light_inception_v2.onnx", "googlenet", 0.9],
  ["networks/onnx_light/light_densenet121.onnx", "densenet", 0.9],
  ["networks/onnx_light/light_shufflenet.onnx", "shufflenet", 0.85],
  ["networks/onnxruntime/bert_toy_optimized.onnx", "vit", 0.5],
  ["networks/onnxruntime/TFBertForQuestionAnswering.onnx", "vit", 0.5],
  ["networks/onnxruntime/gpt2_past.onnx", "vit", 0.5],
  ["networks/onnxruntime-genai/tiny-random-gpt2-fp32-cuda/past.onnx", "vit", 0.5],
  ["networks/onnxruntime/mnist.onnx", "other", 0.3],
  ["networks/onnx_tutorials/super_resolution.onnx", "other", 0.3],
];

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("family detection on the networks corpus", () => {
  it.each(EXPECTED)("%s → %s", (file, family, minConfidence) => {
    const s = analyze(readModel(file));
    expect(s.family.name).toBe(family);
    expect(s.family.confidence).toBeGreaterThanOrEqual(minConfidence);
    expect(s.family.confidence).toBeLessThanOrEqual(1);
  });

  it("detectFamily works on an IR without prior shape inference", () => {
    const ir = buildGraph(decodeModel(readModel("networks/onnx_light/light_resnet50.onnx")));
    expect(detectFamily(ir)).toEqual(detectFamily(inferShapes(ir)));
  });
});

describe("family detection on lib/zoo examples", () => {
  it.each(ZOO_V1_FAMILIES.filter((f) => f !== "nasbench201"))("zoo %s example is detected as %s", (family) => {
    const s = analyze(generate(FAMILY_DESIGN_SPACES[family].example));
    expect(s.family.name).toBe(family);
    expect(s.family.confidence).toBeGreaterThanOrEqual(0.6);
  });
});
