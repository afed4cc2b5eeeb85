import { otherMethods, route } from "@/lib/api/http";
import { offlineExportBody } from "@/lib/api/schemas/offline";
import { exportOfflineJobs } from "@/lib/services/offline";

/**
 * POST /api/v1/worker/offline/export (X-Worker-Token) {platform, hostName, limit?, leaseHours?} →
 * {deviceId, deviceToken, platform, jobIds, leaseExpiresAt, bundle}: queued jobs leased to an offline
 * device, as a jobs bundle (offline device mode; `nnlq worker --offline-export`).
 */
export const POST = route({ auth: "worker", body: offlineExportBody }, async ({ db, workerToken, body }) =>
  exportOfflineJobs(db, workerToken, body),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
