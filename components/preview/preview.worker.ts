/// <reference lib="webworker" />
/**
 * The preview Web Worker: reads the dropped ONNX file as one ArrayBuffer (hundreds of MB are fine),
 * decodes it zero-copy (weights stay views into the buffer), strips the weights, analyses the structure,
 * and — when a trained predictor exists — predicts the latency on every platform with lib/predict (tfjs:
 * wasm backend, else cpu). Nothing leaves the machine here; the page decides to send the structure-only
 * bytes. The predictor is loaded on "init" (sent once the page knows the current version, usually before any
 * file is dropped; a file dropped earlier waits for it).
 */
import { analyze, decodeModel, stripWeights } from "@/lib/onnx";
import type { FromWorker, PredictorInfo, ToWorker } from "./protocol";

type Predictor = {
  predict(input: Uint8Array): { platform: string; latencyMs: number; uncertaintyMs: number | null }[];
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

async function preview(id: number, file: Blob, batch?: number) {
  try {
    const t0 = performance.now();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const t1 = performance.now();
    const model = decodeModel(bytes);
    const t2 = performance.now();
    const structure = stripWeights(model);
    const t3 = performance.now();
    const summary = analyze(structure, batch ? { batch } : undefined);
    const t4 = performance.now();
    const copy = structure.slice();
    post(
      {
        type: "stats",
        id,
        fileBytes: bytes.byteLength,
        summary,
        structure: copy,
        timings: { readMs: t1 - t0, decodeMs: t2 - t1, stripMs: t3 - t2, analyzeMs: t4 - t3 },
      },
      [copy.buffer],
    );
    const p = await predictor;
    if (!p) return;
    const t5 = performance.now();
    const predictions = p.predict(structure);
    post({ type: "predictions", id, version: p.version, method: p.method, predictions, predictMs: performance.now() - t5 });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    post({ type: "error", id, code: err.code ?? "ONNX_INVALID", message: err.message ?? String(e) });
  }
}

ctx.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "init") {
    predictor = m.predictor ? loadPredictor(m.predictor) : Promise.resolve(null);
    firstInit?.(predictor);
    firstInit = null;
  }
  else if (m.type === "preview") void preview(m.id, m.file, m.batch);
};
