"use client";
/**
 * The model page body: structure summary, measurements per platform (statistics and history), the graph
 * coloured by the profile, predicted vs measured per predictor version, and "models like this". Rendered
 * on the server for public models (cached) and in the browser for a team's private ones (fetched with the
 * session from /api/v1/models/{id}/overview).
 */
import Link from "next/link";
import { useEffect, useState } from "react";
import type { ModelPageData } from "@/lib/services/portal-model";
import { Alert, Badge, Card } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { fmtBytes, fmtCount, fmtMs } from "@/components/latency/format";
import { HistoryChart } from "./charts";
import { CopyButton } from "./copy-button";
import { GradeBadge, QualityCell, qualityFigures } from "./quality";
import { GraphView } from "./graph-view";
import { PredictionBadge, type PredictionRegime } from "./prediction-badge";

const shape = (s: (number | string)[]) => s.join("×");

export function ModelView({ data }: { data: ModelPageData }) {
  const m = data.model;
  const ops = Object.entries(m.opHistogram).sort((a, b) => b[1] - a[1]);
  const maxOp = ops[0]?.[1] ?? 1;
  const history = data.results
    .filter((r) => r.history.length > 0)
    .map((r) => ({ label: `${r.platform} · b${r.batch}`, points: r.history.map((h) => ({ t: Date.parse(h.measuredAt), y: h.medianMs })) }));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex min-w-0 items-center gap-2">
            <h1 className="truncate text-2xl font-semibold tracking-tight text-slate-900" data-testid="model-name" title={m.name}>
              {m.name}
            </h1>
            <CopyButton text={m.name} tone="light" ariaLabel="Copy the model name" />
          </div>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <Badge tone="indigo">{m.familyLabel}</Badge>
            {m.familyConfidence !== null && m.source !== "zoo" && (
              <span>detected with {Math.round(m.familyConfidence * 100)}% confidence</span>
            )}
            <Badge tone={m.visibility === "public" ? "emerald" : "amber"}>{m.visibility}</Badge>
            <Badge>{m.source}</Badge>
            <span className="font-mono text-xs text-slate-500" title={m.hash} data-testid="model-hash">
              {m.hash.slice(0, 16)}…
            </span>
            <CopyButton text={m.hash} tone="light" label="Copy hash" ariaLabel="Copy the full structure hash" />
          </p>
        </div>
        <div className="flex gap-2 text-sm">
          <Link href={`/compare?models=${m.id}`} className="rounded-md px-3 py-1.5 ring-1 ring-slate-300 hover:bg-white">
            Compare with…
          </Link>
          <Link
            href={`/query?model=${m.id}`}
            className="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500"
            data-testid="measure-more"
          >
            Measure on more platforms
          </Link>
        </div>
      </div>

      <Card title="Structure" description="Counted by lib/onnx from the structure-only model, at the model's own batch size.">
        <div className="grid gap-6 md:grid-cols-2">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm" data-testid="structure-summary">
            <Stat label="FLOPs" value={fmtCount(m.flops)} />
            <Stat label="MACs" value={fmtCount(m.macs)} />
            <Stat label="Parameters" value={fmtCount(m.params)} />
            <Stat label="Memory access" value={fmtBytes(m.memoryAccess)} />
            <Stat label="Activation memory" value={fmtBytes(m.activationMemory)} />
            <Stat label="Operators" value={String(m.nodeCount)} />
            <Stat label="Batch" value={String(m.batch)} />
            <Stat label="Opset" value={m.opset === null ? "—" : String(m.opset)} />
            <Stat
              label="Inputs"
              value={Object.entries(m.inputShapes)
                .map(([k, v]) => `${k} ${shape(v)}`)
                .join(", ")}
            />
            <Stat
              label="Outputs"
              value={
                data.outputs
                  ? Object.entries(data.outputs)
                      .map(([k, v]) => `${k} ${shape(v)}`)
                      .join(", ")
                  : "—"
              }
            />
          </dl>
          <div>
            <h3 className="mb-2 text-sm font-medium text-slate-700">Operator histogram</h3>
            <ul className="space-y-1 text-xs" data-testid="op-histogram">
              {ops.slice(0, 14).map(([op, n]) => (
                <li key={op} className="flex items-center gap-2">
                  <span className="w-36 truncate font-mono text-slate-700" title={op}>
                    {op}
                  </span>
                  <span className="h-3 rounded bg-indigo-400" style={{ width: `${Math.max(2, (n / maxOp) * 60)}%` }} aria-hidden />
                  <span className="tabular-nums text-slate-600">{n}</span>
                </li>
              ))}
              {ops.length > 14 && <li className="text-slate-500">… and {ops.length - 14} more op types</li>}
            </ul>
          </div>
        </div>
      </Card>

      <Card
        title="Measured latency"
        description={
          "Per platform and batch size, the newest clean measurement (else the newest, marked with its grade): statistics over its timed runs " +
          "and its quality — clean runs / all runs, ±CI, wall/CPU time, interference. Every stored measurement is kept (below)."
        }
      >
        {data.results.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="no-measurements">
            Not measured yet.{" "}
            <Link href={`/query?model=${m.id}`} className="text-indigo-700 hover:underline">
              Request a measurement
            </Link>
            .
          </p>
        ) : (
          <div className="space-y-4">
            <div className="overflow-x-auto">
              <Table
                data-testid="measurements-table"
                rows={data.results}
                rowKey={(r) => `${r.platform}-${r.batch}`}
                rowProps={(r) => ({ "data-testid": `measured-${r.platform}-${r.batch}`, "data-grade": r.quality.grade })}
                columns={[
                  { header: "Platform", className: "font-mono text-xs", title: (r) => r.platformName, cell: (r) => r.platform },
                  { header: "Batch", align: "right", className: "tabular-nums", cell: (r) => r.batch },
                  {
                    header: "Median",
                    align: "right",
                    className: "font-semibold tabular-nums",
                    cell: (r) => `${fmtMs(r.stats.medianMs)} ms`,
                  },
                  {
                    header: "Quality",
                    headerTitle: "Grade, clean runs / all runs, confidence interval, wall/CPU ratio, interference share",
                    cellProps: () => ({ "data-testid": "measurement-quality" }),
                    cell: (r) => <QualityCell quality={r.quality} />,
                  },
                  { header: "Mean", align: "right", className: "tabular-nums", cell: (r) => fmtMs(r.stats.meanMs) },
                  { header: "Min", align: "right", className: "tabular-nums", cell: (r) => fmtMs(r.stats.minMs) },
                  { header: "p90", align: "right", className: "tabular-nums", cell: (r) => fmtMs(r.stats.p90Ms) },
                  { header: "p99", align: "right", className: "tabular-nums", cell: (r) => fmtMs(r.stats.p99Ms) },
                  {
                    header: "CV",
                    align: "right",
                    className: "tabular-nums",
                    cell: (r) => (r.stats.cv === null ? "—" : `${(r.stats.cv * 100).toFixed(1)}%`),
                  },
                  {
                    header: "Timed runs",
                    headerTitle: "Timed inference runs in the newest measurement (the statistics are over these)",
                    align: "right",
                    className: "tabular-nums",
                    cellProps: () => ({ "data-testid": "timed-runs" }),
                    cell: (r) => r.stats.runs,
                  },
                  { header: "Peak mem", align: "right", className: "tabular-nums", cell: (r) => fmtBytes(r.stats.peakMemoryBytes) },
                  {
                    header: "Measured",
                    headerTitle: "When the newest measurement was taken, and how many measurements are stored",
                    className: "text-xs text-slate-600",
                    cellProps: () => ({ "data-testid": "stored-measurements" }),
                    cell: (r) => (
                      <>
                        {r.measuredAt.slice(0, 10)} · ort {r.runtimeVersion}
                        {typeof r.env?.cpuModel === "string" ? ` · ${r.env.cpuModel}` : ""} · {r.history.length} measurement
                        {r.history.length === 1 ? "" : "s"} stored
                      </>
                    ),
                  },
                ]}
              />
            </div>
            <details className="text-sm" data-testid="every-measurement">
              <summary className="cursor-pointer text-slate-700">
                Every measurement ({data.results.reduce((n, r) => n + r.history.length, 0)}), with its grade
              </summary>
              <Table
                className="mt-2"
                data-testid="history-table"
                density="tight"
                size="xs"
                headClassName="text-slate-500"
                rows={data.results.flatMap((r) =>
                  r.history.map((h) => ({ ...h, platform: r.platform, batch: r.batch, shown: h.measurementId === r.measurementId })),
                )}
                rowKey={(h) => h.measurementId}
                rowProps={(h) => ({ "data-testid": "history-row", "data-grade": h.quality.grade })}
                columns={[
                  { header: "Platform", className: "font-mono", cell: (h) => h.platform },
                  { header: "Batch", align: "right", className: "tabular-nums", cell: (h) => h.batch },
                  { header: "Measured", className: "tabular-nums", cell: (h) => h.measuredAt.slice(0, 16).replace("T", " ") },
                  { header: "Median", align: "right", className: "tabular-nums", cell: (h) => `${fmtMs(h.medianMs)} ms` },
                  { header: "Grade", cell: (h) => <GradeBadge grade={h.quality.grade} /> },
                  { header: "Quality", className: "text-slate-500", cell: (h) => qualityFigures(h.quality) },
                  { header: "", className: "text-slate-500", cell: (h) => (h.shown ? "shown above" : "") },
                ]}
              />
            </details>
            {history.some((h) => h.points.length > 1) && <HistoryChart series={history} />}
            <OpShares results={data.results} />
          </div>
        )}
      </Card>

      <Card title="Graph" description="Operators in topological layers, coloured by the time the runtime spent in them (newest profile).">
        {data.graph ? (
          <GraphView graph={data.graph} />
        ) : (
          <p className="text-sm text-slate-500">{data.graphError ?? "No structure stored."}</p>
        )}
      </Card>

      <Card title="Predicted vs measured" description="Every stored prediction, per predictor version, next to the newest measurement.">
        {data.predictions.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="no-predictions">
            No predictions stored for this model yet — predictors are trained on the measured database and predict every platform at once.
          </p>
        ) : (
          <div className="overflow-x-auto">
            <Table
              data-testid="predictions-table"
              rows={data.predictions}
              rowKey={(p) => `${p.platform}-${p.batch}-${p.predictor}`}
              columns={[
                {
                  header: "Platform",
                  className: "font-mono text-xs",
                  cell: (p) => (
                    <>
                      {p.platform} · b{p.batch}
                    </>
                  ),
                },
                {
                  header: "Predictor",
                  cell: (p) => (
                    <>
                      {p.predictor} <span className="text-xs text-slate-500">({p.method}{p.status === "promoted" ? ", current" : ""})</span>
                    </>
                  ),
                },
                {
                  header: "Predicted (± 2σ)",
                  align: "right",
                  cell: (p) => {
                    // the regime is there where the stored prediction carries it (guarded predictors)
                    const g = p as typeof p & { regime?: PredictionRegime | null; reasons?: string[] | null; analyticalMs?: number | null };
                    return (
                      <PredictionBadge
                        latencyMs={p.predictedMs}
                        uncertaintyMs={p.uncertaintyMs}
                        regime={g.regime}
                        reasons={g.reasons}
                        analyticalMs={g.analyticalMs}
                        measureHref={`/query?model=${m.id}`}
                      />
                    );
                  },
                },
                {
                  header: "Measured",
                  align: "right",
                  className: "tabular-nums",
                  cell: (p) => (p.measuredMs === null ? "—" : `${fmtMs(p.measuredMs)} ms`),
                },
                {
                  header: "Error",
                  align: "right",
                  className: (p) =>
                    `tabular-nums ${p.errorPct !== null && Math.abs(p.errorPct) > 10 ? "text-red-700" : "text-emerald-700"}`,
                  cell: (p) => (p.errorPct === null ? "—" : `${p.errorPct > 0 ? "+" : ""}${p.errorPct.toFixed(1)}%`),
                },
              ]}
            />
          </div>
        )}
      </Card>

      <Card
        title="Models like this"
        description="Same family, nearest in log-FLOPs and log-parameters, with the most similar operator mix."
      >
        {data.similar.length === 0 ? (
          <p className="text-sm text-slate-500">No other {m.familyLabel} models in the database yet.</p>
        ) : (
          <Table
            data-testid="similar-models"
            rows={data.similar}
            rowKey={(s) => s.id}
            columns={[
              {
                header: "Model",
                className: "max-w-[20rem]",
                cell: (s) => (
                  <span className="group flex min-w-0 items-center gap-1.5">
                    <Link href={`/models/${s.id}`} className="truncate text-indigo-700 hover:underline" title={s.name}>
                      {s.name}
                    </Link>
                    <CopyButton
                      text={s.name}
                      tone="light"
                      ariaLabel={`Copy the name ${s.name}`}
                      className="opacity-0 group-hover:opacity-100 focus-visible:opacity-100"
                    />
                  </span>
                ),
              },
              { header: "FLOPs", align: "right", className: "tabular-nums", cell: (s) => fmtCount(s.flops) },
              { header: "Params", align: "right", className: "tabular-nums", cell: (s) => fmtCount(s.params) },
              { header: "Op-mix similarity", align: "right", className: "tabular-nums", cell: (s) => `${(s.opCosine * 100).toFixed(0)}%` },
              {
                header: "Latency",
                align: "right",
                className: "text-xs tabular-nums",
                cell: (s) => (s.latency ? `${fmtMs(s.latency.medianMs)} ms on ${s.latency.platform}` : "—"),
              },
            ]}
          />
        )}
      </Card>
    </div>
  );
}

