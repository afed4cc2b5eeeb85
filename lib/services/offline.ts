/**
 * Offline device mode, server side: lease up to `limit` queued jobs of a platform to the device of an
 * air-gapped host (registered like any worker host, with a fresh device token) for `leaseHours`, and
 * hand them out as a jobs bundle with their structure-only models. The device's signed results come back
 * through the ordinary result/fail calls (`nnlq worker import`), so quotas, idempotency and the
 * "unsupported" verdicts work as for online workers. Exporting again for the same host supersedes the
 * previous bundle (its jobs go back to the queue first, as for any re-registered device).
 */
import type { DbOrTx } from "@/lib/db/client";
import type { WorkerToken } from "@/lib/db/schema";
import * as jobsDb from "@/lib/db/jobs";
import { encodeJobsBundle } from "@/lib/measure/bundle";
import type { OfflineExportBody, OfflineExportResponse } from "@/lib/api/schemas/offline";
import { offlineExportBody } from "@/lib/api/schemas/offline";
import { authenticateDevice, registerWorker } from "./devices";
import { inTx, modelBytesForDevice } from "./jobs";

/** POST /api/v1/worker/offline/export (X-Worker-Token) */
export async function exportOfflineJobs(
  db: DbOrTx,
  workerToken: WorkerToken | string | null,
  input: OfflineExportBody,
): Promise<OfflineExportResponse> {
  const q = offlineExportBody.parse(input);
  const reg = await registerWorker(db, workerToken, {
    hostName: q.hostName,
    hostInfo: { offline: true },
    platforms: [{ slug: q.platform }],
  });
  const { deviceId, deviceToken, platform } = reg.devices[0]!;
  const auth = await authenticateDevice(db, deviceToken);
  const leaseMs = Math.round(q.leaseHours * 3600_000);
  const leased: number[] = [];
  while (leased.length < q.limit) {
    const id = await inTx(db, async (tx) => {
      const next = await jobsDb.lockNextQueued(tx, { platformId: platform.id });
      if (next !== null) await jobsDb.leaseJob(tx, { id: next, deviceId, leaseMs });
      return next;
    });
    if (id === null) break;
    leased.push(id);
  }
  const jobs = [];
  let leaseExpiresAt: Date | null = null;
  for (const id of leased) {
    const job = (await jobsDb.getJob(db, { id }))!;
    leaseExpiresAt = job.leaseExpiresAt;
    jobs.push({ jobId: String(id), platform: platform.slug, batch: job.batch, model: await modelBytesForDevice(db, auth, job.modelId) });
  }
  return {
    deviceId,
    deviceToken,
    platform: platform.slug,
    jobIds: leased,
    leaseExpiresAt: leaseExpiresAt?.toISOString() ?? null,
    bundle: encodeJobsBundle(platform.slug, jobs),
  };
}
