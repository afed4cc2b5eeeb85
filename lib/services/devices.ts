/**
 * Worker credentials and device registration (the server side of docs/worker-protocol.md).
 *
 *   worker token  nnlqw_<8 hex>_<32 chars>   issued by a site admin (or the start script, through
 *                 createWorkerToken); presented once per worker start to POST /api/v1/worker/register.
 *   device token  nnlqd_<43 chars>           one per (platform, host), issued by registration; every other
 *                 worker call carries it. Registering again rotates it, and jobs the device held go back
 *                 to the queue (its previous process died).
 * Only sha256 of a token is stored.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { WorkerToken } from "@/lib/db/schema";
import * as devicesDb from "@/lib/db/devices";
import { getPlatform } from "@/lib/db/platforms";
import { requireSiteAdmin } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import type { WorkerTokenView } from "@/lib/api/schemas/admin";
import type { DeviceView } from "@/lib/api/schemas/jobs";
import type { RegisterBody, RegisterResponse } from "@/lib/api/schemas/worker";
import { registerBody } from "@/lib/api/schemas/worker";
import { deviceView, platformForSpec, workerPlatformView } from "./platforms";
import { releaseDeviceJobs } from "./jobs";
import { QUEUE } from "./queue-config";
import type { AuthedDevice } from "./authed-device";

const WORKER_TOKEN = /^nnlqw_([0-9a-f]{8})_([A-Za-z0-9_-]{32})$/;
const DEVICE_TOKEN = /^nnlqd_[A-Za-z0-9_-]{43}$/;

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function workerTokenView(t: WorkerToken): WorkerTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    allowNewPlatforms: t.allowNewPlatforms,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Issues a worker token (the secret is returned once). For the start script and tools with database
 * access; `replaceSameName` revokes earlier tokens of that name first (a restarted local worker).
 */
export async function createWorkerToken(
  db: DbOrTx,
  {
    name,
    allowNewPlatforms = true,
    createdBy = null,
    replaceSameName = false,
  }: { name: string; allowNewPlatforms?: boolean; createdBy?: number | null; replaceSameName?: boolean },
): Promise<{ token: WorkerTokenView; secret: string }> {
  if (replaceSameName) {
    for (const t of await devicesDb.listWorkerTokens(db)) {
      if (t.name === name && !t.revokedAt) await devicesDb.revokeWorkerToken(db, { id: t.id });
    }
  }
  const prefix = randomBytes(4).toString("hex");
  const secret = `nnlqw_${prefix}_${randomBytes(24).toString("base64url")}`;
  const row = await devicesDb.insertWorkerToken(db, { name, prefix, hash: sha256(secret), allowNewPlatforms, createdBy });
  return { token: workerTokenView(row), secret };
}

/** POST /api/v1/admin/worker-tokens: site admins only. */
export async function issueWorkerToken(db: DbOrTx, p: Principal | null, input: { name: string; allowNewPlatforms?: boolean }) {
  const admin = requireSiteAdmin(p);
  return createWorkerToken(db, { ...input, createdBy: admin.user.id });
}

export async function listWorkerTokenViews(db: DbOrTx, p: Principal | null): Promise<WorkerTokenView[]> {
  requireSiteAdmin(p);
  return (await devicesDb.listWorkerTokens(db)).map(workerTokenView);
}

export async function revokeWorkerTokenById(db: DbOrTx, p: Principal | null, { id }: { id: number }): Promise<WorkerTokenView> {
  requireSiteAdmin(p);
  if (!(await devicesDb.getWorkerToken(db, { id }))) throw new NnlqError("NOT_FOUND", `Worker token ${id} does not exist`);
  await devicesDb.revokeWorkerToken(db, { id });
  return workerTokenView((await devicesDb.getWorkerToken(db, { id }))!);
}

/**
 * PATCH /api/v1/admin/devices/:deviceId: a site admin takes one device out of service (its held jobs go
 * back to the queue without using an attempt; its worker keeps polling and is told why) or back in.
 */
export async function setDeviceDisabled(
  db: DbOrTx,
  p: Principal | null,
  { id, disabled }: { id: number; disabled: boolean },
): Promise<DeviceView> {
  requireSiteAdmin(p);
  if (!(await devicesDb.getDevice(db, { id }))) throw new NnlqError("NOT_FOUND", `Device ${id} does not exist`);
  await devicesDb.setAdminDisabled(db, { id, disabled });
  if (disabled) await releaseDeviceJobs(db, id, { reason: "a site admin took the device out of service", countAttempt: false });
  const row = (await devicesDb.listDevices(db)).find((d) => d.id === id)!;
  return deviceView(row);
}

