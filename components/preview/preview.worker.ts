/// <reference lib="webworker" />
/**
 * The preview Web Worker: reads the dropped ONNX file as one ArrayBuffer (hundreds of MB are fine),
 * decodes it zero-copy (weights stay views into the buffer), strips the weights, analyses the structure,
 * and — when a trained predictor exists — predicts the latency on every platform with lib/predict (tfjs:
 * wasm backend, else cpu). Nothing leaves the machine here; the page decides to send the structure-only
 * bytes. The predictor is loaded on "init" (sent once the page knows the current version, usually before any
 * file is dropped; a file dropped earlier waits for it).
 *
 * A model with symbolic input dims (a detector exported as [batch, 3, height, width]) is analysed with its
 * dims defaulted and the stats list them (`symbolic`); the page asks for a size, and "reshape" re-runs the
 * last decoded model at those shapes: stripped with them (the structure the page uploads declares them),
 * analysed and predicted there.
 */
import { analyze, buildGraph, decodeModel, stripWeights, symbolicInputs, type OnnxModel } from "@/lib/onnx";
import { checkInputShapes } from "@/lib/api/schemas/input-shapes";
import type {
  FromWorker, InputShapes, PlatformPredictionView, PredictorInfo, PreviewTimings, SymbolicInput, ToWorker,
} from "./protocol";

type Predictor = {
  predict(input: Uint8Array): PlatformPredictionView[];
  version: string;
  method: string;
};

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => ctx.postMessage(m, transfer);
// pending until the first "init": predictions of a file dropped before it wait for the predictor
let firstInit: ((p: Promise<Predictor | null>) => void) | null = null;
let predictor: Promise<Predictor | null> = new Promise((resolve) => (firstInit = (p) => resolve(p)));

async function loadPredictor(info: PredictorInfo): Promise<Predictor | null> {
  const t0 = performance.now();
  try {
    const tf = await import("@tensorflow/tfjs");
    try {
      const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
      setWasmPaths(`${ctx.location.origin}/tfjs-wasm/`);
      if (!(await tf.setBackend("wasm"))) await tf.setBackend("cpu");
    } catch {
      await tf.setBackend("cpu");
    }
    await tf.ready();
    const { load } = await import("@/lib/predict/client");
    const p = (await load(info.url)) as unknown as Predictor;
    post({ type: "predictor", state: "ready", backend: tf.getBackend(), version: p.version, loadMs: performance.now() - t0 });
    return p;
  } catch (e) {
    post({ type: "predictor", state: "unavailable", message: (e as Error).message });
    return null;
  }
}

/** The last decoded file (its weights stay views into its buffer), kept for "reshape". */
let last: { model: OnnxModel; fileBytes: number; batch?: number; symbolic: SymbolicInput[] } | null = null;

const errorOf = (e: unknown) => {
  const err = e as { code?: string; message?: string };
  return { code: err.code ?? "ONNX_INVALID", message: err.message ?? String(e) };
};

async function preview(id: number, file: Blob, batch?: number, inputs?: InputShapes) {
  try {
    last = null;
    const t0 = performance.now();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const t1 = performance.now();
    const model = decodeModel(bytes);
    const t2 = performance.now();
    last = { model, fileBytes: bytes.byteLength, batch, symbolic: symbolicInputs(model) };
    await analyseAndPredict(id, { readMs: t1 - t0, decodeMs: t2 - t1 }, inputs);
  } catch (e) {
    post({ type: "error", id, ...errorOf(e) });
  }
}

async function reshape(id: number, inputs: InputShapes) {
  try {
    if (!last) throw Object.assign(new Error("drop the model again: the preview no longer holds it"), { code: "NOT_FOUND" });
    await analyseAndPredict(id, { readMs: 0, decodeMs: 0 }, inputs);
  } catch (e) {
    post({ type: "error", id, reshape: true, ...errorOf(e) });
  }
}

/** Strip (at the explicit shapes, when given) → analyse → stats; then the predictions of that structure. */
async function analyseAndPredict(id: number, read: Pick<PreviewTimings, "readMs" | "decodeMs">, inputs?: InputShapes) {
  const { model, fileBytes, batch, symbolic } = last!;
  const shaped = inputs && Object.keys(inputs).length ? inputs : undefined;
  const t2 = performance.now();
  if (shaped) checkInputShapes(buildGraph(model), shaped);
  const structure = stripWeights(model, shaped ? { inputs: shaped } : undefined);
  const t3 = performance.now();
  const summary = analyze(structure, batch ? { batch } : undefined);
  const t4 = performance.now();
  const copy = structure.slice();
  post(
    {
      type: "stats",
      id,
      fileBytes,
      summary,
      structure: copy,
      timings: { ...read, stripMs: t3 - t2, analyzeMs: t4 - t3 },
      symbolic,
      inputs: shaped ?? null,
    },
    [copy.buffer],
  );
  const p = await predictor;
  if (!p) return;
  const t5 = performance.now();
  const predictions = p.predict(structure);
  post({ type: "predictions", id, version: p.version, method: p.method, predictions, predictMs: performance.now() - t5 });
}

ctx.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "init") {
    predictor = m.predictor ? loadPredictor(m.predictor) : Promise.resolve(null);
    firstInit?.(predictor);
    firstInit = null;
  }
  else if (m.type === "preview") void preview(m.id, m.file, m.batch, m.inputs);
  else if (m.type === "reshape") void reshape(m.id, m.inputs);
};