function OpShares({ results }: { results: ModelPageData["results"] }) {
  const withShares = results.filter((r) => r.opShare);
  if (!withShares.length) return null;
  return (
    <div>
      <h3 className="mb-1 text-sm font-medium text-slate-700">Where the time goes (per op type, newest profile)</h3>
      <div className="grid gap-3 sm:grid-cols-2">
        {withShares.map((r) => (
          <div key={`${r.platform}-${r.batch}`} className="text-xs">
            <div className="mb-1 font-mono text-slate-600">
              {r.platform} · b{r.batch}
            </div>
            <div className="flex h-3 overflow-hidden rounded" aria-hidden>
              {Object.entries(r.opShare!)
                .slice(0, 8)
                .map(([op, s], i) => (
                  <span
                    key={op}
                    title={`${op} ${(s * 100).toFixed(1)}%`}
                    style={{ width: `${s * 100}%`, background: `hsl(${(i * 47) % 360} 65% 55%)` }}
                  />
                ))}
            </div>
            <div className="mt-1 text-slate-600">
              {Object.entries(r.opShare!)
                .slice(0, 5)
                .map(([op, s]) => `${op} ${(s * 100).toFixed(0)}%`)
                .join(" · ")}
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="truncate font-medium text-slate-900" title={value}>
        {value}
      </dd>
    </div>
  );
}

/**
 * A model the cached page does not show (private, or unknown): the server answered 404, and this asks
 * the API with the visitor's session — a team member sees their private model, anyone else "not found".
 * `id` null: not a model id at all (nothing to ask).
 */
export function PrivateModel({ id }: { id: number | null }) {
  const [state, setState] = useState<{ data?: ModelPageData; error?: string; status?: number }>({});
  useEffect(() => {
    if (id === null || state.error) document.title = "Model not found — nnlq";
  }, [id, state.error]);
  useEffect(() => {
    if (id === null) return;
    let alive = true;
    fetch(`/api/v1/models/${id}/overview`, { credentials: "same-origin" })
      .then(async (r) => {
        const body = await r.json().catch(() => null);
        if (!alive) return;
        if (r.ok) {
          setState({ data: body as ModelPageData });
          document.title = `${(body as ModelPageData).model.name} — nnlq`;
        } else setState({ error: body?.error?.message ?? `HTTP ${r.status}`, status: r.status });
      })
      .catch(() => alive && setState({ error: "The server could not be reached." }));
    return () => {
      alive = false;
    };
  }, [id]);
  if (state.data) return <ModelView data={state.data} />;
  if (id === null || state.error) {
    return (
      <div className="space-y-3" data-testid="model-not-found">
        <h1 className="text-2xl font-semibold text-slate-900">Model not found</h1>
        <Alert kind="info">
          {id === null
            ? "This is not a model address: model pages are /models/<number>."
            : `Model ${id} does not exist or is private to a team you are not in.`}{" "}
          <Link href={`/signin?callbackUrl=/models/${id ?? ""}`} className="underline">
            Sign in
          </Link>{" "}
          to see your teams&apos; models.
        </Alert>
        <p className="text-sm">
          <Link href="/browse" className="text-indigo-700 hover:underline">
            Browse public models
          </Link>
        </p>
      </div>
    );
  }
  return (
    <p className="py-10 text-center text-sm text-slate-500" role="status">
      Loading model {id}…
    </p>
  );
}
