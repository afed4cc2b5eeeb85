import Link from "next/link";
import { notFound } from "next/navigation";
import { NnlqError } from "@/lib/errors";
import { browseForCaller, pageCaller } from "@/lib/services/pages";
import { familyLabel } from "@/lib/services/portal";
import { publicBrowse, publicMatrix, publicPlatforms } from "@/lib/services/portal-cached";
import { BROWSE_SORTS, browseQuery, type BrowseResponse } from "@/lib/api/schemas/portal";
import { ALL_FAMILIES } from "@/lib/onnx/families";
import { Alert, Badge, Card, PageHeader } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { fmtCount, fmtMs } from "@/components/latency/format";
import { MatrixTable } from "@/components/portal/matrix-table";
import { CopyButton } from "@/components/portal/copy-button";
import { QualityCell, QualityNotice } from "@/components/portal/quality";
import { flatParams, hrefWith, parsePageParams, type SearchParams } from "@/components/portal/search-params";

export const metadata = { title: "Browse measurements — nnlq" };

const SORT_LABEL: Record<(typeof BROWSE_SORTS)[number], string> = { latency: "Median latency", flops: "FLOPs", params: "Parameters" };
const input =
  "mt-1 block w-full rounded-md px-2.5 py-1.5 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600 focus:outline-none";

