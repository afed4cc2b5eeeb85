"use client";
/**
 * usePreview(predictor): a preview Web Worker for the lifetime of the component. The page's `predictor` may
 * be a cached page's view: the hook first asks /predictors/current which version is promoted now (so a
 * version promoted after the page was rendered is used), then the worker loads that predictor right away
 * (before anything is dropped); run(file) analyses a file in the worker and resolves
 * with the structure-only bytes and the summary as soon as they exist; predictions follow in `state`.
 * `startedAt` (performance.now() when run() was called) lets the page measure drop → preview.
 * A model with symbolic input dims lists them in `state.symbolic`; reshape(inputs) re-runs the same file at
 * those shapes (the previous analysis stays shown until the new one arrives; a shape that does not fit
 * is `state.shapeError`, the analysis shown is kept).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ModelSummary } from "@/lib/onnx";
import type { FromWorker, InputShapes, PlatformPredictionView, PredictorInfo, PreviewTimings, SymbolicInput, ToWorker } from "./protocol";

export interface PreviewState {
  status: "idle" | "reading" | "ready" | "error";
  file: { name: string; size: number } | null;
  startedAt: number | null;
  summary: ModelSummary | null;
  structureBytes: number | null;
  timings: PreviewTimings | null;
  /** ms from run() to the stats arriving from the worker */
  statsMs: number | null;
  /** checking: asking the server which version is current; none: no trained predictor */
  predictor: { state: "checking" | "none" | "loading" | "ready" | "unavailable"; version?: string; backend?: string; message?: string };
  predictions: { version: string; method: string; items: PlatformPredictionView[]; predictMs: number; totalMs: number } | null;
  error: { code: string; message: string } | null;
  /** the model's inputs with symbolic dims (empty: every dim fixed) */
  symbolic: SymbolicInput[];
  /** the explicit shapes the shown analysis used (null: symbolic dims defaulted) */
  inputs: InputShapes | null;
  /** a re-run at other shapes is under way */
  reshaping: boolean;
  /** why the last re-run's shapes were refused */
  shapeError: { code: string; message: string } | null;
}

const initial = (predictor: PredictorInfo | null, checked = false): PreviewState => ({
  status: "idle",
  file: null,
  startedAt: null,
  summary: null,
  structureBytes: null,
  timings: null,
  statsMs: null,
  predictor: { state: predictor ? "loading" : checked ? "none" : "checking", version: predictor?.version },
  predictions: null,
  error: null,
  symbolic: [],
  inputs: null,
  reshaping: false,
  shapeError: null,
});

/** The version the server serves now (null: none trained; undefined: could not ask — keep the page's). */
async function currentPredictor(): Promise<PredictorInfo | null | undefined> {
  try {
    const r = await fetch("/predictors/current", { cache: "no-store", credentials: "omit", signal: AbortSignal.timeout(8000) });
    if (!r.ok) return undefined;
    return ((await r.json()) as { predictor: PredictorInfo | null }).predictor;
  } catch {
    return undefined;
  }
}

export function usePreview(predictor: PredictorInfo | null) {
  const worker = useRef<Worker | null>(null);
  const seq = useRef(0);
  const pending = useRef(new Map<number, { resolve: (v: { summary: ModelSummary; structure: Uint8Array } | null) => void; t0: number }>());
  const [state, setState] = useState<PreviewState>(() => initial(predictor));
  // the version to load: the page's until the server has said which one is current
  const [info, setInfo] = useState<{ predictor: PredictorInfo | null; checked: boolean }>({ predictor, checked: false });
  const key = info.checked ? (info.predictor?.url ?? "none") : "";
  const latest = useRef(info);
  // eslint-disable-next-line react-hooks/refs -- the latest predictor info for callbacks of the worker, which outlive a render
  latest.current = info;

  useEffect(() => {
    let live = true;
    void currentPredictor().then((now) => {
      if (!live) return;
      const next = now === undefined ? predictor : now;
      setInfo({ predictor: next, checked: true });
      setState((s) =>
        s.predictor.state === "checking" || (s.predictor.state === "loading" && next?.url !== predictor?.url)
          ? { ...s, predictor: initial(next, true).predictor }
          : s,
      );
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const w = new Worker(new URL("./preview.worker.ts", import.meta.url), { type: "module" });
    worker.current = w;
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type === "predictor") {
        setState((s) => ({
          ...s,
          predictor: { state: m.state, version: m.version ?? s.predictor.version, backend: m.backend, message: m.message },
        }));
        return;
      }
      if (m.id !== seq.current) return; // an older file's answer
      const p = pending.current.get(m.id);
      if (m.type === "stats") {
        const statsMs = p ? performance.now() - p.t0 : null;
        setState((s) => ({
          ...s,
          status: "ready",
          summary: m.summary,
          structureBytes: m.structure.byteLength,
          timings: m.timings,
          statsMs,
          symbolic: m.symbolic,
          inputs: m.inputs,
          reshaping: false,
          shapeError: null,
        }));
        p?.resolve({ summary: m.summary, structure: m.structure });
      } else if (m.type === "predictions") {
        const totalMs = p ? performance.now() - p.t0 : 0;
        setState((s) => ({
          ...s,
          predictions: { version: m.version, method: m.method, items: m.predictions, predictMs: m.predictMs, totalMs },
        }));
      } else if (m.type === "error") {
        const error = { code: m.code, message: m.message };
        setState((s) => (m.reshape ? { ...s, reshaping: false, shapeError: error } : { ...s, status: "error", error }));
        p?.resolve(null);
      }
    };
    w.onerror = (e) =>
      setState((s) => ({ ...s, status: "error", error: { code: "WORKER", message: e.message || "the preview worker failed to start" } }));
    if (latest.current.checked) w.postMessage({ type: "init", predictor: latest.current.predictor } satisfies ToWorker);
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, []);

  // the predictor is loaded once the current version is known (a file dropped before waits for it)
  useEffect(() => {
    if (!key || !worker.current) return;
    worker.current.postMessage({ type: "init", predictor: info.predictor } satisfies ToWorker);
  }, [key]);

  /** Analyse `file` in the worker; resolves with its structure-only bytes (null when it is not a valid model). */
  const run = useCallback((file: File, batch?: number) => {
    const id = ++seq.current;
    const t0 = performance.now();
    setState((s) => ({
      ...initial(null),
      predictor: s.predictor,
      status: "reading",
      file: { name: file.name, size: file.size },
      startedAt: t0,
    }));
    return new Promise<{ summary: ModelSummary; structure: Uint8Array } | null>((resolve) => {
      pending.current.set(id, { resolve, t0 });
      if (!worker.current) {
        setState((s) => ({ ...s, status: "error", error: { code: "WORKER", message: "Web Workers are not available in this browser" } }));
        return resolve(null);
      }
      worker.current.postMessage({ type: "preview", id, file, batch } satisfies ToWorker);
    });
  }, []);

  /**
   * The last file again at explicit input shapes; resolves with the structure-only bytes stripped at them
   * (null when the shapes do not fit: state.shapeError says why).
   */
  const reshape = useCallback((inputs: InputShapes) => {
    const id = ++seq.current;
    const t0 = performance.now();
    setState((s) => ({ ...s, startedAt: t0, statsMs: null, predictions: null, reshaping: true, shapeError: null }));
    return new Promise<{ summary: ModelSummary; structure: Uint8Array } | null>((resolve) => {
      pending.current.set(id, { resolve, t0 });
      if (!worker.current) return resolve(null);
      worker.current.postMessage({ type: "reshape", id, inputs } satisfies ToWorker);
    });
  }, []);

  return { state, run, reshape };
}
