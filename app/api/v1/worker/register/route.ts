import { otherMethods, route } from "@/lib/api/http";
import { registerBody } from "@/lib/api/schemas/worker";
import { registerWorker } from "@/lib/services/devices";

/**
 * POST /api/v1/worker/register (X-Worker-Token) {hostName, hostInfo, platforms[]} → {devices[{deviceId,
 * deviceToken, platform, platformCreated, releasedJobs}], lease}. See docs/worker-protocol.md.
 */
export const POST = route({ auth: "worker", body: registerBody }, async ({ db, workerToken, body }) =>
  registerWorker(db, workerToken, body),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