export async function authenticateWorkerToken(db: DbOrTx, token: string | null): Promise<WorkerToken> {
  if (!token)
    throw new NnlqError("INVALID_WORKER_TOKEN", "Registration needs a worker token in the X-Worker-Token header (a site admin issues one)");
  const m = WORKER_TOKEN.exec(token.trim());
  if (!m) throw new NnlqError("INVALID_WORKER_TOKEN", "Malformed worker token: expected nnlqw_<8 hex>_<32 characters>");
  const row = await devicesDb.findWorkerTokenByPrefix(db, { prefix: m[1]! });
  if (!row || !sameHash(row.hash, sha256(token.trim()))) throw new NnlqError("INVALID_WORKER_TOKEN", "Unknown worker token");
  if (row.revokedAt) throw new NnlqError("INVALID_WORKER_TOKEN", `Worker token nnlqw_${row.prefix}_… was revoked`);
  await devicesDb.touchWorkerToken(db, { id: row.id });
  return row;
}

export type { AuthedDevice } from "./authed-device";

/** The device behind an X-Device-Token header; disabled devices and unknown tokens are 401. */
export async function authenticateDevice(db: DbOrTx, token: string | null): Promise<AuthedDevice> {
  if (!token)
    throw new NnlqError("INVALID_WORKER_TOKEN", "Worker calls need the device token from registration in the X-Device-Token header");
  if (!DEVICE_TOKEN.test(token.trim()))
    throw new NnlqError("INVALID_WORKER_TOKEN", "Malformed device token: expected nnlqd_<43 characters>");
  const device = await devicesDb.findDeviceByTokenHash(db, { hash: sha256(token.trim()) });
  if (!device) throw new NnlqError("INVALID_WORKER_TOKEN", "Unknown device token (it is rotated by every registration: register again)");
  if (device.adminDisabledAt) {
    throw new NnlqError(
      "DEVICE_DISABLED",
      `Device ${device.id} (${device.hostName}) was taken out of service by a site admin; it gets jobs again once enabled`,
    );
  }
  if (device.status === "disabled")
    throw new NnlqError("INVALID_WORKER_TOKEN", `Device ${device.id} is disabled (its worker token was revoked)`);
  const platform = (await getPlatform(db, { id: device.platformId }))!;
  return { device, platform };
}

/**
 * POST /api/v1/worker/register: one device (and a fresh device token) per platform the worker serves.
 * `workerToken`: the token row the route authenticated, or the secret (tools with database access).
 */
export async function registerWorker(db: DbOrTx, workerToken: WorkerToken | string | null, input: RegisterBody): Promise<RegisterResponse> {
  const token = typeof workerToken === "object" && workerToken !== null ? workerToken : await authenticateWorkerToken(db, workerToken);
  const body = registerBody.parse(input);
  const slugs = new Set<string>();
  const out: RegisterResponse["devices"] = [];
  for (const spec of body.platforms) {
    const { platform, created } = await platformForSpec(db, spec, { allowNew: token.allowNewPlatforms });
    if (slugs.has(platform.slug)) throw new NnlqError("VALIDATION", `Platform '${platform.slug}' is listed twice`);
    slugs.add(platform.slug);
    const deviceToken = `nnlqd_${randomBytes(32).toString("base64url")}`;
    const device = await devicesDb.upsertDevice(db, {
      platformId: platform.id,
      hostName: body.hostName,
      tokenHash: sha256(deviceToken),
      workerTokenId: token.id,
      hostInfo: body.hostInfo,
    });
    const releasedJobs = await releaseDeviceJobs(db, device.id, {
      reason: "the device re-registered (its previous worker process stopped)",
      countAttempt: true,
    });
    out.push({ deviceId: device.id, deviceToken, platform: workerPlatformView(platform), platformCreated: created, releasedJobs });
  }
  return {
    devices: out,
    lease: { leaseSeconds: QUEUE.leaseSeconds, heartbeatSeconds: QUEUE.heartbeatSeconds, maxWaitSeconds: QUEUE.maxWaitSeconds },
  };
}
