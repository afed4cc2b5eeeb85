import { route } from "@/lib/api/http";
import { deviceHeartbeatBody, DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { deviceHeartbeat } from "@/lib/services/jobs";

/** POST /api/v1/worker/heartbeat (X-Device-Token) {status?} → {ok, serverTime}: an idle device stays online. */
export const POST = route({ auth: "public", body: deviceHeartbeatBody }, async ({ req, db, body }) =>
  deviceHeartbeat(db, await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER)), body.status),
);
