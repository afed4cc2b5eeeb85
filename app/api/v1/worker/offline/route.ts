import { route } from "@/lib/api/http";
import { DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { goOffline } from "@/lib/services/jobs";

/** POST /api/v1/worker/offline (X-Device-Token) → {releasedJobs}: clean shutdown; held jobs are requeued without using an attempt. */
export const POST = route({ auth: "public" }, async ({ req, db }) =>
  goOffline(db, await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER))),
);
