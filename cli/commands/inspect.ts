/**
 * `nnlq inspect <model.onnx> [--batch N] [--input name=1x3x224x224]... [--json] [--strip out.onnx]`
 *
 * Prints the structure hash, FLOPs, MACs, parameters, memory access, node count, op histogram, detected
 * family and inferred output shapes of an ONNX model (lib/onnx analyze()). --json prints one object (keys
 * documented in README.md, "nnlq inspect"); --strip also writes a structure-only copy (weights dropped, dims and
 * dtypes kept; the shapes given by --input / --batch written into its input types, so the copy analyses as the
 * original did with them). Warnings (unknown-cost nodes, symbolic dims analysed at assumed sizes) are printed
 * with the summary. Exit codes: 0 ok, 2 usage, 3 bad input (unreadable file, malformed ONNX, shapes the model
 * cannot take; message on stderr).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseCommandLine } from "@/lib/args";
import { NnlqError } from "@/lib/errors";
import { analyze, stripWeights, type ModelSummary, type ShapeOverrides } from "@/lib/onnx";

export const summary = "analyze an ONNX model: hash, FLOPs/MACs, params, memory, ops, family, output shapes";

const USAGE = `usage: nnlq inspect <model.onnx> [--batch N] [--input name=1x3x224x224]... [--json] [--strip out.onnx]`;

function parseInput(spec: string): [string, number[]] {
  const eq = spec.lastIndexOf("=");
  const name = spec.slice(0, eq);
  const dims = spec.slice(eq + 1).split(/[x,]/).map((d) => Number(d));
  if (eq <= 0 || !dims.length || !dims.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new NnlqError("BAD_REQUEST", `--input expects name=DxDxD with positive dims (e.g. input=1x3x224x224), got '${spec}'`);
  }
  return [name, dims];
}

const fmt = (n: number, unit = "") => {
  const a = Math.abs(n);
  const [d, s] = a >= 1e12 ? [1e12, "T"] : a >= 1e9 ? [1e9, "G"] : a >= 1e6 ? [1e6, "M"] : a >= 1e3 ? [1e3, "k"] : [1, ""];
  return `${(n / d).toFixed(d === 1 ? 0 : 3)} ${s}${unit}`.trim();
};

function human(file: string, s: ModelSummary): string {
  const lines = [
    `model          ${file}`,
    `hash           ${s.hash}`,
    `family         ${s.family.name} (confidence ${s.family.confidence})`,
    `opset          ${s.opset} (IR v${s.irVersion})${s.structureOnly ? ", structure-only (no weights)" : ""}`,
    `batch          ${s.batch}`,
    `FLOPs          ${fmt(s.flops)}  (multiply-add = 2)`,
    `MACs           ${fmt(s.macs)}`,
    `params         ${fmt(s.params)}`,
    `memory access  ${fmt(s.memoryAccess, "B")}`,
    `activations    ${fmt(s.activationMemory, "B")} peak`,
    `nodes          ${s.nodeCount} compute (${s.totalNodes} in the graph)`,
    "inputs",
    ...Object.entries(s.inputs).map(([k, v]) => `  ${k}: [${v.join(", ")}]`),
    "outputs",
    ...Object.entries(s.outputs).map(([k, v]) => `  ${k}: [${v.join(", ")}]`),
    "op histogram",
    ...Object.entries(s.opHistogram)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `  ${String(v).padStart(5)}  ${k}`),
  ];
  if (s.assumedDims.length) lines.push(`assumed dims   ${s.assumedDims.join("; ")}`);
  for (const w of s.warnings) lines.push(`warning        ${w}`); // unknown-cost nodes and assumed sizes included
  return lines.join("\n");
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        batch: { type: "string" },
        input: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        strip: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    console.error(`nnlq inspect: ${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`nnlq inspect: expected exactly one model file\n${USAGE}`);
    return 2;
  }
  const file = positionals[0];
  const o: ShapeOverrides = {};
  if (values.batch !== undefined) {
    const b = Number(values.batch);
    if (!/^\d+$/.test(values.batch) || !Number.isSafeInteger(b) || b < 1) {
      console.error(`nnlq inspect: --batch must be a positive integer (got '${values.batch}')\n${USAGE}`);
      return 2;
    }
    o.batch = b;
  }
  if (values.input?.length) {
    try {
      o.inputs = Object.fromEntries(values.input.map(parseInput));
    } catch (e) {
      console.error(`nnlq inspect: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new NnlqError("BAD_REQUEST", `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const s = analyze(bytes, o); // NnlqError on malformed ONNX → cli/main.ts prints it and exits 3
  if (values.strip) {
    const stripped = stripWeights(bytes, o); // NnlqError VALIDATION for shapes it cannot declare → exit 3
    try {
      writeFileSync(values.strip, stripped);
    } catch (e) {
      throw new NnlqError("BAD_REQUEST", `cannot write '${values.strip}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!values.json) console.error(`wrote structure-only model ${values.strip} (${stripped.length} bytes, from ${bytes.length})`);
  }
  console.log(values.json ? JSON.stringify(s) : human(file, s));
  return 0;
}
