/** Site-administration schemas: team quotas and worker tokens (/api/v1/admin/*). */
import { z } from "zod";
import { id, isoTime, platformSlug } from "./common";
import { deviceView } from "./jobs";

export const setQuotaBody = z.object({
  teamId: id,
  platform: platformSlug,
  deviceSeconds: z.number({ error: "must be a number of seconds" }).min(0, "must be ≥ 0").max(1e9, "must be at most 1e9"),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must look like 2025-01")
    .optional()
    .describe("default: the current month (UTC)"),
});

export const quotaResponse = z.object({
  quota: z.object({
    platformId: z.number(),
    platformSlug: z.string(),
    month: z.string(),
    quotaSeconds: z.number().nullable(),
    usedSeconds: z.number(),
    remainingSeconds: z.number().nullable(),
  }),
});

export const createWorkerTokenBody = z.object({
  name: z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .regex(/\S/, "is required")
    .max(100, "must be at most 100 characters"),
  allowNewPlatforms: z.boolean().default(true).describe("may create platform rows from the specs it registers"),
});

export const workerTokenView = z.object({
  id: z.number(),
  name: z.string(),
  prefix: z.string(),
  allowNewPlatforms: z.boolean(),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});

export const createWorkerTokenResponse = z.object({
  token: workerTokenView,
  secret: z.string().describe("the worker token, shown once: give it to the worker as NNLQ_WORKER_TOKEN"),
});
export const workerTokensResponse = z.object({ tokens: z.array(workerTokenView) });
export const workerTokenParams = z.object({ tokenId: id });
export const revokeWorkerTokenResponse = z.object({ token: workerTokenView });

export type WorkerTokenView = z.infer<typeof workerTokenView>;

export const deviceParams = z.object({ deviceId: id });
export const setDeviceBody = z.object({
  disabled: z.boolean({ error: "must be true (take the device out of service) or false (back in)" }),
});
export const deviceResponse = z.object({ device: deviceView });
