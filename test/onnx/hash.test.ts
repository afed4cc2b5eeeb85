/**
 * Structure hash property tests (fast-check): random small CNN DAGs, rebuilt with renamed tensors/nodes,
 * shuffled independent nodes, new weight values, doc strings and producer metadata, weights moved into
 * Constant nodes — same hash; any change of op, attribute, shape, dtype, edge, input resolution or batch —
 * different hash.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeModel, stripWeights, structureHash } from "@/lib/onnx";
import { DataType, encodeModelProto, type NodeProto, type TensorProto } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { corpusMissing, hasCorpus, node, readModel, rng, vi } from "./helpers";

type Layer =
  | { op: "Conv"; src: number; cout: number; k: 1 | 3; stride: 1 | 2 }
  | { op: "Relu" | "Sigmoid"; src: number }
  | { op: "Add"; src: number; src2: number }
  | { op: "MaxPool"; src: number }
  | { op: "Concat"; src: number; src2: number };

interface Net { batch: number; cin: number; hw: number; layers: Layer[]; dtype: number }

/** Tensor shapes [c, hw] per value (0 = the input), to pick shape-compatible operands. */
function shapes(net: Net): [number, number][] {
  const s: [number, number][] = [[net.cin, net.hw]];
  for (const l of net.layers) {
    const [c, hw] = s[l.src];
    if (l.op === "Conv") s.push([l.cout, l.stride === 2 ? Math.ceil(hw / 2) : hw]);
    else if (l.op === "MaxPool") s.push([c, Math.floor((hw - 2) / 2) + 1]);
    else if (l.op === "Concat") s.push([c + s[l.src2][0], hw]);
    else s.push([c, hw]);
  }
  return s;
}

/** Random valid net: operands of Add/Concat are chosen among earlier values of matching shape. */
const netArb: fc.Arbitrary<Net> = fc
  .record({
    batch: fc.integer({ min: 1, max: 4 }),
    cin: fc.constantFrom(3, 4),
    hw: fc.constantFrom(8, 16),
    seeds: fc.array(fc.integer({ min: 0, max: 1 << 30 }), { minLength: 3, maxLength: 10 }),
  })
  .map(({ batch, cin, hw, seeds }) => {
    const net: Net = { batch, cin, hw, layers: [], dtype: DataType.FLOAT };
    for (const seed of seeds) {
      const r = rng(seed);
      const s = shapes(net);
      const src = Math.floor(r() * s.length);
      const kind = Math.floor(r() * 5);
      const same = s.map((x, i) => i).filter((i) => i !== src && s[i][1] === s[src][1]);
      if (kind === 0 || s[src][1] < 4)
        net.layers.push({ op: "Conv", src, cout: [4, 8][Math.floor(r() * 2)], k: r() < 0.5 ? 1 : 3, stride: 1 });
      else if (kind === 1) net.layers.push({ op: r() < 0.5 ? "Relu" : "Sigmoid", src });
      else if (kind === 2 && same.some((i) => s[i][0] === s[src][0]))
        net.layers.push({ op: "Add", src, src2: same.find((i) => s[i][0] === s[src][0])! });
      else if (kind === 3) net.layers.push({ op: "MaxPool", src });
      else if (kind === 4 && same.length) net.layers.push({ op: "Concat", src, src2: same[0] });
      else net.layers.push({ op: "Conv", src, cout: 4, k: 3, stride: 2 });
    }
    return net;
  });

interface BuildOpts {
  prefix?: string;
  shuffleSeed?: number;
  weightSeed?: number;
  docs?: boolean;
  constants?: boolean;
}

