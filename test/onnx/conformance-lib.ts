/**
 * Conformance harness: for every ONNX backend node test (model.onnx + test_data_set_0/{input,output}_N.pb),
 * infer output shapes (feeding the test's input values as known values) and compare with the expected dims.
 * Shared by test/onnx/conformance.test.ts and ad-hoc debugging.
 */
import fs from "node:fs";
import path from "node:path";
import { decodeModel, inferShapes } from "@/lib/onnx";
import { decodeTensorProto, type GraphProto, type TensorProto } from "@/lib/onnx/proto";
import { isNnlqError } from "@/lib/errors";

export interface CaseResult {
  name: string;
  ops: string[];
  pass: boolean;
  /** Why it failed (or "error: ..."). */
  detail?: string;
  /** Some graph output is not a plain tensor (sequence/optional/map): out of scope for shape inference. */
  nonTensor: boolean;
}

function collectOps(g: GraphProto | undefined, acc: Set<string>): void {
  for (const n of g?.node ?? []) {
    const d = !n.domain || n.domain === "ai.onnx" ? "" : n.domain;
    acc.add(d ? `${d}::${n.op_type}` : n.op_type ?? "");
    for (const a of n.attribute ?? []) {
      if (a.g) collectOps(a.g, acc);
      for (const sg of a.graphs ?? []) collectOps(sg, acc);
    }
  }
}

export function runCase(dir: string): CaseResult {
  const name = path.basename(dir);
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, "model.onnx")));
  let ops: string[] = [];
  let nonTensor = false;
  try {
    const model = decodeModel(bytes);
    const acc = new Set<string>();
    collectOps(model.proto.graph, acc);
    for (const f of model.proto.functions ?? []) collectOps({ node: f.node }, acc);
    ops = [...acc].sort();
    const g = model.proto.graph!;
    nonTensor = (g.output ?? []).some((o) => !o.type?.tensor_type) || (g.input ?? []).some((o) => !o.type?.tensor_type);
    const ds = path.join(dir, "test_data_set_0");
    const inputValues: Record<string, TensorProto> = {};
    const realInputs = (g.input ?? []).filter((i) => !(g.initializer ?? []).some((t) => t.name === i.name));
    realInputs.forEach((inp, i) => {
      const f = path.join(ds, `input_${i}.pb`);
      if (fs.existsSync(f) && inp.type?.tensor_type) inputValues[inp.name ?? ""] = decodeTensorProto(new Uint8Array(fs.readFileSync(f)));
    });
    const ir = inferShapes(model, { inputValues });
    const problems: string[] = [];
    (g.output ?? []).forEach((o, i) => {
      const f = path.join(ds, `output_${i}.pb`);
      if (!fs.existsSync(f)) { problems.push(`no output_${i}.pb`); return; }
      if (!o.type?.tensor_type) { problems.push(`output ${o.name} is not a tensor`); return; }
      const want = decodeTensorProto(new Uint8Array(fs.readFileSync(f))).dims ?? [];
      const got = ir.tensors.get(o.name ?? "")?.shape;
      if (!got || got.length !== want.length || got.some((d, k) => d !== want[k])) {
        problems.push(`${o.name}: got ${got ? `[${got.join(",")}]` : "unknown"} want [${want.join(",")}]`);
      }
    });
    return { name, ops, pass: problems.length === 0, nonTensor, ...(problems.length ? { detail: problems.join("; ") } : {}) };
  } catch (e) {
    const msg = isNnlqError(e) ? `${e.code}: ${e.message}` : `EXCEPTION ${e instanceof Error ? e.stack : String(e)}`;
    return { name, ops, pass: false, nonTensor, detail: `error: ${msg}` };
  }
}

export function listCases(root: string): string[] {
  const node = path.join(root, "conformance", "node");
  return fs.readdirSync(node).sort().map((d) => path.join(node, d)).filter((d) => fs.existsSync(path.join(d, "model.onnx")));
}
