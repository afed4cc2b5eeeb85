"use client";
/** Cumulative device-seconds a team spent per platform over a month (from the usage ledger). */
import type { TeamQuotaPage } from "@/lib/services/portal-teams";
import { HistoryChart } from "./charts";

export function TeamUsageChart({ daily }: { daily: TeamQuotaPage["daily"] }) {
  return (
    <div data-testid="usage-chart">
      <HistoryChart
        series={daily.map((d) => ({
          label: d.platform,
          points: d.points.map((p) => ({ t: Date.parse(`${p.day}T23:59:59Z`), y: p.cumulative })),
        }))}
        yLabel="device-seconds used"
        ariaLabel="Device-seconds used per platform over the month"
        stepped
        height={240}
      />
    </div>
  );
}
