"use client";
/** The team's jobs, refreshed every 2 s by SWR (GET /api/v1/jobs), with a state filter and cancel. */
import Link from "next/link";
import { useState } from "react";
import useSWR from "swr";
import type { JobsResponse, JobView } from "@/lib/api/schemas/jobs";
import { api } from "@/components/api-client";
import { Alert, Button, Card } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { CopyButton } from "@/components/portal/copy-button";
import { ENDED, POLLING, StateBadge, ago, fetcher, fmtMs } from "./format";

const FILTERS: Record<string, string> = {
  all: "",
  active: "queued,leased,running",
  done: "done",
  failed: "failed,cancelled",
};

export function JobsTable({ initial }: { initial: JobsResponse }) {
  const [filter, setFilter] = useState("all");
  const [error, setError] = useState<string | null>(null);
  const state = FILTERS[filter];
  const key = `/api/v1/jobs?limit=50${state ? `&state=${state}` : ""}`;
  const { data, mutate } = useSWR<JobsResponse>(key, fetcher, {
    ...POLLING,
    refreshInterval: 2000,
    fallbackData: filter === "all" ? initial : undefined,
  });
  const jobs = data?.items ?? [];

  async function cancel(j: JobView) {
    setError(null);
    try {
      await api(`/api/v1/jobs/${j.id}/cancel`, { method: "POST" });
      await mutate();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <Card
      actions={
        <div className="flex gap-1 text-sm" role="group" aria-label="Filter jobs">
          {Object.keys(FILTERS).map((f) => (
            <button
              key={f}
              onClick={() => setFilter(f)}
              aria-pressed={filter === f}
              className={`rounded-md px-2.5 py-1 ${filter === f ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`}
            >
              {f}
            </button>
          ))}
        </div>
      }
      title="Jobs"
    >
      {error && <Alert>{error}</Alert>}
      {jobs.length === 0 ? (
        <p className="text-sm text-slate-500">
          No jobs{filter === "all" ? " yet: request a measurement on the query page" : ` (${filter})`}.
        </p>
      ) : (
        <Table
          aria-label="Jobs"
          density="roomy"
          rows={jobs}
          rowKey={(j) => j.id}
          rowProps={(j) => ({ "data-testid": `job-${j.id}`, "data-state": j.state })}
          columns={[
            {
              header: "Job",
              className: "tabular-nums",
              cell: (j) => (
                <Link
                  href={`/jobs/${j.id}`}
                  className="font-medium text-indigo-700 hover:underline"
                  data-testid="job-link"
                  aria-label={`Job ${j.id}`}
                >
                  {j.id}
                </Link>
              ),
            },
            {
              header: "Model",
              className: "max-w-[16rem]",
              cell: (j) => (
                <>
                  <Link
                    href={`/models/${j.model.id}`}
                    className="block truncate font-medium text-slate-900 hover:text-indigo-700 hover:underline"
                    title={j.model.name}
                  >
                    {j.model.name}
                  </Link>
                  <span className="flex items-center gap-1.5">
                    <span className="font-mono text-xs text-slate-500" title={j.model.hash}>
                      {j.model.hash.slice(0, 12)}…
                    </span>
                    <CopyButton text={j.model.hash} tone="light" ariaLabel={`Copy the structure hash of ${j.model.name}`} />
                  </span>
                </>
              ),
            },
            { header: "Platform", className: "font-mono text-xs", cell: (j) => j.platform },
            { header: "Batch", align: "right", className: "tabular-nums", cell: (j) => j.batch },
            { header: "State", cell: (j) => <StateBadge state={j.state} /> },
            { header: "Median ms", align: "right", className: "font-medium tabular-nums", cell: (j) => fmtMs(j.result?.result.medianMs) },
            {
              header: "Details",
              className: "text-xs text-slate-600",
              cell: (j) => (
                <>
                  {j.state === "queued" && `${j.queuePosition ?? 0} ahead · `}
                  {j.attempts > 0 && `attempt ${j.attempts}/${j.maxAttempts} · `}
                  {j.error && ENDED.includes(j.state) && (
                    <Link href={`/jobs/${j.id}`} className="text-red-700 hover:underline">
                      {j.error.message.split("\n")[0]!.slice(0, 120)} ·{" "}
                    </Link>
                  )}
                  {j.usedSeconds !== null
                    ? `${j.usedSeconds.toFixed(1)} device-s · `
                    : j.reservedSeconds !== null
                      ? `${j.reservedSeconds.toFixed(1)} device-s reserved · `
                      : ""}
                  {ago(j.finishedAt ?? j.createdAt)}
                </>
              ),
            },
            {
              align: "right",
              className: "whitespace-nowrap",
              cell: (j) => (
                <>
                  <Link href={`/jobs/${j.id}`} className="mr-2 text-xs text-indigo-700 hover:underline" aria-label={`Open job ${j.id}`}>
                    Open →
                  </Link>
                  {j.own && !ENDED.includes(j.state) && (
                    <Button variant="danger" className="px-2 py-1 text-xs" onClick={() => cancel(j)} aria-label={`Cancel job ${j.id}`}>
                      Cancel
                    </Button>
                  )}
                </>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}
