/**
 * analyzeUpload: one decode of the upload, then the structure-only model analysed as built. It must give what
 * the former path gave — stripWeights(bytes) as the structure, analyze() of those bytes decoded again as the
 * summary — on weighted zoo models, on structure-only ones, and on the small networks of the ONNX corpus.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, analyzeUpload, decodeModel, isStructureOnly, stripWeights } from "@/lib/onnx";
import { generate, sampleSpecs, ZOO_FAMILIES } from "@/lib/zoo";
import { corpus, corpusMissing, hasCorpus, listOnnx, readModel } from "./helpers";

function formerPath(bytes: Uint8Array, batch?: number) {
  const decoded = decodeModel(bytes);
  const stripped = !isStructureOnly(decoded);
  const structure = stripped ? stripWeights(decoded) : bytes;
  return { stripped, structure, summary: analyze(structure, batch ? { batch } : undefined) };
}

function expectSame(bytes: Uint8Array, batch?: number) {
  const now = analyzeUpload(bytes, { batch });
  const before = formerPath(bytes, batch);
  expect(now.stripped).toBe(before.stripped);
  expect(Buffer.from(now.structure).equals(Buffer.from(before.structure))).toBe(true);
  expect(now.summary).toEqual(before.summary);
  return now;
}

describe("analyzeUpload", () => {
  it("zoo models with weights: stripped, same structure bytes and summary as decoding the stripped bytes", () => {
    for (const family of ZOO_FAMILIES) {
      for (const spec of sampleSpecs(family, 1, 7)) {
        const bytes = generate(spec, { weights: true });
        const r = expectSame(bytes);
        expect(r.stripped).toBe(true);
        expect(r.summary.structureOnly).toBe(true);
        // and the structure-only upload of the same network: not stripped again, the bytes handed back as they are
        const again = expectSame(r.structure);
        expect(again.stripped).toBe(false);
        expect(again.structure).toBe(r.structure);
        expect(again.summary.hash).toBe(r.summary.hash);
      }
    }
  });

  it("refuses more nodes than maxNodes with GRAPH_TOO_LARGE before stripping", () => {
    const bytes = generate(sampleSpecs(ZOO_FAMILIES[0], 1, 3)[0]);
    const nodes = decodeModel(bytes).proto.graph!.node!.length;
    expect(analyzeUpload(bytes, { maxNodes: nodes }).summary.totalNodes).toBe(nodes);
    expect(() => analyzeUpload(bytes, { maxNodes: nodes - 1 })).toThrow(expect.objectContaining({ code: "GRAPH_TOO_LARGE" }));
  });

  it.skipIf(!hasCorpus)(`small corpus networks: same as the former path (${hasCorpus ? "" : corpusMissing})`, () => {
    const small = listOnnx("networks").filter((rel) => fs.statSync(corpus(rel)).size < 8 << 20);
    expect(small.length).toBeGreaterThan(5);
    let compared = 0;
    for (const rel of small) {
      const bytes = readModel(rel);
      let before: unknown;
      try {
        before = formerPath(bytes);
      } catch (e) {
        // a network the library refuses is refused alike
        expect(() => analyzeUpload(bytes)).toThrow(expect.objectContaining({ code: (e as { code: string }).code }));
        continue;
      }
      expect(before).toBeTruthy();
      expectSame(bytes);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });
});
