/**
 * `npm run bench:onnx`: decode + strip + infer + cost + hash + features for every network in
 * ../shared/onnx/networks, plus a synthetic full-weight ResNet-50 (~100 MB, random weights materialized in
 * memory from light_resnet50's shapes). Prints per-model milliseconds (median of 5 runs after a warm-up) and
 * MB/s. Goal: the ResNet-50 with weights in under 300 ms in Node.
 */
import fs from "node:fs";
import {
  analyze,
  computeCost,
  decodeModel,
  extractFeatures,
  inferShapes,
  resolveOverrides,
  buildGraph,
  stripWeights,
  structureHash,
} from "@/lib/onnx";
import { isNnlqError } from "@/lib/errors";
import { corpus, corpusMissing, hasCorpus, listOnnx, materializeLight } from "@/test/onnx/helpers";

const RUNS = 5;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Phase { decode: number; strip: number; infer: number; cost: number; hash: number; features: number; total: number }

function pipeline(bytes: Uint8Array): Phase {
  const t0 = performance.now();
  const model = decodeModel(bytes);
  const t1 = performance.now();
  stripWeights(model);
  const t2 = performance.now();
  const ir = inferShapes(model, resolveOverrides(buildGraph(model)).overrides);
  const t3 = performance.now();
  computeCost(ir);
  const t4 = performance.now();
  structureHash(ir);
  const t5 = performance.now();
  extractFeatures(ir);
  const t6 = performance.now();
  return { decode: t1 - t0, strip: t2 - t1, infer: t3 - t2, cost: t4 - t3, hash: t5 - t4, features: t6 - t5, total: t6 - t0 };
}

function bench(name: string, bytes: Uint8Array): Phase | string {
  try {
    pipeline(bytes); // warm-up (JIT)
    const runs = Array.from({ length: RUNS }, () => pipeline(bytes));
    const keys = Object.keys(runs[0]) as (keyof Phase)[];
    return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Phase;
  } catch (e) {
    return isNnlqError(e) ? `${e.code}: ${e.message.slice(0, 80)}` : String(e);
  }
}

function row(name: string, size: number, p: Phase | string): string {
  const mb = (size / 1e6).toFixed(2).padStart(8);
  if (typeof p === "string") return `${name.padEnd(62)} ${mb} MB  refused (${p})`;
  const f = (x: number) => x.toFixed(1).padStart(7);
  return `${name.padEnd(62)} ${mb} MB ${f(p.total)} ms ${(size / 1e6 / (p.total / 1000)).toFixed(0).padStart(7)} ` +
    `MB/s  |${f(p.decode)}${f(p.strip)}${f(p.infer)}${f(p.cost)}${f(p.hash)}${f(p.features)}`;
}

if (!hasCorpus) {
  console.log(corpusMissing);
  process.exit(0);
}
console.log(`lib/onnx pipeline (decode + strip + infer + cost + hash + features), median of ${RUNS} runs, Node ${process.version}`);
console.log(
  `${"model".padEnd(62)} ${"size".padStart(8)}    ${"total".padStart(7)}    ${"MB/s".padStart(8)}   |${["decode", "strip", "infer", "cost", "hash", "feat"].map((s) => s.padStart(7)).join("")}`,
);
let sumMs = 0;
let sumBytes = 0;
for (const f of listOnnx("networks")) {
  const bytes = new Uint8Array(fs.readFileSync(corpus(f)));
  const p = bench(f, bytes);
  if (typeof p !== "string") { sumMs += p.total; sumBytes += bytes.length; }
  console.log(row(f.replace(/^networks\//, ""), bytes.length, p));
}
const t = performance.now();
const full = materializeLight("networks/onnx_light/light_resnet50.onnx");
console.log(`(built the synthetic full-weight ResNet-50 in ${(performance.now() - t).toFixed(0)} ms)`);
const p = bench("resnet50-with-weights", full);
console.log(row("synthetic ResNet-50 with weights (light_resnet50 + random)", full.length, p));
console.log(`networks total: ${sumMs.toFixed(0)} ms for ${(sumBytes / 1e6).toFixed(1)} MB`);
if (typeof p !== "string") {
  const s = analyze(full);
  console.log(
    `ResNet-50 with weights: ${p.total.toFixed(0)} ms (goal < 300 ms: ${p.total < 300 ? "met" : "NOT met"}); ${(s.macs / 1e9).toFixed(2)} ` +
      `GMACs, ${(s.params / 1e6).toFixed(2)} M params, stripped to ${(stripWeights(full).length / 1e3).toFixed(1)} kB`,
  );
}
