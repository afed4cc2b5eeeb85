/**
 * Zoo v2 families (issue 17): seeded samples of each new family through the whole path — generate → decode →
 * shape inference with every tensor's shape known → cost (MACs > 0, equal to the builder's own count) →
 * onnxruntime-node on CPU with weights → same spec, same bytes → the family detector → validation errors.
 * Plus the samplers: real-world ranges, batch-1 draws under V2_CAPS, and v1 samplers untouched.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import { analyze, buildGraph, decodeModel, detectFamily, inferShapes } from "@/lib/onnx";
import { DETECTABLE_FAMILIES } from "@/lib/onnx/families";
import { ZOO_V2_EQUIVALENT } from "@/lib/onnx/family";
import {
  FAMILY_DESIGN_SPACES,
  generate,
  sampleSpecs,
  specCost,
  specInputs,
  specKey,
  V2_CAPS,
  validateSpec,
  ZOO_V1_FAMILIES,
  ZOO_V2_FAMILIES,
  type ZooSpec,
  type ZooV2Family,
} from "@/lib/zoo";
import { runInOrt } from "./ort";

const WIDE = [...DETECTABLE_FAMILIES, ...ZOO_V2_FAMILIES];

/** The 3 cheapest of 24 seeded batch-1 draws (cheap enough to run in ORT; every one a real sample). */
function cheapSamples(family: ZooV2Family): ZooSpec[] {
  return sampleSpecs(family, 24, 17, { batch: 1 })
    .map((spec) => ({ spec, macs: specCost(spec).macs }))
    .sort((a, b) => a.macs - b.macs)
    .slice(0, 3)
    .map((x) => x.spec);
}

function validationError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isNnlqError(e)).toBe(true);
    expect((e as { code: string }).code).toBe("VALIDATION");
    return (e as Error).message;
  }
  throw new Error("expected a VALIDATION error");
}

/** Per family: bad hyperparameters and the message they must produce. */
const BAD: Record<ZooV2Family, [Record<string, unknown>, RegExp][]> = {
  unet: [
    [{ depth: 6 }, /depth/],
    [{ depth: 5, resolution: 48 }, /multiple of 2\^depth/],
    [{ decoder: "pixelshuffle" }, /decoder/],
    [{ width: 10 }, /width: must be one of/],
    [{ resolution: 2000 }, /resolution/],
  ],
  ssd: [
    [{ backboneLevels: 2, extras: 0 }, /at least 3 levels/],
    [{ anchors: 5 }, /anchors: must be one of/],
    [{ backbone: "resnet" }, /backbone/],
  ],
  superres: [
    [{ scale: 5 }, /scale: must be one of/],
    [{ arch: "espcn", blocks: 5 }, /espcn takes 0–3 blocks/],
    [{ arch: "edsr", blocks: 0 }, /edsr takes 1–32 blocks/],
    [{ arch: "fsrcnn", shuffle: "reshape" }, /fsrcnn upsamples with ConvTranspose/],
    [{ channels: 2 }, /channels/],
  ],
  deeplab: [
    [{ outputStride: 32 }, /outputStride/],
    [{ backbone: "mobilenetv2", depths: [1, 1, 1, 1] }, /depths apply to the resnet backbone only/],
    [{ resolution: 100 }, /multiple of 16/],
  ],
  bert: [
    [{ heads: 2, headDim: 32 }, /hidden size heads × headDim must be 128–1024/],
    [{ resolution: 513 }, /resolution/],
    [{ head: "qa", classes: 5 }, /classes apply to the pooled head only/],
    [{ gelu: "relu" }, /gelu/],
  ],
  mobilevit: [
    [{ variant: "m" }, /variant/],
    [{ depths: [1, 1] }, /depths/],
    [{ resolution: 96 }, /multiple of 64/],
  ],
  rnn: [
    [{ layers: 4 }, /layers/],
    [{ hidden: 100 }, /hidden: must be one of/],
    [{ frontEnd: "none", frontLayers: 2 }, /apply to a conv front end only/],
    [{ cell: "rnn" }, /cell/],
  ],
  resnext: [
    [{ cardinality: 12 }, /cardinality: must be one of/],
    [{ planes: 32, baseWidth: 2 }, /channels per group/],
  ],
  mixer: [
    [{ patch: 12 }, /patch: must be one of/],
    [{ resolution: 16 }, /resolution/],
    [{ tokenRatio: 0.3 }, /tokenRatio/],
  ],
};

