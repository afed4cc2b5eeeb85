/**
 * NAS-Bench-201 (Dong & Yang 2020) cells in the benchmark's macro skeleton: 3×3 conv stem, three stages of
 * N cells (C, 2C, 4C channels) joined by residual reduction blocks, BN-ReLU-GAP-FC head. A cell is a
 * 4-node DAG; each of its 6 edges carries none | skip_connect | nor_conv_1x1 | nor_conv_3x3 | avg_pool_3x3,
 * and node j is the sum of its incoming edges (none = x·0, as the reference PyTorch code computes it).
 *
 * Cell index 0…15624 enumerates the 5^6 cells in xautodl's CellStructure.gen_all order: the base-5 digits
 * of the index, most significant first, are the ops of edges 1←0, 2←0, 2←1, 3←0, 3←1, 3←2. (This is NOT the
 * row order of the NAS-Bench-201 benchmark file, which is not reproducible without the file.)
 */
import { NnlqError } from "@/lib/errors";
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zInt, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

export const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
export type Nb201Op = (typeof NB201_OPS)[number];
export const NB201_CELLS = 5 ** 6;
/** Edges in index-digit order: [target node, source node]. */
const EDGES = [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]] as const;

/** The 6 edge ops of a cell index. */
export function nb201Ops(index: number): Nb201Op[] {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_CELLS) {
    throw new NnlqError("VALIDATION", `NAS-Bench-201 cell index must be an integer in 0…${NB201_CELLS - 1}`);
  }
  const ops: Nb201Op[] = [];
  for (let i = 5; i >= 0; i--) ops.push(NB201_OPS[Math.floor(index / 5 ** i) % 5]);
  return ops;
}

/** The benchmark's architecture string, e.g. |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|…|. */
export function nb201ArchString(index: number): string {
  const ops = nb201Ops(index);
  const node = (j: number) =>
    `|${EDGES.map((e, k) => [e, ops[k]] as const)
      .filter(([e]) => e[0] === j)
      .map(([e, op]) => `${op}~${e[1]}`)
      .join("|")}|`;
  return [1, 2, 3].map(node).join("+");
}

/** Inverse of nb201ArchString. */
export function nb201Index(arch: string): number {
  const nodes = arch.split("+").map((part) => part.split("|").filter(Boolean));
  const ops = new Map<string, number>();
  nodes.forEach((edges, j) =>
    edges.forEach((e) => {
      const [op, src] = e.split("~");
      ops.set(`${j + 1}<-${src}`, NB201_OPS.indexOf(op as Nb201Op));
    }),
  );
  const digits = EDGES.map(([t, s]) => ops.get(`${t}<-${s}`) ?? -1);
  if (nodes.length !== 3 || ops.size !== 6 || digits.some((d) => d < 0)) {
    throw new NnlqError("VALIDATION", `not a NAS-Bench-201 architecture string: ${arch}`);
  }
  return digits.reduce((acc, d) => acc * 5 + d, 0);
}

const RES = { min: 16, multiple: 4, default: 32 };
const schema = z.strictObject({
  ...baseShape("nasbench201", RES),
  cell: zInt(0, NB201_CELLS - 1).default(0),
  channels: zInt(4, 256).default(16),
  cellsPerStage: zInt(1, 8).default(5),
  classes: zClasses(10),
});
type Spec = z.infer<typeof schema>;

/** ReLU → Conv → BN, the benchmark's ReLUConvBN. */
const reluConvBn = (b: GraphBuilder, x: Tensor, out: number, k: number, stride = 1) =>
  b.batchNorm(b.conv(b.act(x, "relu"), out, k, { stride }));

function edge(b: GraphBuilder, x: Tensor, op: Nb201Op): Tensor {
  switch (op) {
    case "none":
      return b.mulScalar(x, 0);
    case "skip_connect":
      return x;
    case "nor_conv_1x1":
      return reluConvBn(b, x, x.shape[1], 1);
    case "nor_conv_3x3":
      return reluConvBn(b, x, x.shape[1], 3);
    case "avg_pool_3x3":
      return b.avgPool(x, 3, 1, 1);
  }
}

function cell(b: GraphBuilder, x: Tensor, ops: Nb201Op[]): Tensor {
  const nodes = [x];
  for (const j of [1, 2, 3]) {
    const terms = EDGES.map((e, k) => [e, ops[k]] as const)
      .filter(([e]) => e[0] === j)
      .map(([e, op]) => edge(b, nodes[e[1]], op));
    nodes.push(terms.slice(1).reduce((acc, t) => b.add(acc, t), terms[0]));
  }
  return nodes[3];
}

/** The benchmark's ResNetBasicblock(stride 2): two ReLUConvBN + (2×2 avg-pool → 1×1 conv) shortcut. */
function reduction(b: GraphBuilder, x: Tensor, out: number): Tensor {
  const y = reluConvBn(b, reluConvBn(b, x, out, 3, 2), out, 3);
  return b.add(y, b.conv(b.avgPool(x, 2, 2), out, 1));
}

export const nasbench201: FamilyDef<Spec> = {
  family: "nasbench201",
  summary: "NAS-Bench-201 cells (all 15,625 by index) in the benchmark skeleton: stem, 3×N cells, 2 residual reductions",
  space: {
    cell: "cell index 0–15624 (uniform): ops of the 6 edges, gen_all order",
    channels: "C of the first stage 8 | 16 | 24 | 32 (benchmark: 16)",
    cellsPerStage: "N = 5 (the benchmark's)",
  },
  resolution: RES,
  example: {
    cell: nb201Index("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
    channels: 16,
    cellsPerStage: 5,
    resolution: 32,
  },
  schema,
  sample(rng) {
    return { cell: rng.int(0, NB201_CELLS - 1), channels: rng.pick([8, 16, 24, 32]), cellsPerStage: 5 };
  },
  build(b, x, s) {
    const ops = nb201Ops(s.cell);
    let y = b.batchNorm(b.conv(x, s.channels, 3));
    for (let stage = 0; stage < 3; stage++) {
      if (stage > 0) y = reduction(b, y, s.channels * 2 ** stage);
      for (let i = 0; i < s.cellsPerStage; i++) y = cell(b, y, ops);
    }
    y = b.act(b.batchNorm(y), "relu");
    return { logits: b.gemm(b.flatten(b.globalAvgPool(y)), s.classes) };
  },
};
