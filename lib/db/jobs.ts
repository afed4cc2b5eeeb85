/**
 * The measurement queue's data access (the rules live in lib/services/jobs.ts).
 *
 * Job life: queued → leased (a device claimed it; attempts+1; lease_expires_at) → running (first
 * heartbeat) → done | failed | cancelled; an expired lease or a retryable failure goes back to queued.
 * `idempotency_key` (`<hash>:<platformId>:<batch>`) is set while the job is active and cleared when it
 * ends, so the unique index admits one active job per structure × platform × batch.
 *
 * Lock order everywhere (deadlock-free): the team's quota row, then the job row.
 * Times are the database's (NOW(3), UTC), so app instances with skewed clocks agree on leases.
 */
import { and, asc, desc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { jobs, models, platforms, type Job, type JobState } from "./schema";

export const ACTIVE_STATES = ["queued", "leased", "running"] as const satisfies readonly JobState[];
export const LEASED_STATES = ["leased", "running"] as const satisfies readonly JobState[];
export const ENDED_STATES = ["done", "failed", "cancelled"] as const satisfies readonly JobState[];

export type NewJob = typeof jobs.$inferInsert;

export function jobKey(hash: string, platformId: number, batch: number): string {
  return `${hash}:${platformId}:${batch}`;
}

/** `NOW(3) + ms` in the database clock. */
export function nowPlus(ms: number): SQL {
  return sql`DATE_ADD(NOW(3), INTERVAL ${Math.round(ms * 1000)} MICROSECOND)`;
}

function affected(res: unknown): number {
  return (res as [{ affectedRows: number }])[0].affectedRows;
}

export async function insertJob(db: DbOrTx, input: NewJob): Promise<Job> {
  const [res] = await db.insert(jobs).values(input);
  return (await getJob(db, { id: res.insertId }))!;
}

export async function getJob(db: DbOrTx, { id, lock }: { id: number; lock?: boolean }): Promise<Job | null> {
  const q = db.select().from(jobs).where(eq(jobs.id, id)).limit(1);
  const [j] = lock ? await q.for("update") : await q;
  return j ?? null;
}

export async function findActiveJob(db: DbOrTx, { key }: { key: string }): Promise<Job | null> {
  const [j] = await db.select().from(jobs).where(eq(jobs.idempotencyKey, key)).limit(1);
  return j ?? null;
}

export async function updateJob(db: DbOrTx, { id }: { id: number }, set: Partial<NewJob>): Promise<void> {
  await db.update(jobs).set(set).where(eq(jobs.id, id));
}

/**
 * The next queued job of a platform, locked FOR UPDATE SKIP LOCKED: highest priority first, then oldest.
 * One priority level at a time, so each scan follows the claim index (state, platform, priority, id)
 * in order and locks only the row it returns (a filesort would lock every queued row it read).
 */
export async function lockNextQueued(tx: DbOrTx, { platformId }: { platformId: number }): Promise<number | null> {
  const levels = await tx
    .selectDistinct({ p: jobs.priority })
    .from(jobs)
    .where(and(eq(jobs.state, "queued"), eq(jobs.platformId, platformId)))
    .orderBy(desc(jobs.priority));
  for (const { p } of levels) {
    const [row] = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.state, "queued"), eq(jobs.platformId, platformId), eq(jobs.priority, p)))
      .orderBy(asc(jobs.id))
      .limit(1)
      .for("update", { skipLocked: true });
    if (row) return row.id;
  }
  return null;
}

/** Leases a job (already locked by the caller) to a device. */
export async function leaseJob(tx: DbOrTx, { id, deviceId, leaseMs }: { id: number; deviceId: number; leaseMs: number }) {
  await tx
    .update(jobs)
    .set({ state: "leased", leaseOwner: deviceId, leaseExpiresAt: nowPlus(leaseMs), attempts: sql`${jobs.attempts} + 1` })
    .where(eq(jobs.id, id));
}

/** Heartbeat: extends the lease of a job the device holds and marks it running. False when not held. */
export async function extendLease(db: DbOrTx, { id, deviceId, leaseMs }: { id: number; deviceId: number; leaseMs: number }) {
  const res = await db
    .update(jobs)
    .set({ state: "running", leaseExpiresAt: nowPlus(leaseMs), startedAt: sql`COALESCE(${jobs.startedAt}, NOW(3))` })
    .where(and(eq(jobs.id, id), eq(jobs.leaseOwner, deviceId), inArray(jobs.state, [...LEASED_STATES])));
  return affected(res) > 0;
}

/** Jobs a device holds right now (leased or running). */
export async function heldJobs(db: DbOrTx, { deviceId }: { deviceId: number }): Promise<Job[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.leaseOwner, deviceId), inArray(jobs.state, [...LEASED_STATES])))
    .orderBy(asc(jobs.id));
}

