/**
 * Canonical structure hash: the key of the evolving latency database.
 *
 * Over the shape-inferred graph with static (weight / shape-arithmetic) nodes folded into constant leaves:
 * - leaves: graph inputs by position (dtype, shape), constants by dtype + shape (+ values of small integer
 *   tensors: they are structure, e.g. Reshape targets and axes; float values are weights and ignored);
 * - node label: domain, op, canonical attributes (opset defaults resolved, Conv/Pool windows normalized),
 *   output dtypes and shapes; subgraphs by their own canonical hash;
 * - an upward pass (each node from its label and its ordered inputs' upward keys) and a downward pass (each
 *   node from its label and the multiset of (consumer key, input slot) and graph-output positions), then
 *   one combined WL-style refinement round; the graph hash is sha256 over the sorted multiset of node keys
 *   and the ordered graph-output keys.
 * Invariant to tensor/node names, node order, weight values, doc strings, producer metadata and the way
 * weights are stored (initializer, Constant, ConstantOfShape); sensitive to ops, attributes, shapes, dtypes,
 * edges, input resolution and batch size.
 */
import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import type { AttrValue } from "./attrs";
import { buildGraph, type GraphIR, type NodeIR, type TensorIR } from "./graph";
import { isOnnxModel, type OnnxModel } from "./model";
import type { TensorProto } from "./proto";
import { inferShapes, resolveOverrides, type ShapeOverrides } from "./shapes";
import { isIntDtype, readTensorValues } from "./tensor";

const SMALL_INT = 64;

/**
 * Internal 64-bit key of a string (two independently seeded 32-bit FNV-1a lanes with murmur3 finalizers).
 * Only the final digest is sha256; internal keys just need to be distinct within one graph.
 */
function h(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  const fin = (x: number) => {
    x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  return fin(a ^ s.length).toString(16).padStart(8, "0") + fin(b + s.length).toString(16).padStart(8, "0");
}

function shapeStr(t: TensorIR | undefined): string {
  if (!t) return "none";
  return `${t.dtype}[${t.shape ? t.shape.map((d) => (typeof d === "number" ? d : "?")).join(",") : "*"}]`;
}

function constLeaf(t: TensorIR): string {
  const small = t.value && isIntDtype(t.dtype) && t.value.data.length <= SMALL_INT ? `=${t.value.data.join(",")}` : "";
  return `const:${shapeStr(t)}${small}`;
}

function tensorAttr(t: TensorProto): string {
  const dt = t.data_type ?? 0;
  const v = isIntDtype(dt) ? readTensorValues(t, SMALL_INT) : undefined;
  return `T${dt}[${(t.dims ?? []).join(",")}]${v ? "=" + v.join(",") : ""}`;
}

function attrStr(v: AttrValue, node: NodeIR, key: string): string {
  if (typeof v === "number" || typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.length === 0 || typeof v[0] === "number" || typeof v[0] === "string") return JSON.stringify(v);
    return `[${(v as object[]).map((x) => ("node" in x || "output" in x ? "G" : tensorAttr(x as TensorProto))).join(";")}]`;
  }
  if (typeof v === "object" && v) {
    if ("node" in v || "output" in v || "input" in v) {
      const sg = node.subgraphs[key];
      return sg ? `G:${graphDigest(sg)}` : "G";
    }
    if ("data_type" in v || "dims" in v || "raw_data" in v) return tensorAttr(v as TensorProto);
  }
  return "?";
}

function nodeLabel(n: NodeIR, t: (name: string) => TensorIR | undefined): string {
  const attrs = Object.keys(n.attrs).sort().map((k) => `${k}=${attrStr(n.attrs[k], n, k)}`).join("|");
  const outs = n.outputs.map((o) => (o ? shapeStr(t(o)) : "-")).join(",");
  return `${n.domain}::${n.opType}{${attrs}}->${outs}`;
}

