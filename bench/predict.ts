/**
 * npm run bench:predict -- [--graphs 512] [--model .data/predictors/<version>] [--repeat 20]
 *
 * Prediction speed in Node, on both GNN runtimes — tfjs (wasm backend; what the browser runs) and
 * onnxruntime-node (the forward pass exported as ONNX; what a Node server runs), same weights:
 *  - batch throughput (graphs/s) of the GNN over zoo graphs at sampled resolutions, from lib/onnx features
 *    and end to end from ONNX bytes (parse + shape inference + features + predict), every platform head at
 *    once; the ratio onnxruntime-node / tfjs and the largest relative difference between the runtimes'
 *    predictions (onnxruntime-node runs one intra-op thread: lib/predict/node/onnx-infer.ts says why);
 *  - single-model latency for ResNet-50 (all platforms), from features and from bytes;
 *  - the baselines' batch throughput from features, for comparison;
 *  - in Chromium (when installed; --no-chromium skips): the same ResNet-50 from spec to predictions on the
 *    tfjs wasm backend, the way the portal runs it (bundle + wasm + weights served over https, load(url)).
 * Without --model, a GNN of the default architecture with untrained weights and 4 platform heads is used
 * (inference cost does not depend on the weight values).
 */
import os from "node:os";
import { parseArgsOrExit } from "@/lib/args";
import { analyze, buildGraph, decodeModel, extractFeatures, inferShapes, type GraphFeatures } from "@/lib/onnx";
import { LinearPredictor, RooflinePredictor, type BasePredictor, type Sample } from "@/lib/predict";
import { DEFAULT_GNN_CONFIG, GnnModel } from "@/lib/predict/gnn/model";
import { GnnPredictor } from "@/lib/predict/gnn/predictor";
import { fitNormalizer } from "@/lib/predict/gnn/prep";
import { fromArtifacts } from "@/lib/predict/load";
import { initTfNode } from "@/lib/predict/node/backend";
import { openPredictPage, runInPage } from "@/lib/predict/node/chromium";
import { gnnOf, loadFromDir } from "@/lib/predict/node/io";
import { ortAvailable, attachOnnxRuntime } from "@/lib/predict/node/onnx-infer";
import { generate, sampleSpecs, ZOO_FAMILIES } from "@/lib/zoo";
import { chromiumPath, launch } from "../test/e2e/browser";

const { values } = parseArgsOrExit("bench:predict", {
  options: {
    graphs: { type: "string", default: "512" },
    model: { type: "string" },
    repeat: { type: "string", default: "20" },
    "no-chromium": { type: "boolean", default: false },
  },
});
const nGraphs = Number(values.graphs),
  repeat = Number(values.repeat);
const backend = await initTfNode();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Median wall time (ms) of fn over n runs; also the median CPU time of this process (ms), which a busy host does not inflate. */
let lastCpuMs = 0;
const time = (fn: () => void, n = repeat) => {
  fn(); // warm-up
  const ts: number[] = [], cs: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  lastCpuMs = median(cs);
  return median(ts);
};
const perS = (count: number, ms: number) => (count / (ms / 1000)).toFixed(0);
const features = (bytes: Uint8Array): GraphFeatures => extractFeatures(inferShapes(buildGraph(decodeModel(bytes))));

console.log(
  `bench:predict — Node ${process.version}, tfjs ${backend}, ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}`,
);
const perFamily = Math.ceil(nGraphs / ZOO_FAMILIES.length);
const specs = ZOO_FAMILIES.flatMap((f) => sampleSpecs(f, perFamily, 1, { batch: 1 })).slice(0, nGraphs);
const t0 = performance.now();
const bytes = specs.map((s) => generate(s));
const genMs = performance.now() - t0;
const t1 = performance.now();
const feats = bytes.map(features);
const featMs = performance.now() - t1;
const nodes = feats.reduce((a, f) => a + f.numNodes, 0);
console.log(
  `graphs: ${feats.length} zoo models (${ZOO_FAMILIES.length} families, sampled resolutions), ${(nodes / feats.length).toFixed(0)} ` +
    `nodes on average; generate ${(genMs / feats.length).toFixed(1)} ms/graph, features ${(featMs / feats.length).toFixed(1)} ms/graph`,
);

const platforms = [
  "x86-epyc-2c/ort-cpu-1.30/fp32/t1",
  "x86-epyc-2c/ort-cpu-1.30/fp32/t2",
  "x86-epyc-2c/ort-wasm-1.30/fp32/t1",
  "x86-epyc-2c/ort-cpu-1.30/int8/t1",
];
const gnn: BasePredictor = values.model
  ? loadFromDir(values.model, { runtime: "tfjs" })
  : new GnnPredictor("bench-untrained", new GnnModel(DEFAULT_GNN_CONFIG, [...platforms], 1), fitNormalizer(feats));
console.log(
  `GNN: ${values.model ?? "untrained, default architecture"} (${JSON.stringify(gnnOf(gnn)?.model.config ?? DEFAULT_GNN_CONFIG)}), ` +
    `${gnn.platforms.length} platform heads`,
);

