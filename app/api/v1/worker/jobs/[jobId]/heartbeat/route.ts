import { otherMethods, route } from "@/lib/api/http";
import { heartbeatBody, workerJobParams } from "@/lib/api/schemas/worker";
import { heartbeat } from "@/lib/services/jobs";

/** POST /api/v1/worker/jobs/:jobId/heartbeat (X-Device-Token) → {cancel, reason, leaseExpiresAt}. */
export const POST = route({ auth: "device", params: workerJobParams, body: heartbeatBody }, async ({ db, device, params }) =>
  heartbeat(db, device, params.jobId),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
