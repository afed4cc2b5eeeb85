import { otherMethods, route } from "@/lib/api/http";
import { setQuotaBody } from "@/lib/api/schemas/admin";
import { setTeamQuota } from "@/lib/services/quotas";

/** PUT /api/v1/admin/quotas {teamId, platform, deviceSeconds, month?} → {quota} (site admins, signed in). */
export const PUT = route({ auth: "admin", body: setQuotaBody }, async ({ db, principal, body }) => ({
  quota: await setTeamQuota(db, principal, body),
}));

export const { GET, HEAD, OPTIONS, POST, PATCH, DELETE } = otherMethods({ PUT });
