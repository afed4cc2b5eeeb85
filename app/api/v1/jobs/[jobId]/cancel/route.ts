import { otherMethods, route } from "@/lib/api/http";
import { jobParams } from "@/lib/api/schemas/jobs";
import { cancelJob } from "@/lib/services/jobs";

/** POST /api/v1/jobs/:jobId/cancel → {job} cancelled and refunded; 409 when it already ended. */
export const POST = route({ auth: "user", params: jobParams }, async ({ db, principal, params }) => ({
  job: await cancelJob(db, principal, params.jobId),
}));

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
