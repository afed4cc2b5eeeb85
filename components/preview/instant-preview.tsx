"use client";
/**
 * The home page's instant preview: drop an ONNX file (hundreds of MB are fine) → a Web Worker parses it,
 * strips the weights and computes the structure summary, and the trained predictor (when one exists)
 * predicts every platform — before anything is uploaded. Then only the structure-only bytes are sent, as
 * an anonymous lookup, and measured values from the database join the table. A model with symbolic input
 * sizes is previewed at defaulted sizes first; the shape form re-runs it (and the lookup) at the size given.
 */
import Link from "next/link";
import { useEffect, useState } from "react";
import type { UploadResponse } from "@/lib/api/schemas/models";
import type { PredictorInfo } from "./protocol";
import { PreviewPanel, type MeasuredLookup } from "./preview-panel";
import { usePreview } from "./use-preview";
import { OnnxDropZone } from "./drop-zone";
import { measuredOf } from "./lookup";
import { formatInputShapes } from "@/lib/api/schemas/input-shapes";
import type { InputShapes } from "./protocol";

async function lookupMeasured(name: string, structure: Uint8Array, inputs?: InputShapes): Promise<MeasuredLookup> {
  // anonymous on purpose (credentials omitted): a lookup stores nothing, and only public results come back
  const params = new URLSearchParams({ name, ...(inputs ? { inputs: formatInputShapes(inputs) } : {}) });
  const up = await fetch(`/api/v1/models?${params}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: new Blob([structure as BlobPart]),
    credentials: "omit",
  });
  if (!up.ok)
    throw new Error(
      ((await up.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${up.status}`,
    );
  const { model } = (await up.json()) as UploadResponse;
  if (!model) return { state: "done", modelId: null, measured: {} };
  return { state: "done", modelId: model.id, measured: await measuredOf(model.id, model.batch, { credentials: "omit" }) };
}

export function InstantPreview({
  predictor,
  platformNames,
  platforms,
}: {
  predictor: PredictorInfo | null;
  platformNames: Record<string, string>;
  /** every active platform (each gets a row: measured, predicted or neither) */
  platforms?: string[];
}) {
  const { state, run, reshape } = usePreview(predictor);
  const [lookup, setLookup] = useState<MeasuredLookup>({ state: "idle" });
  // the page is cached (and prerendered at build time, when no database is reachable): the active platforms
  // are asked for once more here, so every platform gets its row on a fresh install too
  const [live, setLive] = useState<{ slugs: string[]; names: Record<string, string> } | null>(null);
  useEffect(() => {
    let on = true;
    fetch("/api/v1/platforms", { credentials: "omit" })
      .then((r) => (r.ok ? (r.json() as Promise<{ platforms: { slug: string; name: string }[] }>) : null))
      .then((b) => {
        if (on && b)
          setLive({ slugs: b.platforms.map((p) => p.slug).sort(), names: Object.fromEntries(b.platforms.map((p) => [p.slug, p.name])) });
      })
      .catch(() => {});
    return () => {
      on = false;
    };
  }, []);

  async function look(name: string, structure: Uint8Array, inputs?: InputShapes) {
    setLookup({ state: "looking" });
    try {
      setLookup(await lookupMeasured(name.replace(/\.onnx$/i, ""), structure, inputs));
    } catch (e) {
      setLookup({ state: "error", message: (e as Error).message });
    }
  }

  async function start(file: File) {
    setLookup({ state: "idle" });
    const r = await run(file);
    if (r) await look(file.name, r.structure);
  }

  /** the same file at the input shapes given: analysed, predicted and looked up at that size */
  async function reshapeTo(inputs: InputShapes) {
    const r = await reshape(inputs);
    if (r) await look(state.file?.name ?? "model", r.structure, inputs);
  }

  return (
    <section aria-labelledby="preview-title" className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
      <h2 id="preview-title" className="text-lg font-semibold text-slate-900">
        How fast is your model? Drop it here.
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        Your ONNX file is read in this browser: structure, FLOPs and predicted latency on every platform appear at once. The trained weights
        stay on your machine — only the weight-free structure is sent to look up measured results.
      </p>
      <OnnxDropZone
        id="preview-file"
        testId="preview-dropzone"
        inputLabel="ONNX model file for an instant preview"
        onFile={(f) => void start(f)}
        className="mt-4 py-8"
      >
        <span className="font-medium text-slate-800">Drop an .onnx file (weights included is fine — even hundreds of MB)</span>
        <span className="mt-1 text-slate-500">or click to choose one</span>
      </OnnxDropZone>
      <PreviewPanel
        state={state}
        lookup={lookup}
        platformNames={{ ...platformNames, ...live?.names }}
        platforms={live?.slugs ?? platforms}
        onReshape={(inputs) => void reshapeTo(inputs)}
      />
      {state.status === "ready" && (
        <p className="mt-4 text-sm">
          <Link href="/query" className="font-medium text-indigo-700 hover:underline">
            Measure it on real devices →
          </Link>{" "}
          <span className="text-slate-500">(sign in with a team that has a quota; the query page reads the file in your browser too)</span>
        </p>
      )}
    </section>
  );
}
