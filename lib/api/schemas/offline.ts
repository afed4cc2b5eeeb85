/**
 * Offline device mode (air-gapped labs): the export of a platform's queued jobs as a jobs bundle for a
 * device that will measure them with no network (lib/measure/bundle.ts holds both bundle formats). The
 * signed results come back through the ordinary result/fail calls of the worker protocol, replayed by
 * `nnlq worker import` after it checked the bundle's signature with the device token.
 */
import { z } from "zod";
import { platformSlug } from "./common";

export const offlineExportBody = z.object({
  platform: platformSlug.describe("an existing platform whose queued jobs are exported"),
  hostName: z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .regex(/\S/, "is required")
    .max(255, "must be at most 255 characters")
    .describe("the offline device's host name"),
  limit: z
    .number()
    .int("must be an integer")
    .min(1, "must be ≥ 1")
    .max(500, "must be ≤ 500")
    .default(50)
    .describe("at most this many jobs, highest priority first"),
  leaseHours: z
    .number()
    .min(0.01, "must be > 0")
    .max(24 * 30, "must be ≤ 720")
    .default(72)
    .describe("how long the device holds the jobs before they go back to the queue"),
});

export const offlineExportResponse = z.object({
  deviceId: z.number(),
  deviceToken: z.string().describe("measure and sign with it (nnlq worker measure-bundle --token), and import with it; shown once"),
  platform: z.string(),
  jobIds: z.array(z.number()),
  leaseExpiresAt: z.string().nullable(),
  bundle: z.string().describe("the jobs bundle (JSON lines, lib/measure/bundle.ts format nnlq-jobs)"),
});

export type OfflineExportBody = z.input<typeof offlineExportBody>;
export type OfflineExportResponse = z.infer<typeof offlineExportResponse>;
