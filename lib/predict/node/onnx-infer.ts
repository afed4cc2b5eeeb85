/**
 * The GNN's exported forward pass (lib/predict/gnn/onnx-export.ts) on onnxruntime-node: the server-side
 * runtime of a GNN predictor (the browser keeps tfjs; same weights, outputs equal within float32 rounding).
 *
 * Predictor.predict() is synchronous, and so are onnxruntime-node's native session load and run — its
 * public InferenceSession only wraps them in a promise (setImmediate). So this calls the native binding
 * (onnxruntime-node/dist/binding) directly, as the package's own backend does; the binding is checked on
 * first use, and `ortAvailable()` says false (callers stay on tfjs) when it is missing or of another shape.
 *
 * One intra-op thread, always: ORT's CPU ScatterND splits its updates over the threads without guarding
 * duplicate indices, so with reduction = add and 2 threads messages into one node are lost (measured: up
 * to 55% off in 72 of 800 outputs of one batch, different on every run; microsoft/onnxruntime#18048).
 * A server uses its cores through several workers (lib/compute), each with its own session.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { GnnInference, GnnPredictor } from "../gnn/predictor";
import type { PackedGraphs } from "../gnn/onnx-export";

interface OrtTensor { data: unknown; dims: readonly number[]; type: string }
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, OrtTensor>;
  dispose(): void;
}
interface OrtNative {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
  Tensor: new (type: string, data: ArrayBufferView, dims: readonly number[]) => unknown;
}

let native: OrtNative | null | undefined;

function loadNative(): OrtNative | null {
  if (native !== undefined) return native;
  try {
    // resolved at run time: bundlers must not try to pack the native addon
    const require = createRequire(import.meta.url || path.join(process.cwd(), "package.json"));
    const pkg = "onnxruntime-node";
    const ort = require(pkg) as { Tensor: OrtNative["Tensor"] };
    const b = require(`${pkg}/dist/binding.js`) as Partial<OrtNative>;
    native =
      typeof b.binding?.InferenceSession === "function" && typeof b.initOrt === "function" && typeof ort.Tensor === "function"
        ? { binding: b.binding, initOrt: b.initOrt, Tensor: ort.Tensor }
        : null;
  } catch {
    native = null;
  }
  return native;
}

/** Whether onnxruntime-node (with the native binding this module calls) can be loaded in this process. */
export function ortAvailable(): boolean {
  return loadNative() !== null;
}

/** One onnxruntime-node session of an exported GNN. */
export class OrtGnnInference implements GnnInference {
  readonly runtime = "onnxruntime-node";
  private session: NativeSession | null;

  private constructor(private readonly ort: OrtNative, session: NativeSession) {
    this.session = session;
  }

  /** A session of the exported model bytes (throws when onnxruntime-node is unavailable or refuses them). */
  static create(onnx: Uint8Array): OrtGnnInference {
    const ort = loadNative();
    if (!ort) throw new Error("onnxruntime-node is not available in this process");
    ort.initOrt();
    const session = new ort.binding.InferenceSession();
    session.loadModel(onnx.buffer, onnx.byteOffset, onnx.byteLength, {
      intraOpNumThreads: 1, // see the module comment: ScatterND(add) is not thread-safe
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    return new OrtGnnInference(ort, session);
  }

  run(b: PackedGraphs): Float32Array {
    if (!this.session) throw new Error("OrtGnnInference: session disposed");
    const T = this.ort.Tensor;
    const feeds = {
      x: new T("float32", b.x, [b.numNodes, b.denseDim]),
      op: new T("int32", b.op, [b.numNodes]),
      cost: new T("float32", b.cost, [b.numNodes, b.cost.length / Math.max(1, b.numNodes)]),
      from: new T("int32", b.from, [b.numMessages]),
      to: new T("int32", b.to, [b.numMessages]),
      w: new T("float32", b.w, [b.numMessages, 1]),
      seg: new T("int32", b.seg, [b.numNodes]),
      inv_n: new T("float32", b.invN, [b.numGraphs, 1]),
      gvec: new T("float32", b.gvec, [b.numGraphs, b.gvec.length / Math.max(1, b.numGraphs)]),
    };
    const out = this.session.run(feeds, { latency: null }, {}).latency;
    if (!(out?.data instanceof Float32Array)) throw new Error("OrtGnnInference: no float latency output");
    return out.data;
  }

  dispose(): void {
    this.session?.dispose();
    this.session = null;
  }
}

/**
 * Serve `predictor` from onnxruntime-node: export its forward pass, open a session and attach it. When
 * onnxruntime-node is unavailable or refuses the model the predictor stays on tfjs, and the reason comes back.
 */
export function attachOnnxRuntime(predictor: GnnPredictor): { runtime: string; reason?: string } {
  if (!ortAvailable()) return { runtime: predictor.runtime, reason: "onnxruntime-node is not available in this process" };
  try {
    predictor.attachInference(OrtGnnInference.create(predictor.toOnnx()));
  } catch (e) {
    return { runtime: predictor.runtime, reason: `onnxruntime-node refused the exported GNN: ${(e as Error).message}` };
  }
  return { runtime: predictor.runtime };
}
