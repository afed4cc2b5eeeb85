"use client";
/**
 * What the preview shows: the structure summary computed in the browser, and a row for every active
 * platform: the measured value with its provenance where the database has one, the predicted latency with
 * the predictor's uncertainty (± σ of the ensemble, ≈95% interval) otherwise — "measured" vs "predicted"
 * badges — and how long drop → preview took. Exposes the timings as data attributes for tests.
 * The analysis' warnings (symbolic dims defaulted, nodes of unknown cost) are listed; a model with symbolic
 * input dims gets the shape form (shape-form.tsx) when the page can re-run it (`onReshape`).
 */
import { useEffect, useRef, useState } from "react";
import { Badge } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { CopyButton } from "@/components/portal/copy-button";
import { fmtBytes, fmtCount, fmtMs } from "@/components/latency/format";
import type { PreviewState } from "./use-preview";
import type { MeasuredView } from "./lookup";
import { GradeBadge } from "@/components/portal/quality";
import { fmtShape } from "@/lib/api/schemas/input-shapes";
import { ShapeForm } from "./shape-form";
import type { InputShapes } from "./protocol";

export interface MeasuredLookup {
  state: "idle" | "looking" | "done" | "error";
  modelId?: number | null;
  /** platform slug → newest measured result at the model's batch, with its provenance */
  measured?: Record<string, MeasuredView>;
  message?: string;
}

