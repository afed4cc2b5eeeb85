/**
 * Datasets for the predictors (isomorphic: plain arrays and strings in, no fs).
 *
 * A Sample is one measured latency of one graph on one platform. Samples of the same graph share one
 * GraphInput (features computed once). Sources:
 *   parseJsonl(text)        data-release rows (zoo spec + platform + statistics + profile summary)
 *   samplesFromRows(rows)   regenerates each spec's ONNX with lib/zoo, extracts lib/onnx features
 *   buildSamples(records)   plain records (model bytes or spec) — what a DB loader in lib/services hands over
 * Kernel times of the ORT profile are mapped back to feature rows through the original node names.
 */
import { NnlqError } from "@/lib/errors";
import { buildGraph, decodeModel, extractFeatures, inferShapes, type GraphFeatures, type GraphIR } from "@/lib/onnx";
import { kernelStem, MOVEMENT_OPS } from "@/lib/onnx/util";
import { generate, specKey, validateSpec } from "@/lib/zoo";

/** One runtime kernel (after fusion): op type, fused type ("Conv+Relu"), median µs per run, original nodes. */
export interface KernelRecord {
  name: string;
  op: string;
  type: string;
  us: number;
  nodes: string[];
}
export interface ProfileSummary {
  runs?: number;
  runMedianUs?: number;
  kernelSumUs: number;
  kernels: KernelRecord[];
}

export interface LatencyStatsRow {
  median: number;
  mean?: number;
  min?: number;
  p90?: number;
  p99?: number;
  std?: number;
  cv?: number;
  runs?: number;
}

/** One line of a data-release JSONL file: one measurement of one zoo spec on one platform. */
export interface DataRow {
  spec: Record<string, unknown>;
  family: string;
  platform: string;
  batch: number;
  stats: LatencyStatsRow;
  /** CPU time per run of the measuring process (ms); on a 1-thread platform ≈ the latency of an idle device */
  cpu?: { median: number; p90?: number; cv?: number; busyRatio?: number };
  noisy?: boolean;
  runtimeVersion?: string;
  measuredAt?: string;
  cpuModel?: string;
  profile?: ProfileSummary | null;
}

/** A graph as the predictors see it: lib/onnx features plus the original name of every feature row. */
export interface GraphInput {
  /** identity of the graph (spec key, structure hash...): samples with equal keys share features */
  key: string;
  features: GraphFeatures;
  nodeNames: string[];
}

/** A kernel mapped onto feature rows of its graph (rows may be empty when no original node matched). */
export interface SampleKernel { type: string; op: string; us: number; rows: number[] }

export interface Sample {
  graph: GraphInput;
  /** = graph.features */
  features: GraphFeatures;
  /** = graph.features.graph (FLOPs, params, memory access, batch, node count) */
  stats: GraphFeatures["graph"];
  family: string;
  platform: string;
  batch: number;
  latencyMs: number;
  kernels?: SampleKernel[];
  /** sum of the profiled kernel times (µs) */
  kernelSumUs?: number;
}

/* ---------- profiles ---------- */

/** Kernel tuple of the data release: [name, op, kernelType (null = op), ms, original nodes]. */
type KernelTuple = [string, string, string | null, number, string[]];

type AnyKernel = {
  name?: string; op?: string; opType?: string; type?: string; kernelType?: string;
  us?: number; medianUs?: number; ms?: number; nodes?: string[]; fusedFrom?: string[];
};

/**
 * Normalise any of the profile shapes in circulation (lib/measure OperatorProfile, the DB's
 * {name, op, ms, nodes} kernels, or an already compact summary) to a ProfileSummary.
 */
export function compactProfile(p: unknown): ProfileSummary | null {
  if (!p || typeof p !== "object" || !Array.isArray((p as { kernels?: unknown }).kernels)) return null;
  const src = p as { kernels: (AnyKernel | KernelTuple)[]; runs?: number; runMedianUs?: number };
  const kernels: KernelRecord[] = src.kernels
    .map((k) => {
      if (Array.isArray(k))
        return {
          name: String(k[0]),
          op: String(k[1]),
          type: String(k[2] ?? k[1]),
          us: Number(k[3]) * 1000,
          nodes: (k[4] ?? []).map(String),
        };
      const op = String(k.op ?? k.opType ?? "?");
      const us = k.us ?? k.medianUs ?? (k.ms !== undefined ? k.ms * 1000 : NaN);
      return {
        name: String(k.name ?? ""),
        op,
        type: String(k.type ?? k.kernelType ?? op),
        us: Number(us),
        nodes: (k.nodes ?? k.fusedFrom ?? []).map(String),
      };
    })
    .filter((k) => Number.isFinite(k.us) && k.us >= 0);
  return {
    ...(src.runs !== undefined ? { runs: src.runs } : {}),
    ...(src.runMedianUs !== undefined ? { runMedianUs: src.runMedianUs } : {}),
    kernelSumUs: kernels.reduce((a, k) => a + k.us, 0),
    kernels,
  };
}

