"use client";
/**
 * Before a query is sent: per chosen platform, whether a stored result answers it (free) or what a new
 * measurement would reserve from the team's device-seconds budget, and what is left this month.
 */
import useSWR from "swr";
import type { QuotaPreviewResponse } from "@/lib/api/schemas/portal";
import { api } from "@/components/api-client";
import { Badge } from "@/components/ui";
import { Table } from "@/components/ui/table";

const s = (x: number) => (x >= 3600 ? `${(x / 3600).toFixed(2)} h` : `${x.toFixed(1)} s`);

export function QuotaPreview({
  teamId,
  modelId,
  platforms,
  batch,
}: {
  teamId: number;
  modelId: number;
  platforms: string[];
  batch?: number;
}) {
  const q = new URLSearchParams({ modelId: String(modelId), platforms: platforms.join(",") });
  if (batch) q.set("batch", String(batch));
  const key = platforms.length ? `/api/v1/teams/${teamId}/quota-preview?${q}` : null;
  const { data, error } = useSWR<QuotaPreviewResponse>(key, (k: string) => api<QuotaPreviewResponse>(k));
  if (!key) return null;
  if (error) return <p className="mt-3 text-sm text-red-700">{(error as Error).message}</p>;
  if (!data) return <p className="mt-3 text-sm text-slate-500" role="status">Checking the cost…</p>;
  const total = data.items.reduce((a, i) => a + i.estimateSeconds, 0);
  return (
    <div className="mt-4" data-testid="quota-preview">
      <Table
        density="compact"
        caption={
          <>
            Cost from your team&apos;s quota ({data.month}):{" "}
            {total ? `about ${s(total)} of device time` : "nothing — every result is stored"}
          </>
        }
        captionClassName="mb-1 text-left text-sm font-medium text-slate-700"
        rows={data.items}
        rowKey={(i) => i.platform}
        rowProps={(i) => ({ "data-testid": `cost-${i.platform}` })}
        columns={[
          { header: "Platform", className: "font-mono text-xs", cell: (i) => i.platform },
          {
            header: "Cost",
            align: "right",
            className: "tabular-nums",
            cell: (i) => (i.stored ? <Badge tone="emerald">stored result · free</Badge> : `≈ ${s(i.estimateSeconds)}`),
          },
          {
            header: "Remaining this month",
            align: "right",
            className: (i) => `tabular-nums ${i.affordable ? "" : "text-red-700"}`,
            cell: (i) => (
              <>
                {i.quotaSeconds === null ? "no quota" : s(i.remainingSeconds)}
                {!i.affordable && " — not enough"}
              </>
            ),
          },
        ]}
      />
    </div>
  );
}