/** Ids of leased/running jobs whose lease has expired (not locked; each is re-checked under its lock). */
export async function expiredLeaseIds(db: DbOrTx, { limit = 100 }: { limit?: number } = {}): Promise<number[]> {
  const rows = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(inArray(jobs.state, [...LEASED_STATES]), lt(jobs.leaseExpiresAt, sql`NOW(3)`)))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** True when the job's lease has expired by the database clock. */
export async function leaseExpired(db: DbOrTx, { id }: { id: number }): Promise<boolean> {
  const [r] = await db
    .select({ x: sql<number>`${jobs.leaseExpiresAt} < NOW(3)`.mapWith(Number) })
    .from(jobs)
    .where(eq(jobs.id, id));
  return r?.x === 1;
}

export interface JobRow extends Job {
  modelHash: string;
  modelName: string;
  modelVisibility: "public" | "private";
  modelOwnerTeamId: number | null;
  platformSlug: string;
}

const jobRowColumns = {
  job: jobs,
  modelHash: models.hash,
  modelName: models.name,
  modelVisibility: models.visibility,
  modelOwnerTeamId: models.ownerTeamId,
  platformSlug: platforms.slug,
};

function toJobRow({ job, ...rest }: { job: Job } & Omit<JobRow, keyof Job>): JobRow {
  return { ...job, ...rest };
}

export async function getJobRow(db: DbOrTx, { id }: { id: number }): Promise<JobRow | null> {
  const [r] = await db
    .select(jobRowColumns)
    .from(jobs)
    .innerJoin(models, eq(models.id, jobs.modelId))
    .innerJoin(platforms, eq(platforms.id, jobs.platformId))
    .where(eq(jobs.id, id))
    .limit(1);
  return r ? toJobRow(r) : null;
}

/** Jobs of some teams, newest first; keyset pagination on id (`beforeId`). */
export async function listTeamJobs(
  db: DbOrTx,
  {
    teamIds,
    states,
    platformId,
    beforeId,
    limit = 50,
  }: { teamIds: number[]; states?: JobState[]; platformId?: number; beforeId?: number; limit?: number },
): Promise<JobRow[]> {
  if (!teamIds.length) return [];
  const rows = await db
    .select(jobRowColumns)
    .from(jobs)
    .innerJoin(models, eq(models.id, jobs.modelId))
    .innerJoin(platforms, eq(platforms.id, jobs.platformId))
    .where(
      and(
        inArray(jobs.teamId, teamIds),
        states?.length ? inArray(jobs.state, states) : undefined,
        platformId ? eq(jobs.platformId, platformId) : undefined,
        beforeId ? lt(jobs.id, beforeId) : undefined,
      ),
    )
    .orderBy(desc(jobs.id))
    .limit(limit);
  return rows.map(toJobRow);
}

/** The newest ended job of a model × platform × batch that failed with `errorCode` (e.g. UNSUPPORTED_OPERATOR). */
export async function lastFailure(
  db: DbOrTx,
  { modelId, platformId, batch, errorCode }: { modelId: number; platformId: number; batch: number; errorCode: string },
): Promise<Job | null> {
  const [j] = await db
    .select()
    .from(jobs)
    .where(
      and(
        eq(jobs.modelId, modelId),
        eq(jobs.platformId, platformId),
        eq(jobs.batch, batch),
        eq(jobs.state, "failed"),
        eq(jobs.errorCode, errorCode),
      ),
    )
    .orderBy(desc(jobs.id))
    .limit(1);
  return j ?? null;
}

/** Active job counts per platform and state (queue depth for the platforms page). */
export async function queueCounts(db: DbOrTx): Promise<{ platformId: number; state: JobState; n: number }[]> {
  return db
    .select({ platformId: jobs.platformId, state: jobs.state, n: sql<number>`COUNT(*)`.mapWith(Number) })
    .from(jobs)
    .where(inArray(jobs.state, [...ACTIVE_STATES]))
    .groupBy(jobs.platformId, jobs.state);
}

/** Number of queued jobs of the platform ahead of a job (higher priority, or same priority and older). */
export async function queuePosition(db: DbOrTx, job: Pick<Job, "id" | "platformId" | "priority">): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`COUNT(*)`.mapWith(Number) })
    .from(jobs)
    .where(
      and(
        eq(jobs.state, "queued"),
        eq(jobs.platformId, job.platformId),
        sql`(${jobs.priority} > ${job.priority} OR (${jobs.priority} = ${job.priority} AND ${jobs.id} < ${job.id}))`,
      ),
    );
  return r?.n ?? 0;
}

