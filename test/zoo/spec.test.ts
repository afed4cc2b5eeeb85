/** Zoo specs: validation errors, canonical keys, reproducible sampling, NAS-Bench-201 cell addressing. */
import { describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import {
  FAMILY_DESIGN_SPACES,
  generate,
  GraphBuilder,
  paramCount,
  Rng,
  sampleSpec,
  sampleSpecs,
  specKey,
  structureKey,
  validateSpec,
  ZOO_FAMILIES,
  ZOO_LABELS,
  ZOO_V1_FAMILIES,
  ZOO_V2_FAMILIES,
} from "@/lib/zoo";
import { ALL_FAMILIES } from "@/lib/onnx/families";
import { NB201_CELLS, NB201_OPS, nb201ArchString, nb201Index, nb201Ops } from "@/lib/zoo/families/nasbench201";

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

describe("zoo spec validation", () => {
  it("covers the shared family vocabulary minus 'other', plus the Zoo v2 families", () => {
    expect(ZOO_FAMILIES).toHaveLength(25);
    expect(ZOO_FAMILIES).not.toContain("other");
    expect(new Set(ZOO_FAMILIES)).toEqual(new Set([...ALL_FAMILIES.filter((f) => f !== "other"), ...ZOO_V2_FAMILIES]));
    expect(Object.keys(FAMILY_DESIGN_SPACES).sort()).toEqual([...ZOO_FAMILIES].sort());
    for (const f of ZOO_FAMILIES) expect(ZOO_LABELS[f], f).toMatch(/\w/);
  });

  it("rejects bad specs with a clear VALIDATION error", () => {
    expect(validationError(() => validateSpec(null))).toMatch(/JSON object/);
    expect(validationError(() => validateSpec([1]))).toMatch(/JSON object/);
    expect(validationError(() => validateSpec({ family: "lenet" }))).toMatch(/unknown zoo family "lenet"/);
    expect(validationError(() => validateSpec({ family: "resnet", depths: [2, 2, 2] }))).toMatch(/depths/);
    expect(validationError(() => validateSpec({ family: "resnet", colour: "red" }))).toMatch(/colour/);
    expect(validationError(() => validateSpec({ family: "resnet", batch: 0 }))).toMatch(/batch/);
    expect(validationError(() => validateSpec({ family: "resnet", resolution: 2000 }))).toMatch(/resolution/);
    expect(validationError(() => validateSpec({ family: "resnet", block: "basic", wide: 2 }))).toMatch(/wide/);
    expect(validationError(() => validateSpec({ family: "mobilenetv2", width: 0.6 }))).toMatch(/width: must be one of/);
    expect(validationError(() => validateSpec({ family: "nasbench201", cell: 15625 }))).toMatch(/cell/);
    expect(validationError(() => validateSpec({ family: "nasbench201", resolution: 30 }))).toMatch(/multiple of 4/);
    expect(validationError(() => validateSpec({ family: "regnet", widths: [24, 56, 152, 368], groupWidth: 48 }))).toMatch(/group width/);
    expect(validationError(() => validateSpec({ family: "vit", seed: -1 }))).toMatch(/seed/);
  });

  it("refuses specs whose feature maps vanish, and weights beyond protobuf's 2 GiB", () => {
    const b = new GraphBuilder("tiny");
    expect(validationError(() => b.conv(b.input("input", [1, 3, 4, 4]), 8, 7, { pad: 0 }))).toMatch(/empty or invalid tensor/);
    expect(validationError(() => generate({ family: "vgg", resolution: 640, width: 128, hidden: 4096 }, { weights: true }))).toMatch(
      /too large/,
    );
    expect(generate({ family: "vgg", resolution: 640, width: 128, hidden: 4096 }).length).toBeLessThan(1e6); // structure only is fine
  });
});

describe("zoo canonical members", () => {
  it("have torchvision's parameter counts (families without BatchNorm buffers)", () => {
    const published = { vgg: 138_357_544, alexnet: 61_100_840, squeezenet: 1_248_424, vit: 86_567_656, convnext: 28_589_128 };
    for (const [family, n] of Object.entries(published)) expect(paramCount(FAMILY_DESIGN_SPACES[family as "vgg"].example), family).toBe(n);
    // ResNet-18: 11,689,512 learned + 9,600 BatchNorm running statistics
    expect(paramCount({ family: "resnet" })).toBe(11_689_512 + 9_600);
  });
});

describe("zoo spec keys", () => {
  it("specKey is canonical: key order and explicit defaults do not matter", () => {
    const a = specKey({ family: "resnet", depths: [3, 4, 6, 3], block: "bottleneck" });
    const b = specKey({ block: "bottleneck", classes: 1000, depths: [3, 4, 6, 3], family: "resnet", seed: 0, batch: 1, resolution: 224 });
    expect(a).toBe(b);
    expect(a).toBe(JSON.stringify(JSON.parse(a))); // compact JSON
    expect(Object.keys(JSON.parse(a))).toEqual([...Object.keys(JSON.parse(a))].sort());
    expect(specKey({ family: "resnet", seed: 1 })).not.toBe(specKey({ family: "resnet", seed: 2 }));
    expect(structureKey({ family: "resnet", seed: 1 })).toBe(structureKey({ family: "resnet", seed: 2 }));
  });

  it("generate() is a function of the spec key alone", () => {
    const spec = { family: "squeezenet", version: "1.1", resolution: 96 };
    const again = JSON.parse(specKey(spec));
    expect(generate(again)).toEqual(generate(spec));
  });
});

describe("zoo sampling", () => {
  it("is reproducible from the seed and independent across families", () => {
    const a = sampleSpecs("mobilenetv3", 20, 7), b = sampleSpecs("mobilenetv3", 20, 7);
    expect(a.map(specKey)).toEqual(b.map(specKey));
    expect(sampleSpecs("mobilenetv3", 20, 8).map(specKey)).not.toEqual(a.map(specKey));
    expect(sampleSpec("vit", new Rng(3))).toEqual(sampleSpec("vit", new Rng(3)));
  });

  it("draws batch 1–8 and resolution 96–320 (v1 families) with distinct structures, honouring overrides", () => {
    for (const family of ZOO_V1_FAMILIES) {
      const specs = sampleSpecs(family, 60, 1);
      expect(new Set(specs.map(structureKey)).size).toBe(60);
      for (const s of specs) {
        expect(s.batch).toBeGreaterThanOrEqual(1);
        expect(s.batch).toBeLessThanOrEqual(8);
        expect(s.resolution).toBeGreaterThanOrEqual(96);
        expect(s.resolution).toBeLessThanOrEqual(320);
      }
      expect(new Set(specs.map((s) => s.batch)).size).toBeGreaterThan(4);
      expect(new Set(specs.map((s) => s.resolution)).size).toBeGreaterThan(4);
    }
    const fixed = sampleSpecs("resnet", 10, 1, { batch: 1, resolution: 128 });
    expect(fixed.every((s) => s.batch === 1 && s.resolution === 128)).toBe(true);
  });

  it("says so when a design space cannot give that many distinct specs", () => {
    expect(validationError(() => sampleSpecs("mobilenetv3", 500, 1, { batch: 1, resolution: 224 }))).toMatch(/fewer than 500/);
  });
});

describe("NAS-Bench-201 cell addressing", () => {
  it("maps every index 0…15624 to a distinct cell and back", () => {
    const seen = new Set<string>();
    for (let i = 0; i < NB201_CELLS; i++) {
      const arch = nb201ArchString(i);
      seen.add(arch);
      if (i % 97 === 0) expect(nb201Index(arch)).toBe(i);
    }
    expect(seen.size).toBe(15625);
  });

  it("uses gen_all order: index digits are edges 1←0, 2←0, 2←1, 3←0, 3←1, 3←2", () => {
    expect(nb201Ops(0)).toEqual(Array(6).fill("none"));
    expect(nb201Ops(NB201_CELLS - 1)).toEqual(Array(6).fill("avg_pool_3x3"));
    expect(nb201ArchString(1)).toBe("|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|");
    expect(nb201ArchString(3 * 5 ** 5)).toBe("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|");
    expect(NB201_OPS).toEqual(["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]);
    expect(validationError(() => nb201Index("|conv~0|"))).toMatch(/not a NAS-Bench-201/);
    expect(validationError(() => nb201Ops(-1))).toMatch(/0…15624/);
  });
});