describe.each(ZOO_V2_FAMILIES)("zoo v2 family %s", (family) => {
  const samples = cheapSamples(family);

  it("seeded samples: every tensor shape known, MACs > 0 (= the builder's count), ORT runs them with those shapes", async () => {
    expect(samples).toHaveLength(3);
    for (const spec of samples) {
      const label = JSON.stringify(spec);
      const bytes = generate(spec);
      const ir = inferShapes(buildGraph(decodeModel(bytes)));
      const unknown = [...ir.tensors.values()].filter((t) => !t.shape || t.shape.some((d) => typeof d !== "number"));
      expect(unknown.map((t) => t.name), label).toEqual([]);
      const a = analyze(bytes);
      expect(a.macs, label).toBeGreaterThan(0);
      expect(a.macs / specCost(spec).macs, label).toBeCloseTo(1, 2);
      expect(a.inputs, label).toEqual(Object.fromEntries(specInputs(spec).map((i) => [i.name, i.dims])));
      const ran = await runInOrt(spec);
      expect(ran.shapes, label).toEqual(a.outputs);
      expect(ran.finite, `non-finite outputs for ${label}`).toBe(true);
    }
  });

  it("is deterministic: the same spec (also re-parsed from its key) gives the same bytes, weights included", () => {
    samples.forEach((spec, i) => {
      const again = JSON.parse(specKey(spec));
      expect(bytesToHex(sha256(generate(again)))).toBe(bytesToHex(sha256(generate(spec))));
      if (i > 0) return;
      const weighted = (s: unknown) => bytesToHex(sha256(generate(s, { weights: true })));
      expect(weighted(again)).toBe(weighted(spec));
    });
  });

  it("is batch-agnostic: a batch-1 file analysed at batch 3 is the model generated at batch 3", () => {
    const one = samples[0];
    expect(analyze(generate(one), { batch: 3 }).hash).toBe(analyze(generate({ ...one, batch: 3 })).hash);
  });

  it("is detected as itself with the v2 names in the vocabulary; without them, as a v1 family", () => {
    for (const spec of [FAMILY_DESIGN_SPACES[family].example, ...samples]) {
      const ir = inferShapes(buildGraph(decodeModel(generate(spec))));
      const wide = detectFamily(ir, { vocabulary: WIDE });
      expect(wide.family, JSON.stringify(spec)).toBe(family);
      expect(wide.confidence).toBeGreaterThanOrEqual(0.6);
      const shared = detectFamily(ir).family;
      expect([...DETECTABLE_FAMILIES] as string[]).toContain(shared);
      if ((DETECTABLE_FAMILIES as readonly string[]).includes(family)) expect(shared).toBe(family);
    }
  });

  it("refuses bad hyperparameters with a VALIDATION error naming them", () => {
    for (const [hp, message] of BAD[family]) expect(validationError(() => validateSpec({ ...hp, family }))).toMatch(message);
  });
});

describe("zoo v2 samplers", () => {
  it("draw batch-1 specs under V2_CAPS, across real-world input sizes", () => {
    const vision = ["unet", "ssd", "superres", "deeplab", "mobilevit", "resnext", "mixer"];
    for (const family of ZOO_V2_FAMILIES) {
      const specs = sampleSpecs(family, 40, 3, { batch: 1 });
      const costs = specs.map(specCost);
      for (const c of costs) {
        expect(c.macs, family).toBeLessThanOrEqual(V2_CAPS.macs);
        expect(c.params, family).toBeLessThanOrEqual(V2_CAPS.params);
        expect(c.largestTensor, family).toBeLessThanOrEqual(V2_CAPS.largestTensor);
      }
      const macs = costs.map((c) => c.macs);
      expect(Math.max(...macs) / Math.min(...macs), `${family} spans < 100× MACs`).toBeGreaterThan(100);
      const res = specs.map((s) => s.resolution);
      if (vision.includes(family)) {
        expect(Math.min(...res), family).toBeLessThanOrEqual(160);
        expect(Math.max(...res), family).toBeGreaterThanOrEqual(448);
      } else {
        expect(Math.min(...res), family).toBeLessThanOrEqual(48); // sequence lengths
        expect(Math.max(...res), family).toBeGreaterThanOrEqual(256);
      }
    }
  });

  it("with a resolution override, skip the draws it makes invalid; refuse with its reason when it fits none", () => {
    const unets = sampleSpecs("unet", 20, 1, { batch: 1, resolution: 96 });
    expect(unets.every((s) => s.resolution === 96 && (s.depth as number) <= 5 && 96 % 2 ** (s.depth as number) === 0)).toBe(true);
    expect(new Set(unets.map((s) => s.depth)).size).toBeGreaterThan(1);
    expect(validationError(() => sampleSpecs("mobilevit", 3, 1, { resolution: 96 }))).toMatch(/multiple of 64/);
  });

  it("explicit specs are validated, not capped (the caps shape the campaign's draws only)", () => {
    const big = { family: "unet", width: 64, depth: 4, resolution: 1024 };
    expect(specCost(big).macs).toBeGreaterThan(V2_CAPS.macs);
    expect(generate(big).length).toBeGreaterThan(0);
  });

  it("leave the v1 samplers' draws as they were (the campaign planner samples by seed)", () => {
    // sampleSpecs(family, 3, 1) of every v1 family, as ZOO_VERSION 1 drew them
    const digest = sha256.create();
    for (const f of ZOO_V1_FAMILIES) for (const s of sampleSpecs(f, 3, 1)) digest.update(new TextEncoder().encode(specKey(s)));
    expect(bytesToHex(digest.digest())).toBe("668ea658d4bd0fc70b345d660dd993430b304b4e658ccf288803728efd76070a");
  });

  it("the detector's v2 names are the zoo's v2 families", () => {
    expect(Object.keys(ZOO_V2_EQUIVALENT).sort()).toEqual([...ZOO_V2_FAMILIES].sort());
  });
});
