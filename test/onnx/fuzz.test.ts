/**
 * Fuzz: seeded mutations and truncations of corpus models (thousands of cases, see fuzz-cases.ts). Every case
 * must end in a result or an NnlqError — never another exception type, never a hang (the slowest case is
 * reported and bounded). Covers decode, validation, shape inference, cost, hash, family, features, stripping.
 */
import { describe, expect, it } from "vitest";
import { generateCases, runFuzzCase } from "./fuzz-cases";
import { analyze } from "@/lib/onnx";
import { isNnlqError } from "@/lib/errors";
import { corpusMissing, hasCorpus, listOnnx, readModel } from "./helpers";

const CASES = 4000;

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("fuzz: mutated and truncated corpus models", () => {
  it(`${CASES} seeded cases each give a result or an NnlqError`, () => {
    const outcomes = new Map<string, number>();
    const unexpected: string[] = [];
    let slowest = { ms: 0, what: "" };
    const t0 = performance.now();
    for (const c of generateCases(CASES)) {
      const start = performance.now();
      try {
        const k = runFuzzCase(c.bytes, c.index);
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
      } catch (e) {
        unexpected.push(
          `${c.what}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split("\n").slice(1, 4).join("\n")}` : String(e)}`,
        );
      }
      const ms = performance.now() - start;
      if (ms > slowest.ms) slowest = { ms, what: c.what };
    }
    console.log(
      `fuzz: ${CASES} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s; outcomes ` +
        `${JSON.stringify(Object.fromEntries([...outcomes].sort()))}; slowest ${slowest.ms.toFixed(0)} ms (${slowest.what})`,
    );
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(outcomes.get("ok") ?? 0).toBeGreaterThan(CASES / 10);
    expect(slowest.ms).toBeLessThan(5000);
  }, 120_000);
});

describe.skipIf(!hasCorpus)("every corpus file", () => {
  it("networks, robustness and conformance models all give a result or an NnlqError", () => {
    const files = [...listOnnx("networks"), ...listOnnx("robustness"), ...listOnnx("conformance")];
    const codes = new Map<string, number>();
    const failedNetworks: string[] = [];
    for (const f of files) {
      try {
        analyze(readModel(f));
        codes.set("ok", (codes.get("ok") ?? 0) + 1);
      } catch (e) {
        if (!isNnlqError(e)) throw new Error(`${f}: ${e instanceof Error ? e.stack : e}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        if (f.startsWith("networks/")) failedNetworks.push(`${f}: ${e.code}`);
      }
    }
    console.log(`${files.length} corpus files: ${JSON.stringify(Object.fromEntries([...codes].sort()))}`);
    // Both fail in onnxruntime too: a Concat of 201 and 200 rows at run time, and an Add of [1,32,224,224] + [32].
    expect(failedNetworks).toEqual([
      "networks/onnxconverter-common/test_model_0_no_opt.onnx: ONNX_SHAPE",
      "networks/onnxruntime/starry-night-fp16.onnx: ONNX_SHAPE",
    ]);
    expect(files.length).toBeGreaterThan(3000);
  }, 300_000);
});
