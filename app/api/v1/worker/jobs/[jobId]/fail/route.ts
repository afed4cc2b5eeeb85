import { otherMethods, route } from "@/lib/api/http";
import { failBody, workerJobParams } from "@/lib/api/schemas/worker";
import { fail } from "@/lib/services/jobs";

/** POST /api/v1/worker/jobs/:jobId/fail (X-Device-Token) {code, message, retry?, deviceSeconds?} → {job: {state queued|failed}}. */
export const POST = route({ auth: "device", params: workerJobParams, body: failBody }, async ({ db, device, params, body }) =>
  fail(db, device, params.jobId, body),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
