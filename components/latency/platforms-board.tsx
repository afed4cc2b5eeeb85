"use client";
/** Platforms with their devices' live status and queue depth (SWR polling GET /api/v1/platforms every 5 s). */
import useSWR from "swr";
import type { PlatformView } from "@/lib/api/schemas/jobs";
import { Card } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { POLLING, StateBadge, ago, fetcher, fmtBytes } from "./format";

export function PlatformsBoard({ initial }: { initial: PlatformView[] }) {
  const { data } = useSWR<{ platforms: PlatformView[] }>("/api/v1/platforms", fetcher, {
    ...POLLING,
    refreshInterval: 5000,
    fallbackData: { platforms: initial },
  });
  const platforms = data?.platforms ?? initial;
  if (platforms.length === 0) return <p className="text-sm text-slate-500">No platforms yet: a worker registers them when it starts.</p>;
  return (
    <div className="space-y-4">
      {platforms.map((p) => (
        <section key={p.slug} data-testid={`platform-${p.slug}`}>
          <Card
            title={p.name}
            description={p.description ?? undefined}
            actions={
              <div className="text-right text-sm">
                <div className="font-medium" data-testid="devices-online">
                  {p.devicesOnline} of {p.devices.length} device{p.devices.length === 1 ? "" : "s"} online
                </div>
                <div className="text-xs text-slate-500">
                  {p.queue.queued} queued · {p.queue.running} measuring
                </div>
              </div>
            }
          >
            <p className="font-mono text-xs text-slate-700">{p.slug}</p>
            <p className="mt-1 text-xs text-slate-500">
              {p.runtime} {p.runtimeVersion} · {p.precision} · {p.threads} thread{p.threads === 1 ? "" : "s"} · passes:{" "}
              {p.config.passes.join(" → ") || "none"}
            </p>
            {p.devices.length > 0 && (
              <Table
                className="mt-3"
                aria-label={`Devices of ${p.slug}`}
                density="compact"
                rows={p.devices}
                rowKey={(d) => d.id}
                rowProps={(d) => ({ "data-testid": `device-${d.id}`, "data-status": d.status })}
                columns={[
                  { header: "Device", className: "tabular-nums", cell: (d) => d.id },
                  { header: "Host", cell: (d) => d.hostName },
                  { header: "Status", cell: (d) => <StateBadge state={d.status} /> },
                  {
                    header: "Hardware",
                    className: "text-xs text-slate-600",
                    cell: (d) => {
                      const h = (d.hostInfo ?? {}) as { cpuModel?: string; cores?: number; memoryBytes?: number };
                      return (
                        [h.cpuModel, h.cores ? `${h.cores} cores` : null, h.memoryBytes ? fmtBytes(h.memoryBytes) : null]
                          .filter(Boolean)
                          .join(" · ") || "—"
                      );
                    },
                  },
                  { header: "Last seen", className: "text-xs text-slate-600", cell: (d) => ago(d.lastHeartbeatAt) },
                ]}
              />
            )}
          </Card>
        </section>
      ))}
    </div>
  );
}
