/** Messages between the page and the preview Web Worker (components/preview/preview.worker.ts). */
import type { ModelSummary } from "@/lib/onnx";
import type { PredictorInfo } from "@/lib/services/portal-predictor";

export type { PredictorInfo };

export type ToWorker =
  | { type: "init"; predictor: PredictorInfo | null }
  | { type: "preview"; id: number; file: Blob; batch?: number };

export interface PreviewTimings {
  readMs: number;
  decodeMs: number;
  stripMs: number;
  analyzeMs: number;
}

export interface PlatformPredictionView {
  platform: string;
  latencyMs: number;
  uncertaintyMs: number | null;
}

export type FromWorker =
  | { type: "stats"; id: number; fileBytes: number; summary: ModelSummary; structure: Uint8Array; timings: PreviewTimings }
  | { type: "predictions"; id: number; version: string; method: string; predictions: PlatformPredictionView[]; predictMs: number }
  | { type: "predictor"; state: "ready" | "unavailable"; backend?: string; version?: string; message?: string; loadMs?: number }
  | { type: "error"; id: number; code: string; message: string };
