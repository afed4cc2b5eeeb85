import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { jobParams } from "@/lib/api/schemas/jobs";
import { getJobForCaller } from "@/lib/services/jobs";

/** GET /api/v1/jobs/:jobId → {job} (with the result once done); 404 unless the caller's team owns it or can see its model. */
export const GET = route({ auth: "public", params: jobParams }, async ({ req, db, principal, params }) => {
  limitAnonymous(req, principal);
  return { job: await getJobForCaller(db, principal, params.jobId) };
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
