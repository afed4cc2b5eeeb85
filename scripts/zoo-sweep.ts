/**
 * Sweep zoo specs through onnxruntime-node (CPU) and lib/onnx shape inference.
 *
 *   npm run zoo:sweep -- [--count 20] [--seed 1] [--families resnet,vit] [--threads 1] [--help]
 *
 * For each family, `count` sampled specs (at their sampled batch and resolution) are generated with
 * weights, run once in ORT on a deterministic input, and their output shapes compared with
 * analyze(...).outputs and with the shapes the generator declared. Also checks that the structure hash is
 * the same with and without weights. Also reports how often lib/onnx's family detection agrees with the
 * spec's family (informational; nasbench201 is zoo-only and not detectable). Prints a per-family summary; exits 1 on
 * any failure, 2 on a usage error (one line on stderr).
 */
import { intArg, listArg, parseArgsOrExit, validOrExit } from "@/lib/args";
import * as ort from "onnxruntime-node";
import { analyze } from "@/lib/onnx";
import { decodeModelProto } from "@/lib/onnx/proto";
import { generate, sampleSpecs, specInputs, ZOO_FAMILIES, type ZooSpec } from "@/lib/zoo";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("zoo:sweep");

const USAGE = `usage: npm run zoo:sweep -- [--count 20] [--seed 1] [--families resnet,vit] [--threads 1]
families: ${ZOO_FAMILIES.join(", ")}`;
const { values } = parseArgsOrExit("zoo:sweep", {
  options: {
    count: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    families: { type: "string" },
    threads: { type: "string", default: "1" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const { count, seed, threads, families } = validOrExit("zoo:sweep", () => ({
  count: intArg("count", values.count, 1, 100_000),
  seed: intArg("seed", values.seed, 0, 2 ** 31 - 1),
  threads: intArg("threads", values.threads, 1, 256),
  families: listArg("families", values.families, ZOO_FAMILIES),
}));

const shapeOf = (o: unknown) => JSON.stringify(o);

interface Result {
  ok: boolean;
  ms: number;
  finite: boolean;
  /** lib/onnx's detected family equals the spec's (informational). */
  detected: boolean;
  why?: string;
}

async function check(spec: ZooSpec): Promise<Result> {
  const structure = generate(spec);
  const weighted = generate(spec, { weights: true });
  const summary = analyze(structure);
  const declared = Object.fromEntries(
    decodeModelProto(structure).graph!.output!.map((o) => [o.name!, o.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value)]),
  );
  const session = await ort.InferenceSession.create(weighted, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  // feeds from what the model takes (token ids for bert, sequences for rnn, 1-channel images...)
  const feeds: Record<string, ort.Tensor> = {};
  for (const { name, dims, dtype } of specInputs(spec)) {
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[name] =
      dtype === 7
        ? new ort.Tensor("int64", BigInt64Array.from({ length: n }, (_, i) => (/mask/.test(name) ? 1n : BigInt(i % 2))), dims)
        : new ort.Tensor("float32", Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)), dims);
  }
  const t0 = performance.now();
  const out = await session.run(feeds);
  const ms = performance.now() - t0;
  await session.release();
  const got = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v.dims]]));
  const finite = Object.values(out).every((v) => (v.data as Float32Array).every(Number.isFinite));
  const detected = summary.family.name === spec.family;
  const fail = (why: string): Result => ({ ok: false, ms, finite, detected, why });
  if (shapeOf(got) !== shapeOf(summary.outputs)) return fail(`ORT ${shapeOf(got)} ≠ inferred ${shapeOf(summary.outputs)}`);
  if (shapeOf(got) !== shapeOf(declared)) return fail(`ORT ${shapeOf(got)} ≠ declared ${shapeOf(declared)}`);
  if (analyze(weighted).hash !== summary.hash) return fail("structure hash differs with weights");
  return { ok: true, ms, finite, detected };
}

const rows: string[][] = [];
let total = 0, failed = 0, nonFinite = 0;
const t0 = performance.now();
for (const family of families) {
  let ok = 0, ms = 0, fin = 0, det = 0;
  for (const spec of sampleSpecs(family, count, seed)) {
    try {
      const r = await check(spec);
      ms += r.ms;
      if (r.finite) fin++;
      if (r.detected) det++;
      if (r.ok) ok++;
      else console.error(`FAIL ${family} ${r.why}\n     ${JSON.stringify(spec)}`);
    } catch (e) {
      console.error(`FAIL ${family} ${e instanceof Error ? e.message : e}\n     ${JSON.stringify(spec)}`);
    }
  }
  total += count;
  failed += count - ok;
  nonFinite += count - fin;
  rows.push([family, String(count), String(ok), String(count - ok), String(count - fin), (ms / count).toFixed(1), `${det}/${count}`]);
  console.error(`… ${family} done`);
}
const header = ["family", "specs", "ok", "failed", "non-finite", "mean run ms", "lib/onnx family"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(
  `\n${total} specs, ${total - failed} ok, ${failed} failed, ${nonFinite} with non-finite outputs; ORT ` +
    `${ort.env.versions.common}, ${threads} thread(s), ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
process.exit(failed ? 1 : 0);
