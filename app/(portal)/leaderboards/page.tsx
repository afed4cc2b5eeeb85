import Link from "next/link";
import { familyLabel } from "@/lib/services/portal";
import { publicLeaderboards, publicPlatforms, publicPredictorBoard } from "@/lib/services/portal-cached";
import { leaderboardQuery } from "@/lib/api/schemas/portal";
import { ALL_FAMILIES } from "@/lib/onnx/families";
import { Alert, Card, PageHeader } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { fmtCount, fmtMs } from "@/components/latency/format";
import { ParetoChart } from "@/components/portal/pareto-chart";
import { CopyButton } from "@/components/portal/copy-button";
import { GradeBadge, QualityNotice } from "@/components/portal/quality";
import { hrefWith, parsePageParams, type SearchParams } from "@/components/portal/search-params";

export const metadata = { title: "Leaderboards — nnlq" };

const select = "mt-1 block rounded-md px-2.5 py-1.5 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600 focus:outline-none";

export default async function LeaderboardsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const { params, errors } = parsePageParams(leaderboardQuery, sp);
  const { platforms, defaultSlug } = await publicPlatforms();
  const board = await publicLeaderboards({ ...params, platform: params.platform ?? defaultSlug ?? undefined });
  const predictors = await publicPredictorBoard(typeof sp.split === "string" ? sp.split : undefined);
  const labels = Object.fromEntries(ALL_FAMILIES.map((f) => [f, familyLabel(f)]));
  const families = [...new Set([...board.fastest, ...board.notRanked].map((f) => f.family))];
  const current = {
    platform: board.platform ?? undefined,
    batch: params.batch,
    perFamily: params.perFamily,
    quality: params.quality === "all" ? "all" : undefined,
  };

  return (
    <main className="mx-auto max-w-7xl px-4 py-10">
      <PageHeader
        title="Leaderboards"
        subtitle="Fastest architectures per family, the latency/FLOPs frontier, platforms and predictors ranked — on public measurements."
      >
        <form method="get" action="/leaderboards" className="flex flex-wrap items-end gap-3" aria-label="Leaderboard settings">
          <div>
            <label htmlFor="lb-platform" className="text-sm font-medium text-slate-700">
              Platform
            </label>
            <select id="lb-platform" name="platform" defaultValue={board.platform ?? ""} className={select}>
              {platforms.map((p) => (
                <option key={p.slug} value={p.slug}>
                  {p.slug}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="lb-batch" className="text-sm font-medium text-slate-700">
              Batch
            </label>
            <input id="lb-batch" name="batch" type="number" min={1} max={1024} defaultValue={params.batch} className={`${select} w-20`} />
          </div>
          {params.quality === "all" && <input type="hidden" name="quality" value="all" />}
          <button type="submit" className="rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500">
            Show
          </button>
        </form>
      </PageHeader>
      <QualityNotice quality={board.quality} hrefOf={(q) => hrefWith("/leaderboards", current, { quality: q })} />
      {errors.length > 0 && (
        <div className="mb-4">
          <Alert>Some settings were ignored: {errors.join("; ")}</Alert>
        </div>
      )}

      <div className="space-y-6">
        <Card
          title={`Fastest per family on ${board.platform ?? "—"}, batch ${board.batch}`}
          description={
            board.quality === "all"
              ? "Median latency of the newest clean measurement, ranked; estimated, contended and legacy rows follow each list, marked and unranked."
              : "Median latency of the newest clean measurement."
          }
        >
          {families.length === 0 ? (
            <p className="text-sm text-slate-500" data-testid="fastest-empty">
              Nothing measured on this platform at batch {board.batch} yet.
            </p>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="fastest-per-family">
              {families.map((f) => (
                <section key={f} aria-label={`Fastest ${labels[f] ?? f}`} className="rounded-md ring-1 ring-slate-200">
                  <h3 className="border-b border-slate-100 px-3 py-2 text-sm font-semibold">{labels[f] ?? f}</h3>
                  <ol className="divide-y divide-slate-100 text-sm">
                    {board.fastest
                      .filter((r) => r.family === f)
                      .map((r) => (
                        <li key={r.id} className="flex items-baseline gap-2 px-3 py-1.5">
                          <span className="w-4 text-xs text-slate-400">{r.rank}</span>
                          <span className="group flex min-w-0 flex-1 items-center gap-1.5">
                            <Link href={`/models/${r.id}`} className="truncate text-indigo-700 hover:underline" title={r.name}>
                              {r.name}
                            </Link>
                            <CopyButton
                              text={r.name}
                              tone="light"
                              ariaLabel={`Copy the name ${r.name}`}
                              className="opacity-0 group-hover:opacity-100 focus-visible:opacity-100"
                            />
                          </span>
                          <span className="text-xs text-slate-500 tabular-nums">
                            {fmtCount(r.flops)}FLOPs · {fmtCount(r.params)} params
                          </span>
                          <span className="w-20 text-right font-medium tabular-nums">{fmtMs(r.medianMs)} ms</span>
                        </li>
                      ))}
                    {board.notRanked
                      .filter((r) => r.family === f)
                      .map((r) => (
                        <li key={`u${r.id}`} className="flex items-baseline gap-2 bg-slate-50 px-3 py-1.5" data-testid="not-ranked" data-grade={r.grade}>
                          <span className="w-4 text-xs text-slate-400" title="not ranked: not a clean measurement">
                            –
                          </span>
                          <span className="flex min-w-0 flex-1 items-center gap-1.5">
                            <Link href={`/models/${r.id}`} className="truncate text-slate-600 hover:underline" title={r.name}>
                              {r.name}
                            </Link>
                            <GradeBadge grade={r.grade} />
                          </span>
                          <span className="w-20 text-right tabular-nums text-slate-500">{fmtMs(r.medianMs)} ms</span>
                        </li>
                      ))}
                  </ol>
                </section>
              ))}
            </div>
          )}
        </Card>

        <Card
          title="Latency vs FLOPs"
          description={`${board.sampleTotal.toLocaleString("en")} models (${board.sample.length.toLocaleString("en")} drawn). Pareto ` +
            `front (line, clean measurements only): models no faster model beats on FLOPs — the most compute per millisecond on this platform. ` +
            `Click a point to open the model.`}
        >
          {board.sampleTotal === 0 ? (
            <p className="text-sm text-slate-500">No data.</p>
          ) : (
            <>
              <ParetoChart sample={board.sample} front={board.paretoFront} labels={labels} />
              <details className="mt-3 text-sm">
                <summary className="cursor-pointer text-slate-700">Pareto-front models ({board.paretoFront.length})</summary>
                <Table
                  className="mt-2"
                  data-testid="pareto-front"
                  density="tight"
                  size="xs"
                  headClassName="text-slate-500"
                  rows={board.paretoFront.slice(0, 200)}
                  rowKey={(p) => p.id}
                  columns={[
                    {
                      header: "Model",
                      cell: (p) => (
                        <Link href={`/models/${p.id}`} className="text-indigo-700 hover:underline" title={p.name}>
                          {p.name}
                        </Link>
                      ),
                    },
                    { header: "Family", cell: (p) => labels[p.family] ?? p.family },
                    { header: "FLOPs", align: "right", className: "tabular-nums", cell: (p) => fmtCount(p.flops) },
                    { header: "Latency", align: "right", className: "tabular-nums", cell: (p) => `${fmtMs(p.medianMs)} ms` },
                  ]}
                />
              </details>
            </>
          )}
        </Card>

        <Card
          title="Platforms ranked"
          description={`Against ${board.platform ?? "—"} on its ${board.referenceModels} reference models (batch ${board.batch}, clean measurements only): ` +
            `geometric mean of the latency ratio over the models each platform also measured (n). A platform is ranked only when it shares at least ${board.minSharedModels} models with ${board.platform ?? "the reference"}.`}
        >
          {board.platforms.length === 0 ? (
            <p className="text-sm text-slate-500" data-testid="platform-ranking-empty">
              No platform shares at least {board.minSharedModels} measured models with {board.platform ?? "this platform"} at batch{" "}
              {board.batch} yet.
            </p>
          ) : (
            <Table
              data-testid="platform-ranking"
              rows={board.platforms}
              rowKey={(p) => p.platform}
              columns={[
                { header: "#", className: "text-slate-500", cell: (_p, i) => i + 1 },
                {
                  header: "Platform",
                  cell: (p) => (
                    <>
                      <Link
                        href={hrefWith("/leaderboards", current, { platform: p.platform })}
                        className="font-mono text-xs text-indigo-700 hover:underline"
                      >
                        {p.platform}
                      </Link>
                      <span className="block text-xs text-slate-500">{p.name}</span>
                    </>
                  ),
                },
                {
                  header: "Relative latency",
                  align: "right",
                  className: "font-medium tabular-nums",
                  cell: (p) => `${p.relative.toFixed(2)}×`,
                },
                { header: "Geo-mean", align: "right", className: "tabular-nums", cell: (p) => `${fmtMs(p.geoMeanMs)} ms` },
                {
                  header: "Shared models (n)",
                  headerTitle: "Models measured on both this platform and the reference",
                  align: "right",
                  className: "tabular-nums",
                  cellProps: () => ({ "data-testid": "shared-models" }),
                  cell: (p) => p.models,
                },
              ]}
            />
          )}
          {board.unranked.length > 0 && (
            <p className="mt-3 text-xs text-slate-500" data-testid="platforms-unranked">
              Not ranked (fewer than {board.minSharedModels} shared models):{" "}
              {board.unranked.map((u, i) => (
                <span key={u.platform}>
                  {i > 0 && ", "}
                  <span className="font-mono">{u.platform}</span> (n = {u.models})
                </span>
              ))}
              .
            </p>
          )}
        </Card>

        <Card
          title="Predictors ranked"
          description={
            predictors.source
              ? `Per platform by Acc@10% (share within ±10%), then MAPE, on the ${predictors.split} split ` +
                `(${predictors.source}${predictors.generatedAt ? `, ${predictors.generatedAt.slice(0, 10)}` : ""}). ` +
                "±2σ holds: the share of measured values inside the calibrated interval (goal 90–98%; per platform on /predictors)."
              : undefined
          }
        >
          {!predictors.source ? (
            <p className="text-sm text-slate-500" data-testid="predictors-empty">
              No predictor has been evaluated yet. Once the predictors are trained on the measured database, their accuracy per platform
              appears here, next to the baselines from the literature.
            </p>
          ) : (
            <div className="space-y-4" data-testid="predictor-ranking">
              {predictors.splits.length > 1 && (
                <nav aria-label="Evaluation split" className="flex flex-wrap gap-2 text-xs">
                  {predictors.splits.map((s) => (
                    <Link
                      key={s}
                      href={hrefWith("/leaderboards", current, { split: s })}
                      className={`rounded-full px-2.5 py-1 ring-1 ${s === predictors.split ? "bg-indigo-600 text-white ring-indigo-600" : "ring-slate-300 hover:bg-slate-50"}`}
                    >
                      {s}
                    </Link>
                  ))}
                </nav>
              )}
              <div className="grid gap-4 lg:grid-cols-2">
                {Object.entries(predictors.byPlatform).map(([platform, rows]) => (
                  <Table
                    key={platform}
                    density="tight"
                    headClassName="text-xs text-slate-500"
                    caption={platform}
                    captionClassName="mb-1 text-left font-mono text-xs text-slate-600"
                    rows={rows}
                    rowKey={(r) => r.method}
                    columns={[
                      { header: "#", className: "text-slate-500", cell: (_r, i) => i + 1 },
                      { header: "Method", cell: (r) => r.method },
                      {
                        header: "Acc@10%",
                        align: "right",
                        className: "tabular-nums",
                        cell: (r) => (r.acc10 === null ? "—" : `${r.acc10.toFixed(1)}%`),
                      },
                      {
                        header: "Acc@5%",
                        align: "right",
                        className: "tabular-nums",
                        cell: (r) => (r.acc5 === null ? "—" : `${r.acc5.toFixed(1)}%`),
                      },
                      { header: "MAPE", align: "right", className: "tabular-nums", cell: (r) => `${r.mape.toFixed(2)}%` },
                      {
                        header: "±2σ holds",
                        align: "right",
                        className: "tabular-nums",
                        cell: (r) => (r.coverage === null ? "—" : `${r.coverage.toFixed(0)}%`),
                      },
                    ]}
                  />
                ))}
              </div>
            </div>
          )}
        </Card>
      </div>
    </main>
  );
}
