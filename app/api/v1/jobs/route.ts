import { otherMethods, route } from "@/lib/api/http";
import { jobsQuery } from "@/lib/api/schemas/jobs";
import { listJobsForCaller } from "@/lib/services/jobs";

/** GET /api/v1/jobs?teamId=&state=queued,running&platform=&cursor=&limit= → {items, nextCursor} of the caller's teams. */
export const GET = route({ auth: "user", query: jobsQuery }, async ({ db, principal, query }) => listJobsForCaller(db, principal, query));

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
