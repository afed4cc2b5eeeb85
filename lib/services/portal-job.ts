/**
 * The job page (/jobs/[id]): one measurement job with its state timeline, the device that ran (or holds)
 * it, its platform, the measurement once done, and the error's message once failed. Authorised exactly
 * as GET /api/v1/jobs/{id} (getJobForCaller: a job of one of the caller's teams, or of a model the caller
 * may see; anything else is NOT_FOUND).
 */
import type { DbOrTx } from "@/lib/db/client";
import type { Principal } from "@/lib/auth/principal";
import type { JobView } from "@/lib/api/schemas/jobs";
import { getDevice } from "@/lib/db/devices";
import { getJobRow } from "@/lib/db/jobs";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { getJobForCaller } from "./jobs";

export type StepStatus = "done" | "current" | "pending" | "skipped";

export interface TimelineStep {
  key: "queued" | "claimed" | "running" | "done" | "failed" | "cancelled";
  label: string;
  /** ISO time the job reached this step (null: not reached, or not recorded) */
  at: string | null;
  status: StepStatus;
}

export interface JobPageData {
  job: JobView;
  platformName: string | null;
  /** the device that measured it (done) or holds its lease (claimed/running) */
  device: { id: number; hostName: string } | null;
  timeline: TimelineStep[];
  /** the error's message only: its first line (never a stack or a server path), null unless failed/cancelled */
  errorMessage: string | null;
}

/**
 * queued → claimed → running → done | failed | cancelled. A claimed job has no claim time of its own
 * (its last update stands in while it is only claimed; afterwards the step shows no time); a job
 * cancelled or failed before it ran skips the steps it never reached.
 */
export function jobTimeline(
  j: Pick<JobView, "state" | "attempts" | "createdAt" | "updatedAt" | "startedAt" | "finishedAt">,
): TimelineStep[] {
  const ended = j.state === "done" || j.state === "failed" || j.state === "cancelled";
  // a device that reports without a heartbeat leaves no start time: a done job ran all the same
  const ran = j.startedAt !== null || j.state === "running" || j.state === "done";
  const claimed = ran || j.state === "leased" || (ended && j.attempts > 0);
  const after = (reached: boolean, current: boolean): StepStatus =>
    current ? "current" : reached ? "done" : ended ? "skipped" : "pending";
  const end: TimelineStep["key"] = j.state === "failed" ? "failed" : j.state === "cancelled" ? "cancelled" : "done";
  return [
    { key: "queued", label: "Queued", at: j.createdAt, status: j.state === "queued" ? "current" : "done" },
    {
      key: "claimed",
      label: "Claimed by a device",
      at: j.state === "leased" ? j.updatedAt : null,
      status: after(claimed, j.state === "leased"),
    },
    { key: "running", label: "Running", at: j.startedAt, status: after(ran, j.state === "running") },
    {
      key: end,
      label: end === "done" ? "Done" : end === "failed" ? "Failed" : "Cancelled",
      at: ended ? (j.finishedAt ?? j.updatedAt) : null,
      status: ended ? "done" : "pending",
    },
  ];
}

/** The first line of an error message, without anything that looks like a stack frame. */
export function errorMessageOnly(message: string): string {
  const line = message.split(/\r?\n/).find((l) => l.trim() !== "" && !/^\s*at\s/.test(l)) ?? "";
  return line.trim().slice(0, 500);
}

/** Everything the job page shows; throws NOT_FOUND (as the API does) when the caller may not see the job. */
export async function jobPage(db: DbOrTx, p: Principal | null, jobId: number): Promise<JobPageData> {
  const job = await getJobForCaller(db, p, jobId);
  const [row, platform] = await Promise.all([getJobRow(db, { id: jobId }), getPlatformBySlug(db, { slug: job.platform })]);
  let device = job.result?.provenance.device ?? null;
  if (!device && row?.leaseOwner && (job.state === "leased" || job.state === "running")) {
    const d = await getDevice(db, { id: row.leaseOwner });
    if (d) device = { id: d.id, hostName: d.hostName };
  }
  return {
    job,
    platformName: platform?.name ?? null,
    device,
    timeline: jobTimeline(job),
    errorMessage: job.error && (job.state === "failed" || job.state === "cancelled") ? errorMessageOnly(job.error.message) : null,
  };
}
