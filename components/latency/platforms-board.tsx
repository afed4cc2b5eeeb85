"use client";
/** Platforms with their devices' live status and queue depth (SWR polling GET /api/v1/platforms every 5 s). */
import useSWR from "swr";
import type { PlatformView } from "@/lib/api/schemas/jobs";
import { Card } from "@/components/ui";
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
              <table className="mt-3 w-full text-left text-sm" aria-label={`Devices of ${p.slug}`}>
                <thead className="text-xs text-slate-500 uppercase">
                  <tr>
                    <th className="py-1 pr-3">Device</th>
                    <th className="py-1 pr-3">Host</th>
                    <th className="py-1 pr-3">Status</th>
                    <th className="py-1 pr-3">Hardware</th>
                    <th className="py-1">Last seen</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {p.devices.map((d) => {
                    const h = (d.hostInfo ?? {}) as { cpuModel?: string; cores?: number; memoryBytes?: number };
                    return (
                      <tr key={d.id} data-testid={`device-${d.id}`} data-status={d.status}>
                        <td className="py-1 pr-3 tabular-nums">{d.id}</td>
                        <td className="py-1 pr-3">{d.hostName}</td>
                        <td className="py-1 pr-3">
                          <StateBadge state={d.status} />
                        </td>
                        <td className="py-1 pr-3 text-xs text-slate-600">
                          {[h.cpuModel, h.cores ? `${h.cores} cores` : null, h.memoryBytes ? fmtBytes(h.memoryBytes) : null]
                            .filter(Boolean)
                            .join(" · ") || "—"}
                        </td>
                        <td className="py-1 text-xs text-slate-600">{ago(d.lastHeartbeatAt)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </Card>
        </section>
      ))}
    </div>
  );
}