/* ---------- JSONL ---------- */

const bad = (line: number, why: string) => new NnlqError("VALIDATION", `dataset line ${line}: ${why}`, { line });

/**
 * Parse dev-data JSONL (one DataRow per line; blank lines ignored). Also accepts `medianMs` in place of
 * `stats.median`. Throws NnlqError(VALIDATION) naming the first bad line.
 */
export function parseJsonl(text: string): DataRow[] {
  const rows: DataRow[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      throw bad(i + 1, "not JSON");
    }
    if (!o || typeof o !== "object" || Array.isArray(o)) throw bad(i + 1, "not a JSON object");
    const spec = o.spec as Record<string, unknown> | undefined;
    if (!spec || typeof spec !== "object") throw bad(i + 1, "missing spec");
    const stats = (o.stats as LatencyStatsRow | undefined) ?? (typeof o.medianMs === "number" ? { median: o.medianMs } : undefined);
    if (!stats || !(typeof stats.median === "number") || !(stats.median > 0)) throw bad(i + 1, "missing or non-positive median latency");
    if (typeof o.platform !== "string" || !o.platform) throw bad(i + 1, "missing platform");
    rows.push({
      ...(o as unknown as DataRow),
      spec,
      family: String(o.family ?? spec.family ?? "other"),
      batch: Number(o.batch ?? spec.batch ?? 1),
      stats,
      profile: compactProfile(o.profile),
    });
  });
  return rows;
}

/* ---------- graphs and samples ---------- */

/** Names of the feature rows of a shape-inferred graph (same node selection as extractFeatures). */
export function featureRowNames(ir: GraphIR): string[] {
  return ir.order.filter((i) => !ir.nodes[i].static).map((i) => {
    const n = ir.nodes[i];
    return n.name || n.outputs[0] || n.opType;
  });
}

/** Features and row names of an ONNX model (bytes or IR) at a batch size. */
export function graphInput(key: string, model: Uint8Array | GraphIR, batch?: number): GraphInput {
  const ir0 = model instanceof Uint8Array ? buildGraph(decodeModel(model)) : model;
  const ir = batch !== undefined || !ir0.shapesInferred ? inferShapes(ir0, batch !== undefined ? { batch } : undefined) : ir0;
  return { key, features: extractFeatures(ir), nodeNames: featureRowNames(ir) };
}

/** Plain record of one measurement: what any loader (JSONL, database) hands to buildSamples. */
export interface RawRecord {
  /** graph identity; records with equal keys share one graph */
  key: string;
  /** the model (structure-only bytes are enough) or a zoo spec to regenerate it from */
  model: Uint8Array | GraphIR | { spec: unknown };
  family: string;
  platform: string;
  batch: number;
  latencyMs: number;
  profile?: unknown;
}


/**
 * Kernels onto feature rows. With the rows' op types, profiles taken before lib/measure learned ORT's 3-D
 * MatMul + Add → Reshape·Gemm·Reshape fusion are repaired: the generated output Reshape kernel had been
 * given the MatMul and Add; they move to the kernel named after the MatMul ("MatMul_11/MatMulAddFusion"); and
 * original Transposes kept as kernels of their own get those kernels.
 */
