import { otherMethods, route } from "@/lib/api/http";
import { goOffline } from "@/lib/services/jobs";

/** POST /api/v1/worker/offline (X-Device-Token) → {releasedJobs}: clean shutdown; held jobs are requeued without using an attempt. */
export const POST = route({ auth: "device" }, async ({ db, device }) => goOffline(db, device));

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
