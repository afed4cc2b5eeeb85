/**
 * Small real graphs for predictor tests: zoo models at tiny resolutions (lib/zoo → lib/onnx features),
 * with synthetic latencies and synthetic "profiles" whose ground truth is known.
 */
import { buildSamples, type Sample, type SampleKernel } from "@/lib/predict/dataset";
import { nodeCosts, opIndex } from "@/lib/predict/numeric";
import { sampleSpecs, type ZooFamily } from "@/lib/zoo";

const cache = new Map<string, Sample[]>();

/** `perFamily` distinct tiny zoo graphs of each family (one sample each, latency 1, platform "p"). */
export function tinyGraphs(families: ZooFamily[], perFamily: number, resolution = 32): Sample[] {
  const key = `${families.join(",")}|${perFamily}|${resolution}`;
  let s = cache.get(key);
  if (!s) {
    const specs = families.flatMap((f) =>
      sampleSpecs(f, perFamily, 11, {
        batch: 1,
        resolution: f === "detector" || f === "alexnet" || f === "squeezenet" || f === "googlenet" ? Math.max(64, resolution) : resolution,
      }),
    );
    s = buildSamples(
      specs.map((spec, i) => ({ key: `g${i}`, model: { spec }, family: spec.family, platform: "p", batch: 1, latencyMs: 1 })),
    );
    cache.set(key, s);
  }
  return s;
}

/** Per-op cost factor of the synthetic latency (ns per FLOP-equivalent). */
export const opCost = (op: number) => 0.5 + (op % 5) * 0.25;

/** Additive synthetic latency (ms): Σ nodes (FLOPs · cost(op) + 0.2 · bytes) · 1e-6 + 0.05. */
export function additiveLatency(s: Sample, scale = 1): number {
  const c = nodeCosts(s.features), ops = opIndex(s.features);
  let y = 0.05;
  for (let r = 0; r < s.features.numNodes; r++) y += (c.flops[r] * opCost(ops[r]) + c.mem[r] * 0.2) * 1e-6;
  return y * scale;
}

/**
 * Synthetic profile: kernels = each node alone, except that a BatchNormalization / Relu / Clip whose single
 * producer has one consumer and sits in a Conv's kernel joins that kernel (Conv+BatchNormalization+Relu...).
 * Kernel time = Σ node times.
 */
const FUSABLE = new Set(["BatchNormalization", "Relu", "Clip"]);

export function syntheticKernels(s: Sample, nodeUs: (r: number) => number): SampleKernel[] {
  const f = s.features;
  const ops = f.nodeOps;
  const outDeg = new Int32Array(f.numNodes), preds: number[][] = Array.from({ length: f.numNodes }, () => []);
  for (let e = 0; e < f.edgeSrc.length; e++) {
    outDeg[f.edgeSrc[e]]++;
    preds[f.edgeDst[e]].push(f.edgeSrc[e]);
  }
  const group = new Int32Array(f.numNodes).fill(-1);
  const groups: number[][] = [];
  for (let v = 0; v < f.numNodes; v++) {
    const u = preds[v].length === 1 ? preds[v][0] : -1;
    if (u >= 0 && outDeg[u] === 1 && ops[groups[group[u]][0]] === "Conv" && FUSABLE.has(ops[v])) {
      group[v] = group[u];
      groups[group[u]].push(v);
    } else {
      group[v] = groups.length;
      groups.push([v]);
    }
  }
  return groups.map((rows) => ({
    type: rows.map((r) => ops[r]).join("+"),
    op: ops[rows[0]],
    us: rows.reduce((a, r) => a + nodeUs(r), 0),
    rows,
  }));
}
