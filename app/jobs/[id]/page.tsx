import Link from "next/link";
import { cache, type ReactNode } from "react";
import { notFound } from "next/navigation";
import { NnlqError } from "@/lib/errors";
import type { JobPageData, TimelineStep } from "@/lib/services/portal-job";
import { jobForPage } from "@/lib/services/pages";
import { Alert, Card, PageHeader } from "@/components/ui";
import { ENDED, StateBadge, fmtMs } from "@/components/latency/format";
import { CopyButton } from "@/components/portal/copy-button";
import { QualityCell } from "@/components/portal/quality";
import { parseId } from "@/components/portal/model-id";
import { RefreshWhileActive } from "@/components/latency/job-refresh";

export const dynamic = "force-dynamic"; // per-user page, live state

/** The job as GET /api/v1/jobs/{id} authorises it (same service); null → 404. Once per request (metadata and page). */
const load = cache(async (raw: string): Promise<JobPageData | null> => {
  const id = parseId(raw);
  if (id === null) return null;
  try {
    return await jobForPage(id);
  } catch (e) {
    if (e instanceof NnlqError && e.code === "NOT_FOUND") return null;
    throw e;
  }
});

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const data = await load((await params).id);
  return { title: data ? `Job ${data.job.id}: ${data.job.model.name} on ${data.job.platform} — nnlq` : "Job not found — nnlq" };
}

const utc = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "—");

function duration(from: string | null, to: string | null): string | null {
  if (!from || !to) return null;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  if (!(s >= 0)) return null;
  return s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
}

const DOT: Record<TimelineStep["status"], string> = {
  done: "bg-indigo-600 ring-indigo-600",
  current: "bg-amber-400 ring-amber-400 animate-pulse",
  pending: "bg-white ring-slate-300",
  skipped: "bg-white ring-slate-200",
};

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const data = await load((await params).id);
  if (!data) notFound();
  const { job, timeline, device, errorMessage, platformName } = data;
  const m = job.result?.result;
  const active = !ENDED.includes(job.state);
  return (
    <main className="mx-auto max-w-4xl px-4 py-10">
      <RefreshWhileActive active={active} />
      <p className="mb-2 text-sm">
        <Link href="/jobs" className="text-slate-500 hover:text-slate-800">
          ← Jobs
        </Link>
      </p>
      <PageHeader
        title={`Job ${job.id}`}
        subtitle={
          <>
            Measures{" "}
            <Link
              href={`/models/${job.model.id}`}
              className="font-medium text-indigo-700 hover:underline"
              data-testid="job-model-link"
              title={job.model.name}
            >
              {job.model.name}
            </Link>{" "}
            on <span className="font-mono text-xs">{job.platform}</span> at batch {job.batch}.
          </>
        }
      >
        <span data-testid="job-state" data-state={job.state}>
          <StateBadge state={job.state} />
        </span>
      </PageHeader>

      <div className="space-y-6">
        <Card title="Timeline" description="Times in UTC. A device claims a queued job, runs it, and reports a measurement or a failure.">
          <ol className="space-y-3" data-testid="job-timeline">
            {timeline.map((s) => (
              <li key={s.key} className="flex items-start gap-3 text-sm" data-step={s.key} data-status={s.status}>
                <span className={`mt-1 h-3 w-3 shrink-0 rounded-full ring-2 ${DOT[s.status]}`} aria-hidden />
                <span
                  className={`w-44 font-medium ${s.status === "pending" || s.status === "skipped" ? "text-slate-400" : "text-slate-900"}`}
                >
                  {s.label}
                  {s.status === "current" && <span className="sr-only"> (now)</span>}
                </span>
                <time className="tabular-nums text-slate-600" dateTime={s.at ?? undefined}>
                  {s.status === "skipped" ? "skipped" : s.status === "pending" ? "not yet" : utc(s.at)}
                </time>
              </li>
            ))}
          </ol>
          <p className="mt-4 text-xs text-slate-500">
            {job.state === "queued" &&
              job.queuePosition !== null &&
              `${job.queuePosition} queued job${job.queuePosition === 1 ? "" : "s"} ahead on this platform · `}
            attempt {job.attempts} of {job.maxAttempts}
            {duration(job.createdAt, job.startedAt) && ` · waited ${duration(job.createdAt, job.startedAt)}`}
            {duration(job.startedAt, job.finishedAt) && ` · ran ${duration(job.startedAt, job.finishedAt)}`}
            {active && " · this page updates itself"}
          </p>
        </Card>

        <Card title="Details">
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2" data-testid="job-details">
            <Item label="Model">
              <span className="flex min-w-0 items-center gap-2">
                <Link href={`/models/${job.model.id}`} className="truncate text-indigo-700 hover:underline" title={job.model.name}>
                  {job.model.name}
                </Link>
              </span>
              <span className="mt-0.5 flex items-center gap-2">
                <span className="truncate font-mono text-xs text-slate-500" title={job.model.hash}>
                  {job.model.hash.slice(0, 16)}…
                </span>
                <CopyButton text={job.model.hash} tone="light" label="Copy hash" ariaLabel="Copy the full structure hash" />
              </span>
            </Item>
            <Item label="Platform">
              <span className="font-mono text-xs">{job.platform}</span>
              {platformName && <span className="block text-xs text-slate-500">{platformName}</span>}
            </Item>
            <Item label="Device">
              <span data-testid="job-device">{device ? device.hostName : job.state === "queued" ? "not claimed yet" : "—"}</span>
            </Item>
            <Item label="Batch">{job.batch}</Item>
            {job.own && (
              <Item label="Device time">
                {job.usedSeconds !== null
                  ? `${job.usedSeconds.toFixed(1)} s used`
                  : job.reservedSeconds !== null
                    ? `${job.reservedSeconds.toFixed(1)} s reserved`
                    : "—"}
              </Item>
            )}
            <Item label="Priority">{job.priority}</Item>
          </dl>
        </Card>

        {m && (
          <Card title="Measurement" description="Median of the timed runs of this job's measurement.">
            <div className="flex flex-wrap items-baseline gap-x-6 gap-y-2 text-sm" data-testid="job-measurement">
              <span className="text-2xl font-semibold tabular-nums text-slate-900">{fmtMs(m.medianMs)} ms</span>
              <span className="text-slate-600">
                p90 {fmtMs(m.p90Ms)} ms · min {fmtMs(m.minMs)} ms · {m.runs} timed runs
              </span>
              <span className="text-slate-600">measured {utc(job.result!.provenance.measuredAt)}</span>
              {job.result!.quality && <QualityCell quality={job.result!.quality} />}
              <Link href={`/models/${job.model.id}`} className="text-indigo-700 hover:underline" data-testid="job-measurement-link">
                Every measurement of this model →
              </Link>
            </div>
          </Card>
        )}

        {errorMessage && (
          <Card title={job.state === "cancelled" ? "Why it was cancelled" : "Why it failed"}>
            <div data-testid="job-error">
              <Alert>{errorMessage}</Alert>
            </div>
            <p className="mt-3 text-sm">
              <Link href={`/query?model=${job.model.id}`} className="text-indigo-700 hover:underline">
                Try this model on other platforms
              </Link>
            </p>
          </Card>
        )}
      </div>
    </main>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 font-medium text-slate-900">{children}</dd>
    </div>
  );
}
