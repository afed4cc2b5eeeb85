/**
 * Per-operator profiles from onnxruntime's Chrome-trace JSON (enableProfiling → endProfiling): one record per
 * kernel the runtime actually executed after graph optimization (fusion, layout transforms, quantized
 * kernels), with its median time over the profiled runs, shapes, provider, and the original nodes it was
 * fused from. The fused-from mapping uses the runtime's optimized graph when available (ort-cpu writes it),
 * else kernel names (ORT names a fused kernel after its anchor node) plus absorption of kernel-less nodes
 * into their producer's kernel.
 */
import type { ModelProto, NodeProto } from "@/lib/onnx/proto";
import { kernelStem, MOVEMENT_OPS } from "@/lib/onnx/util";
import type { TraceEvent } from "./runtime";

export interface KernelProfile {
  /** kernel (optimized node) name as the runtime reports it */
  name: string;
  opType: string;
  /** domain of the optimized node when known (e.g. com.microsoft, com.microsoft.nchwc) */
  domain?: string;
  /** op type plus the activation the runtime fused into it, e.g. "Conv+Relu", "QLinearConv" */
  kernelType: string;
  provider: string;
  /** median / mean time per run in microseconds over the profiled runs */
  medianUs: number;
  meanUs: number;
  /** share of the summed kernel time */
  share: number;
  inputShapes: number[][];
  outputShapes: number[][];
  /** element types of the inputs, e.g. ["uint8", "int8", "int32"] */
  inputTypes: string[];
  /** names of the original graph nodes this kernel implements (best effort; empty when none) */
  fusedFrom: string[];
}

export interface OpTypeSummary { count: number; totalUs: number; share: number }

