/**
 * Deterministic fuzz cases for lib/onnx: seeded byte-level and proto-level mutations of corpus models.
 * Shared by test/onnx/fuzz.test.ts and ad-hoc reproduction (generateCases(seed) yields the same sequence).
 */
import { analyze, decodeModel, extractFeatures, inferShapes, stripWeights } from "@/lib/onnx";
import { isNnlqError } from "@/lib/errors";
import { decodeModelProto, encodeModelProto, type ModelProto } from "@/lib/onnx/proto";
import { readModel, rng } from "./helpers";

const SEEDS = [
  "networks/onnx_light/light_squeezenet.onnx",
  "networks/onnx_light/light_bvlc_alexnet.onnx",
  "networks/onnx_light/light_vgg19.onnx",
  "networks/onnx_light/light_inception_v1.onnx",
  "networks/onnxruntime/mnist.onnx",
  "networks/onnxruntime/gpt2_megatron.onnx",
  "networks/wonnx/opt-mnist.onnx",
  "networks/tract/example.onnx",
  "networks/nnlqp/resnet18-v1-7-no-weight.onnx",
  "conformance/node/test_loop11/model.onnx",
  "conformance/node/test_if/model.onnx",
  "conformance/node/test_scan9_sum/model.onnx",
  "conformance/node/test_range_float_type_positive_delta_expanded/model.onnx",
  "conformance/node/test_affine_grid_2d_expanded/model.onnx",
  "conformance/node/test_resize_upsample_sizes_nearest/model.onnx",
  "robustness/onnxruntime/testdata/function_with_variadics.onnx",
];

type Mutation = (b: Uint8Array, r: () => number) => Uint8Array;
const pick = (r: () => number, n: number) => Math.floor(r() * n);

const MUTATIONS: [string, Mutation][] = [
  ["truncate", (b, r) => b.subarray(0, pick(r, b.length))],
  [
    "flip bytes",
    (b, r) => {
      const c = b.slice();
      for (let k = 1 + pick(r, 8); k > 0; k--) c[pick(r, c.length)] ^= 1 << pick(r, 8);
      return c;
    },
  ],
  [
    "random bytes",
    (b, r) => {
      const c = b.slice();
      for (let k = 1 + pick(r, 4); k > 0; k--) c[pick(r, c.length)] = pick(r, 256);
      return c;
    },
  ],
  [
    "small ints",
    (b, r) => {
      const c = b.slice();
      for (let k = 1 + pick(r, 6); k > 0; k--) c[pick(r, c.length)] = [0, 1, 2, 0x7f, 0x80, 0xff][pick(r, 6)];
      return c;
    },
  ],
  [
    "delete range",
    (b, r) => {
      const i = pick(r, b.length);
      const n = 1 + pick(r, 16);
      return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + n)]);
    },
  ],
  [
    "insert bytes",
    (b, r) => {
      const i = pick(r, b.length);
      const ins = Array.from({ length: 1 + pick(r, 8) }, () => pick(r, 256));
      return Uint8Array.from([...b.subarray(0, i), ...ins, ...b.subarray(i)]);
    },
  ],
  [
    "duplicate range",
    (b, r) => {
      const i = pick(r, b.length);
      const n = 1 + pick(r, 64);
      return Uint8Array.from([...b.subarray(0, i + n), ...b.subarray(i, i + n), ...b.subarray(i + n)]);
    },
  ],
];

/** Structural mutations on the decoded proto (exercise validation, shape inference and cost, not just the codec). */
const OPS = [
  "Relu",
  "Conv",
  "Add",
  "MatMul",
  "Gemm",
  "Reshape",
  "Concat",
  "Slice",
  "Gather",
  "Transpose",
  "MaxPool",
  "Squeeze",
  "Unsqueeze",
  "Expand",
  "Tile",
  "Range",
  "Split",
  "Pad",
  "Resize",
  "Loop",
  "If",
  "ReduceSum",
  "TopK",
  "ConstantOfShape",
  "Einsum",
  "LSTM",
  "Softmax",
];
const WEIRD = [-3, -1, 0, 1, 2, 3, 7, 64, 300, 1 << 20, 2 ** 31 - 1];

const PROTO_MUTATIONS: [string, (m: ModelProto, r: () => number) => void][] = [
  [
    "attribute values",
    (m, r) => {
      const n = m.graph?.node?.[pick(r, m.graph.node.length)];
      const a = n?.attribute?.[pick(r, n.attribute.length)];
      if (!a) return;
      if (a.ints?.length) a.ints = a.ints.map(() => WEIRD[pick(r, WEIRD.length)]);
      else if (a.i !== undefined) a.i = WEIRD[pick(r, WEIRD.length)];
    },
  ],
  [
    "initializer dims",
    (m, r) => {
      const t = m.graph?.initializer?.[pick(r, m.graph.initializer.length)];
      if (t?.dims?.length) t.dims[pick(r, t.dims.length)] = WEIRD[pick(r, WEIRD.length)];
    },
  ],
  [
    "op type",
    (m, r) => {
      const n = m.graph?.node?.[pick(r, m.graph.node.length)];
      if (n) n.op_type = OPS[pick(r, OPS.length)];
    },
  ],
  [
    "rewire input",
    (m, r) => {
      const nodes = m.graph?.node ?? [];
      const n = nodes[pick(r, nodes.length)];
      const names = nodes.flatMap((x) => x.output ?? []);
      if (n?.input?.length && names.length) n.input[pick(r, n.input.length)] = names[pick(r, names.length)];
    },
  ],
  [
    "drop node",
    (m, r) => {
      m.graph?.node?.splice(pick(r, m.graph.node.length), 1);
    },
  ],
  [
    "input dims",
    (m, r) => {
      const d = m.graph?.input?.[0]?.type?.tensor_type?.shape?.dim;
      if (d?.length) d[pick(r, d.length)] = { dim_value: WEIRD[pick(r, WEIRD.length)] };
    },
  ],
];

function protoMutate(b: Uint8Array, r: () => number): Uint8Array {
  const m = decodeModelProto(b);
  for (let k = 1 + pick(r, 3); k > 0; k--) PROTO_MUTATIONS[pick(r, PROTO_MUTATIONS.length)][1](m, r);
  return encodeModelProto(m);
}

MUTATIONS.push(["proto fields", protoMutate], ["proto fields", protoMutate], ["proto fields", protoMutate]);



export interface FuzzCase { index: number; what: string; bytes: Uint8Array }

/** The i-th case depends only on the seed and the cases before it. */
export function* generateCases(count: number, seed = 20240601): Generator<FuzzCase> {
  const seeds = SEEDS.map((f) => readModel(f));
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    const s = pick(r, seeds.length);
    const [mname, mutate] = MUTATIONS[pick(r, MUTATIONS.length)];
    yield { index: i, what: `case ${i}: ${mname} of ${SEEDS[s]}`, bytes: mutate(seeds[s], r) };
  }
}

/** Run one case through the whole library; returns "ok" or the NnlqError code (other exceptions propagate). */
export function runFuzzCase(bytes: Uint8Array, i: number): string {
  try {
    const m = decodeModel(bytes);
    const summary = analyze(m, i % 3 === 0 ? { batch: 1 + (i % 5) } : undefined);
    if (typeof summary.hash !== "string") throw new Error("no hash");
    if (i % 4 === 0) extractFeatures(inferShapes(m));
    if (i % 5 === 0) decodeModel(stripWeights(m));
    return "ok";
  } catch (e) {
    if (isNnlqError(e)) return e.code;
    throw e;
  }
}

