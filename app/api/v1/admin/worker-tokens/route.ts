import { json, otherMethods, route } from "@/lib/api/http";
import { createWorkerTokenBody } from "@/lib/api/schemas/admin";
import { issueWorkerToken, listWorkerTokenViews } from "@/lib/services/devices";

/** GET /api/v1/admin/worker-tokens → {tokens} (never secrets; site admins). */
export const GET = route({ auth: "admin" }, async ({ db, principal }) => ({ tokens: await listWorkerTokenViews(db, principal) }));

/** POST /api/v1/admin/worker-tokens {name, allowNewPlatforms?} → 201 {token, secret}: the secret is shown once. */
export const POST = route({ auth: "admin", body: createWorkerTokenBody }, async ({ db, principal, body }) =>
  json(await issueWorkerToken(db, principal, body), 201),
);

export const { HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ GET, POST });
