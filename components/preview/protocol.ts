/** Messages between the page and the preview Web Worker (components/preview/preview.worker.ts). */
import type { ModelSummary, SymbolicInput } from "@/lib/onnx";
import type { PredictorInfo } from "@/lib/services/portal-predictor";

export type { PredictorInfo };

/** input name → full shape (the explicit shapes a model with symbolic dims is analysed at) */
export type InputShapes = Record<string, number[]>;

/** A model input with symbolic dims, as declared (numbers fixed, strings symbolic: "batch", "height", "?"). */
export type { SymbolicInput };

export type ToWorker =
  | { type: "init"; predictor: PredictorInfo | null }
  | { type: "preview"; id: number; file: Blob; batch?: number; inputs?: InputShapes }
  /** the last file again, at other input shapes (decoded once: no second read) */
  | { type: "reshape"; id: number; inputs: InputShapes };

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
  regime?: "in-distribution" | "extrapolated";
  analyticalMs?: number | null;
  reasons?: string[];
}

export type FromWorker =
  | {
      type: "stats";
      id: number;
      fileBytes: number;
      summary: ModelSummary;
      structure: Uint8Array;
      timings: PreviewTimings;
      /** the file's inputs with symbolic dims (empty when every dim is fixed) */
      symbolic: SymbolicInput[];
      /** the explicit shapes this analysis used (null: symbolic dims defaulted) */
      inputs: InputShapes | null;
    }
  | { type: "predictions"; id: number; version: string; method: string; predictions: PlatformPredictionView[]; predictMs: number }
  | { type: "predictor"; state: "ready" | "unavailable"; backend?: string; version?: string; message?: string; loadMs?: number }
  /** `reshape`: the error of a re-run at other shapes (the previous analysis stays shown) */
  | { type: "error"; id: number; code: string; message: string; reshape?: boolean };
