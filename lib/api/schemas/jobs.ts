/** Schemas of the job queue as users see it (/api/v1/jobs) and of platforms and devices. */
import { z } from "zod";
import { cursor, deviceStatus, id, isoTime, jobState, limit, platformSlug, precision } from "./common";
import { measuredResult } from "./models";

export const jobParams = z.object({ jobId: id });

export const jobsQuery = z.object({
  teamId: id.optional().describe("one of the caller's teams (default: all of them; API keys: their team)"),
  state: z
    .string()
    .regex(
      /^(queued|leased|running|done|failed|cancelled)(,(queued|leased|running|done|failed|cancelled))*$/,
      "must be a comma-separated list of job states",
    )
    .optional(),
  platform: platformSlug.optional(),
  cursor: cursor.optional(),
  limit: limit(200, 50),
});

export const jobView = z.object({
  id: z.number(),
  state: jobState,
  model: z.object({ id: z.number(), hash: z.string(), name: z.string() }),
  platform: z.string(),
  batch: z.number(),
  priority: z.number(),
  attempts: z.number(),
  maxAttempts: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  queuePosition: z.number().nullable().describe("queued jobs of the platform ahead of this one (queued jobs only)"),
  own: z.boolean().describe("the job belongs to one of the caller's teams (quota fields and cancel)"),
  teamId: z.number().nullable(),
  reservedSeconds: z.number().nullable(),
  usedSeconds: z.number().nullable(),
  measurementId: z.number().nullable(),
  result: measuredResult.nullable().describe("the measurement, once done, with its quality (grade, clean runs / runs, CI, wall/CPU, interference)"),
  createdAt: isoTime,
  updatedAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
});

export const jobsResponse = z.object({ items: z.array(jobView), nextCursor: z.string().nullable() });
export const jobResponse = z.object({ job: jobView });

// ── platforms and devices ──

export const deviceView = z.object({
  id: z.number(),
  platform: z.string(),
  hostName: z.string(),
  status: deviceStatus.describe("offline when the last heartbeat is older than the staleness window"),
  hostInfo: z.record(z.string(), z.unknown()).nullable(),
  lastHeartbeatAt: isoTime.nullable(),
  adminDisabledAt: isoTime.nullable().describe("when a site admin took this device out of service (null: in service)"),
});

export const platformView = z.object({
  id: z.number(),
  slug: z.string(),
  name: z.string(),
  hardware: z.string(),
  runtime: z.string(),
  runtimeVersion: z.string(),
  precision,
  threads: z.number(),
  config: z.object({ adapter: z.string(), passes: z.array(z.string()), options: z.record(z.string(), z.unknown()).optional() }),
  description: z.string().nullable(),
  active: z.boolean(),
  devices: z.array(deviceView),
  devicesOnline: z.number(),
  queue: z.object({ queued: z.number(), running: z.number() }),
});

export const platformsResponse = z.object({ platforms: z.array(platformView) });
export const devicesQuery = z.object({ platform: platformSlug.optional() });
export const devicesResponse = z.object({ devices: z.array(deviceView) });

export type JobView = z.infer<typeof jobView>;
export type JobsQuery = z.input<typeof jobsQuery>;
export type JobsResponse = z.infer<typeof jobsResponse>;
export type DeviceView = z.infer<typeof deviceView>;
export type PlatformView = z.infer<typeof platformView>;