export function mapKernels(profile: ProfileSummary, nodeNames: string[], nodeOps?: readonly string[]): SampleKernel[] {
  const row = new Map(nodeNames.map((n, i) => [n, i]));
  const out = profile.kernels.map((k) => ({
    type: k.type, op: k.op, us: k.us,
    rows: [...new Set(k.nodes.map((n) => row.get(n)).filter((r): r is number => r !== undefined))].sort((a, b) => a - b),
  }));
  if (!nodeOps) return out;
  const byStem = new Map<number, number>();
  profile.kernels.forEach((k, i) => {
    const r = row.get(kernelStem(k.name));
    if (r !== undefined && !MOVEMENT_OPS.has(k.op) && k.name !== nodeNames[r]) byStem.set(r, i);
  });
  out.forEach((k, i) => {
    if (!MOVEMENT_OPS.has(k.op)) return;
    const compute = k.rows.filter((r) => !MOVEMENT_OPS.has(nodeOps[r]));
    const target = compute.map((r) => byStem.get(r)).find((t) => t !== undefined && t !== i);
    if (target === undefined) return;
    k.rows = k.rows.filter((r) => MOVEMENT_OPS.has(nodeOps[r]));
    out[target].rows = [...new Set([...out[target].rows, ...compute])].sort((a, b) => a - b);
  });
  // ...and an original Transpose the runtime kept as a kernel of its own had been left without one
  const covered = new Set(out.flatMap((k) => k.rows));
  profile.kernels.forEach((k, i) => {
    if (k.op !== "Transpose" || out[i].rows.length) return;
    const r = row.get(k.name) ?? row.get(kernelStem(k.name));
    if (r !== undefined && nodeOps[r] === "Transpose" && !covered.has(r)) {
      out[i].rows = [r];
      covered.add(r);
    }
  });
  return out;
}

/** Build samples, computing each distinct graph once. Records whose model fails to parse are reported, not fatal. */
export function buildSamples(records: RawRecord[], o: { onError?: (r: RawRecord, e: unknown) => void } = {}): Sample[] {
  const graphs = new Map<string, GraphInput | null>();
  const out: Sample[] = [];
  for (const r of records) {
    let g = graphs.get(r.key);
    if (g === undefined) {
      try {
        const m = r.model;
        g =
          "spec" in m && !(m instanceof Uint8Array)
            ? graphInput(r.key, generate(m.spec))
            : graphInput(r.key, m as Uint8Array | GraphIR, r.batch);
      } catch (e) {
        g = null;
        o.onError?.(r, e);
      }
      graphs.set(r.key, g);
    }
    if (!g || !(r.latencyMs > 0)) continue;
    const profile = compactProfile(r.profile);
    out.push({
      graph: g, features: g.features, stats: g.features.graph,
      family: r.family, platform: r.platform, batch: r.batch, latencyMs: r.latencyMs,
      ...(profile ? { kernels: mapKernels(profile, g.nodeNames, g.features.nodeOps), kernelSumUs: profile.kernelSumUs } : {}),
    });
  }
  return out;
}

/**
 * Which statistic of a measurement is the latency label: median wall time (default); min (the least
 * disturbed run); cpu (median CPU time per run ÷ threads, where recorded); best = the smaller of min and
 * cpu — contention on a shared host only ever inflates both, and on this 2-core machine the two
 * re-measured agree best (median |Δ| ≈ 4% against ≈ 8% for cpu alone, 10% for min, 20–47% for the median).
 */
export type LabelStat = "median" | "min" | "mean" | "cpu" | "best";

function labelOf(r: DataRow, label: LabelStat, threads: number): number {
  const cpu = r.cpu && r.cpu.median > 0 ? r.cpu.median / threads : undefined;
  if (label === "cpu") return cpu ?? r.stats.median;
  if (label === "best") return Math.min(cpu ?? Infinity, r.stats.min ?? Infinity, r.stats.median);
  return r.stats[label] ?? r.stats.median;
}

/** Samples of data-release rows (the spec is regenerated with lib/zoo; the spec's batch is the graph's). */
export function samplesFromRows(rows: DataRow[], o: { label?: LabelStat; onError?: (r: RawRecord, e: unknown) => void } = {}): Sample[] {
  const label = o.label ?? "median";
  const records: RawRecord[] = [];
  for (const r of rows) {
    const base = {
      family: r.family,
      platform: r.platform,
      batch: r.batch,
      latencyMs: labelOf(r, label, Number(/\/t(\d+)$/.exec(r.platform)?.[1] ?? 1)),
      profile: r.profile,
    };
    try {
      const spec = validateSpec(r.spec);
      records.push({ ...base, key: specKey(spec), model: { spec }, batch: spec.batch });
    } catch (e) {
      if (!o.onError) throw e;
      o.onError({ ...base, key: JSON.stringify(r.spec), model: { spec: r.spec } }, e);
    }
  }
  return buildSamples(records, o);
}

