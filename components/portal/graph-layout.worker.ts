/// <reference lib="webworker" />
/**
 * Lays out the model page's graph off the main thread (dagre takes seconds on a thousand-node graph), so
 * the page stays responsive while it runs. One request at a time; answers carry the request's id.
 */
import { layoutGraph, type LayoutInput, type LayoutResult } from "@/lib/portal/graph-layout";

export type LayoutRequest = { id: number; input: LayoutInput };
export type LayoutAnswer = { id: number; result?: LayoutResult; error?: string };

const ctx = self as unknown as DedicatedWorkerGlobalScope;
ctx.onmessage = (ev: MessageEvent<LayoutRequest>) => {
  const { id, input } = ev.data;
  try {
    ctx.postMessage({ id, result: layoutGraph(input) } satisfies LayoutAnswer);
  } catch (e) {
    ctx.postMessage({ id, error: (e as Error).message || String(e) } satisfies LayoutAnswer);
  }
};