function build(net: Net, o: BuildOpts = {}): Uint8Array {
  const p = o.prefix ?? "t";
  const wr = rng(o.weightSeed ?? 1);
  const s = shapes(net);
  const name = (i: number) => (i === 0 ? "input" : `${p}_v${i}`);
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const doc = o.docs ? { doc_string: `layer made at ${wr()}` } : {};
  const weight = (wname: string, dims: number[]) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const t = makeTensor(
      wname,
      net.dtype === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT,
      dims,
      Array.from({ length: n }, () => wr() - 0.5),
    );
    if (o.constants)
      nodes.push({ op_type: "Constant", output: [wname], attribute: [{ name: "value", type: 4, t: { ...t, name: "" } }], ...doc });
    else inits.push(t);
  };
  net.layers.forEach((l, k) => {
    const i = k + 1;
    const out = name(i);
    const nn = { name: `${p}_node${i}`, ...doc };
    if (l.op === "Conv") {
      const w = `${p}_w${i}`;
      weight(w, [l.cout, s[l.src][0], l.k, l.k]);
      nodes.push({
        ...node("Conv", [name(l.src), w], [out], {
          kernel_shape: [l.k, l.k],
          pads: l.k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0],
          strides: [l.stride, l.stride],
        }),
        ...nn,
      });
    } else if (l.op === "MaxPool")
      nodes.push({ ...node("MaxPool", [name(l.src)], [out], { kernel_shape: [2, 2], strides: [2, 2] }), ...nn });
    else if (l.op === "Add" || l.op === "Concat")
      nodes.push({ ...node(l.op, [name(l.src), name(l.src2)], [out], l.op === "Concat" ? { axis: 1 } : {}), ...nn });
    else nodes.push({ ...node(l.op, [name(l.src)], [out]), ...nn });
  });
  if (o.shuffleSeed !== undefined) {
    // Any topological order: repeatedly pick a random ready node.
    const r = rng(o.shuffleSeed);
    const produced = new Set(["input", ...inits.map((t) => t.name!)]);
    const rest = nodes.splice(0);
    while (rest.length) {
      const ready = rest.filter((n) => (n.input ?? []).every((x) => produced.has(x)));
      const pick = ready[Math.floor(r() * ready.length)];
      rest.splice(rest.indexOf(pick), 1);
      nodes.push(pick);
      for (const x of pick.output ?? []) produced.add(x);
    }
  }
  const last = name(net.layers.length);
  const [c, hw] = s[net.layers.length];
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    ...(o.docs
      ? {
          producer_name: `exporter-${o.weightSeed}`,
          producer_version: "9.9",
          doc_string: "a model",
          metadata_props: [{ key: "author", value: "x" }],
        }
      : { producer_name: "nnlq-test" }),
    graph: {
      name: `${p}_graph`,
      node: nodes,
      initializer: inits,
      input: [vi("input", ["N", net.cin, net.hw, net.hw], net.dtype)],
      output: [vi(last, ["N", c, hw, hw], net.dtype)],
      ...(o.docs ? { doc_string: "graph docs" } : {}),
    },
  });
}

const hashOf = (b: Uint8Array, batch?: number, inputs?: Record<string, number[]>) => structureHash(decodeModel(b), { batch, inputs });

