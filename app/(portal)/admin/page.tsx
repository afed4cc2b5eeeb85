import Link from "next/link";
import { redirect } from "next/navigation";
import { isNnlqError } from "@/lib/errors";
import { adminPageData, pageCaller, thisMonth } from "@/lib/services/pages";
import { Alert, Card, PageHeader, formatDate } from "@/components/ui";
import { Table } from "@/components/ui/table";
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
              <Table
                data-testid="admin-teams"
                rows={o.teams}
                rowKey={(t) => t.id}
                rowProps={(t) => ({ "data-testid": `admin-team-${t.id}` })}
                columns={[
                  {
                    header: "Team",
                    className: "align-top",
                    cell: (t) => (
                      <Link href={`/teams/${t.id}/quota?month=${month}`} className="text-indigo-700 hover:underline">
                        {t.name}
                      </Link>
                    ),
                  },
                  { header: "Members", align: "right", className: "align-top tabular-nums", cell: (t) => t.members },
                  {
                    header: "Quota / used per platform",
                    className: "text-xs",
                    cell: (t) =>
                      t.lines.length === 0
                        ? "—"
                        : t.lines.map((l) => (
                            <div key={l.platform}>
                              <span className="font-mono">{l.platform}</span>: {secs(l.quotaSeconds)} / {secs(l.usedSeconds)} used
                            </div>
                          )),
                  },
                ]}
              />
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
            <Table
              data-testid="admin-devices"
              rows={o.devices}
              rowKey={(d) => d.id}
              rowProps={(d) => ({ "data-testid": `admin-device-${d.id}` })}
              columns={[
                { header: "Platform", className: "font-mono text-xs", cell: (d) => d.platform },
                { header: "Host", cell: (d) => d.hostName },
                { header: "Status", cell: (d) => <StateBadge state={d.status} /> },
                {
                  header: "CPU",
                  className: "text-xs text-slate-600",
                  cell: (d) => (typeof d.hostInfo?.cpuModel === "string" ? d.hostInfo.cpuModel : "—"),
                },
                { header: "Last heartbeat", className: "text-xs text-slate-600", cell: (d) => formatDate(d.lastHeartbeatAt) },
                {
                  align: "right",
                  cell: (d) => <DeviceToggle id={d.id} hostName={d.hostName} platform={d.platform} disabled={d.adminDisabledAt !== null} />,
                },
              ]}
            />
          )}
        </Card>

        <Card title="Worker tokens" description="A worker host presents its token once, to register one device per platform it serves.">
          <WorkerTokens initial={o.tokens} />
        </Card>
      </div>
    </main>
  );
}
