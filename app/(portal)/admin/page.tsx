import Link from "next/link";
import { redirect } from "next/navigation";
import { isNnlqError } from "@/lib/errors";
import { adminPageData, pageCaller, thisMonth } from "@/lib/services/pages";
import { Alert, Card, PageHeader, formatDate } from "@/components/ui";
import { StateBadge } from "@/components/latency/format";
import { DeviceToggle, QuotaForm, WorkerTokens } from "@/components/portal/admin-panels";

export const metadata = { title: "Site administration — nnlq" };
export const dynamic = "force-dynamic"; // site admins only

const secs = (s: number | null) => (s === null ? "—" : `${s.toFixed(0)} s`);

export default async function AdminPage({ searchParams }: { searchParams: Promise<{ team?: string; month?: string }> }) {
  const sp = await searchParams;
  const me = await pageCaller();
  if (!me) redirect("/signin?callbackUrl=/admin");
  const month = sp.month && /^\d{4}-(0[1-9]|1[0-2])$/.test(sp.month) ? sp.month : thisMonth();
  let o;
  try {
    o = await adminPageData(me, month);
  } catch (e) {
    if (isNnlqError(e) && e.code === "FORBIDDEN") {
      return (
        <main className="mx-auto max-w-4xl px-4 py-10">
          <Alert>{e.message}.</Alert>
        </main>
      );
    }
    throw e;
  }
  const slugs = o.platforms.filter((p) => p.active).map((p) => p.slug);
  const current = Object.fromEntries(o.teams.map((t) => [t.id, Object.fromEntries(t.lines.map((l) => [l.platform, l.quotaSeconds]))]));
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <PageHeader
        title="Site administration"
        subtitle={`Team quotas (device-seconds per platform per month), devices and worker tokens. Showing ${month}.`}
      />
      <div className="space-y-6">
        <Card title="Set a team quota" description="Takes effect at once; reservations already made are kept.">
          <QuotaForm
            teams={o.teams.map((t) => ({ id: t.id, name: t.name }))}
            platforms={slugs}
            month={month}
            initialTeam={Number(sp.team) || undefined}
            current={current}
          />
        </Card>

        <Card title={`Teams in ${month}`}>
          {o.teams.length === 0 ? (
            <p className="text-sm text-slate-500">No teams yet.</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="admin-teams">
                <thead className="text-xs text-slate-500 uppercase">
                  <tr>
                    <th className="py-2 pr-3">Team</th>
                    <th className="py-2 pr-3 text-right">Members</th>
                    <th className="py-2">Quota / used per platform</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {o.teams.map((t) => (
                    <tr key={t.id} data-testid={`admin-team-${t.id}`}>
                      <td className="py-1.5 pr-3 align-top">
                        <Link href={`/teams/${t.id}/quota?month=${month}`} className="text-indigo-700 hover:underline">
                          {t.name}
                        </Link>
                      </td>
                      <td className="py-1.5 pr-3 text-right align-top tabular-nums">{t.members}</td>
                      <td className="py-1.5 text-xs">
                        {t.lines.length === 0
                          ? "—"
                          : t.lines.map((l) => (
                              <div key={l.platform}>
                                <span className="font-mono">{l.platform}</span>: {secs(l.quotaSeconds)} / {secs(l.usedSeconds)} used
                              </div>
                            ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Card
          title="Devices"
          description="Worker hosts per platform. Disable one to take it out of service (its running job goes back to the queue); revoking the worker token that registered devices disables them all."
        >
          {o.devices.length === 0 ? (
            <p className="text-sm text-slate-500">No device has registered yet: start a worker with a worker token (npm run worker).</p>
          ) : (
            <table className="w-full text-left text-sm" data-testid="admin-devices">
              <thead className="text-xs text-slate-500 uppercase">
                <tr>
                  <th className="py-2 pr-3">Platform</th>
                  <th className="py-2 pr-3">Host</th>
                  <th className="py-2 pr-3">Status</th>
                  <th className="py-2 pr-3">CPU</th>
                  <th className="py-2 pr-3">Last heartbeat</th>
                  <th className="py-2" />
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {o.devices.map((d) => (
                  <tr key={d.id} data-testid={`admin-device-${d.id}`}>
                    <td className="py-1.5 pr-3 font-mono text-xs">{d.platform}</td>
                    <td className="py-1.5 pr-3">{d.hostName}</td>
                    <td className="py-1.5 pr-3">
                      <StateBadge state={d.status} />
                    </td>
                    <td className="py-1.5 pr-3 text-xs text-slate-600">
                      {typeof d.hostInfo?.cpuModel === "string" ? d.hostInfo.cpuModel : "—"}
                    </td>
                    <td className="py-1.5 pr-3 text-xs text-slate-600">{formatDate(d.lastHeartbeatAt)}</td>
                    <td className="py-1.5 text-right">
                      <DeviceToggle id={d.id} hostName={d.hostName} platform={d.platform} disabled={d.adminDisabledAt !== null} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        <Card title="Worker tokens" description="A worker host presents its token once, to register one device per platform it serves.">
          <WorkerTokens initial={o.tokens} />
        </Card>
      </div>
    </main>
  );
}
