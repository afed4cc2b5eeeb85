import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { devicesQuery } from "@/lib/api/schemas/jobs";
import { listDeviceViews } from "@/lib/services/platforms";

/** GET /api/v1/devices?platform= → {devices} (host, status, last heartbeat, host info). */
export const GET = route({ auth: "public", query: devicesQuery }, async ({ req, db, principal, query }) => {
  limitAnonymous(req, principal);
  return { devices: await listDeviceViews(db, query) };
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
