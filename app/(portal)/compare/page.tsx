import Link from "next/link";
import { isNnlqError } from "@/lib/errors";
import { familyLabel } from "@/lib/services/portal";
import type { CompareData, ModelsSideBySide, PlatformsSideBySide } from "@/lib/services/portal-model";
import { compareModelsPublic, comparePlatformsPublic } from "@/lib/services/pages";
import { publicCompare, publicPlatforms } from "@/lib/services/portal-cached";
import { ALL_FAMILIES } from "@/lib/onnx/families";
import { Alert, Card, PageHeader } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { fmtCount, fmtMs } from "@/components/latency/format";
import { PlatformPairChart, PredictedVsMeasuredChart } from "@/components/portal/compare-charts";
import { flatParams, hrefWith, type SearchParams } from "@/components/portal/search-params";
import { GradeBadge, QualityNotice } from "@/components/portal/quality";
import { qualityFilter } from "@/lib/api/schemas/common";

export const metadata = { title: "Compare — nnlq" };

const select = "mt-1 block rounded-md px-2.5 py-1.5 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600 focus:outline-none";
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(1)}%`);

export default async function ComparePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = flatParams(await searchParams);
  const labels = Object.fromEntries(ALL_FAMILIES.map((f) => [f, familyLabel(f)]));
  const errors: string[] = [];
  const q = qualityFilter.safeParse(sp.quality);
  if (!q.success) errors.push(`quality: ${q.error.issues[0]?.message ?? "must be clean or all"} (showing clean measurements)`);
  const quality = q.success ? q.data : "clean";

  let cmp: CompareData | null = null;
  try {
    cmp = await publicCompare(sp.predictor, sp.platform, quality);
  } catch (e) {
    if (!isNnlqError(e)) throw e;
    errors.push(e.message);
    cmp = await publicCompare(undefined, undefined, quality);
  }

  const { platforms, defaultSlug } = await publicPlatforms();
  const measuredSlugs = platforms.filter((p) => p.count > 0).map((p) => p.slug);
  const modelIds = (sp.models ?? "")
    .split(/[\s,]+/)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const side = modelIds.length ? await compareModelsPublic(modelIds, quality) : null;
  const a = sp.a ?? defaultSlug ?? undefined;
  const b = sp.b ?? measuredSlugs.find((s) => s !== a);
  let pair: PlatformsSideBySide | null = null;
  if (a && b && a !== b) {
    try {
      pair = await comparePlatformsPublic({ a, b, batch: Number(sp.pbatch) > 0 ? Number(sp.pbatch) : 1, quality });
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      errors.push(e.message);
    }
  }
  const evalSplits = cmp?.evaluation ? [...new Set(cmp.evaluation.rows.map((r) => r.split))] : [];
  const evalSplit = sp.split && evalSplits.includes(sp.split) ? sp.split : (evalSplits.find((s) => /random/i.test(s)) ?? evalSplits[0]);

  return (
    <main className="mx-auto max-w-7xl px-4 py-10">
      <PageHeader
        title="Compare"
        subtitle="Predicted against measured latency, predictors against each other, and models or platforms side by side."
      />
      {errors.map((e) => (
        <div key={e} className="mb-4">
          <Alert>{e}</Alert>
        </div>
      ))}
      <QualityNotice
        quality={quality}
        hrefOf={(v) => hrefWith("/compare", Object.fromEntries(Object.entries(sp).filter(([k]) => k !== "quality")), { quality: v })}
      />
      <div className="space-y-6">
        <Card
          title="Predicted vs measured"
          description={
            cmp?.predictor
              ? `${cmp.predictor} on ${cmp.platform}: ${cmp.total.toLocaleString("en")} models with both a prediction and a ` +
                `${cmp.quality === "clean" ? "clean " : ""}measurement${cmp.points.length < cmp.total ? ` (${cmp.points.length} drawn)` : ""}. ` +
                `Dashed: ±10%. Accuracy is judged on clean measurements only. Click a point to open the model.`
              : undefined
          }
        >
          {!cmp?.predictor ? (
            <p className="text-sm text-slate-500" data-testid="pvm-empty">
              No predictions are stored yet. Once a predictor is trained on the measured database, every measured model gets a
              predicted-vs-measured pair and it is plotted here.
            </p>
          ) : (
            <div className="space-y-4">
              <form method="get" action="/compare" className="flex flex-wrap items-end gap-3" aria-label="Predictor and platform">
                <div>
                  <label htmlFor="c-predictor" className="text-sm font-medium text-slate-700">
                    Predictor
                  </label>
                  <select id="c-predictor" name="predictor" defaultValue={cmp.predictor} className={select}>
                    {cmp.predictors.map((p) => (
                      <option key={p.name} value={p.name}>
                        {p.name} ({p.method}
                        {p.status === "promoted" ? ", current" : ""})
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label htmlFor="c-platform" className="text-sm font-medium text-slate-700">
                    Platform
                  </label>
                  <select id="c-platform" name="platform" defaultValue={cmp.platform ?? ""} className={select}>
                    {cmp.platforms.map((p) => (
                      <option key={p}>{p}</option>
                    ))}
                  </select>
                </div>
                <button type="submit" className="rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                  Show
                </button>
              </form>
              {cmp.accuracy && (
                <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-5" data-testid="pvm-accuracy">
                  {[
                    ["Models", String(cmp.accuracy.n)],
                    ["MAPE", pct(cmp.accuracy.mape)],
                    ["RMSPE", pct(cmp.accuracy.rmspe)],
                    ["Acc@5%", pct(cmp.accuracy.acc5)],
                    ["Acc@10%", pct(cmp.accuracy.acc10)],
                  ].map(([k, v]) => (
                    <div key={k} className="rounded-md bg-slate-50 px-3 py-2 ring-1 ring-slate-200">
                      <dt className="text-xs text-slate-500">{k}</dt>
                      <dd className="text-lg font-semibold tabular-nums">{v}</dd>
                    </div>
                  ))}
                </dl>
              )}
              <PredictedVsMeasuredChart data={cmp} labels={labels} />
              <ResidualTable data={cmp} />
            </div>
          )}
        </Card>

        <Card
          title="Evaluation"
          description={
            cmp?.evaluation
              ? `Held-out metrics of every method per split and platform${cmp.evaluation.generatedAt ? ` (${cmp.evaluation.generatedAt.slice(0, 10)})` : ""}.`
              : undefined
          }
        >
          {!cmp?.evaluation ? (
            <p className="text-sm text-slate-500" data-testid="eval-empty">
              The predictor evaluation has not been run yet (it writes public/predictors/eval.json: random, leave-one-family-out and
              few-shot splits for the GNN and the literature baselines).
            </p>
          ) : (
            <div className="space-y-3" data-testid="eval-tables">
              <nav aria-label="Split" className="flex flex-wrap gap-2 text-xs">
                {evalSplits.map((s) => (
                  <Link
                    key={s}
                    href={hrefWith("/compare", sp, { split: s })}
                    className={`rounded-full px-2.5 py-1 ring-1 ${s === evalSplit ? "bg-indigo-600 text-white ring-indigo-600" : "ring-slate-300 hover:bg-slate-50"}`}
                  >
                    {s}
                  </Link>
                ))}
              </nav>
              <div className="overflow-x-auto">
                <Table
                  rows={cmp.evaluation.rows
                    .filter((r) => r.split === evalSplit)
                    .sort((x, y) => x.platform.localeCompare(y.platform) || x.mape - y.mape)}
                  rowKey={(r) => `${r.platform}-${r.method}`}
                  columns={[
                    { header: "Platform", className: "font-mono text-xs", cell: (r) => r.platform },
                    { header: "Method", cell: (r) => r.method },
                    { header: "n", align: "right", className: "tabular-nums", cell: (r) => r.n ?? "—" },
                    { header: "MAPE", align: "right", className: "tabular-nums", cell: (r) => pct(r.mape) },
                    { header: "RMSPE", align: "right", className: "tabular-nums", cell: (r) => pct(r.rmspe) },
                    { header: "Acc@5%", align: "right", className: "tabular-nums", cell: (r) => pct(r.acc5) },
                    { header: "Acc@10%", align: "right", className: "tabular-nums", cell: (r) => pct(r.acc10) },
                    {
                      header: "Kendall τ",
                      align: "right",
                      className: "tabular-nums",
                      cell: (r) => (r.kendallTau === null ? "—" : r.kendallTau.toFixed(3)),
                    },
                  ]}
                />
              </div>
            </div>
          )}
        </Card>

        <Card
          title="Models side by side"
          description="Structure and newest clean latency on every platform (at each model's own batch size); the fastest clean one is highlighted."
        >
          <form method="get" action="/compare" className="mb-4 flex flex-wrap items-end gap-3" aria-label="Models to compare">
            {Object.entries(sp)
              .filter(([k]) => k !== "models")
              .map(([k, v]) => (
                <input key={k} type="hidden" name={k} value={v} />
              ))}
            <div>
              <label htmlFor="c-models" className="text-sm font-medium text-slate-700">
                Model ids (comma-separated)
              </label>
              <input
                id="c-models"
                name="models"
                defaultValue={modelIds.join(", ")}
                placeholder="e.g. 12, 40, 77"
                className={`${select} w-72`}
              />
            </div>
            <button type="submit" className="rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500">
              Compare models
            </button>
          </form>
          {side && side.missing.length > 0 && <Alert kind="info">Not found or not public: {side.missing.join(", ")}</Alert>}
          {side && side.models.length > 0 ? (
            <div className="overflow-x-auto">
              <Table
                data-testid="models-side-by-side"
                headClassName="text-xs text-slate-500"
                rows={[
                  ...(
                    [
                      ["Family", (m) => labels[m.family] ?? m.family],
                      ["FLOPs", (m) => fmtCount(m.flops)],
                      ["Parameters", (m) => fmtCount(m.params)],
                      ["Operators", (m) => String(m.nodeCount)],
                      ["Batch", (m) => String(m.batch)],
                    ] as [string, (m: ModelsSideBySide["models"][number]) => string][]
                  ).map(([label, f]) => ({ label, f, platform: null, best: 0 })),
                  ...side.platforms.map((p) => ({
                    label: p,
                    f: null,
                    platform: p,
                    // the fastest is judged on clean labels only (other grades are shown, marked, never ranked)
                    best: Math.min(
                      ...side.models
                        .filter((m) => side.grades[p]?.[m.id] === "clean")
                        .map((m) => side.latency[p]?.[m.id])
                        .filter((v): v is number => v !== undefined),
                    ),
                  })),
                ]}
                rowKey={(r) => r.label}
                columns={[
                  {
                    rowHeader: true,
                    className: (r) => (r.platform === null ? "text-xs font-medium text-slate-500" : "font-mono text-xs font-normal text-slate-600"),
                    cell: (r) => r.label,
                  },
                  ...side.models.map((m) => ({
                    key: m.id,
                    header: (
                      <Link href={`/models/${m.id}`} className="text-indigo-700 hover:underline">
                        {m.name}
                      </Link>
                    ),
                    headerClassName: "font-medium",
                    align: "right" as const,
                    className: (r: { platform: string | null; best: number }) =>
                      r.platform !== null && side.latency[r.platform]?.[m.id] === r.best ? "tabular-nums font-semibold text-emerald-700" : "tabular-nums",
                    cell: (r: { f: ((m: ModelsSideBySide["models"][number]) => string) | null; platform: string | null; best: number }) => {
                      if (r.f) return r.f(m);
                      const v = side.latency[r.platform!]?.[m.id];
                      const grade = side.grades[r.platform!]?.[m.id];
                      return (
                        <>
                          {v === undefined ? "—" : `${fmtMs(v)} ms`}
                          {grade && grade !== "clean" && (
                            <span className="ml-1">
                              <GradeBadge grade={grade} />
                            </span>
                          )}
                          {v !== undefined && grade === "clean" && Number.isFinite(r.best) && v !== r.best && (
                            <span className="ml-1 text-xs text-slate-500">{(v / r.best).toFixed(2)}×</span>
                          )}
                        </>
                      );
                    },
                  })),
                ]}
              />
            </div>
          ) : (
            !side && (
              <p className="text-sm text-slate-500">
                Enter two or more model ids (the number in a model page&apos;s address), or use “Compare with…” on a model page.
              </p>
            )
          )}
        </Card>

        <Card title="Platforms side by side" description="The same models on two platforms: each point is one model measured on both.">
          <form method="get" action="/compare" className="mb-4 flex flex-wrap items-end gap-3" aria-label="Platforms to compare">
            {Object.entries(sp)
              .filter(([k]) => !["a", "b", "pbatch"].includes(k))
              .map(([k, v]) => (
                <input key={k} type="hidden" name={k} value={v} />
              ))}
            {(["a", "b"] as const).map((k) => (
              <div key={k}>
                <label htmlFor={`c-${k}`} className="text-sm font-medium text-slate-700">
                  Platform {k.toUpperCase()}
                </label>
                <select id={`c-${k}`} name={k} defaultValue={(k === "a" ? a : b) ?? ""} className={select}>
                  {platforms.map((p) => (
                    <option key={p.slug} value={p.slug}>
                      {p.slug}
                    </option>
                  ))}
                </select>
              </div>
            ))}
            <div>
              <label htmlFor="c-pbatch" className="text-sm font-medium text-slate-700">
                Batch
              </label>
              <input
                id="c-pbatch"
                name="pbatch"
                type="number"
                min={1}
                max={1024}
                defaultValue={pair?.batch ?? 1}
                className={`${select} w-20`}
              />
            </div>
            <button type="submit" className="rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500">
              Compare platforms
            </button>
          </form>
          {!pair || pair.total === 0 ? (
            <p className="text-sm text-slate-500">No models are measured on both platforms{pair ? ` at batch ${pair.batch}` : ""} yet.</p>
          ) : (
            <div className="grid gap-6 lg:grid-cols-[1fr_18rem]">
              <PlatformPairChart data={pair} labels={labels} />
              <div className="text-sm">
                <p className="mb-2">
                  Over {pair.total.toLocaleString("en")} shared models, {pair.b} takes <strong>{pair.geoMeanRatio!.toFixed(2)}×</strong> the
                  time of {pair.a} (geometric mean).
                </p>
                <Table
                  data-testid="platform-ratios"
                  density="tight"
                  size="xs"
                  headClassName="text-slate-500"
                  rows={pair.ratios}
                  rowKey={(r) => r.family}
                  columns={[
                    { header: "Family", cell: (r) => r.label },
                    { header: "Models", align: "right", className: "tabular-nums", cell: (r) => r.n },
                    { header: "Median B/A", align: "right", className: "tabular-nums", cell: (r) => `${r.medianRatio.toFixed(2)}×` },
                  ]}
                />
              </div>
            </div>
          )}
        </Card>
      </div>
    </main>
  );
}

function ResidualTable({ data }: { data: CompareData }) {
  if (!data.residuals.length) return null;
  const span = Math.max(10, ...data.residuals.flatMap((r) => [Math.abs(r.p10Pct), Math.abs(r.p90Pct)]));
  const x = (v: number) => 50 + (v / span) * 50;
  return (
    <Table
      data-testid="residuals"
      density="compact"
      headClassName="text-xs text-slate-500"
      caption="Residuals by family: (predicted − measured) / measured"
      captionClassName="mb-1 text-left text-sm font-medium text-slate-700"
      rows={data.residuals}
      rowKey={(r) => r.family}
      columns={[
        { header: "Family", cell: (r) => r.label },
        { header: "Models", align: "right", className: "tabular-nums", cell: (r) => r.n },
        {
          header: "MAPE",
          align: "right",
          className: (r) => `tabular-nums ${r.mape > 10 ? "text-red-700" : ""}`,
          cell: (r) => `${r.mape.toFixed(1)}%`,
        },
        {
          header: "Median",
          align: "right",
          className: "tabular-nums",
          cell: (r) => (
            <>
              {r.medianPct > 0 ? "+" : ""}
              {r.medianPct.toFixed(1)}%
            </>
          ),
        },
        {
          header: <>p10 – p90 (±{span.toFixed(0)}%)</>,
          headerClassName: "w-1/3",
          cell: (r) => (
            <div
              className="relative h-3 rounded bg-slate-100"
              aria-label={`p10 ${r.p10Pct.toFixed(1)}%, median ${r.medianPct.toFixed(1)}%, p90 ${r.p90Pct.toFixed(1)}%`}
            >
              <span className="absolute top-0 h-3 w-px bg-slate-400" style={{ left: "50%" }} />
              <span
                className="absolute top-0.5 h-2 rounded bg-indigo-300"
                style={{ left: `${x(r.p10Pct)}%`, width: `${Math.max(0.5, x(r.p90Pct) - x(r.p10Pct))}%` }}
              />
              <span className="absolute top-0 h-3 w-0.5 bg-indigo-700" style={{ left: `${x(r.medianPct)}%` }} />
            </div>
          ),
        },
      ]}
    />
  );
}
