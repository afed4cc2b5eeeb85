import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { isNnlqError } from "@/lib/errors";
import { pageCaller, teamQuota } from "@/lib/services/pages";
import { Alert, Badge, Card, PageHeader, formatDate } from "@/components/ui";
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
          <table className="w-full text-left text-sm" data-testid="quota-table">
            <thead className="text-xs text-slate-500 uppercase">
              <tr>
                <th className="py-2 pr-3">Platform</th>
                <th className="py-2 pr-3 text-right">Quota</th>
                <th className="py-2 pr-3 text-right">Used</th>
                <th className="py-2 pr-3 text-right">Remaining</th>
                <th className="w-1/4 py-2" />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {page.lines.map((l) => {
                const frac = l.quotaSeconds ? Math.min(1, l.usedSeconds / l.quotaSeconds) : 0;
                return (
                  <tr key={l.platform} data-testid={`quota-${l.platform}`}>
                    <td className="py-2 pr-3">
                      <span className="font-mono text-xs">{l.platform}</span>
                      <span className="block text-xs text-slate-500">{l.name}</span>
                    </td>
                    <td className="py-2 pr-3 text-right tabular-nums" data-testid="quota-seconds">
                      {l.quotaSeconds === null ? <Badge>none</Badge> : secs(l.quotaSeconds)}
                    </td>
                    <td className="py-2 pr-3 text-right tabular-nums">{secs(l.usedSeconds)}</td>
                    <td className="py-2 pr-3 text-right tabular-nums">{secs(l.remainingSeconds)}</td>
                    <td className="py-2">
                      {l.quotaSeconds !== null && (
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
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
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
            <table className="mt-4 w-full text-left text-xs" data-testid="usage-by-month">
              <caption className="mb-1 text-left text-sm font-medium text-slate-700">By month</caption>
              <thead className="text-slate-500">
                <tr>
                  <th className="py-1 pr-2">Month</th>
                  <th className="py-1 pr-2">Platform</th>
                  <th className="py-1 text-right">Used</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {page.monthly.map((m) => (
                  <tr key={`${m.month}-${m.platform}`}>
                    <td className="py-1 pr-2">{m.month}</td>
                    <td className="py-1 pr-2 font-mono">{m.platform}</td>
                    <td className="py-1 text-right tabular-nums">{secs(m.seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        <Card title="Ledger" description={`Every change to the team's spending in ${page.month}, newest first (at most 200).`}>
          {page.ledger.length === 0 ? (
            <p className="text-sm text-slate-500">No entries.</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="ledger">
                <thead className="text-xs text-slate-500 uppercase">
                  <tr>
                    <th className="py-2 pr-3">Time</th>
                    <th className="py-2 pr-3">Platform</th>
                    <th className="py-2 pr-3">Kind</th>
                    <th className="py-2 pr-3 text-right">Δ seconds</th>
                    <th className="py-2">Note</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {page.ledger.map((l) => (
                    <tr key={l.id}>
                      <td className="py-1.5 pr-3 text-xs whitespace-nowrap text-slate-600">{formatDate(l.at)}</td>
                      <td className="py-1.5 pr-3 font-mono text-xs">{l.platform}</td>
                      <td className="py-1.5 pr-3">
                        <Badge
                          tone={l.kind === "reserve" ? "amber" : l.kind === "refund" ? "emerald" : l.kind === "settle" ? "indigo" : "slate"}
                        >
                          {l.kind}
                        </Badge>
                      </td>
                      <td className={`py-1.5 pr-3 text-right tabular-nums ${l.deltaSeconds < 0 ? "text-emerald-700" : ""}`}>
                        {l.deltaSeconds > 0 ? "+" : ""}
                        {l.deltaSeconds.toFixed(1)}
                      </td>
                      <td className="py-1.5 text-xs text-slate-600">
                        {l.jobId !== null && (
                          <Link href="/jobs" className="text-indigo-700 hover:underline">
                            job {l.jobId}
                          </Link>
                        )}{" "}
                        {l.note}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </main>
  );
}