/** Canonical digest of a (shape-inferred) graph. Subgraphs hash through their If/Loop/Scan node labels. */
function graphDigest(ir: GraphIR): string {
  const t = (name: string) => ir.tensors.get(name);
  const live = ir.order.filter((i) => !ir.nodes[i].static);
  const labels = new Map<number, string>();
  for (const i of live) labels.set(i, nodeLabel(ir.nodes[i], t));
  const inputPos = new Map(ir.inputs.map((n, i) => [n, i]));
  const up = new Map<number, string>();
  const srcKey = (name: string, keys: Map<number, string>): string => {
    if (!name) return "-";
    const x = t(name);
    if (!x) return "?";
    if (x.source === "input") return `in${inputPos.get(name)}:${shapeStr(x)}`;
    if (x.static || x.producer < 0) return x.source === "outer" ? `outer:${shapeStr(x)}` : constLeaf(x);
    const p = ir.nodes[x.producer];
    return `${keys.get(x.producer)}#${p.outputs.indexOf(name)}`;
  };
  for (const i of live) {
    const n = ir.nodes[i];
    up.set(
      i,
      h(`${labels.get(i)}(${[...n.inputs.map((x) => srcKey(x, up)), ...n.implicitInputs.map((x) => "imp:" + srcKey(x, up))].join(";")})`),
    );
  }
  const outPos = new Map<string, number[]>();
  ir.outputs.forEach((o, p) => outPos.set(o, [...(outPos.get(o) ?? []), p]));
  const down = new Map<number, string>();
  for (let k = live.length - 1; k >= 0; k--) {
    const i = live[k];
    const n = ir.nodes[i];
    const uses: string[] = [];
    n.outputs.forEach((o, j) => {
      if (!o) return;
      for (const c of t(o)?.consumers ?? []) {
        const cn = ir.nodes[c];
        if (cn.static) continue;
        cn.inputs.forEach((x, slot) => { if (x === o) uses.push(`${j}>${down.get(c)}@${slot}`); });
        if (cn.implicitInputs.includes(o)) uses.push(`${j}>${down.get(c)}@imp`);
      }
      for (const p of outPos.get(o) ?? []) uses.push(`${j}>out${p}`);
    });
    down.set(i, h(`${labels.get(i)}<${uses.sort().join(";")}>`));
  }
  // One refinement round: a node's key also sees its neighbours' combined up/down keys.
  const both = new Map<number, string>();
  for (const i of live) both.set(i, h(`${up.get(i)}/${down.get(i)}`));
  const keys: string[] = [];
  for (const i of live) {
    const n = ir.nodes[i];
    const preds = n.inputs.map((x) => {
      const p = x ? (t(x)?.producer ?? -1) : -1;
      return p >= 0 && both.has(p) ? both.get(p)! : srcKey(x, up);
    });
    const succ: string[] = [];
    for (const o of n.outputs) for (const c of (o ? t(o)?.consumers : undefined) ?? []) if (both.has(c)) succ.push(both.get(c)!);
    keys.push(h(`${both.get(i)}(${preds.join(";")})<${succ.sort().join(";")}>`));
  }
  keys.sort();
  const outs = ir.outputs.map((o) => srcKey(o, up));
  const inputs = ir.inputs.map((n) => `in:${shapeStr(t(n))}`);
  return bytesToHex(sha256(utf8ToBytes(`nnlq-structure-v1|${inputs.join(";")}|${keys.join(";")}|${outs.join(";")}`)));
}

/**
 * Hex sha256 of the canonical structure under the given batch / input overrides, with the same defaults for
 * symbolic dims as analyze() (so analyze(bytes).hash === structureHash(decodeModel(bytes))).
 */
export function structureHash(model: OnnxModel | GraphIR, o?: ShapeOverrides): string {
  if (!isOnnxModel(model) && model.shapesInferred && !o) return graphDigest(model);
  const base = isOnnxModel(model) ? buildGraph(model) : model;
  return graphDigest(inferShapes(base, resolveOverrides(base, o).overrides));
}

/** Exposed for analyze(): hash of an already inferred IR. */
export function hashInferred(ir: GraphIR): string {
  return graphDigest(ir);
}

