/**
 * load(url | artifacts) → Predictor, for every method (isomorphic: fetch in browsers and Node).
 * A URL points at a manifest (model.json); binary weights are fetched relative to it.
 * The kernel-level random forests (ml-random-forest) are imported only when such a predictor is loaded,
 * so a browser bundle of the GNN does not carry them. Manifests of a feature set this build can still read
 * (READABLE_FEATURE_SETS: e.g. a v1 GNN loaded by URL in the browser, whose manifest no Node loader upgraded)
 * load as well. A manifest with a guard (lib/predict/guard.ts) comes back wrapped in a GuardedPredictor;
 * manifests without one load as they always did.
 */
import { NnlqError } from "@/lib/errors";
import { FEATURE_SET_VERSION, READABLE_FEATURE_SETS } from "@/lib/onnx/features";
import { LinearPredictor } from "./baselines/linear";
import { LookupTablePredictor } from "./baselines/lookup";
import { RooflinePredictor } from "./baselines/roofline";
import { GnnPredictor } from "./gnn/predictor";
import { GuardedPredictor, isGuardState } from "./guard";
import { ARTIFACT_FORMAT, type BasePredictor, type PredictorArtifacts, type PredictorManifest } from "./predictor";
import { lazyMethod } from "./registry";

/** Rebuild a predictor from its artifacts (kernel-rf needs lib/predict/baselines/kernel-rf imported first; load() does that). */
export function fromArtifacts(a: PredictorArtifacts): BasePredictor {
  const inner = unguarded(a);
  const guard = a.manifest.guard;
  if (guard === undefined || guard === null) return inner;
  if (!isGuardState(guard)) {
    inner.dispose();
    throw new NnlqError("VALIDATION", `predictor ${a.manifest.version}: malformed guard in the manifest`, { version: a.manifest.version });
  }
  return new GuardedPredictor(inner, guard);
}

function unguarded(a: PredictorArtifacts): BasePredictor {
  const m = a.manifest;
  if (!m || m.format !== ARTIFACT_FORMAT)
    throw new NnlqError("VALIDATION", `not an nnlq predictor manifest (format ${JSON.stringify(m?.format)}, expected ${ARTIFACT_FORMAT})`);
  // a readable older set (its node rows are a prefix of today's) loads as well: the GNN reads the columns its
  // config names (GnnPredictor.fromArtifacts checks them), the baselines' columns did not move
  if (!READABLE_FEATURE_SETS.includes(m.featureSetVersion)) {
    throw new NnlqError(
      "VALIDATION",
      `predictor ${m.version} was trained on features ${m.featureSetVersion}; this build computes ${FEATURE_SET_VERSION}`,
      { version: m.version },
    );
  }
  const st = m.state as never;
  switch (m.method) {
    case "gnn": {
      if (!a.weights || !m.weightSpecs) throw new NnlqError("VALIDATION", `predictor ${m.version}: GNN weights missing`);
      const need = m.weightSpecs.reduce((n, s) => Math.max(n, s.offset + s.shape.reduce((x, y) => x * y, 1)), 0);
      if (a.weights.length < need)
        throw new NnlqError("VALIDATION", `predictor ${m.version}: weights have ${a.weights.length} floats, the manifest needs ${need}`);
      return GnnPredictor.fromArtifacts(m, a.weights);
    }
    case "flops-linear":
    case "flops-mem-linear":
      return LinearPredictor.fromState(m.method, m.version, st, m.trainingSetSize);
    case "roofline":
      return RooflinePredictor.fromState(m.version, st, m.trainingSetSize);
    case "lookup-table":
      return LookupTablePredictor.fromState(m.version, st, m.trainingSetSize);
    default: {
      const lazy = lazyMethod(m.method);
      if (lazy) return lazy(m.version, st, m.trainingSetSize);
      if (m.method === "kernel-rf")
        throw new NnlqError("VALIDATION", "kernel-rf predictors load through load() (or import lib/predict/baselines/kernel-rf first)");
      throw new NnlqError("VALIDATION", `unknown predictor method ${JSON.stringify(m.method)}`);
    }
  }
}

/** Decode little-endian float32 weights. */
export function decodeWeights(buf: ArrayBuffer | Uint8Array): Float32Array {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.byteLength % 4) throw new NnlqError("VALIDATION", "predictor weights: length is not a multiple of 4 bytes");
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Load a predictor from a manifest URL (weights fetched relative to it) or from artifacts in memory. */
export async function load(source: string | URL | PredictorArtifacts, o: { fetch?: typeof fetch } = {}): Promise<BasePredictor> {
  if (typeof source !== "string" && !(source instanceof URL)) return fromArtifacts(await withLazy(source));
  const f = o.fetch ?? fetch;
  const base = typeof location !== "undefined" ? location.href : undefined;
  const url = new URL(String(source), base);
  const res = await f(url);
  if (!res.ok) throw new NnlqError("NOT_FOUND", `predictor manifest ${url} answered ${res.status}`);
  const manifest = (await res.json()) as PredictorManifest;
  let weights: Float32Array | undefined;
  if (manifest.weightSpecs) {
    const wurl = new URL(manifest.weightsFile ?? "weights.bin", url);
    const wr = await f(wurl);
    if (!wr.ok) throw new NnlqError("NOT_FOUND", `predictor weights ${wurl} answered ${wr.status}`);
    weights = decodeWeights(await wr.arrayBuffer());
  }
  return fromArtifacts(await withLazy({ manifest, weights }));
}

async function withLazy(a: PredictorArtifacts): Promise<PredictorArtifacts> {
  if (a.manifest?.method === "kernel-rf" && !lazyMethod("kernel-rf")) await import("./baselines/kernel-rf");
  return a;
}
