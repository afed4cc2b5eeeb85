/**
 * `nnlq inspect` end to end: spawns the real CLI (bin/nnlq.mjs → cli/main.ts → cli/commands/inspect.ts).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze, decodeModel, isStructureOnly } from "@/lib/onnx";
import { DataType } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { corpus, corpusMissing, hasCorpus, model, node, repoRoot, vi } from "./helpers";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-inspect-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function nnlq(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "bin/nnlq.mjs"), "inspect", ...args], {
    encoding: "utf8",
    cwd: repoRoot,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const convNet = path.join(tmp, "conv.onnx");
fs.writeFileSync(convNet, model({
  nodes: [node("Conv", ["x", "w"], ["c"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node("Relu", ["c"], ["y"])],
  inputs: [vi("x", ["N", 3, 32, 32])], outputs: [vi("y", ["N", 8, 32, 32])],
  inits: [makeTensor("w", DataType.FLOAT, [8, 3, 3, 3], new Array(216).fill(0.01))],
}));

describe("nnlq inspect", () => {
  it("--json prints one object with the documented keys", () => {
    const r = nnlq(convNet, "--json");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(typeof j.hash).toBe("string");
    expect(j.hash).toMatch(/^[0-9a-f]{64}$/);
    for (const k of ["flops", "macs", "params", "memoryAccess", "activationMemory", "nodeCount", "batch", "opset"])
      expect(typeof j[k], k).toBe("number");
    expect(j.macs).toBe(8 * 32 * 32 * 27);
    expect(j.params).toBe(216);
    expect(j.opHistogram).toEqual({ Conv: 1, Relu: 1 });
    expect(j.family).toEqual({ name: expect.any(String), confidence: expect.any(Number) });
    expect(j.outputs).toEqual({ y: [1, 8, 32, 32] });
    expect(j.inputs).toEqual({ x: [1, 3, 32, 32] });
    expect(j).toEqual(JSON.parse(JSON.stringify(analyze(new Uint8Array(fs.readFileSync(convNet))))));
  });

  it("--batch and --input change shapes, cost and hash", () => {
    const base = JSON.parse(nnlq(convNet, "--json").stdout);
    const b4 = JSON.parse(nnlq(convNet, "--json", "--batch", "4").stdout);
    const big = JSON.parse(nnlq(convNet, "--json", "--input", "x=2x3x64x64").stdout);
    expect(b4.outputs).toEqual({ y: [4, 8, 32, 32] });
    expect(b4.macs).toBe(4 * base.macs);
    expect(b4.hash).not.toBe(base.hash);
    expect(big.outputs).toEqual({ y: [2, 8, 64, 64] });
    expect(big.macs).toBe(8 * base.macs);
    expect(new Set([base.hash, b4.hash, big.hash]).size).toBe(3);
  });

  it("prints a human summary and writes a structure-only copy with --strip", () => {
    const out = path.join(tmp, "stripped.onnx");
    const r = nnlq(convNet, "--strip", out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/hash\s+[0-9a-f]{64}/);
    expect(r.stdout).toMatch(/MACs\s+221\.184 k/);
    expect(r.stdout).toContain("y: [1, 8, 32, 32]");
    const m = decodeModel(new Uint8Array(fs.readFileSync(out)));
    expect(isStructureOnly(m)).toBe(true);
    expect(analyze(m).hash).toBe(analyze(new Uint8Array(fs.readFileSync(convNet))).hash);
  });

  it("exits 3 with a clear message for a bad or missing file", () => {
    const bad = path.join(tmp, "bad.onnx");
    fs.writeFileSync(bad, "this is not a valid onnx model");
    const r = nnlq(bad);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("ONNX_NOT_PROTOBUF");
    expect(r.stderr).toMatch(/not an ONNX model/);
    expect(r.stdout).toBe("");
    const trunc = path.join(tmp, "trunc.onnx");
    fs.writeFileSync(trunc, fs.readFileSync(convNet).subarray(0, 200));
    const t = nnlq(trunc, "--json");
    expect(t.code).toBe(3);
    expect(t.stderr).toContain("ONNX_TRUNCATED");
    const missing = nnlq(path.join(tmp, "nope.onnx"));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/cannot read .*ENOENT/);
    const badInput = nnlq(convNet, "--input", "nosuch=1x3x8x8");
    expect(badInput.code).toBe(3);
    expect(badInput.stderr).toMatch(/unknown input 'nosuch'/);
    const unwritable = nnlq(convNet, "--strip", path.join(tmp, "no-such-dir", "out.onnx"));
    expect(unwritable.code).toBe(3);
    expect(unwritable.stderr).toMatch(/cannot write .*no-such-dir.*ENOENT/);
    expect(unwritable.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on usage errors", () => {
    expect(nnlq().code).toBe(2);
    expect(nnlq(convNet, "--batch", "zero").code).toBe(2);
    expect(nnlq(convNet, "--input", "x=axb").code).toBe(2);
    const zero = nnlq(convNet, "--input", "x=1x3x0x8");
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/positive dims/);
    expect(nnlq(convNet, "--frobnicate").code).toBe(2);
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("nnlq inspect on corpus models", () => {
  it("refuses the path-traversal model with exit 3", () => {
    const r = nnlq(corpus("robustness/onnxruntime/testdata/test_arbitrary_external_file.onnx"));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/ONNX_EXTERNAL_DATA: refused external data .*path traversal/);
  });

  it("reports ResNet-50", () => {
    const j = JSON.parse(nnlq(corpus("networks/onnx_light/light_resnet50.onnx"), "--json").stdout);
    expect(j.family.name).toBe("resnet");
    expect(j.outputs).toEqual({ "gpu_0/softmax_1": [1, 1000] });
    expect(Math.round(j.macs / 1e7)).toBe(409);
  });
});
