/**
 * lib/zoo generators against the real onnxruntime-node and lib/onnx: every family runs in ORT with the
 * output shapes lib/onnx infers, 100 sampled specs give 100 distinct structure hashes, same spec → same bytes;
 * the version 1 families' bytes are pinned by the golden digest they had under ZOO_VERSION 1.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { describe, expect, it } from "vitest";
import { analyze, decodeModel, isStructureOnly, structureHash } from "@/lib/onnx";
import { decodeModelProto } from "@/lib/onnx/proto";
import {
  FAMILY_DESIGN_SPACES,
  generate,
  sampleSpecs,
  specInputs,
  validateSpec,
  ZOO_FAMILIES,
  ZOO_V1_FAMILIES,
  ZOO_V2_FAMILIES,
  ZOO_VERSION,
  zooVersionOf,
} from "@/lib/zoo";
import { COVERAGE } from "./coverage";
import { runInOrt } from "./ort";

const declaredOutputs = (bytes: Uint8Array) =>
  Object.fromEntries(
    decodeModelProto(bytes).graph!.output!.map((o) => [o.name!, o.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value)]),
  );

describe.each(ZOO_FAMILIES)("zoo family %s", (family) => {
  it("coverage specs and the cheapest of 16 sampled specs run in onnxruntime-node with lib/onnx's inferred shapes", async () => {
    const coverage = COVERAGE[family].map((hp) => validateSpec({ resolution: 96, batch: 2, ...hp, family }));
    const sampled = sampleSpecs(family, 16, 11)
      .map((spec) => ({ spec, cost: analyze(generate(spec)).flops }))
      .sort((a, b) => a.cost - b.cost)[0].spec;
    for (const spec of [...coverage, sampled]) {
      const structure = generate(spec);
      const inferred = analyze(structure).outputs;
      const ran = await runInOrt(spec);
      expect(ran.shapes, JSON.stringify(spec)).toEqual(inferred);
      expect(ran.shapes, JSON.stringify(spec)).toEqual(declaredOutputs(structure));
      expect(ran.finite, `non-finite outputs for ${JSON.stringify(spec)}`).toBe(true);
    }
  });

  it("gives 100 distinct structure hashes for 100 sampled specs", () => {
    const specs = sampleSpecs(family, 100, 2024);
    const hashes = new Set(specs.map((s) => structureHash(decodeModel(generate(s)))));
    expect(hashes.size).toBe(100);
  });

  it("is deterministic: same spec → byte-identical ONNX; the weight seed changes weights, not structure", () => {
    const spec = validateSpec({ resolution: 64, ...COVERAGE[family][0], family, seed: 5 });
    const a = generate(spec), b = generate(JSON.parse(JSON.stringify(spec)));
    expect(bytesToHex(sha256(a))).toBe(bytesToHex(sha256(b)));
    const w1 = generate(spec, { weights: true }), w2 = generate(spec, { weights: true });
    expect(bytesToHex(sha256(w1))).toBe(bytesToHex(sha256(w2)));
    const other = generate({ ...spec, seed: 6 }, { weights: true });
    expect(bytesToHex(sha256(other))).not.toBe(bytesToHex(sha256(w1)));
    const hash = structureHash(decodeModel(a));
    expect(structureHash(decodeModel(w1))).toBe(hash);
    expect(structureHash(decodeModel(other))).toBe(hash);
    expect(isStructureOnly(decodeModel(a))).toBe(true);
    expect(isStructureOnly(decodeModel(w1))).toBe(false);
  });

  it("labels the model with its family, spec and zoo version, and lib/onnx reads it as opset 17", () => {
    const spec = FAMILY_DESIGN_SPACES[family].example;
    const bytes = generate(spec);
    const meta = Object.fromEntries(decodeModelProto(bytes).metadata_props!.map((p) => [p.key, p.value]));
    expect(meta["nnlq.family"]).toBe(family);
    expect(JSON.parse(meta["nnlq.spec"]!)).toEqual(spec);
    // a v1 family's models keep recording "1" (their bytes did not change); a v2 family's record "2"
    expect(meta["nnlq.zoo_version"]).toBe((ZOO_V2_FAMILIES as readonly string[]).includes(family) ? "2" : "1");
    expect(meta["nnlq.zoo_version"]).toBe(zooVersionOf(family));
    const s = analyze(bytes);
    expect(s.opset).toBe(17);
    expect(s.structureOnly).toBe(true);
    expect(s.inputs).toEqual(Object.fromEntries(specInputs(spec).map((i) => [i.name, i.dims])));
    if (!(ZOO_V2_FAMILIES as readonly string[]).includes(family) || family === "unet" || family === "superres") {
      expect(Object.keys(s.inputs)).toEqual(["input"]);
    }
  });
});

describe("zoo golden bytes", () => {
  it("the version 1 families' canonical examples generate exactly the bytes they did under ZOO_VERSION 1", () => {
    const digest = sha256.create();
    for (const f of ZOO_V1_FAMILIES) digest.update(generate(FAMILY_DESIGN_SPACES[f].example));
    // The digest pinned when ZOO_VERSION was "1": Zoo v2 added families and changed none of these bytes
    // (metadata included), so every stored v1 spec regenerates its model and structure hash.
    expect(bytesToHex(digest.digest())).toBe("20a25ce50466bcaa1e3f66740967eae5cc33b9f9e0989b6204187664d8bcc03f");
  });

  it("the version 2 families' canonical examples still generate the same bytes (bump ZOO_VERSION when this changes)", () => {
    const digest = sha256.create();
    for (const f of ZOO_V2_FAMILIES) digest.update(generate(FAMILY_DESIGN_SPACES[f].example));
    // If this fails because a generator changed on purpose: bump ZOO_VERSION in lib/zoo/index.ts and update this.
    expect({ version: ZOO_VERSION, sha256: bytesToHex(digest.digest()) }).toEqual({
      version: "2",
      sha256: "0b85e0f14b388269457525b365d680be8c2488d88e5625bda1edb53dc46b86c1",
    });
  });

  it("ZOO_FAMILIES is the v1 families in their old order, then the v2 families", () => {
    expect(ZOO_FAMILIES).toEqual([...ZOO_V1_FAMILIES, ...ZOO_V2_FAMILIES]);
    expect(ZOO_V1_FAMILIES).toHaveLength(16);
  });
});
