/**
 * analyze() warnings and symbolicInputs(): unknown-cost nodes are named (count and first op types), symbolic
 * input dims analysed at assumed sizes are named with a request for explicit shapes, and `nnlq inspect`
 * prints them (and --strip keeps the shapes --input gives).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze, decodeModel, symbolicInputs } from "@/lib/onnx";
import { loopModel, vadModel } from "./control-flow-models";
import { model, node, repoRoot, vi } from "./helpers";

/** Two ops no rule knows (a vendor domain): their outputs, and the Relu after them, have unknown shapes. */
const vendor = model(
  {
    nodes: [
      node("Frobnicate", ["x"], ["a"], {}, { domain: "com.example" }),
      node("Twiddle", ["a"], ["b"], {}, { domain: "com.example" }),
      node("Relu", ["b"], ["y"]),
    ],
    inputs: [vi("x", [1, 8])],
    outputs: [vi("y", [1, 8])],
  },
  { opset_import: [{ domain: "", version: 17 }, { domain: "com.example", version: 1 }] },
);

const seqModel = model({
  nodes: [node("MatMul", ["ids", "E"], ["h"]), node("Relu", ["h"], ["y"])],
  inputs: [vi("ids", ["batch", "seq_len", 16])],
  outputs: [vi("y", ["batch", "seq_len", 4])],
  inits: [{ name: "E", data_type: 1, dims: [16, 4], float_data: new Array(64).fill(0) }],
});

describe("analyze() warnings", () => {
  it("name the count and first op types of unknown-cost nodes", () => {
    const s = analyze(vendor);
    expect(s.unknownCostNodes).toBe(3);
    const w = s.warnings.find((x) => x.startsWith("cost unknown"));
    expect(w).toMatch(/^cost unknown for 3 node\(s\) \(com\.example::Frobnicate, com\.example::Twiddle, Relu\)/);
    expect(w).toMatch(/lower bounds/);
    expect(analyze(loopModel()).warnings[0]).toMatch(/1 node\(s\) \(Loop\).*loop count is not static/);
  });

  it("name symbolic dims analysed at assumed sizes and ask for explicit shapes; a defaulted batch alone is not warned about", () => {
    const s = analyze(seqModel);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/ids\[1\] \(seq_len\) = 1/);
    expect(s.warnings[0]).not.toMatch(/ids\[0\]/);
    expect(s.warnings[0]).toMatch(/pass explicit input shapes \(nnlq: --input ids=1xNx16; API: inputs\)/);
    expect(analyze(seqModel, { inputs: { ids: [1, 128, 16] } }).warnings).toEqual([]);
    expect(analyze(seqModel, { batch: 8 }).warnings).toHaveLength(1); // the batch given, seq_len still assumed
    const batchOnly = model({ nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", ["N", 4])], outputs: [vi("y", ["N", 4])] });
    expect(analyze(batchOnly).warnings).toEqual([]);
    expect(analyze(vadModel()).warnings.join("\n")).toMatch(/input\[1\] \(samples\) = 64/);
  });

  it("a fully inferred fixed-shape model has none", () => {
    expect(analyze(loopModel(3)).warnings).toEqual([]);
  });
});

describe("symbolicInputs()", () => {
  it("lists the inputs with symbolic or unknown dims, as declared", () => {
    expect(symbolicInputs(seqModel)).toEqual([{ name: "ids", dims: ["batch", "seq_len", 16] }]);
    expect(symbolicInputs(decodeModel(vadModel()))).toEqual([{ name: "input", dims: [1, "samples"] }]);
    expect(symbolicInputs(vendor)).toEqual([]);
    const unnamed = model({ nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", ["?", 3])], outputs: [vi("y", ["?", 3])] });
    expect(symbolicInputs(unnamed)).toEqual([{ name: "x", dims: ["?", 3] }]);
  });
});

describe("nnlq inspect shows the warnings and strips at the shapes given", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-warn-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const file = path.join(tmp, "seq.onnx");
  fs.writeFileSync(file, seqModel);
  const nnlq = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, "bin/nnlq.mjs"), "inspect", ...args], { encoding: "utf8", cwd: repoRoot, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("prints the assumed-size warning, and --strip with --input writes the shape into the copy", () => {
    const r = nnlq(file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^warning +symbolic input dims analysed at assumed sizes: ids\[1\] \(seq_len\) = 1/m);
    const out = path.join(tmp, "seq-128.onnx");
    const s = nnlq(file, "--input", "ids=1x128x16", "--strip", out, "--json");
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).warnings).toEqual([]);
    const copy = analyze(new Uint8Array(fs.readFileSync(out)));
    expect(copy.inputs).toEqual({ ids: [1, 128, 16] });
    expect(copy.hash).toBe(JSON.parse(s.stdout).hash);
    // analysis may look at a fixed-size input at another size; the stripped copy may not declare one
    const conv = path.join(tmp, "relu.onnx");
    fs.writeFileSync(conv, model({ nodes: [node("Relu", ["x"], ["y"])], inputs: [vi("x", ["N", 3, 32, 32])], outputs: [vi("y", ["N", 3, 32, 32])] }));
    expect(nnlq(conv, "--input", "x=1x3x64x64").code).toBe(0);
    const bad = nnlq(conv, "--input", "x=1x3x64x64", "--strip", path.join(tmp, "bad.onnx"));
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/dim 2 fixed at 32/);
  });
});
