import { route } from "@/lib/api/http";
import { WORKER_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { offlineExportBody } from "@/lib/api/schemas/offline";
import { exportOfflineJobs } from "@/lib/services/offline";

/**
 * POST /api/v1/worker/offline/export (X-Worker-Token) {platform, hostName, limit?, leaseHours?} →
 * {deviceId, deviceToken, platform, jobIds, leaseExpiresAt, bundle}: queued jobs leased to an offline
 * device, as a jobs bundle (offline device mode; `nnlq worker --offline-export`).
 */
export const POST = route({ auth: "public", body: offlineExportBody }, async ({ req, db, body }) =>
  exportOfflineJobs(db, req.headers.get(WORKER_TOKEN_HEADER), body),
);
