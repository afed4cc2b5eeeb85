import { route } from "@/lib/api/http";
import { heartbeatBody, workerJobParams, DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { heartbeat } from "@/lib/services/jobs";

/** POST /api/v1/worker/jobs/:jobId/heartbeat (X-Device-Token) → {cancel, reason, leaseExpiresAt}. */
export const POST = route({ auth: "public", params: workerJobParams, body: heartbeatBody }, async ({ req, db, params }) =>
  heartbeat(db, await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER)), params.jobId),
);
