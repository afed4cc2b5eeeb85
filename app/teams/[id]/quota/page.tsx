import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { isNnlqError } from "@/lib/errors";
import { pageCaller, teamQuota } from "@/lib/services/pages";
import { Alert, Badge, Card, PageHeader, formatDate } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { TeamUsageChart } from "@/components/portal/team-usage-chart";

export const metadata = { title: "Quota and usage — nnlq" };
export const dynamic = "force-dynamic"; // per-team page

const secs = (s: number | null) => (s === null ? "—" : s >= 3600 ? `${(s / 3600).toFixed(2)} h` : `${s.toFixed(1)} s`);

export default async function TeamQuotaPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ month?: string }>;
}) {
  const teamId = Number((await params).id);
  if (!Number.isInteger(teamId) || teamId <= 0) notFound();
  const { month } = await searchParams;
  const me = await pageCaller();
  if (!me) redirect(`/signin?callbackUrl=/teams/${teamId}/quota`);
  let page;
  try {
    page = await teamQuota(me, teamId, month && /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? month : undefined);
  } catch (e) {
    if (isNnlqError(e) && e.code === "NOT_FOUND") notFound();
    if (isNnlqError(e) && e.code === "FORBIDDEN") {
      return (
        <main className="mx-auto max-w-4xl px-4 py-10">
          <Alert>{e.message}.</Alert>
        </main>
      );
    }
    throw e;
  }
  const withQuota = page.lines.filter((l) => l.quotaSeconds !== null || l.usedSeconds !== 0);
  return (
    <main className="mx-auto max-w-5xl px-4 py-10">
      <p className="mb-2 text-sm">
        <Link href={`/teams/${teamId}`} className="text-slate-500 hover:text-slate-800">
          ← {page.team.name}
        </Link>
      </p>
      <PageHeader
        title="Quota and usage"
        subtitle={`Device-seconds per platform per month: a measurement reserves its estimate, settles to the time it used, and is refunded if it fails.`}
      >
        <form method="get" className="flex items-end gap-2" aria-label="Month">
          <div>
            <label htmlFor="q-month" className="text-sm font-medium text-slate-700">
              Month
            </label>
            <select
              id="q-month"
              name="month"
              defaultValue={page.month}
              className="mt-1 block rounded-md px-2.5 py-1.5 text-sm ring-1 ring-slate-300"
            >
              {page.months.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </div>
          <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
            Show
          </button>
        </form>
      </PageHeader>
      <div className="space-y-6">
        <Card
          title={`Quota in ${page.month}`}
          actions={
            page.canSetQuotas ? (
              <Link href={`/admin?team=${teamId}&month=${page.month}`} className="text-sm text-indigo-700 hover:underline">
                Set quotas (site admin)
              </Link>
            ) : undefined
          }
        >
          <Table
            data-testid="quota-table"
            density="roomy"
            rows={page.lines}
            rowKey={(l) => l.platform}
            rowProps={(l) => ({ "data-testid": `quota-${l.platform}` })}
            columns={[
              {
                header: "Platform",
                cell: (l) => (
                  <>
                    <span className="font-mono text-xs">{l.platform}</span>
                    <span className="block text-xs text-slate-500">{l.name}</span>
                  </>
                ),
              },
              {
                header: "Quota",
                align: "right",
                className: "tabular-nums",
                cellProps: () => ({ "data-testid": "quota-seconds" }),
                cell: (l) => (l.quotaSeconds === null ? <Badge>none</Badge> : secs(l.quotaSeconds)),
              },
              { header: "Used", align: "right", className: "tabular-nums", cell: (l) => secs(l.usedSeconds) },
              { header: "Remaining", align: "right", className: "tabular-nums", cell: (l) => secs(l.remainingSeconds) },
              {
                headerClassName: "w-1/4",
                cell: (l) => {
                  if (l.quotaSeconds === null) return null;
                  const frac = l.quotaSeconds ? Math.min(1, l.usedSeconds / l.quotaSeconds) : 0;
                  return (
                    <div
                      className="h-2 overflow-hidden rounded bg-slate-200"
                      role="progressbar"
                      aria-label={`${l.platform} quota used`}
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={Math.round(frac * 100)}
                    >
                      <div className={`h-full ${frac > 0.9 ? "bg-red-500" : "bg-indigo-500"}`} style={{ width: `${frac * 100}%` }} />
                    </div>
                  );
                },
              },
            ]}
          />
          {withQuota.length === 0 && (
            <p className="mt-3 text-sm text-slate-500">
              No quota this month: a site admin sets one per platform before the team can request measurements.
            </p>
          )}
        </Card>

        <Card
          title="Usage over the month"
          description="Cumulative device-seconds per platform (reservations, settlements and refunds netted per day)."
        >
          {page.daily.length === 0 ? (
            <p className="text-sm text-slate-500">Nothing spent in {page.month}.</p>
          ) : (
            <TeamUsageChart daily={page.daily} />
          )}
          {page.monthly.length > 0 && (
            <Table
              className="mt-4"
              data-testid="usage-by-month"
              density="tight"
              size="xs"
              headClassName="text-slate-500"
              caption="By month"
              captionClassName="mb-1 text-left text-sm font-medium text-slate-700"
              rows={page.monthly}
              rowKey={(m) => `${m.month}-${m.platform}`}
              columns={[
                { header: "Month", cell: (m) => m.month },
                { header: "Platform", className: "font-mono", cell: (m) => m.platform },
                { header: "Used", align: "right", className: "tabular-nums", cell: (m) => secs(m.seconds) },
              ]}
            />
          )}
        </Card>

        <Card title="Ledger" description={`Every change to the team's spending in ${page.month}, newest first (at most 200).`}>
          {page.ledger.length === 0 ? (
            <p className="text-sm text-slate-500">No entries.</p>
          ) : (
            <div className="overflow-x-auto">
              <Table
                data-testid="ledger"
                rows={page.ledger}
                rowKey={(l) => l.id}
                columns={[
                  { header: "Time", className: "text-xs whitespace-nowrap text-slate-600", cell: (l) => formatDate(l.at) },
                  { header: "Platform", className: "font-mono text-xs", cell: (l) => l.platform },
                  {
                    header: "Kind",
                    cell: (l) => (
                      <Badge
                        tone={l.kind === "reserve" ? "amber" : l.kind === "refund" ? "emerald" : l.kind === "settle" ? "indigo" : "slate"}
                      >
                        {l.kind}
                      </Badge>
                    ),
                  },
                  {
                    header: "Δ seconds",
                    align: "right",
                    className: (l) => `tabular-nums ${l.deltaSeconds < 0 ? "text-emerald-700" : ""}`,
                    cell: (l) => (
                      <>
                        {l.deltaSeconds > 0 ? "+" : ""}
                        {l.deltaSeconds.toFixed(1)}
                      </>
                    ),
                  },
                  {
                    header: "Note",
                    className: "text-xs text-slate-600",
                    cell: (l) => (
                      <>
                        {l.jobId !== null && (
                          <Link href="/jobs" className="text-indigo-700 hover:underline">
                            job {l.jobId}
                          </Link>
                        )}{" "}
                        {l.note}
                      </>
                    ),
                  },
                ]}
              />
            </div>
          )}
        </Card>
      </div>
    </main>
  );
}
