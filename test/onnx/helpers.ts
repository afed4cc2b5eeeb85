/**
 * Test/bench helpers for lib/onnx: locating the read-only ONNX corpora (../shared/onnx, absent in a user's
 * clone → tests skip with a visible message) and building a full-weight ResNet-50 in memory.
 */
import fs from "node:fs";
import path from "node:path";
import { buildGraph, decodeModel, inferShapes } from "@/lib/onnx";
import { DataType, encodeModelProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfo } from "@/lib/onnx/proto";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const corpusRoot = path.resolve(repoRoot, "../shared/onnx");
export const hasCorpus = fs.existsSync(path.join(corpusRoot, "networks"));
export const corpusMissing = `SKIPPED: ONNX corpora not found at ${corpusRoot} (../shared/onnx); corpus-based lib/onnx tests need them`;

if (!hasCorpus) console.warn(corpusMissing);

export function corpus(rel: string): string {
  return path.join(corpusRoot, rel);
}

export function readModel(rel: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(corpus(rel)));
}

/** Every .onnx under a corpus folder (sorted, relative to the corpus root). */
export function listOnnx(relDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".onnx")) out.push(path.relative(corpusRoot, p));
    }
  };
  walk(corpus(relDir));
  return out.sort();
}

/** mulberry32 */
import { seededRandom as rng } from "@/lib/onnx/rng";
export { rng };

/**
 * A real full-weight model from an onnx_light one: every ConstantOfShape weight generator becomes a float
 * initializer with random raw_data of the inferred shape (in memory, never written to the repo). For
 * light_resnet50 this is a ~102 MB ResNet-50.
 */
export function materializeLight(rel: string, seed = 1): Uint8Array {
  const bytes = readModel(rel);
  const model = decodeModel(bytes);
  const ir = inferShapes(buildGraph(model));
  const proto: ModelProto = structuredCloneProto(model.proto);
  const g = proto.graph!;
  const rand = rng(seed);
  const newInits: TensorProto[] = [];
  const dropped = new Set<number>();
  (g.node ?? []).forEach((n, i) => {
    if (n.op_type !== "ConstantOfShape") return;
    const t = ir.tensors.get(n.output![0])!;
    if (!t.static || !t.shape || !t.shape.every((d) => typeof d === "number")) return;
    const count = (t.shape as number[]).reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    for (let k = 0; k < count; k++) data[k] = (rand() - 0.5) * 0.1;
    newInits.push({ name: n.output![0], dims: t.shape as number[], data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer) });
    dropped.add(i);
  });
  g.node = (g.node ?? []).filter((_, i) => !dropped.has(i));
  const used = new Set((g.node ?? []).flatMap((n) => n.input ?? []));
  const removed = new Set((g.initializer ?? []).filter((t) => !used.has(t.name ?? "")).map((t) => t.name));
  g.initializer = [...(g.initializer ?? []).filter((t) => used.has(t.name ?? "")), ...newInits];
  g.input = (g.input ?? []).filter((i) => !removed.has(i.name)); // IR 3 lists initializers among the inputs
  return encodeModelProto(proto);
}

/** Shallow structural copy of the parts materializeLight rewrites (weight views are shared, not copied). */
function structuredCloneProto(p: ModelProto): ModelProto {
  return {
    ...p,
    graph: {
      ...p.graph!,
      node: [...(p.graph!.node ?? [])],
      initializer: [...(p.graph!.initializer ?? [])],
      input: [...(p.graph!.input ?? [])],
    },
  };
}

// ---------- tiny model builder for unit tests ----------
export function vi(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): ValueInfo {
  return {
    name,
    type: {
      tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } },
    },
  };
}

export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, number | number[] | string> = {},
  extra: Partial<NodeProto> = {},
): NodeProto {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    typeof v === "number"
      ? Number.isInteger(v)
        ? { name, type: 2, i: v }
        : { name, type: 1, f: v }
      : typeof v === "string"
        ? { name, type: 3, s: new TextEncoder().encode(v) }
        : { name, type: 7, ints: v },
  );
  return { op_type: op, input: inputs, output: outputs, ...(attribute.length ? { attribute } : {}), ...extra };
}

export function model(
  g: { nodes: NodeProto[]; inputs: ValueInfo[]; outputs: ValueInfo[]; inits?: TensorProto[] },
  opts: Partial<ModelProto> = {},
): Uint8Array {
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    producer_name: "nnlq-test",
    ...opts,
    graph: { name: "g", node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.inits ?? [] },
  });
}
