import { otherMethods, route } from "@/lib/api/http";
import { resultBody, workerJobParams } from "@/lib/api/schemas/worker";
import { complete } from "@/lib/services/jobs";

/**
 * POST /api/v1/worker/jobs/:jobId/result (X-Device-Token) {runtimeVersion, stats, deviceSeconds, ...}
 * → {job, measurementId, chargedSeconds, result}.
 */
export const POST = route({ auth: "device", params: workerJobParams, body: resultBody }, async ({ db, device, params, body }) =>
  complete(db, device, params.jobId, body),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
