import { route } from "@/lib/api/http";
import { resultBody, workerJobParams, DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { complete } from "@/lib/services/jobs";

/** POST /api/v1/worker/jobs/:jobId/result (X-Device-Token) {runtimeVersion, stats, deviceSeconds, ...} → {job, measurementId, chargedSeconds, result}. */
export const POST = route({ auth: "public", params: workerJobParams, body: resultBody }, async ({ req, db, params, body }) =>
  complete(db, await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER)), params.jobId, body),
);