export default async function BrowsePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const { params, errors } = parsePageParams(browseQuery, sp);
  const raw = flatParams(sp);
  const current: Record<string, string> = { ...raw };
  delete current.cursor;

  // public visitors share the cached answer; "my teams" reads the session (private, not cached)
  let result: BrowseResponse;
  let scopeError: string | null = null;
  const { platforms, defaultSlug } = await publicPlatforms();
  if (params.platform && !platforms.some((p) => p.slug === params.platform)) {
    errors.push(`platform: no platform '${params.platform}' (showing ${defaultSlug ?? "none"})`);
    delete params.platform;
    delete current.platform;
  }
  try {
    if (params.scope === "team") {
      const me = await pageCaller();
      if (!me) {
        scopeError = "Sign in to browse your teams' private models.";
        result = { platform: null, quality: params.quality, items: [], total: 0, totalCapped: false, nextCursor: null };
      } else {
        result = await browseForCaller(me, { ...params, platform: params.platform ?? defaultSlug ?? undefined });
      }
    } else {
      result = await publicBrowse({ ...params, platform: params.platform ?? defaultSlug ?? undefined });
    }
  } catch (e) {
    // a stale or foreign `cursor` (another sort order, or not a cursor): the API answers 400; the page
    // answers 404 with browse/not-found.tsx, which explains it and links to the first page
    if (params.cursor && e instanceof NnlqError && e.code === "VALIDATION") notFound();
    throw e;
  }
  const matrixBatch = params.batch ?? 1;
  const matrix = await publicMatrix(matrixBatch, params.quality);
  const platform = result.platform ?? defaultSlug ?? "";

  const sortHref = (key: string) =>
    hrefWith("/browse", current, { sort: key, dir: params.sort === key && params.dir === "asc" ? "desc" : "asc" });
  const ariaSort = (key: string) => (params.sort === key ? (params.dir === "asc" ? "ascending" : "descending") : "none");

  return (
    <main className="mx-auto max-w-7xl px-4 py-10">
      <PageHeader
        title="Browse measurements"
        subtitle={
          <>
            The newest measured latency of every model on every platform. Anonymous visitors see public results;{" "}
            <Link href={hrefWith("/browse", current, { scope: "team" })} className="text-indigo-700 hover:underline">
              your teams&apos; private models
            </Link>{" "}
            need a sign-in.
          </>
        }
      />
      {errors.length > 0 && (
        <div className="mb-4">
          <Alert>Some filters were ignored: {errors.join("; ")}</Alert>
        </div>
      )}
      <QualityNotice quality={params.quality} hrefOf={(q) => hrefWith("/browse", current, { quality: q })} />
      {scopeError && (
        <div className="mb-4">
          <Alert kind="info">
            {scopeError}{" "}
            <Link className="underline" href={`/signin?callbackUrl=${encodeURIComponent(hrefWith("/browse", current, {}))}`}>
              Sign in
            </Link>
          </Alert>
        </div>
      )}

      <div className="grid gap-6 lg:grid-cols-[17rem_1fr]">
        <form
          method="get"
          action="/browse"
          className="space-y-3 self-start rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
          aria-label="Filters"
        >
          <div>
            <label htmlFor="f-platform" className="text-sm font-medium text-slate-700">
              Platform
            </label>
            <select id="f-platform" name="platform" defaultValue={platform} className={input}>
              {platforms.map((p) => (
                <option key={p.slug} value={p.slug}>
                  {p.slug} ({p.count})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="f-family" className="text-sm font-medium text-slate-700">
              Family
            </label>
            <select id="f-family" name="family" defaultValue={params.family ?? ""} className={input}>
              <option value="">All families</option>
              {ALL_FAMILIES.map((f) => (
                <option key={f} value={f}>
                  {familyLabel(f)}
                </option>
              ))}
            </select>
          </div>
          <div className="grid grid-cols-2 gap-2">
            <div>
              <label htmlFor="f-batch" className="text-sm font-medium text-slate-700">
                Batch
              </label>
              <input
                id="f-batch"
                name="batch"
                type="number"
                min={1}
                max={1024}
                defaultValue={params.batch ?? ""}
                placeholder="any"
                className={input}
              />
            </div>
            <div>
              <label htmlFor="f-source" className="text-sm font-medium text-slate-700">
                Source
              </label>
              <select id="f-source" name="source" defaultValue={params.source ?? ""} className={input}>
                <option value="">Any</option>
                <option value="zoo">Zoo</option>
                <option value="upload">Upload</option>
                <option value="api">API</option>
              </select>
            </div>
          </div>
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">FLOPs (e.g. 300M, 4G)</legend>
            <div className="grid grid-cols-2 gap-2">
              <input aria-label="Minimum FLOPs" name="flopsMin" defaultValue={raw.flopsMin ?? ""} placeholder="min" className={input} />
              <input aria-label="Maximum FLOPs" name="flopsMax" defaultValue={raw.flopsMax ?? ""} placeholder="max" className={input} />
            </div>
          </fieldset>
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">Median latency (ms)</legend>
            <div className="grid grid-cols-2 gap-2">
              <input
                aria-label="Minimum latency (ms)"
                name="latencyMin"
                defaultValue={raw.latencyMin ?? ""}
                placeholder="min"
                className={input}
              />
              <input
                aria-label="Maximum latency (ms)"
                name="latencyMax"
                defaultValue={raw.latencyMax ?? ""}
                placeholder="max"
                className={input}
              />
            </div>
          </fieldset>
          <div className="grid grid-cols-2 gap-2">
            <div>
              <label htmlFor="f-sort" className="text-sm font-medium text-slate-700">
                Sort by
              </label>
              <select id="f-sort" name="sort" defaultValue={params.sort} className={input}>
                {BROWSE_SORTS.map((s) => (
                  <option key={s} value={s}>
                    {SORT_LABEL[s]}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="f-dir" className="text-sm font-medium text-slate-700">
                Order
              </label>
              <select id="f-dir" name="dir" defaultValue={params.dir} className={input}>
                <option value="asc">Ascending</option>
                <option value="desc">Descending</option>
              </select>
            </div>
          </div>
          {params.scope === "team" && <input type="hidden" name="scope" value="team" />}
          {params.quality === "all" && <input type="hidden" name="quality" value="all" />}
          <div className="flex gap-2 pt-1">
            <button
              type="submit"
              className={[
                "rounded-md bg-indigo-600 px-3.5 py-2 text-sm",
                "font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
              ].join(" ")}
            >
              Apply filters
            </button>
            <Link href="/browse" className="rounded-md px-3 py-2 text-sm text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50">
              Reset
            </Link>
          </div>
        </form>

        <div className="min-w-0 space-y-6">
          <Card
            title={result.platform ? `Results on ${result.platform}` : "Results"}
            description={
              result.total
                ? `${result.totalCapped ? "More than " : ""}${result.total.toLocaleString("en")} ${params.scope === "team" ? "of your teams' " : ""}${result.quality === "clean" ? "clean " : ""}results match. Median of the timed runs, newest clean measurement per model and batch size (else the newest).`
                : undefined
            }
          >
            {result.items.length === 0 ? (
              <p className="py-6 text-center text-sm text-slate-500" data-testid="browse-empty">
                No measurements match these filters.{" "}
                <Link href="/query" className="text-indigo-700 hover:underline">
                  Query a model
                </Link>{" "}
                to measure it.
              </p>
            ) : (
              <div className="overflow-x-auto">
                <Table
                  data-testid="browse-table"
                  scopeCols
                  rows={result.items}
                  rowKey={(r) => `${r.model.id}-${r.batch}`}
                  rowProps={(r) => ({
                    "data-testid": "browse-row",
                    "data-family": r.model.family,
                    "data-median": r.medianMs,
                    "data-grade": r.quality.grade,
                  })}
                  columns={[
                    {
                      header: "Model",
                      className: "max-w-[20rem]",
                      cell: (r) => (
                        <span className="group flex min-w-0 items-center gap-1.5">
                          <Link
                            href={`/models/${r.model.id}`}
                            className="truncate font-medium text-indigo-700 hover:underline"
                            title={r.model.name}
                          >
                            {r.model.name}
                          </Link>
                          {r.model.visibility === "private" && <Badge tone="amber">private</Badge>}
                          <CopyButton
                            text={r.model.name}
                            tone="light"
                            ariaLabel={`Copy the name ${r.model.name}`}
                            className="opacity-0 group-hover:opacity-100 focus-visible:opacity-100"
                          />
                        </span>
                      ),
                    },
                    { header: "Family", className: "whitespace-nowrap", cell: (r) => familyLabel(r.model.family) },
                    { header: "Batch", align: "right", className: "tabular-nums", cell: (r) => r.batch },
                    ...(["flops", "params", "latency"] as const).map((k) => ({
                      key: k,
                      header: (
                        <Link href={sortHref(k)} className="hover:text-slate-900" data-testid={`sort-${k}`}>
                          {SORT_LABEL[k]}
                          {params.sort === k ? (params.dir === "asc" ? " ↑" : " ↓") : ""}
                        </Link>
                      ),
                      headerProps: { "aria-sort": ariaSort(k) } as const,
                      align: "right" as const,
                      className: k === "latency" ? "font-medium whitespace-nowrap tabular-nums" : "whitespace-nowrap tabular-nums",
                      cell: (r: (typeof result.items)[number]) =>
                        k === "flops" ? fmtCount(r.model.flops) : k === "params" ? fmtCount(r.model.params) : `${fmtMs(r.medianMs)} ms`,
                    })),
                    {
                      header: "Quality",
                      headerTitle: "Grade of the shown measurement, its clean runs / all runs, confidence interval, wall/CPU ratio and interference",
                      cell: (r) => <QualityCell quality={r.quality} />,
                    },
                    {
                      header: "Measurements",
                      headerTitle: "Stored measurements of this model on this platform and batch size (each one a set of timed runs)",
                      align: "right",
                      className: "tabular-nums text-slate-500",
                      cell: (r) => r.measurementCount,
                    },
                  ]}
                />
              </div>
            )}
            <nav aria-label="Pages" className="mt-4 flex justify-between text-sm">
              {params.cursor ? (
                <Link href={hrefWith("/browse", current, {})} className="text-indigo-700 hover:underline">
                  ← First page
                </Link>
              ) : (
                <span />
              )}
              {result.nextCursor && (
                <Link
                  href={hrefWith("/browse", current, { cursor: result.nextCursor })}
                  className="text-indigo-700 hover:underline"
                  data-testid="next-page"
                >
                  Next page →
                </Link>
              )}
            </nav>
          </Card>

          <Card
            title={`Platform × family at batch ${matrix.batch}`}
            description={`${matrix.totals.models.toLocaleString("en")} public models, ${matrix.totals.results.toLocaleString("en")} newest results. Each cell: models measured · median of their median latencies. Click a cell to browse it.`}
          >
            <MatrixTable
              data={matrix}
              browseHref={(p, f) => hrefWith("/browse", {}, { platform: p, family: f, batch: matrix.batch })}
            />
          </Card>
        </div>
      </div>
    </main>
  );
}
