import { route } from "@/lib/api/http";
import { failBody, workerJobParams, DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { fail } from "@/lib/services/jobs";

/** POST /api/v1/worker/jobs/:jobId/fail (X-Device-Token) {code, message, retry?, deviceSeconds?} → {job: {state queued|failed}}. */
export const POST = route({ auth: "public", params: workerJobParams, body: failBody }, async ({ req, db, params, body }) =>
  fail(db, await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER)), params.jobId, body),
);
