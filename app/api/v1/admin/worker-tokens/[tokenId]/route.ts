import { otherMethods, route } from "@/lib/api/http";
import { workerTokenParams } from "@/lib/api/schemas/admin";
import { revokeWorkerTokenById } from "@/lib/services/devices";

/** DELETE /api/v1/admin/worker-tokens/:tokenId → {token} revoked; its devices are disabled at once. */
export const DELETE = route({ auth: "admin", params: workerTokenParams }, async ({ db, principal, params }) => ({
  token: await revokeWorkerTokenById(db, principal, { id: params.tokenId }),
}));

export const { GET, HEAD, OPTIONS, POST, PUT, PATCH } = otherMethods({ DELETE });
