/**
 * Family detection from structural motifs: the classic networks of the corpus, the transformers (BERT/GPT
 * decoders land in "vit", our ViT/transformer family, with a lower confidence when no patch embedding exists),
 * and the canonical example of every lib/zoo family. With the Zoo v2 names in the vocabulary, the text
 * transformers are "bert", the tutorial's super-resolution net "superres", the LSTMs "rnn".
 */
import { describe, expect, it } from "vitest";
import { analyze, buildGraph, decodeModel, detectFamily, inferShapes } from "@/lib/onnx";
import { DETECTABLE_FAMILIES } from "@/lib/onnx/families";
import { FAMILY_DESIGN_SPACES, generate, sampleSpecs, ZOO_V1_FAMILIES, ZOO_V2_FAMILIES } from "@/lib/zoo";
import { corpusMissing, hasCorpus, readModel } from "./helpers";

/** A Zoo v2 name once the shared vocabulary has it (lib/onnx/family.ts answers with it then), else the v1 answer. */
const v2 = (name: string, v1: string) => ((DETECTABLE_FAMILIES as readonly string[]).includes(name) ? name : v1);

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
  ["networks/onnxruntime/bert_toy_optimized.onnx", v2("bert", "vit"), 0.5],
  ["networks/onnxruntime/TFBertForQuestionAnswering.onnx", v2("bert", "vit"), 0.5],
  ["networks/onnxruntime/gpt2_past.onnx", v2("bert", "vit"), 0.5],
  ["networks/onnxruntime-genai/tiny-random-gpt2-fp32-cuda/past.onnx", v2("bert", "vit"), 0.5],
  ["networks/onnxruntime/mnist.onnx", "other", 0.3],
  ["networks/onnx_tutorials/super_resolution.onnx", v2("superres", "other"), 0.3],
];

/** Corpus files whose answer is a v2 family with the v2 names in the vocabulary (every other one keeps its family). */
const EXPECTED_V2: [string, string][] = [
  ["networks/onnx_tutorials/super_resolution.onnx", "superres"],
  ["networks/onnxruntime/bert_toy_optimized.onnx", "bert"],
  ["networks/onnxruntime/TFBertForQuestionAnswering.onnx", "bert"],
  ["networks/onnxruntime/gpt2_past.onnx", "bert"],
  ["networks/onnxruntime-genai/tiny-random-gpt2-fp32-cuda/past.onnx", "bert"],
  ["networks/tract/byte_sb_bidi_lstm/model.onnx", "rnn"],
];
const WIDE = [...DETECTABLE_FAMILIES, ...ZOO_V2_FAMILIES];

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("family detection on the networks corpus", () => {
  it.each(EXPECTED)("%s → %s", (file, family, minConfidence) => {
    const s = analyze(readModel(file));
    expect(s.family.name).toBe(family);
    expect(s.family.confidence).toBeGreaterThanOrEqual(minConfidence);
    expect(s.family.confidence).toBeLessThanOrEqual(1);
  });

  it.each(EXPECTED_V2)("with the Zoo v2 vocabulary: %s → %s", (file, family) => {
    const ir = inferShapes(buildGraph(decodeModel(readModel(file))));
    expect(detectFamily(ir, { vocabulary: WIDE }).family).toBe(family);
  });

  it("with the Zoo v2 vocabulary every other corpus network keeps its family", () => {
    for (const [file, family] of EXPECTED.filter(([f]) => !EXPECTED_V2.some(([g]) => g === f))) {
      const ir = inferShapes(buildGraph(decodeModel(readModel(file))));
      expect(detectFamily(ir, { vocabulary: WIDE }).family, file).toBe(family);
    }
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

  it.each(ZOO_V2_FAMILIES)("zoo v2 %s example is detected as %s with the v2 vocabulary", (family) => {
    const ir = inferShapes(buildGraph(decodeModel(generate(FAMILY_DESIGN_SPACES[family].example))));
    const r = detectFamily(ir, { vocabulary: WIDE });
    expect(r.family).toBe(family);
    expect(r.confidence).toBeGreaterThanOrEqual(0.6);
  });

  it("the v2 rules do not take v1 zoo models: 8 samples of every v1 family detect the same with either vocabulary", () => {
    for (const family of ZOO_V1_FAMILIES.filter((f) => f !== "nasbench201")) {
      for (const spec of sampleSpecs(family, 8, 5, { batch: 1, resolution: 96 })) {
        const ir = inferShapes(buildGraph(decodeModel(generate(spec))));
        expect(detectFamily(ir, { vocabulary: WIDE }).family, JSON.stringify(spec)).toBe(detectFamily(ir).family);
      }
    }
  });
});