/** The same predictor (same weights) served from onnxruntime-node. */
function onOrt(): BasePredictor | null {
  const p = fromArtifacts(gnn.save());
  const inner = gnnOf(p);
  const r = inner ? attachOnnxRuntime(inner) : { runtime: "none", reason: "not a GNN" };
  if (r.runtime === "onnxruntime-node") return p;
  console.log(`onnxruntime-node: ${r.reason}`);
  p.dispose();
  return null;
}
const runtimes: { name: string; p: BasePredictor }[] = [{ name: `tfjs (${backend})`, p: gnn }];
if (ortAvailable()) {
  const p = onOrt();
  if (p) runtimes.push({ name: "onnxruntime-node", p });
} else console.log("onnxruntime-node: not available in this process");

const batch: Record<string, number> = {};
for (const { name, p } of runtimes) {
  const ms = time(() => p.predict(feats), Math.max(3, Math.round(repeat / 4)));
  batch[name] = ms;
  console.log(
    `GNN batch on ${name}, from features: ${perS(feats.length, ms)} graphs/s wall, ${perS(feats.length, lastCpuMs)} graphs ` +
      `per CPU-second (${ms.toFixed(0)} ms for ${feats.length} graphs × ${p.platforms.length} platforms)`,
  );
}
const base = runtimes[0];
for (const { name, p } of runtimes.slice(1)) {
  const a = base.p.predict(feats), b = p.predict(feats);
  let worst = 0;
  a.forEach((g, i) => g.forEach((x, j) => (worst = Math.max(worst, Math.abs(b[i][j].latencyMs - x.latencyMs) / x.latencyMs))));
  console.log(
    `  ${name} / tfjs: ${(batch[base.name] / batch[name]).toFixed(1)}× the batch throughput; predictions differ by at most ` +
      `${worst.toExponential(1)} (relative)`,
  );
}
for (const { name, p } of runtimes) {
  const ms = time(() => p.predict(bytes.map(features)), 2);
  console.log(`GNN batch on ${name}, end to end from ONNX bytes: ${perS(feats.length, ms)} graphs/s wall, ${perS(feats.length, lastCpuMs)} per CPU-second`);
}

const R50_SPEC = { family: "resnet", block: "bottleneck", depths: [3, 4, 6, 3], width: 64, resolution: 224, batch: 1 };
const r50 = generate(R50_SPEC);
const r50f = features(r50);
const a = analyze(r50);
console.log(`ResNet-50 (zoo, 224 px): ${r50f.numNodes} feature nodes, ${(a.flops / 1e9).toFixed(2)} GFLOPs`);
for (const { name, p } of runtimes) {
  const singleMs = time(() => p.predict(r50f));
  const singleCpu = lastCpuMs;
  const singleBytesMs = time(() => p.predict(r50), Math.max(5, Math.round(repeat / 2)));
  console.log(
    `GNN single ResNet-50 on ${name}, all ${p.platforms.length} platforms: ${singleMs.toFixed(1)} ms from features (CPU ` +
      `${singleCpu.toFixed(1)} ms), ${singleBytesMs.toFixed(1)} ms from structure-only bytes (CPU ${lastCpuMs.toFixed(1)} ms)`,
  );
}

// baselines, fitted on synthetic latencies (their speed does not depend on the fit)
const fake: Sample[] = feats.slice(0, 64).map((f, i) => ({
  graph: { key: String(i), features: f, nodeNames: [] },
  features: f,
  stats: f.graph,
  family: "x",
  platform: platforms[0],
  batch: 1,
  latencyMs: 1 + f.graph.flops / 1e9,
}));
for (const b of [
  LinearPredictor.train(fake, { method: "flops-linear" }),
  LinearPredictor.train(fake, { method: "flops-mem-linear" }),
  RooflinePredictor.train(fake),
]) {
  const ms = time(() => b.predict(feats), 3);
  console.log(`${b.method.padEnd(16)} batch from features: ${perS(feats.length, ms)} graphs/s`);
}
if (!values["no-chromium"]) {
  let exe: string | undefined;
  try {
    exe = chromiumPath();
  } catch {
    console.log("Chromium: not installed, skipped (set CHROMIUM_PATH)");
  }
  if (exe) {
    const browser = await launch();
    try {
      const { page, init } = await openPredictPage(browser, gnn.save(), "wasm");
      const run = await runInPage(page, R50_SPEC, repeat);
      const m = (xs: number[]) => median(xs).toFixed(1);
      console.log(
        `Chromium (${init.backend}) ResNet-50, all ${init.platforms.length} platforms: ${m(run.times.total)} ms median (features ` +
          `${m(run.times.parse)} ms + predict ${m(run.times.predict)} ms; first run ${run.times.total[0].toFixed(1)} ms)`,
      );
    } finally {
      await browser.close();
    }
  }
}
for (const { p } of runtimes) p.dispose();
