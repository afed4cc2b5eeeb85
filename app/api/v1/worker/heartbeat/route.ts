import { otherMethods, route } from "@/lib/api/http";
import { deviceHeartbeatBody } from "@/lib/api/schemas/worker";
import { deviceHeartbeat } from "@/lib/services/jobs";

/** POST /api/v1/worker/heartbeat (X-Device-Token) {status?} → {ok, serverTime}: an idle device stays online. */
export const POST = route({ auth: "device", body: deviceHeartbeatBody }, async ({ db, device, body }) =>
  deviceHeartbeat(db, device, body.status),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
