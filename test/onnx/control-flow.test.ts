/**
 * Cost of control flow (issue 17, deliver 6): If costs its dearer branch (or the taken one), Loop its body ×
 * the static trip count, Scan its body × the scanned length; a count that is not static costs one iteration
 * and counts the node as unknown-cost. LSTMs inside If/Loop subgraphs get their MACs (voice-activity models),
 * sequences carried through loops keep their element shapes, and symbolic dims that 1 makes invalid are probed.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, computeCost, decodeModel, inferShapes } from "@/lib/onnx";
import type { NodeProto } from "@/lib/onnx/proto";
import { runCase } from "./conformance-lib";
import { ifModel, loopModel, scanModel, VAD, vadBranchMacs, vadModel } from "./control-flow-models";
import { corpus, corpusMissing, hasCorpus } from "./helpers";

const costOf = (bytes: Uint8Array) => computeCost(inferShapes(decodeModel(bytes)));
const nodeOf = (bytes: Uint8Array, op: string) => costOf(bytes).perNode.find((p) => p.op === op)!;

describe("If", () => {
  it("costs the dearer branch, not the sum; parameters of both count", () => {
    const s = analyze(ifModel());
    expect(s.macs).toBe(8 * 16 + 16 * 4); // then: 192 MACs; else: 32
    expect(s.flops).toBe(2 * s.macs);
    expect(s.params).toBe(8 * 16 + 16 * 4 + 8 * 4);
    expect(s.unknownCostNodes).toBe(0);
    expect(nodeOf(ifModel(), "If").macs).toBe(192);
  });

  it("costs only the taken branch when the condition is a constant", () => {
    expect(analyze(ifModel(false)).macs).toBe(8 * 4);
    expect(analyze(ifModel(true)).macs).toBe(192);
    expect(analyze(ifModel(false)).params).toBe(8 * 4);
  });
});

describe("Loop", () => {
  const body = { macs: 64, flops: 128 };
  it("costs the body × a static trip count M", () => {
    const s = analyze(loopModel(5));
    expect(s.macs).toBe(5 * body.macs);
    expect(s.flops).toBe(5 * body.flops);
    expect(s.params).toBe(64); // weights count once, not per iteration
    expect(s.unknownCostNodes).toBe(0);
    const one = costOf(loopModel(1)).perNode.find((p) => p.op === "Loop")!;
    expect(nodeOf(loopModel(5), "Loop").memoryAccess).toBe(5 * one.memoryAccess);
  });

  it("with a dynamic M: one iteration, and the Loop counts as unknown-cost (with a warning)", () => {
    const s = analyze(loopModel());
    expect(s.macs).toBe(body.macs);
    expect(s.unknownCostNodes).toBe(1);
    expect(s.warnings.join("\n")).toMatch(/1 node.*Loop/);
    expect(costOf(loopModel()).unknownOps).toEqual(["Loop"]);
  });
});

describe("Scan", () => {
  it("costs the body × the scanned sequence length", () => {
    const s = analyze(scanModel(6));
    expect(s.macs).toBe(6 * 64);
    expect(s.flops).toBe(6 * (2 * 64 + 8)); // MatMul + the state Add
    expect(s.unknownCostNodes).toBe(0);
    expect(s.outputs.ys).toEqual([6, 1, 8]);
  });

  it("an unknown length counts one step and the Scan as unknown-cost", () => {
    const c = computeCost(inferShapes(decodeModel(scanModel("T")))); // symbolic T kept (no defaults)
    expect(c.macs).toBe(64);
    expect(c.unknownOps).toContain("Scan");
  });
});

describe("a voice-activity model: LSTMs in a Loop inside If branches on the sample rate", () => {
  const { k16, k8 } = VAD.branches;

  it("at an explicit input size: the dearer branch's MACs, LSTM included, and no unknown-cost node", () => {
    const s = analyze(vadModel(), { inputs: { input: [1, VAD.samples] } });
    const b16 = vadBranchMacs(VAD.samples, k16.win, k16.hop);
    const b8 = vadBranchMacs(VAD.samples, k8.win, k8.hop);
    expect(b8.lstm).toBeGreaterThan(0);
    expect(s.macs).toBe(Math.max(b16.macs, b8.macs));
    expect(s.flops).toBeGreaterThanOrEqual(2 * s.macs);
    expect(s.unknownCostNodes).toBe(0);
    expect(s.outputs).toEqual({ output: [1, 1], hn: [2, 1, 64], cn: [2, 1, 64] });
    const c = costOf(vadModel(VAD.samples));
    expect(c.macs).toBe(s.macs);
  });

  it("with the symbolic length (1 is too small for its convs): the smallest power of two the graph accepts", () => {
    const s = analyze(vadModel());
    expect(s.inputs.input).toEqual([1, 64]); // the 8 kHz branch (window 128, pad 64) needs 64 samples
    expect(s.macs).toBe(vadBranchMacs(64, k8.win, k8.hop).macs);
    expect(s.unknownCostNodes).toBe(0);
    expect(s.assumedDims.join(";")).toMatch(/input\[1\] \(samples\) = 64 \(1 is too small/);
  });

  it("without a valid size for either branch, the If says so instead of costing nothing silently", () => {
    const ir = inferShapes(decodeModel(vadModel(8)));
    expect(ir.warnings.join("\n")).toMatch(/If.*no branch is valid/);
  });
});

describe.skipIf(!hasCorpus)("corpus: sequence models and voice-activity networks", () => {
  it("infers the exact output shapes of the ONNX sequence models (SequenceInsert/Erase/At, SplitToSequence, ConcatFromSequence)", () => {
    for (let i = 1; i <= 8; i++) {
      const r = runCase(corpus(`conformance/simple/test_sequence_model${i}`));
      expect(r.pass, `${r.name}: ${r.detail}`).toBe(true);
    }
  });

  // Networks with an LSTM/GRU/RNN inside an If/Loop/Scan subgraph (Silero-style voice-activity detectors).
  const vads = listCorpusOnnx("networks").filter((f) => recurrentInSubgraph(fs.readFileSync(corpus(f))));
  if (!vads.length) {
    it.skip("no network of ../shared/onnx/networks has an LSTM/GRU/RNN inside If/Loop/Scan (the hand-built VAD above stands in)", () => {});
  }
  for (const f of vads) {
    it(`${f}: reports its recurrent MACs`, () => {
      const s = analyze(new Uint8Array(fs.readFileSync(corpus(f))));
      expect(s.macs).toBeGreaterThan(0);
      expect(s.flops).toBeGreaterThanOrEqual(2 * s.macs);
    });
  }
});

if (!hasCorpus) it.skip(corpusMissing, () => {});

function listCorpusOnnx(rel: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".onnx")) out.push(path.relative(corpus(""), p));
    }
  };
  walk(corpus(rel));
  return out.sort();
}

function recurrentInSubgraph(bytes: Uint8Array): boolean {
  try {
    const m = decodeModel(new Uint8Array(bytes));
    const inSub = (nodes: NodeProto[] | undefined, depth: number): boolean =>
      (nodes ?? []).some(
        (n) =>
          (depth > 0 && ["LSTM", "GRU", "RNN"].includes(n.op_type ?? "")) ||
          (n.attribute ?? []).some((a) => [a.g, ...(a.graphs ?? [])].some((g) => g && inSub(g.node, depth + 1))),
      );
    return inSub(m.proto.graph?.node, 0);
  } catch {
    return false;
  }
}
