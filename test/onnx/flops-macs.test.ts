/**
 * Property: a multiply-accumulate is two floating-point operations, so wherever a node has MACs its FLOPs are at
 * least twice as many (the FLOPs add bias, activation and normalization arithmetic on top) — and so are the
 * totals. Checked on samples of every zoo family, every network of ../shared/onnx/networks that decodes, and
 * the hand-built control-flow models (If/Loop/Scan fold their subgraphs' costs into one node).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import { buildGraph, computeCost, decodeModel, inferShapes, resolveOverrides, type CostSummary } from "@/lib/onnx";
import { generate, sampleSpecs, ZOO_FAMILIES } from "@/lib/zoo";
import { ifModel, loopModel, scanModel, vadModel } from "./control-flow-models";
import { corpus, corpusMissing, hasCorpus } from "./helpers";

const SAMPLES_PER_FAMILY = 2;

/** Cost at the sizes analyze() resolves; null when the model cannot be analysed (an NnlqError). */
function costAtDefaults(bytes: Uint8Array): CostSummary | null {
  try {
    const m = decodeModel(bytes);
    return computeCost(inferShapes(m, resolveOverrides(buildGraph(m)).overrides));
  } catch (e) {
    if (isNnlqError(e)) return null;
    throw e;
  }
}

/** Nodes breaking flops >= 2·macs (and the totals, as "total"), as readable strings. */
function violations(c: CostSummary): string[] {
  const bad = c.perNode.filter((p) => p.macs > 0 && !(p.flops >= 2 * p.macs)).map((p) => `${p.op} '${p.name}': ${p.flops} < 2·${p.macs}`);
  if (c.macs > 0 && !(c.flops >= 2 * c.macs)) bad.push(`total: ${c.flops} < 2·${c.macs}`);
  return bad;
}

describe("flops >= 2·macs wherever macs > 0", () => {
  it.each(ZOO_FAMILIES.map((f) => [f]))("zoo family %s", (family) => {
    for (const spec of sampleSpecs(family, SAMPLES_PER_FAMILY, 17)) {
      const c = costAtDefaults(generate(spec));
      expect(c, `${family} sample must analyse`).not.toBeNull();
      expect(violations(c!)).toEqual([]);
      expect(c!.macs).toBeGreaterThan(0);
    }
  });

  it("the hand-built If / Loop / Scan / voice-activity models", () => {
    for (const bytes of [ifModel(), ifModel(false), loopModel(5), loopModel(), scanModel(6), vadModel(), vadModel(512)]) {
      const c = costAtDefaults(bytes)!;
      expect(c.macs).toBeGreaterThan(0);
      expect(violations(c)).toEqual([]);
    }
  });

  it.skipIf(!hasCorpus)("every network of ../shared/onnx/networks that decodes, and the robustness models with control flow", () => {
    const files: string[] = [];
    const walk = (d: string, keep: (bytes: Buffer) => boolean) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p, keep);
        else if (e.name.endsWith(".onnx") && keep(fs.readFileSync(p))) files.push(p);
      }
    };
    walk(corpus("networks"), () => true);
    // If/Loop/Scan op names in the bytes (a cheap pre-filter; analysis decides)
    walk(corpus("robustness"), (b) => ["If", "Loop", "Scan"].some((op) => b.includes(Buffer.from([0x22, op.length, ...Buffer.from(op)]))));
    let checked = 0;
    const bad: string[] = [];
    for (const f of files) {
      const c = costAtDefaults(new Uint8Array(fs.readFileSync(f)));
      if (!c) continue;
      checked++;
      bad.push(...violations(c).map((v) => `${path.basename(f)}: ${v}`));
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
