import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { listPlatformsWithStatus } from "@/lib/services/platforms";

/** GET /api/v1/platforms → {platforms} with their devices (status) and queue depth. */
export const GET = route({ auth: "public" }, async ({ req, db, principal }) => {
  limitAnonymous(req, principal);
  return { platforms: await listPlatformsWithStatus(db) };
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
