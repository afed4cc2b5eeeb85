/**
 * Running zoo models in the real onnxruntime-node (CPU, one thread) with materialised weights: the feeds
 * follow the spec's inputs (lib/zoo specInputs), so image, sequence and token-id models run alike.
 */
import * as ort from "onnxruntime-node";
import { generate, specInputs, type ZooSpec } from "@/lib/zoo";

ort.env.logLevel = "error";

/** Feeds for a spec's inputs: a smooth float signal; int64 ids 0/1 (valid rows of any table), masks all 1. */
export function zooFeeds(spec: ZooSpec): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const { name, dims, dtype } of specInputs(spec)) {
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[name] =
      dtype === 7
        ? new ort.Tensor("int64", BigInt64Array.from({ length: n }, (_, i) => (/mask/.test(name) ? 1n : BigInt(i % 2))), dims)
        : new ort.Tensor("float32", Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)), dims);
  }
  return feeds;
}

/** Run a spec's weighted model once: output shapes and whether every output value is finite. */
export async function runInOrt(spec: ZooSpec): Promise<{ shapes: Record<string, number[]>; finite: boolean }> {
  const session = await ort.InferenceSession.create(generate(spec, { weights: true }), { intraOpNumThreads: 1 });
  try {
    const out = await session.run(zooFeeds(spec));
    return {
      shapes: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v.dims]])),
      finite: Object.values(out).every((v) => (v.data as Float32Array).every(Number.isFinite)),
    };
  } finally {
    await session.release();
  }
}
