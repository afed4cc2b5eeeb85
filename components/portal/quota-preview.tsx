"use client";
/**
 * Before a query is sent: per chosen platform, whether a stored result answers it (free) or what a new
 * measurement would reserve from the team's device-seconds budget, and what is left this month.
 */
import useSWR from "swr";
import type { QuotaPreviewResponse } from "@/lib/api/schemas/portal";
import { api } from "@/components/api-client";
import { Badge } from "@/components/ui";

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
      <table className="w-full text-left text-sm">
        <caption className="mb-1 text-left text-sm font-medium text-slate-700">
          Cost from your team&apos;s quota ({data.month}): {total ? `about ${s(total)} of device time` : "nothing — every result is stored"}
        </caption>
        <thead className="text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-1 pr-3">Platform</th>
            <th className="py-1 pr-3 text-right">Cost</th>
            <th className="py-1 text-right">Remaining this month</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {data.items.map((i) => (
            <tr key={i.platform} data-testid={`cost-${i.platform}`}>
              <td className="py-1 pr-3 font-mono text-xs">{i.platform}</td>
              <td className="py-1 pr-3 text-right tabular-nums">
                {i.stored ? <Badge tone="emerald">stored result · free</Badge> : `≈ ${s(i.estimateSeconds)}`}
              </td>
              <td className={`py-1 text-right tabular-nums ${i.affordable ? "" : "text-red-700"}`}>
                {i.quotaSeconds === null ? "no quota" : s(i.remainingSeconds)}
                {!i.affordable && " — not enough"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