export function PreviewPanel({
  state,
  lookup,
  platformNames = {},
  platforms: active = [],
  compact = false,
  onReshape,
}: {
  state: PreviewState;
  lookup?: MeasuredLookup;
  platformNames?: Record<string, string>;
  /** every active platform's slug: each gets a row, measured or predicted or neither */
  platforms?: string[];
  /** without the structure grid (the page shows its own summary) */
  compact?: boolean;
  /** re-run the analysis at explicit input shapes (shows the shape form for a model with symbolic dims) */
  onReshape?: (inputs: InputShapes) => void;
}) {
  // drop → rendered, measured when React has committed the DOM for the stats and for the predictions
  const [shown, setShown] = useState<{ stats: number | null; predictions: number | null }>({ stats: null, predictions: null });
  const start = useRef<number | null>(null);
  useEffect(() => {
    if (state.startedAt !== start.current) {
      start.current = state.startedAt;
      setShown({ stats: null, predictions: null });
    }
  }, [state.startedAt]);
  useEffect(() => {
    if (state.summary && state.startedAt !== null && shown.stats === null)
      // eslint-disable-next-line react-hooks/set-state-in-effect -- records when the statistics first showed (a measured time, once)
      setShown((s) => ({ ...s, stats: performance.now() - state.startedAt! }));
  }, [state.summary, state.startedAt, shown.stats]);
  useEffect(() => {
    if (state.predictions && state.startedAt !== null && shown.predictions === null)
      // eslint-disable-next-line react-hooks/set-state-in-effect -- records when the predictions first showed (a measured time, once)
      setShown((s) => ({ ...s, predictions: performance.now() - state.startedAt! }));
  }, [state.predictions, state.startedAt, shown.predictions]);

  if (state.status === "idle") return null;
  if (state.status === "reading") {
    return (
      <p className="mt-4 text-sm text-slate-600" role="status" data-testid="preview-reading">
        Reading {state.file?.name} ({fmtBytes(state.file?.size)}) in your browser…
      </p>
    );
  }
  if (state.status === "error") {
    return (
      <div
        className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-red-200"
        role="alert"
        data-testid="preview-error"
      >
        {state.file?.name ?? "The file"} is not a model nnlq can read: {state.error?.message}{" "}
        <span className="text-xs">({state.error?.code})</span>
      </div>
    );
  }
  const s = state.summary!;
  const warnings = s.warnings ?? [];
  const predicted = new Map(state.predictions?.items.map((p) => [p.platform, p]) ?? []);
  const extra = [...new Set([...predicted.keys(), ...Object.keys(lookup?.measured ?? {})])].filter((p) => !active.includes(p)).sort();
  const platforms = [...active, ...extra];
  const noPrediction =
    state.predictor.state === "ready"
      ? "not modelled"
      : state.predictor.state === "loading" || state.predictor.state === "checking"
        ? "…"
        : "no predictor";
  return (
    <div className="mt-4 space-y-4" data-testid="preview" data-stats-ms={shown.stats ?? ""} data-predictions-ms={shown.predictions ?? ""}>
      {!compact && (
        <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4" data-testid="preview-stats">
          <Stat label="Family" value={`${s.family.name} (${Math.round(s.family.confidence * 100)}%)`} />
          <Stat label="FLOPs" value={fmtCount(s.flops)} testId="preview-flops" />
          <Stat label="Parameters" value={fmtCount(s.params)} />
          <Stat label="Operators" value={String(s.nodeCount)} />
          <Stat label="Memory access" value={fmtBytes(s.memoryAccess)} />
          <Stat label="Input" value={Object.entries(s.inputs).map(([k, v]) => `${k} ${v.join("×")}`).join(", ")} />
          <Stat label="Output" value={Object.entries(s.outputs).map(([k, v]) => `${k} ${v.join("×")}`).join(", ")} />
          <Stat label="Structure hash" value={`${s.hash.slice(0, 16)}…`} full={s.hash} />
        </dl>
      )}
      <p className="text-xs text-slate-600" data-testid="preview-privacy">
        Analysed in your browser: {fmtBytes(state.file?.size)} read, weights stripped to a {fmtBytes(state.structureBytes)} structure-only
        model
        {state.statsMs !== null && ` in ${Math.round(state.statsMs)} ms`}. The trained weights stay on your machine — only the structure is
        ever sent.
      </p>
      {compact && (
        <p className="text-xs text-slate-600" data-testid="preview-inputs">
          Analysed at {Object.entries(s.inputs).map(([k, v]) => `${k} ${fmtShape(v)}`).join(", ")}
          {state.inputs ? " (the size given)" : ""}.
        </p>
      )}
      {warnings.length > 0 && (
        <ul className="space-y-0.5 text-xs text-amber-800" data-testid="preview-warnings">
          {warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      )}
      {onReshape && state.symbolic.length > 0 && (
        <ShapeForm
          key={`${state.file?.name}|${JSON.stringify(s.inputs)}`}
          symbolic={state.symbolic}
          current={s.inputs}
          explicit={state.inputs !== null}
          busy={state.reshaping}
          error={state.shapeError}
          onSubmit={onReshape}
        />
      )}

      <div>
        <h3 className="mb-1 text-sm font-semibold text-slate-800">Latency per platform</h3>
        {state.predictor.state === "none" && (
          <p className="text-sm text-slate-600" data-testid="predictor-missing">
            Predictor not trained yet: predicted latencies appear here once a predictor version is trained on the measured database.
            {lookup ? " Measured values are looked up in the database." : " Measured values come from the database below."}
          </p>
        )}
        {state.predictor.state === "unavailable" && (
          <p className="text-sm text-amber-800" data-testid="predictor-unavailable">
            The predictor could not be loaded ({state.predictor.message}); measured values are still looked up.
          </p>
        )}
        {state.predictor.state === "checking" && (
          <p className="text-sm text-slate-600" role="status" data-testid="predictor-checking">
            Looking for a trained predictor…
          </p>
        )}
        {state.predictor.state === "loading" && !state.predictions && (
          <p className="text-sm text-slate-600" role="status">
            Loading predictor {state.predictor.version}…
          </p>
        )}
        {platforms.length > 0 && (
          <Table
            data-testid="preview-latency"
            density="snug"
            rows={platforms}
            rowKey={(p) => p}
            rowProps={(p) => ({
              "data-testid": `preview-row-${p}`,
              "data-source": lookup?.measured?.[p] ? "measured" : predicted.get(p) ? "predicted" : "none",
            })}
            columns={[
              {
                header: "Platform",
                cell: (p) => (
                  <>
                    <span className="font-mono text-xs">{p}</span>
                    {platformNames[p] && <span className="block text-xs text-slate-500">{platformNames[p]}</span>}
                  </>
                ),
              },
              {
                header: "Predicted",
                align: "right",
                className: "tabular-nums",
                cellProps: () => ({ "data-testid": "predicted-ms" }),
                cell: (p) => {
                  const pr = predicted.get(p);
                  return pr ? (
                    <>
                      <span className="whitespace-nowrap">
                        <Badge tone="indigo">predicted</Badge> {fmtMs(pr.latencyMs)}
                        {pr.uncertaintyMs !== null && <span className="text-xs text-slate-500"> ± {fmtMs(pr.uncertaintyMs)}</span>} ms
                      </span>
                      {pr.regime === "extrapolated" && (
                        <span
                          className="block text-xs text-amber-800"
                          data-testid="predicted-extrapolated"
                          title={pr.reasons?.length ? `extrapolated: ${pr.reasons.join("; ")}` : "outside what the predictor was trained on"}
                        >
                          extrapolated{pr.analyticalMs != null ? ` · analytical ${fmtMs(pr.analyticalMs)} ms` : ""}
                        </span>
                      )}
                      {pr.uncertaintyMs !== null && pr.uncertaintyMs > 0 && (
                        <span
                          className="block text-xs text-slate-500"
                          data-testid="predicted-interval"
                          title="the predictor's ensemble spread: ± σ, and ≈95% within ± 2σ"
                        >
                          σ {fmtMs(pr.uncertaintyMs)} ms · ≈95% {fmtMs(Math.max(0, pr.latencyMs - 2 * pr.uncertaintyMs))}–
                          {fmtMs(pr.latencyMs + 2 * pr.uncertaintyMs)} ms
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="text-xs text-slate-400">{noPrediction}</span>
                  );
                },
              },
              lookup && {
                header: "Measured",
                align: "right",
                className: "tabular-nums",
                cellProps: () => ({ "data-testid": "measured-ms" }),
                cell: (p) => {
                  const me = lookup.measured?.[p];
                  return me ? (
                    <>
                      <span className="whitespace-nowrap">
                        <Badge tone="emerald">measured</Badge> {fmtMs(me.medianMs)} ms
                        {me.grade && (
                          <span className="ml-1">
                            <GradeBadge grade={me.grade} />
                          </span>
                        )}
                      </span>
                      <span className="block text-xs text-slate-500" data-testid="measured-provenance">
                        {new Date(me.measuredAt).toISOString().slice(0, 10)}
                        {me.device ? ` · ${me.device}` : ""} · {me.measurementCount} measurement{me.measurementCount === 1 ? "" : "s"}{" "}
                        stored
                      </span>
                    </>
                  ) : lookup.state === "looking" ? (
                    <span className="text-xs text-slate-400">…</span>
                  ) : (
                    <span className="text-xs text-slate-400">not measured</span>
                  );
                },
              },
            ]}
          />
        )}
        {state.predictions && (
          <p className="mt-1 text-xs text-slate-500">
            Predicted by {state.predictions.version} ({state.predictions.method}
            {state.predictor.backend ? `, tfjs ${state.predictor.backend}` : ""}) in {state.predictions.predictMs.toFixed(0)} ms; drop →
            predictions {Math.round(shown.predictions ?? state.predictions.totalMs)} ms.
          </p>
        )}
        {lookup?.state === "done" && (
          <p className="mt-1 text-xs text-slate-600" data-testid="lookup-result">
            {lookup.modelId ? (
              <>
                The database knows this structure:{" "}
                <a className="text-indigo-700 hover:underline" href={`/models/${lookup.modelId}`}>
                  model page
                </a>
                .
              </>
            ) : (
              "This structure has not been measured yet (or only privately)."
            )}
          </p>
        )}
        {lookup?.state === "error" && <p className="mt-1 text-xs text-amber-800">Database lookup failed: {lookup.message}</p>}
      </div>
    </div>
  );
}

function Stat({ label, value, testId, full }: { label: string; value: string; testId?: string; full?: string }) {
  // `full`: the whole text behind a shortened value (a hash), in the tooltip and a copy button
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="flex min-w-0 items-center gap-1 font-medium text-slate-900" title={full ?? value} data-testid={testId}>
        <span className="truncate">{value}</span>
        {full && <CopyButton text={full} tone="light" ariaLabel={`Copy ${label.toLowerCase()}`} />}
      </dd>
    </div>
  );
}