/* ---------- the data release (lib/services/release.ts) ---------- */

/** The fields of a release model line that the predictors read. */
export interface ReleaseModelLike {
  hash: string;
  family: string;
  batch: number;
  zooSpec: Record<string, unknown> | null;
  storageKey?: string | null;
  source?: string;
}
/** The fields of a release measurement line that the predictors read. */
export interface ReleaseMeasurementLike {
  model: string;
  platform: string;
  batch: number;
  measuredAt?: string;
  stats: { medianMs: number; minMs?: number; meanMs?: number };
  profile?: unknown;
  /** the row's quality (lib/quality.ts); rows without one were measured by protocol v1: grade "legacy" */
  quality?: { grade?: string } | null;
}

/** The grade of a release row ("legacy" when it records none). */
export const gradeOfRow = (m: Pick<ReleaseMeasurementLike, "quality">): string => m.quality?.grade ?? "legacy";

/**
 * Samples of a data release (specs + measurements). Zoo models regenerate from their spec (at the measured
 * batch); other models need `resolveModel` (e.g. the corpus file on disk) and are skipped without it.
 * Repeated measurements of one (model, platform, batch) become one sample with the newest profile: with the
 * min (or best) label, the smallest of their minima — contention on a shared host only ever makes a run
 * slower, so a quiet re-measurement replaces a disturbed one instead of being averaged with it; with any
 * other label, the median of their labels.
 */
export function samplesFromRelease(
  models: ReleaseModelLike[],
  measurements: ReleaseMeasurementLike[],
  o: {
    label?: LabelStat;
    resolveModel?: (m: ReleaseModelLike) => Uint8Array | null;
    onError?: (r: RawRecord, e: unknown) => void;
    /** keep only rows of these grades (e.g. ["clean"]: labels only); default every row */
    grades?: readonly string[];
  } = {},
): Sample[] {
  const byHash = new Map(models.map((m) => [m.hash, m]));
  if (o.grades) {
    const keep = new Set(o.grades);
    measurements = measurements.filter((m) => keep.has(gradeOfRow(m)));
  }
  const stat = { median: "medianMs", min: "minMs", mean: "meanMs", cpu: "medianMs", best: "minMs" } as const;
  const groups = new Map<string, ReleaseMeasurementLike[]>();
  for (const m of measurements) {
    const k = `${m.model}|${m.platform}|${m.batch}`;
    const l = groups.get(k);
    if (l) l.push(m);
    else groups.set(k, [m]);
  }
  const records: RawRecord[] = [];
  const bytesCache = new Map<string, Uint8Array | null>();
  for (const list of groups.values()) {
    const m0 = list[0];
    const model = byHash.get(m0.model);
    if (!model) continue;
    let src: RawRecord["model"] | null = null;
    if (model.zooSpec) src = { spec: { ...model.zooSpec, batch: m0.batch } };
    else if (o.resolveModel) {
      if (!bytesCache.has(model.hash)) bytesCache.set(model.hash, o.resolveModel(model));
      src = bytesCache.get(model.hash) ?? null;
    }
    if (!src) continue;
    const key = o.label === "cpu" ? "medianMs" : stat[o.label ?? "median"];
    const labels = list.map((m) => m.stats[key] ?? m.stats.medianMs).sort((a, b) => a - b);
    const mid = labels.length >> 1;
    const byMin = o.label === "min" || o.label === "best";
    const newest = [...list].sort((a, b) => String(b.measuredAt ?? "").localeCompare(String(a.measuredAt ?? "")))[0];
    records.push({
      key: `${model.hash}@b${m0.batch}`, model: src, family: model.family, platform: m0.platform, batch: m0.batch,
      latencyMs: byMin ? labels[0] : labels.length % 2 ? labels[mid] : (labels[mid - 1] + labels[mid]) / 2, profile: newest.profile,
    });
  }
  return buildSamples(records, o);
}

/* ---------- small helpers over sample sets ---------- */

export const platformsOf = (samples: Sample[]) => [...new Set(samples.map((s) => s.platform))].sort();
export const familiesOf = (samples: Sample[]) => [...new Set(samples.map((s) => s.family))].sort();
export const graphKeysOf = (samples: Sample[]) => [...new Set(samples.map((s) => s.graph.key))];
