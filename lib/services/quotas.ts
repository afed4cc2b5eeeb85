/**
 * Device-seconds quotas. A team has a budget per platform per month (quotas row); every
 * change to its spending is a usage_ledger row (see schema.ts):
 *   reserve  +estimate, when a measurement job is accepted (same transaction as the job insert)
 *   settle   actual − estimate, when the job completes (capped so the balance never goes below zero)
 *   refund   −estimate, when it fails or is cancelled
 * Concurrency: the caller's transaction locks the quota row FOR UPDATE before reading the balance and
 * inserting the ledger row, so concurrent reservations serialise per (team, platform, month) and never
 * overspend. Lock order is always quota row → job row (lib/db/jobs.ts).
 *
 * The estimate is FLOPs-based until predictors exist: conversion/session overhead plus a fixed number of
 * runs of the model at the platform's throughput, clamped to [MIN, MAX].
 */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Job, Platform } from "@/lib/db/schema";
import { jobLedgerRows, spentSeconds } from "@/lib/db/ledger";
import { getQuota, insertLedgerRow, setQuota, usageSummary, type UsageLine } from "@/lib/db/usage";
import { getTeam } from "@/lib/db/teams";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { monthOf } from "@/lib/db/util";
import { requireSiteAdmin } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";

export const ESTIMATE = {
  /** conversion passes + session creation + profiling session (s) */
  overheadSeconds: 4,
  /** warm-up + timed + profiled runs assumed by the estimate */
  runs: 60,
  /** default sustained throughput per thread (GFLOP/s) when the platform config names none */
  gflopsPerThread: 8,
  minSeconds: 5,
  maxSeconds: 600,
} as const;

/** Platform throughput in FLOP/s: `config.options.gflops` when the platform states it, else per-thread default. */
export function platformFlopsPerSecond(platform: Pick<Platform, "threads" | "config">): number {
  const stated = Number(platform.config?.options?.gflops);
  const gflops = Number.isFinite(stated) && stated > 0 ? stated : ESTIMATE.gflopsPerThread * Math.max(1, platform.threads);
  return gflops * 1e9;
}

/** Estimated device-seconds of measuring a model (FLOPs at `modelBatch`) at `batch` on a platform. */
export function estimateDeviceSeconds(
  model: { flops: number; batch: number },
  platform: Pick<Platform, "threads" | "config">,
  batch: number = model.batch,
): number {
  const flops = (model.flops * batch) / Math.max(1, model.batch);
  const s = ESTIMATE.overheadSeconds + (ESTIMATE.runs * flops) / platformFlopsPerSecond(platform);
  return Math.round(Math.min(ESTIMATE.maxSeconds, Math.max(ESTIMATE.minSeconds, s)) * 10) / 10;
}

export interface Budget {
  teamId: number;
  platformId: number;
  month: string;
  quotaSeconds: number | null;
  usedSeconds: number;
  remainingSeconds: number;
}

/** Locks the team's quota row (inside the caller's transaction) and reads the balance. */
export async function lockBudget(
  tx: DbOrTx,
  { teamId, platformId, month = monthOf() }: { teamId: number; platformId: number; month?: string },
): Promise<Budget> {
  const quotaSeconds = await getQuota(tx, { teamId, platformId, month, lock: true });
  const usedSeconds = await spentSeconds(tx, { teamId, platformId, month });
  const remainingSeconds = quotaSeconds === null ? 0 : Math.max(0, quotaSeconds - usedSeconds);
  return { teamId, platformId, month, quotaSeconds, usedSeconds, remainingSeconds };
}

const fmt = (s: number) => (Math.round(s * 10) / 10).toString();

/** Throws QUOTA_EXCEEDED (402) naming the remaining budget unless `seconds` fit in it. */
export async function assertAffordable(
  db: DbOrTx,
  budget: Budget,
  { seconds, platformSlug }: { seconds: number; platformSlug: string },
): Promise<void> {
  const details = {
    platform: platformSlug,
    month: budget.month,
    quotaSeconds: budget.quotaSeconds,
    usedSeconds: budget.usedSeconds,
    remainingSeconds: budget.remainingSeconds,
    estimateSeconds: seconds,
  };
  if (budget.quotaSeconds !== null && seconds <= budget.remainingSeconds + 1e-9) return;
  const team = (await getTeam(db, { teamId: budget.teamId }))?.name ?? `#${budget.teamId}`;
  if (budget.quotaSeconds === null) {
    throw new NnlqError(
      "QUOTA_EXCEEDED",
      `Team "${team}" has no quota on platform ${platformSlug} for ${budget.month} (0 device-seconds remaining); a site admin can set one`,
      details,
    );
  }
  throw new NnlqError(
    "QUOTA_EXCEEDED",
    `Team "${team}" has ${fmt(budget.remainingSeconds)} device-seconds remaining on ${platformSlug} for ${budget.month} ` +
      `(quota ${fmt(budget.quotaSeconds)} s); this measurement needs an estimated ${fmt(seconds)} s`,
    details,
  );
}

