/**
 * Worker tokens and devices (the hardware side of the queue). Tokens are never stored: only sha256 of
 * the full token. A device is one (platform, host) pair; its token is rotated on every registration.
 * Device status is stored as last reported; `effectiveStatus` turns a stale heartbeat into "offline".
 */
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { devices, platforms, workerTokens, type Device, type WorkerToken } from "./schema";

export type DeviceStatus = Device["status"];

// ── worker tokens ──

export async function insertWorkerToken(
  db: DbOrTx,
  input: { name: string; prefix: string; hash: string; allowNewPlatforms: boolean; createdBy?: number | null },
): Promise<WorkerToken> {
  const [res] = await db.insert(workerTokens).values(input);
  return (await getWorkerToken(db, { id: res.insertId }))!;
}

export async function getWorkerToken(db: DbOrTx, { id }: { id: number }): Promise<WorkerToken | null> {
  const [t] = await db.select().from(workerTokens).where(eq(workerTokens.id, id)).limit(1);
  return t ?? null;
}

export async function findWorkerTokenByPrefix(db: DbOrTx, { prefix }: { prefix: string }): Promise<WorkerToken | null> {
  const [t] = await db.select().from(workerTokens).where(eq(workerTokens.prefix, prefix)).limit(1);
  return t ?? null;
}

export async function touchWorkerToken(db: DbOrTx, { id }: { id: number }): Promise<void> {
  await db.update(workerTokens).set({ lastUsedAt: sql`CURRENT_TIMESTAMP(3)` }).where(eq(workerTokens.id, id));
}

export async function listWorkerTokens(db: DbOrTx): Promise<WorkerToken[]> {
  return db.select().from(workerTokens).orderBy(desc(workerTokens.createdAt), desc(workerTokens.id));
}

/** Revokes a worker token and disables its devices (their device tokens stop working at once). */
export async function revokeWorkerToken(db: DbOrTx, { id }: { id: number }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(workerTokens)
      .set({ revokedAt: sql`CURRENT_TIMESTAMP(3)` })
      .where(and(eq(workerTokens.id, id), isNull(workerTokens.revokedAt)));
    // a random, never-issued hash: the old device token no longer matches anything
    await tx
      .update(devices)
      .set({ status: "disabled", tokenHash: sql`SHA2(CONCAT(UUID(), RAND(), ${devices.id}), 256)` })
      .where(eq(devices.workerTokenId, id));
  });
}

// ── devices ──

/** Creates or takes over the device of (platform, host) with a fresh token hash; status online. */
export async function upsertDevice(
  db: DbOrTx,
  input: { platformId: number; hostName: string; tokenHash: string; workerTokenId: number | null; hostInfo: Record<string, unknown> },
): Promise<Device> {
  await db
    .insert(devices)
    .values({ ...input, status: "online", lastHeartbeatAt: sql`CURRENT_TIMESTAMP(3)` })
    .onDuplicateKeyUpdate({
      set: {
        tokenHash: input.tokenHash,
        workerTokenId: input.workerTokenId,
        hostInfo: input.hostInfo,
        // a device a site admin took out of service stays out when its worker registers again
        status: sql`IF(${devices.adminDisabledAt} IS NULL, 'online', 'disabled')`,
        lastHeartbeatAt: sql`CURRENT_TIMESTAMP(3)`,
      },
    });
  const [d] = await db
    .select()
    .from(devices)
    .where(and(eq(devices.platformId, input.platformId), eq(devices.hostName, input.hostName)))
    .limit(1);
  return d!;
}

export async function findDeviceByTokenHash(db: DbOrTx, { hash }: { hash: string }): Promise<Device | null> {
  const [d] = await db.select().from(devices).where(eq(devices.tokenHash, hash)).limit(1);
  return d ?? null;
}

export async function getDevice(db: DbOrTx, { id }: { id: number }): Promise<Device | null> {
  const [d] = await db.select().from(devices).where(eq(devices.id, id)).limit(1);
  return d ?? null;
}

/** Records a heartbeat (any authenticated worker call) and the status the device is in. */
export async function touchDevice(db: DbOrTx, { id, status }: { id: number; status?: DeviceStatus }): Promise<void> {
  await db
    .update(devices)
    .set({ lastHeartbeatAt: sql`CURRENT_TIMESTAMP(3)`, ...(status ? { status } : {}) })
    .where(eq(devices.id, id));
}

/** A site admin takes one device out of service (disabled) or back in (online: its worker claims again). */
export async function setAdminDisabled(db: DbOrTx, { id, disabled }: { id: number; disabled: boolean }): Promise<void> {
  await db
    .update(devices)
    .set(disabled ? { adminDisabledAt: sql`CURRENT_TIMESTAMP(3)`, status: "disabled" } : { adminDisabledAt: null, status: "online" })
    .where(eq(devices.id, id));
}

export async function setDeviceStatus(db: DbOrTx, { id, status }: { id: number; status: DeviceStatus }): Promise<void> {
  await db.update(devices).set({ status }).where(eq(devices.id, id));
}

export interface DeviceRow {
  id: number;
  platformId: number;
  platformSlug: string;
  hostName: string;
  status: DeviceStatus;
  hostInfo: Record<string, unknown> | null;
  lastHeartbeatAt: Date | null;
  adminDisabledAt: Date | null;
  createdAt: Date;
}

export async function listDevices(db: DbOrTx, { platformId }: { platformId?: number } = {}): Promise<DeviceRow[]> {
  return db
    .select({
      id: devices.id,
      platformId: devices.platformId,
      platformSlug: platforms.slug,
      hostName: devices.hostName,
      status: devices.status,
      hostInfo: devices.hostInfo,
      lastHeartbeatAt: devices.lastHeartbeatAt,
      adminDisabledAt: devices.adminDisabledAt,
      createdAt: devices.createdAt,
    })
    .from(devices)
    .innerJoin(platforms, eq(platforms.id, devices.platformId))
    .where(platformId ? eq(devices.platformId, platformId) : undefined)
    .orderBy(asc(platforms.slug), asc(devices.hostName));
}

/** A device whose last heartbeat is older than `staleMs` is offline, whatever it last reported. */
export function effectiveStatus(
  d: { status: DeviceStatus; lastHeartbeatAt: Date | null },
  staleMs: number,
  now = Date.now(),
): DeviceStatus {
  if (d.status === "disabled" || d.status === "offline") return d.status;
  if (!d.lastHeartbeatAt || now - d.lastHeartbeatAt.getTime() > staleMs) return "offline";
  return d.status;
}
