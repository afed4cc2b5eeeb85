/**
 * bench:measure — measurement repeatability and per-platform overhead, through the real isolated runner.
 *
 *   npm run bench:measure -- [--models 8] [--budget 1000] [--platforms t1,tN,wasm,int8] [--resolution 128] [--seed 7]
 *
 * 1. Repeatability: K zoo models (one family after another, batch 1) are measured on each platform in two
 *    separate passes; per model |Δ| = |median₁ − median₂| / mean(median₁, median₂). Prints the median and p90
 *    of |Δ| per platform for wall-clock medians and for CPU-time medians (robust to a shared CPU), the mean
 *    CV, how many measurements were flagged noisy and the median busy ratio (wall / CPU per thread).
 * 2. Overhead: a one-node model (Relu on 1×8) gives the fixed per-inference cost of the runtime binding
 *    (JS → native/wasm, async hop); the wall time of measureInChild minus the timed budget gives the
 *    per-measurement cost (process start, conversion, session creation, profiling) beyond the timed runs.
 * Timings depend on what else runs on the machine: the report prints the load average next to the figures.
 */
import os from "node:os";
import { sampleSpecs, generate, ZOO_FAMILIES, type ZooFamily } from "@/lib/zoo";
import { DataType, encodeModelProto } from "@/lib/onnx/proto";
import { detectHost, localPlatforms, measureInChild, type MeasurementResult, type PlatformSpec } from "@/lib/measure";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

const K = Number(arg("models", "8"));
const BUDGET = Number(arg("budget", "1000"));
const RES = Number(arg("resolution", "128"));
const SEED = Number(arg("seed", "7"));
const WANT = arg("platforms", "t1,tN,wasm,int8").split(",");

const host = detectHost();
const all = localPlatforms(host);
const pick: Record<string, (p: PlatformSpec) => boolean> = {
  t1: (p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads === 1,
  tN: (p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads > 1,
  wasm: (p) => p.runtime === "ort-wasm",
  int8: (p) => p.precision === "int8",
};
const platforms = all.filter((p) => WANT.some((w) => pick[w]?.(p)));

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s.length ? s[lo] + (s[hi] - s[lo]) * (pos - lo) : NaN;
};
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function models(): { name: string; bytes: Uint8Array }[] {
  const families = ZOO_FAMILIES.filter((f) => f !== "detector") as ZooFamily[];
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (let i = 0; out.length < K; i++) {
    const family = families[i % families.length];
    const spec = sampleSpecs(family, 1 + Math.floor(i / families.length), SEED, { batch: 1, resolution: RES }).at(-1)!;
    out.push({ name: `${family}#${Math.floor(i / families.length)}`, bytes: generate(spec) });
  }
  return out;
}

function trivialModel(): Uint8Array {
  const info = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 8 }] } } },
  });
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: {
      name: "trivial",
      node: [{ op_type: "Relu", name: "relu", input: ["x"], output: ["y"] }],
      input: [info("x")],
      output: [info("y")],
    },
  });
}

async function main() {
  const list = models();
  console.log(
    `bench:measure — ${host.cpuModel}, ${host.cores} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `${list.length} zoo models at ${RES}×${RES}, batch 1, budget ${BUDGET} ms per measurement, platforms: ${platforms.map((p) => p.slug).join(", ")}\n`,
  );

  const runs: Record<string, MeasurementResult[][]> = {};
  const walls: Record<string, number[]> = {};
  const failures: string[] = [];
  for (const pass of [0, 1]) {
    for (const p of platforms) {
      for (const [i, m] of list.entries()) {
        try {
          const t0 = performance.now();
          const r = await measureInChild(m.bytes, p.slug, { timeBudgetMs: BUDGET, profileRuns: 5 });
          (walls[p.slug] ??= []).push(performance.now() - t0 - BUDGET * r.attempts);
          ((runs[p.slug] ??= [])[i] ??= [])[pass] = r;
          process.stderr.write(
            `  pass ${pass + 1} ${p.slug} ${m.name}: ${r.stats.median.toFixed(3)} ms (cv ${r.stats.cv.toFixed(3)}${r.noisy ? ", noisy" : ""})\n`,
          );
        } catch (e) {
          failures.push(`${p.slug} ${m.name}: ${(e as Error).message}`);
        }
      }
    }
  }

  console.log("Repeatability (two passes, |Δ| relative to the mean of the two medians):");
  console.log(
    "platform".padEnd(34),
    "models",
    "wall median|Δ|".padStart(15),
    "p90|Δ|".padStart(9),
    "CPU-time median|Δ|".padStart(19),
    "p90|Δ|".padStart(9),
    "meanCV".padStart(8),
    "noisy".padStart(6),
    "busy×".padStart(6),
    "median latency".padStart(15),
  );
  const rel = (a: number, b: number) => Math.abs(a - b) / ((a + b) / 2);
  for (const p of platforms) {
    const pairs = (runs[p.slug] ?? []).filter((r) => r?.[0] && r?.[1]);
    const deltas = pairs.map(([a, b]) => rel(a.stats.median, b.stats.median));
    const cpuDeltas = pairs.map(([a, b]) => rel(a.cpu.median, b.cpu.median));
    const cvs = pairs.flat().map((r) => r.stats.cv);
    const noisy = pairs.flat().filter((r) => r.noisy).length;
    const lat = pairs.map(([a]) => a.stats.median);
    console.log(
      p.slug.padEnd(34), String(pairs.length).padStart(6), pct(quantile(deltas, 0.5)).padStart(15), pct(quantile(deltas, 0.9)).padStart(9),
      pct(quantile(cpuDeltas, 0.5)).padStart(19), pct(quantile(cpuDeltas, 0.9)).padStart(9),
      (cvs.reduce((a, b) => a + b, 0) / cvs.length).toFixed(3).padStart(8), `${noisy}/${pairs.length * 2}`.padStart(6),
      quantile(pairs.flat().map((r) => r.cpu.busyRatio), 0.5).toFixed(2).padStart(6), `${quantile(lat, 0.5).toFixed(2)} ms`.padStart(15),
    );
  }
  console.log("(CPU time = user+system time of the measuring process per run; busy× = wall / (CPU / threads), 1 on an idle core)");

  console.log("\nOverhead per platform:");
  console.log("platform".padEnd(34), "per-inference (1-node model)".padStart(30), "per-measurement (wall − budget)".padStart(33));
  for (const p of platforms) {
    try {
      const r = await measureInChild(trivialModel(), p.slug, { timeBudgetMs: BUDGET, profileRuns: 5 });
      console.log(
        p.slug.padEnd(34),
        `${(r.stats.median * 1000).toFixed(1)} µs (p90 ${(r.stats.p90 * 1000).toFixed(1)} µs)`.padStart(30),
        `${(quantile(walls[p.slug] ?? [], 0.5) / 1000).toFixed(2)} s median`.padStart(33),
      );
    } catch (e) {
      failures.push(`${p.slug} trivial: ${(e as Error).message}`);
    }
  }
  if (failures.length) console.log(`\nFailures (${failures.length}):\n  ${failures.join("\n  ")}`);
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