export async function recordReserve(
  tx: DbOrTx,
  { job, seconds, month }: { job: Pick<Job, "id" | "teamId" | "platformId" | "userId">; seconds: number; month: string },
): Promise<void> {
  if (!job.teamId) return;
  await insertLedgerRow(tx, {
    teamId: job.teamId,
    platformId: job.platformId,
    month,
    jobId: job.id,
    kind: "reserve",
    deltaSeconds: seconds,
    note: `job ${job.id}: estimate`,
    createdBy: job.userId,
  });
}

/** The ledger rows of a job by kind (month of its reservation, and whether it was already settled/refunded). */
export async function jobLedger(db: DbOrTx, { jobId }: { jobId: number }) {
  const byKind = await jobLedgerRows(db, { jobId });
  return { reserve: byKind.reserve, closed: byKind.settle ?? byKind.refund };
}

/**
 * Settles a completed job to the device time it used: actual − estimate. A charge beyond the estimate is
 * capped at what the budget still holds (the team never goes below zero; the note records the cap).
 * The caller holds the quota row lock. Returns the seconds finally charged.
 */
export async function settle(
  tx: DbOrTx,
  { job, usedSeconds }: { job: Pick<Job, "id" | "teamId" | "platformId" | "userId">; usedSeconds: number },
): Promise<number | null> {
  if (!job.teamId) return null;
  const { reserve, closed } = await jobLedger(tx, { jobId: job.id });
  if (!reserve || closed) return null;
  let delta = usedSeconds - reserve.deltaSeconds;
  let note = `job ${job.id}: used ${fmt(usedSeconds)} s, estimated ${fmt(reserve.deltaSeconds)} s`;
  if (delta > 0) {
    const budget = await lockBudget(tx, { teamId: job.teamId, platformId: job.platformId, month: reserve.month });
    if (delta > budget.remainingSeconds) {
      delta = budget.remainingSeconds;
      note += ` (charge capped at the remaining budget)`;
    }
  }
  await insertLedgerRow(tx, {
    teamId: job.teamId,
    platformId: job.platformId,
    month: reserve.month,
    jobId: job.id,
    kind: "settle",
    deltaSeconds: delta,
    note,
    createdBy: job.userId,
  });
  return reserve.deltaSeconds + delta;
}

/** Gives a failed or cancelled job's reservation back. Idempotent. */
export async function refund(
  tx: DbOrTx,
  { job, reason }: { job: Pick<Job, "id" | "teamId" | "platformId" | "userId">; reason: string },
): Promise<void> {
  if (!job.teamId) return;
  const { reserve, closed } = await jobLedger(tx, { jobId: job.id });
  if (!reserve || closed) return;
  await insertLedgerRow(tx, {
    teamId: job.teamId,
    platformId: job.platformId,
    month: reserve.month,
    jobId: job.id,
    kind: "refund",
    deltaSeconds: -reserve.deltaSeconds,
    note: `job ${job.id}: ${reason}`.slice(0, 255),
    createdBy: job.userId,
  });
}

/** Locks the quota row a job's reservation was taken from (first step of every job state change). */
export async function lockJobBudget(tx: DbOrTx, job: Pick<Job, "id" | "teamId" | "platformId">): Promise<void> {
  if (!job.teamId) return;
  const { reserve } = await jobLedger(tx, { jobId: job.id });
  if (reserve) await getQuota(tx, { teamId: job.teamId, platformId: job.platformId, month: reserve.month, lock: true });
}

/** Site admins set a team's device-seconds budget on a platform for a month (default: this month). */
export async function setTeamQuota(
  db: DbOrTx,
  p: Principal | null,
  { teamId, platform, deviceSeconds, month = monthOf() }: { teamId: number; platform: string; deviceSeconds: number; month?: string },
): Promise<UsageLine> {
  const admin = requireSiteAdmin(p);
  if (!(await getTeam(db, { teamId }))) throw new NnlqError("NOT_FOUND", `Team ${teamId} does not exist`);
  const plat = await getPlatformBySlug(db, { slug: platform });
  if (!plat) throw new NnlqError("NOT_FOUND", `Unknown platform '${platform}' (GET /api/v1/platforms lists them)`);
  await setQuota(db, { teamId, platformId: plat.id, month, deviceSeconds, setBy: admin.user.id });
  const line = (await usageSummary(db, { teamId, month })).find((l) => l.platformId === plat.id);
  return line!;
}
