/**
 * Shape-inference conformance over the ONNX backend node tests (../shared/onnx/conformance/node): for each
 * test, infer the output shapes (test_data_set_0 inputs fed as known values, declared output shapes never
 * used) and compare with the dims of output_N.pb. Prints the share per op and overall, asserts 100% for every
 * test whose ops are all in SUPPORTED_OPS, and lists the unsupported ops by name.
 */
import { describe, expect, it } from "vitest";
import { SUPPORTED_OPS } from "@/lib/onnx";
import { listCases, runCase, type CaseResult } from "./conformance-lib";
import { corpusMissing, corpusRoot, hasCorpus } from "./helpers";

describe.skipIf(!hasCorpus)("ONNX backend node-test shape conformance", () => {
  it("infers 100% of the output shapes of tests using supported ops only", () => {
    const supported = new Set(SUPPORTED_OPS);
    const results: CaseResult[] = listCases(corpusRoot).map(runCase);
    const inScope = (r: CaseResult) => !r.nonTensor && r.ops.every((op) => supported.has(op));
    const perOp = new Map<string, { pass: number; total: number; scoped: number; scopedPass: number }>();
    for (const r of results) {
      for (const op of r.ops) {
        const e = perOp.get(op) ?? { pass: 0, total: 0, scoped: 0, scopedPass: 0 };
        e.total++;
        if (r.pass) e.pass++;
        if (inScope(r)) { e.scoped++; if (r.pass) e.scopedPass++; }
        perOp.set(op, e);
      }
    }
    const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "-");
    const lines = [...perOp]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(
        ([op, e]) =>
          `${supported.has(op) ? " " : "!"} ${op.padEnd(44)} all tests ${String(e.pass).padStart(4)}/${String(e.total).padEnd(4)} ` +
            `${pct(e.pass, e.total).padStart(6)}   supported-only tests ${e.scopedPass}/${e.scoped} ${pct(e.scopedPass, e.scoped)}`,
      );
    const passed = results.filter((r) => r.pass).length;
    const scoped = results.filter(inScope);
    const unsupported = [...perOp.keys()].filter((op) => !supported.has(op)).sort();
    const nonTensor = results.filter((r) => r.nonTensor).map((r) => r.name);
    console.log(
      [
        "ONNX backend node tests: inferred output shapes vs test_data_set_0/output_N.pb",
        ...lines,
        `overall: ${passed}/${results.length} tests (${pct(passed, results.length)}); tests using supported ops only: ` +
          `${scoped.filter((r) => r.pass).length}/${scoped.length} (${pct(scoped.filter((r) => r.pass).length, scoped.length)})`,
        `unsupported ops (${unsupported.length}): ${unsupported.join(", ")}`,
        `tests with sequence/optional/map inputs or outputs (out of scope, ${nonTensor.length}): ${nonTensor.join(", ")}`,
      ].join("\n"),
    );
    const failures = scoped.filter((r) => !r.pass).map((r) => `${r.name}: ${r.detail}`);
    expect(failures).toEqual([]);
    expect(results.length).toBeGreaterThan(1500);
    expect(passed / results.length).toBeGreaterThan(0.9);
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