describe("structure hash invariance", () => {
  it("ignores names, independent-node order, weight values, doc strings, producer metadata and weight storage", () => {
    fc.assert(
      fc.property(netArb, fc.integer(), fc.integer(), (net, s1, s2) => {
        const base = hashOf(build(net), net.batch);
        expect(hashOf(build(net, { prefix: "renamed", shuffleSeed: s1 }), net.batch)).toBe(base);
        expect(hashOf(build(net, { weightSeed: s2 + 7, docs: true }), net.batch)).toBe(base);
        expect(hashOf(build(net, { constants: true, shuffleSeed: s2 }), net.batch)).toBe(base);
        expect(hashOf(stripWeights(build(net)), net.batch)).toBe(base);
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});

/** Structural mutations that must change the hash. */
const mutations: [string, (n: Net) => Net | null][] = [
  [
    "op",
    (n) => {
      const i = n.layers.findIndex((l) => l.op === "Relu" || l.op === "Sigmoid");
      if (i < 0) return null;
      const l = n.layers[i] as { op: "Relu" | "Sigmoid"; src: number };
      return { ...n, layers: n.layers.map((x, k) => (k === i ? { ...l, op: l.op === "Relu" ? "Sigmoid" : "Relu" } : x)) };
    },
  ],
  [
    "attribute",
    (n) => {
      const i = n.layers.findIndex((l) => l.op === "Conv" && l.k === 3);
      if (i < 0) return null;
      const l = n.layers[i] as Layer & { op: "Conv" };
      return { ...n, layers: n.layers.map((x, k) => (k === i ? { ...l, stride: l.stride === 2 ? (1 as const) : (2 as const) } : x)) };
    },
  ],
  [
    "shape",
    (n) => {
      const i = n.layers.findIndex((l) => l.op === "Conv");
      if (i < 0) return null;
      const l = n.layers[i] as Layer & { op: "Conv" };
      const m = { ...n, layers: n.layers.map((x, k) => (k === i ? { ...l, cout: l.cout + 1 } : x)) };
      return validNet(m) ? m : null;
    },
  ],
  ["dtype", (n) => ({ ...n, dtype: DataType.DOUBLE })],
  [
    "edge",
    (n) => {
      const i = n.layers.findIndex((l) => (l.op === "Relu" || l.op === "Sigmoid") && l.src > 0);
      if (i < 0) return null;
      const l = n.layers[i];
      const s = shapes(n);
      const alt = s.findIndex((x, k) => k !== l.src && k <= i && x[0] === s[l.src][0] && x[1] === s[l.src][1]);
      if (alt < 0) return null;
      return { ...n, layers: n.layers.map((x, k) => (k === i ? { ...l, src: alt } : x)) };
    },
  ],
  ["input resolution", (n) => ({ ...n, hw: n.hw === 8 ? 16 : 8 })],
];

function validNet(n: Net): boolean {
  const s = shapes(n);
  return n.layers.every(
    (l) => (l.op !== "Add" && l.op !== "Concat") || (s[l.src][1] === s[l.src2][1] && (l.op === "Concat" || s[l.src][0] === s[l.src2][0])),
  );
}

describe("structure hash sensitivity", () => {
  it.each(mutations)("changes when the %s changes", (_what, mutate) => {
    let applied = 0;
    fc.assert(
      fc.property(netArb, (net) => {
        const m = mutate(net);
        if (!m || !validNet(m)) return;
        applied++;
        expect(hashOf(build(m), m.batch)).not.toBe(hashOf(build(net), net.batch));
      }),
      { numRuns: 60, seed: 7 },
    );
    expect(applied).toBeGreaterThan(5);
  });

  it("changes with the batch size and with input overrides", () => {
    fc.assert(
      fc.property(netArb, fc.integer({ min: 1, max: 8 }), (net, b) => {
        const bytes = build(net);
        fc.pre(b !== net.batch);
        expect(hashOf(bytes, b)).not.toBe(hashOf(bytes, net.batch));
        expect(hashOf(bytes, undefined, { input: [net.batch, net.cin, net.hw * 2, net.hw * 2] })).not.toBe(hashOf(bytes, net.batch));
        expect(hashOf(bytes, undefined, { input: [net.batch, net.cin, net.hw, net.hw] })).toBe(hashOf(bytes, net.batch));
      }),
      { numRuns: 40, seed: 3 },
    );
  });
});

if (!hasCorpus) it.skip(corpusMissing, () => {});
describe.skipIf(!hasCorpus)("structure hash on real networks", () => {
  it("is distinct across the classic networks and stable across decode runs", () => {
    const files = [
      "resnet50",
      "vgg19",
      "bvlc_alexnet",
      "zfnet512",
      "squeezenet",
      "densenet121",
      "inception_v1",
      "inception_v2",
      "shufflenet",
    ].map((n) => `networks/onnx_light/light_${n}.onnx`);
    const hashes = files.map((f) => structureHash(decodeModel(readModel(f))));
    expect(new Set(hashes).size).toBe(files.length);
    expect(structureHash(decodeModel(readModel(files[0])))).toBe(hashes[0]);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
