import { route } from "@/lib/api/http";
import { registerBody, WORKER_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { registerWorker } from "@/lib/services/devices";

/**
 * POST /api/v1/worker/register (X-Worker-Token) {hostName, hostInfo, platforms[]} → {devices[{deviceId,
 * deviceToken, platform, platformCreated, releasedJobs}], lease}. See docs/worker-protocol.md.
 */
export const POST = route({ auth: "public", body: registerBody }, async ({ req, db, body }) =>
  registerWorker(db, req.headers.get(WORKER_TOKEN_HEADER), body),
);
