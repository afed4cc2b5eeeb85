/**
 * Lookup-table baseline (FBNet-style): the latency of a graph is the sum of its operators' latencies, each
 * looked up by operator configuration (op type + attributes + input/output shapes = the node's feature row
 * without its cost columns). Per-operator times come from the ORT profiles: each kernel's time is shared
 * among the original nodes fused into it in proportion to their FLOPs + bytes. Unseen configurations fall
 * back to the op's median time per (FLOP + byte); a per-platform scale maps summed kernel time to latency.
 * Platforms without any profile are not modelled.
 */
import type { GraphFeatures } from "@/lib/onnx";
import type { Sample } from "../dataset";
import { COL, DENSE_START, median, nodeCosts, opIndex } from "../numeric";
import { BasePredictor, byPlatform, type PredictionGrid } from "../predictor";

interface Table { entries: Record<string, number>; opRatio: Record<string, number>; globalRatio: number; scale: number }

/** Stable 2×32-bit FNV-1a hash of a node's configuration (op + dense features except costs). */
export function configKey(f: GraphFeatures, r: number, op: number): string {
  const F = f.numFeatures, X = f.nodeFeatures;
  let h1 = 0x811c9dc5 ^ op, h2 = 0x01000193 ^ (op * 2654435761);
  for (let j = DENSE_START; j < COL.flops; j++) {
    const v = Math.round(X[r * F + j] * 1000);
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v + 0x9e3779b9), 0x85ebca6b);
  }
  return `${op.toString(36)}:${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
}

/** Per-node times (µs) of a profiled sample: kernel time split over its nodes by FLOPs + bytes. */
export function nodeTimes(s: Sample): Float64Array | null {
  if (!s.kernels) return null;
  const { flops, mem } = nodeCosts(s.features);
  const t = new Float64Array(s.features.numNodes);
  for (const k of s.kernels) {
    if (!k.rows.length) continue;
    const w = k.rows.map((r) => flops[r] + mem[r] + 1);
    const tot = w.reduce((a, b) => a + b, 0);
    k.rows.forEach((r, i) => (t[r] += (k.us * w[i]) / tot));
  }
  return t;
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function sumTable(f: GraphFeatures, t: Table): number {
  const ops = opIndex(f);
  const { flops, mem } = nodeCosts(f);
  let s = 0;
  for (let r = 0; r < f.numNodes; r++) {
    const hit = t.entries[configKey(f, r, ops[r])];
    s += hit ?? (t.opRatio[ops[r]] ?? t.globalRatio) * (flops[r] + mem[r] + 1);
  }
  return s / 1000; // ms
}

export class LookupTablePredictor extends BasePredictor {
  readonly method = "lookup-table";
  constructor(version: string, readonly tables: Record<string, Table>, trainingSetSize = 0) {
    super(version, Object.keys(tables).sort(), trainingSetSize);
  }

  static train(samples: Sample[], o: { version?: string } = {}): LookupTablePredictor {
    const tables: Record<string, Table> = {};
    for (const [platform, list] of byPlatform(samples)) {
      const obs = new Map<string, number[]>();
      const ratios = new Map<number, number[]>();
      for (const s of list) {
        const t = nodeTimes(s);
        if (!t) continue;
        const ops = opIndex(s.features);
        const { flops, mem } = nodeCosts(s.features);
        for (let r = 0; r < t.length; r++) {
          const key = configKey(s.features, r, ops[r]);
          push(obs, key, t[r]);
          push(ratios, ops[r], t[r] / (flops[r] + mem[r] + 1));
        }
      }
      if (!obs.size) continue;
      const table: Table = {
        entries: Object.fromEntries([...obs].map(([k, v]) => [k, Number(median(v).toPrecision(5))])),
        opRatio: Object.fromEntries([...ratios].map(([k, v]) => [k, median(v)])),
        globalRatio: median([...ratios.values()].flat()),
        scale: 1,
      };
      table.scale = median(list.map((s) => s.latencyMs / Math.max(1e-9, sumTable(s.features, table))));
      tables[platform] = table;
    }
    return new LookupTablePredictor(o.version ?? "lookup-table", tables, samples.length);
  }

  static fromState(version: string, state: { tables: Record<string, Table> }, trainingSetSize = 0): LookupTablePredictor {
    return new LookupTablePredictor(version, state.tables, trainingSetSize);
  }

  /** Share of a graph's nodes whose configuration is in the platform's table (coverage diagnostics). */
  coverage(f: GraphFeatures, platform: string): number {
    const ops = opIndex(f);
    let hit = 0;
    for (let r = 0; r < f.numNodes; r++) if (this.tables[platform].entries[configKey(f, r, ops[r])] !== undefined) hit++;
    return f.numNodes ? hit / f.numNodes : 1;
  }

  protected run(features: GraphFeatures[], platforms: readonly string[]): PredictionGrid {
    const P = platforms.length;
    const latency = new Float64Array(features.length * P);
    features.forEach((f, g) => platforms.forEach((p, j) => (latency[g * P + j] = this.tables[p].scale * sumTable(f, this.tables[p]))));
    return { latency, uncertainty: null };
  }

  protected state() {
    return { state: { tables: this.tables } };
  }
}
