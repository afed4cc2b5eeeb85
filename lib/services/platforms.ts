/**
 * Platforms as the query system sees them: the public list with device status and queue depth, and the
 * registration of a platform from the spec a worker sends (a new platform needs no server change).
 */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Platform } from "@/lib/db/schema";
import { getPlatformBySlug, listPlatforms, platformSlug, upsertPlatform } from "@/lib/db/platforms";
import { effectiveStatus, listDevices, type DeviceRow } from "@/lib/db/devices";
import { queueCounts } from "@/lib/db/jobs";
import { PLATFORM_SLUG } from "@/lib/api/schemas/common";
import type { DeviceView, PlatformView } from "@/lib/api/schemas/jobs";
import type { PlatformSpecInput, WorkerPlatform } from "@/lib/api/schemas/worker";
import { QUEUE } from "./queue-config";
import { cached, invalidate } from "./read-cache";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function deviceView(d: DeviceRow, now = Date.now()): DeviceView {
  return {
    id: d.id,
    platform: d.platformSlug,
    hostName: d.hostName,
    status: effectiveStatus(d, QUEUE.deviceStaleSeconds * 1000, now),
    hostInfo: d.hostInfo,
    lastHeartbeatAt: iso(d.lastHeartbeatAt),
    adminDisabledAt: iso(d.adminDisabledAt),
  };
}

export function workerPlatformView(p: Platform): WorkerPlatform {
  return {
    id: p.id,
    slug: p.slug,
    runtime: p.runtime,
    runtimeVersion: p.runtimeVersion,
    precision: p.precision,
    threads: p.threads,
    config: p.config,
    active: p.active,
  };
}

/** All platforms (active first by slug) with their devices and active-job counts. */
export async function listPlatformsWithStatus(db: DbOrTx, { includeInactive = false } = {}): Promise<PlatformView[]> {
  const [plats, devs, counts] = await Promise.all([listPlatforms(db, { activeOnly: !includeInactive }), listDevices(db), queueCounts(db)]);
  const now = Date.now();
  return plats.map((p) => {
    const devices = devs.filter((d) => d.platformId === p.id).map((d) => deviceView(d, now));
    const n = (states: string[]) => counts.filter((c) => c.platformId === p.id && states.includes(c.state)).reduce((a, c) => a + c.n, 0);
    return {
      id: p.id,
      slug: p.slug,
      name: p.name,
      hardware: p.hardware,
      runtime: p.runtime,
      runtimeVersion: p.runtimeVersion,
      precision: p.precision,
      threads: p.threads,
      config: p.config,
      description: p.description,
      active: p.active,
      devices,
      devicesOnline: devices.filter((d) => d.status === "online" || d.status === "busy").length,
      queue: { queued: n(["queued"]), running: n(["leased", "running"]) },
    };
  });
}

export async function listDeviceViews(db: DbOrTx, { platform }: { platform?: string } = {}): Promise<DeviceView[]> {
  let platformId: number | undefined;
  if (platform) platformId = (await requirePlatform(db, platform)).id;
  const now = Date.now();
  return (await listDevices(db, { platformId })).map((d) => deviceView(d, now));
}

export async function requirePlatform(db: DbOrTx, slug: string): Promise<Platform> {
  const p = await cached("platforms", slug, () => getPlatformBySlug(db, { slug }));
  if (!p) throw new NnlqError("NOT_FOUND", `Unknown platform '${slug}' (GET /api/v1/platforms lists them)`, { platform: slug });
  return p;
}

const IDENTITY = ["hardware", "runtime", "runtimeVersion", "precision", "threads"] as const;

/**
 * The platform row for a spec a worker registers: an existing slug is used as is (its definition is not
 * changed by workers); an unknown one is created from the full spec when the worker token allows it.
 */
export async function platformForSpec(
  db: DbOrTx,
  spec: PlatformSpecInput,
  { allowNew }: { allowNew: boolean },
): Promise<{ platform: Platform; created: boolean }> {
  const complete = IDENTITY.every((k) => spec[k] !== undefined);
  const derived = complete ? platformSlug(spec as Required<Pick<PlatformSpecInput, (typeof IDENTITY)[number]>>) : undefined;
  if (spec.slug && derived && spec.slug !== derived) {
    throw new NnlqError("VALIDATION", `Platform slug '${spec.slug}' does not match its fields (expected '${derived}')`, {
      slug: spec.slug,
      expected: derived,
    });
  }
  const slug = spec.slug ?? derived;
  if (!slug) {
    throw new NnlqError("VALIDATION", `A platform needs a slug or all of ${IDENTITY.join(", ")}`);
  }
  if (!PLATFORM_SLUG.test(slug)) {
    throw new NnlqError("VALIDATION", `'${slug}' is not a platform slug (<hardware>/<runtime>-<major.minor>/<precision>/t<threads>)`, {
      slug,
    });
  }
  const existing = await getPlatformBySlug(db, { slug });
  if (existing) {
    const clash = complete ? IDENTITY.find((k) => String(existing[k]) !== String(spec[k])) : undefined;
    if (clash) throw new NnlqError("CONFLICT", `Platform '${slug}' exists with ${clash} ${existing[clash]}, not ${spec[clash]}`);
    return { platform: existing, created: false };
  }
  if (!complete) {
    // a well-formed request naming a platform that does not exist (yet): not found, not a validation error
    throw new NnlqError("NOT_FOUND", `Platform '${slug}' is unknown to this server: send its full spec (${IDENTITY.join(", ")}, config)`, {
      slug,
    });
  }
  if (!allowNew) {
    throw new NnlqError("FORBIDDEN", `Platform '${slug}' does not exist and this worker token may not create platforms; ask a site admin`, {
      slug,
    });
  }
  const s = spec as Required<Pick<PlatformSpecInput, (typeof IDENTITY)[number]>> & PlatformSpecInput;
  invalidate("platforms");
  const platform = await upsertPlatform(db, {
    slug,
    name: s.name ?? `${s.runtime} ${s.runtimeVersion} ${s.precision}, ${s.threads} thread${s.threads > 1 ? "s" : ""} (${s.hardware})`,
    hardware: s.hardware,
    runtime: s.runtime,
    runtimeVersion: s.runtimeVersion,
    precision: s.precision,
    threads: s.threads,
    config: {
      adapter: s.config?.adapter ?? s.runtime,
      passes: s.config?.passes ?? [],
      ...(s.config?.options ? { options: s.config.options } : {}),
    },
    description: s.description ?? null,
  });
  return { platform, created: true };
}