export interface OperatorProfile {
  /** profiled runs the statistics are taken over */
  runs: number;
  /** median model_run time under profiling (µs): profiling adds overhead, use stats.median for latency */
  runMedianUs: number;
  kernelSumUs: number;
  kernels: KernelProfile[];
  byOpType: Record<string, OpTypeSummary>;
  byKernelType: Record<string, OpTypeSummary>;
  /** ORT CPU arena statistics from the trace (bytes), when reported */
  memory?: { inUsePeakBytes: number; arenaHeldBytes: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function shapesOf(v: unknown): { shapes: number[][]; types: string[] } {
  const shapes: number[][] = [], types: string[] = [];
  if (Array.isArray(v)) {
    for (const entry of v) {
      const [type, dims] = Object.entries(entry as Record<string, number[]>)[0] ?? ["?", []];
      types.push(type);
      shapes.push(dims.map(Number));
    }
  }
  return { shapes, types };
}

/** Kernels that only move or re-type data: they never own the original compute nodes they touch. */
const LAYOUT_KERNELS = new Set(["Transpose", "ReorderInput", "ReorderOutput", "Cast", "MemcpyToHost", "MemcpyFromHost"]);

/** Operators a runtime fuses into the kernel producing their input (activations, affine, Q/DQ, no-ops). */
const ABSORBABLE = new Set([
  "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Gelu", "Elu", "Selu", "Softplus", "PRelu",
  "Add", "Sub", "Mul", "Div", "Sum", "BatchNormalization", "QuantizeLinear", "DequantizeLinear", "Identity", "Dropout",
]);

/**
 * Map each kernel name to the original nodes it implements:
 * 1. anchors — the original tensors a kernel produces: its outputs that survive in the optimized graph, the
 *    tensor or node its generated name derives from ("r1_nchwc" → tensor r1, "conv1_token_1" → node conv1,
 *    "MatMul_11/MatMulAddFusion" → node MatMul_11); without an optimized graph, the node the kernel is named
 *    after; reshapes and transposes the optimizer generated anchor nothing (they only move data);
 *    layout kernels (Transpose, Reorder*, Cast) own only the original node of their own name;
 * 2. compute kernels claim, walking back from their anchors, every original node up to tensors that exist
 *    in the optimized graph or belong to another kernel, never past a DequantizeLinear;
 * 3. nodes left over that have no kernel of their own and are of a fusable kind (activations, affine ops,
 *    Q/DQ, no-ops) join the kernel of their producer.
 */
export function mapFusion(
  original: ModelProto,
  kernels: { name: string; opType: string }[],
  optimized?: ModelProto,
): Map<string, string[]> {
  const nodes = original.graph?.node ?? [];
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const byName = new Map(nodes.map((n) => [n.name ?? "", n]));
  const owner = new Map<NodeProto, string>();
  const result = new Map<string, string[]>(kernels.map((k) => [k.name, []]));
  const claim = (n: NodeProto, kernel: string) => {
    if (owner.has(n)) return false;
    owner.set(n, kernel);
    result.get(kernel)?.push(n.name || n.output?.[0] || n.op_type || "?");
    return true;
  };
  const optNodes = new Map((optimized?.graph?.node ?? []).map((n) => [n.name ?? "", n]));
  const known = new Set<string>();
  if (optimized?.graph) {
    const g = optimized.graph;
    for (const v of g.input ?? []) known.add(v.name ?? "");
    for (const t of g.initializer ?? []) known.add(t.name ?? "");
    for (const n of g.node ?? []) for (const t of [...(n.input ?? []), ...(n.output ?? [])]) known.add(t);
  }
  const anchors = new Map<string, string[]>();
  const direct: [NodeProto, string][] = [];
  for (const { name, opType } of kernels) {
    const a: string[] = [];
    const named = byName.get(name);
    const stem = kernelStem(name);
    if (named) a.push(...(named.output ?? []).slice(0, 1));
    else if (optimized && MOVEMENT_OPS.has(opType) && byName.get(stem)?.op_type !== opType) {
      // a reshape/transpose the optimizer generated (e.g. around a Gemm made of a 3-D MatMul + Add): it only
      // moves data; the compute it sits next to belongs to the kernel doing the work. It does own an
      // original node of its own kind whose output it now produces (a reshape merged into it).
      for (const o of optNodes.get(name)?.output ?? []) if (producer.get(o)?.op_type === opType) direct.push([producer.get(o)!, name]);
      anchors.set(name, a);
      continue;
    }
    if (optimized) {
      a.push(...(optNodes.get(name)?.output ?? []).filter((o) => producer.has(o)));
      if (stem !== name && producer.has(stem)) a.push(stem);
      else if (stem !== name && byName.has(stem)) a.push(...(byName.get(stem)!.output ?? []).slice(0, 1));
    }
    anchors.set(name, a);
  }
  const stops = new Set<string>([...known, ...[...anchors.values()].flat()]);
  for (const [n, k] of direct) claim(n, k);
  for (const { name, opType } of kernels) {
    if (LAYOUT_KERNELS.has(opType)) {
      // layout kernels never walk back into compute, but an original Transpose/Cast the runtime kept is theirs
      const own = byName.get(name) ?? byName.get(kernelStem(name));
      if (own?.op_type === opType) claim(own, name);
      continue;
    }
    const stack = [...(anchors.get(name) ?? [])];
    const seen = new Set<string>();
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = producer.get(t);
      if (!p || !claim(p, name)) continue;
      // a DequantizeLinear's quantized input belongs to the upstream kernel (its output Q)
      if (optimized && p.op_type !== "DequantizeLinear") for (const i of p.input ?? []) if (i && !stops.has(i)) stack.push(i);
    }
  }
  const ownKernel = new Set(kernels.map((k) => k.name));
  for (const n of nodes) {
    if (owner.has(n) || ownKernel.has(n.name ?? "") || !ABSORBABLE.has(n.op_type ?? "")) continue;
    const from = (n.input ?? []).map((i) => producer.get(i)).find((p) => p && owner.has(p));
    if (from) claim(n, owner.get(from)!);
  }
  return result;
}

/**
 * Build the operator profile from trace events. `skipRuns` leading model_run events (warm-up under
 * profiling) are ignored.
 */
export function parseProfile(
  events: TraceEvent[],
  o: { skipRuns?: number; original?: ModelProto; optimized?: ModelProto } = {},
): OperatorProfile {
  const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run").sort((a, b) => a.ts - b.ts);
  const skip = Math.min(o.skipRuns ?? 0, Math.max(0, runs.length - 1));
  const kept = runs.slice(skip);
  const from = kept[0]?.ts ?? -Infinity;
  const optNodes = new Map((o.optimized?.graph?.node ?? []).map((n) => [n.name ?? "", n]));
  const perKernel = new Map<string, { durs: number[]; e: TraceEvent }>();
  let inUsePeak = 0, arenaHeld = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const args = e.args ?? {};
    inUsePeak = Math.max(inUsePeak, Number(args.mem_in_use_peak ?? 0));
    arenaHeld = Math.max(arenaHeld, Number(args.mem_arena_held ?? 0));
    if (e.ts < from) continue;
    const name = e.name.slice(0, -"_kernel_time".length);
    const k = perKernel.get(name) ?? { durs: [], e };
    k.durs.push(e.dur);
    perKernel.set(name, k);
  }
  const nRuns = Math.max(1, kept.length);
  const kernelList = [...perKernel].map(([name, { e }]) => ({
    name,
    opType: String(e.args?.op_name ?? optNodes.get(name)?.op_type ?? "?"),
  }));
  const fusion = o.original ? mapFusion(o.original, kernelList, o.optimized) : new Map<string, string[]>();
  const kernels: KernelProfile[] = [];
  for (const [name, { durs, e }] of perKernel) {
    const args = e.args ?? {};
    const opt = optNodes.get(name);
    const opType = String(args.op_name ?? opt?.op_type ?? "?");
    const act = opt?.attribute?.find((a) => a.name === "activation")?.s;
    const activation = act ? new TextDecoder().decode(act) : undefined;
    const ins = shapesOf(args.input_type_shape);
    // a kernel may run several times per run (e.g. inside loops): per-run time = sum of its calls / runs
    const perRun = durs.length > nRuns ? [durs.reduce((a, b) => a + b, 0) / nRuns] : durs;
    kernels.push({
      name, opType, ...(opt?.domain ? { domain: opt.domain } : {}),
      kernelType: activation ? `${opType}+${activation}` : opType,
      provider: String(args.provider ?? ""),
      medianUs: median(perRun),
      meanUs: durs.reduce((a, b) => a + b, 0) / nRuns,
      share: 0,
      inputShapes: ins.shapes, inputTypes: ins.types,
      outputShapes: shapesOf(args.output_type_shape).shapes,
      fusedFrom: fusion.get(name) ?? [],
    });
  }
  const total = kernels.reduce((a, k) => a + k.medianUs, 0);
  const byOpType: Record<string, OpTypeSummary> = {};
  const byKernelType: Record<string, OpTypeSummary> = {};
  for (const k of kernels) {
    k.share = total > 0 ? k.medianUs / total : 0;
    for (const [map, key] of [[byOpType, k.opType], [byKernelType, k.kernelType]] as const) {
      const s = (map[key] ??= { count: 0, totalUs: 0, share: 0 });
      s.count++;
      s.totalUs += k.medianUs;
      s.share += k.share;
    }
  }
  return {
    runs: kept.length,
    runMedianUs: median(kept.map((r) => r.dur)),
    kernelSumUs: total,
    kernels,
    byOpType,
    byKernelType,
    ...(inUsePeak || arenaHeld ? { memory: { inUsePeakBytes: inUsePeak, arenaHeldBytes: arenaHeld } } : {}),
  };
}

/** Op types of quantized integer kernels (what an int8 platform must show in its profile). */
export const INT8_KERNELS: ReadonlySet<string> = new Set([
  "QLinearConv", "QGemm", "QLinearMatMul", "MatMulIntegerToFloat", "ConvInteger", "MatMulInteger",
  "QLinearAdd", "QLinearMul", "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearConcat", "QLinearSigmoid",
  "QLinearLeakyRelu", "QLinearSoftmax", "DynamicQuantizeMatMul", "NhwcQLinearConv", "QAttention", "NhwcMaxPool",
]);
